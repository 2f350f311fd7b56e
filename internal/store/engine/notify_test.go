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
	gl := g.Global().Load()
	g.apply(pending{global: true}.payload())
	g.apply("garbage")
	if g.Global().Load() != gl+2 {
		t.Fatal("global not bumped")
	}
}
