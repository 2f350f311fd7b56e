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
	// Record stripes come from the table's trigger, as name:id pairs, and
	// bump their own words only; a commit's payload leaves them out.
	set, owner := RowStripe("sets", 7), RowStripe("sets.user_id", 9)
	rs, ro, st := g.Record(set).Load(), g.Record(owner).Load(), g.Stripe(set).Load()
	g.apply("tsets:7,sets.user_id:9")
	if g.Record(set).Load() != rs+1 || g.Record(owner).Load() != ro+1 || g.Stripe(set).Load() != st {
		t.Fatalf("record stripes: %d %d %d, want %d %d %d", g.Record(set).Load(), g.Record(owner).Load(), g.Stripe(set).Load(), rs+1, ro+1, st)
	}
	if p := (pending{records: []uint64{set}}); !p.empty() {
		t.Fatalf("a commit that changed only records notifies %q", p.payload())
	}
	gl := g.Global().Load()
	g.apply(pending{global: true}.payload())
	g.apply("garbage")
	g.apply("s1,x2")
	g.apply("tsets:x")
	if g.Global().Load() != gl+4 {
		t.Fatal("global not bumped")
	}
}
