package engine

import (
	"sync/atomic"
	"testing"
)

func TestPayloadRoundTrip(t *testing.T) {
	g := &Gens{words: make([]atomic.Uint64, gensWords)}
	p := pending{stripes: []uint64{UserStripe(7), CredStripe("k")}}
	before := g.Stripe(UserStripe(7)).Load()
	g.apply(p.payload())
	if g.Stripe(UserStripe(7)).Load() == before {
		t.Fatal("stripe not bumped")
	}
	// Record stripes travel with a prefix and bump their own words only.
	set, owner := RowStripe("sets", 7), RowStripe("sets.user_id", 7)
	rs, ro, st := g.Record(set).Load(), g.Record(owner).Load(), g.Stripe(set).Load()
	g.apply(pending{records: []uint64{set, owner}}.payload())
	g.apply(pending{stripes: []uint64{UserStripe(8)}, records: []uint64{set}}.payload())
	if g.Record(set).Load() != rs+2 || g.Record(owner).Load() != ro+1 || g.Stripe(set).Load() != st {
		t.Fatalf("record stripes: %d %d %d, want %d %d %d", g.Record(set).Load(), g.Record(owner).Load(), g.Stripe(set).Load(), rs+2, ro+1, st)
	}
	gl := g.Global().Load()
	g.apply(pending{global: true}.payload())
	g.apply("garbage")
	g.apply("s1,x2") // as a replica that does not know a field reads it
	if g.Global().Load() != gl+3 {
		t.Fatal("global not bumped")
	}
}
