package throttle

import (
	"testing"
	"time"
)

func TestBlockedAfterLimitUntilWindowEnds(t *testing.T) {
	l := New(3, time.Minute)
	t0 := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if b, _ := l.Blocked("a", t0); b {
			t.Fatalf("blocked after %d", i)
		}
		l.Add("a", t0.Add(time.Duration(i)*time.Second))
	}
	b, d := l.Blocked("a", t0.Add(10*time.Second))
	if !b || d != 50*time.Second {
		t.Fatalf("want blocked 50s, got %v %v", b, d)
	}
	if b, _ := l.Blocked("other", t0); b {
		t.Fatal("keys not separate")
	}
	if b, _ := l.Blocked("a", t0.Add(time.Minute)); b {
		t.Fatal("still blocked after the window")
	}
}

func TestTake(t *testing.T) {
	l := New(2, time.Hour)
	t0 := time.Unix(0, 0)
	ok1, _ := l.Take("r", t0)
	ok2, _ := l.Take("r", t0)
	ok3, d := l.Take("r", t0.Add(time.Minute))
	if !ok1 || !ok2 || ok3 || d != 59*time.Minute {
		t.Fatalf("take: %v %v %v %v", ok1, ok2, ok3, d)
	}
	if ok, _ := l.Take("r", t0.Add(time.Hour)); !ok {
		t.Fatal("not allowed in the next window")
	}
}

func TestSweep(t *testing.T) {
	l := New(1, time.Second)
	t0 := time.Unix(0, 0)
	for _, k := range []string{"a", "b", "c"} {
		l.Add(k, t0)
	}
	l.Sweep(t0.Add(2 * time.Second))
	if len(l.m) != 0 {
		t.Fatalf("sweep left %d", len(l.m))
	}
}
