package throttle

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

var _ Counter = (*Limiter)(nil)
var _ Known = (*MemoryKnown)(nil)

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
	// A new window starts afresh.
	l.Add("a", t0.Add(time.Minute))
	if b, _ := l.Blocked("a", t0.Add(time.Minute)); b {
		t.Fatal("one event in a new window blocks")
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

func TestCounterInterfaceOnLimiter(t *testing.T) {
	ctx := context.Background()
	var l Counter = New(2, time.Minute)
	t0 := time.Unix(50, 0)
	for i := 0; i < 2; i++ {
		if d, err := l.Retry(ctx, "k", t0); d != 0 || err != nil {
			t.Fatalf("retry before limit: %v %v", d, err)
		}
		if err := l.Hit(ctx, "k", t0); err != nil {
			t.Fatal(err)
		}
	}
	if d, _ := l.Retry(ctx, "k", t0.Add(30*time.Second)); d != 30*time.Second {
		t.Fatalf("retry at limit: %v", d)
	}
	if ok, d, _ := l.Allow(ctx, "k", t0); ok || d != time.Minute {
		t.Fatalf("allow at limit: %v %v", ok, d)
	}
}

func TestSweep(t *testing.T) {
	l := New(1, time.Second)
	t0 := time.Unix(0, 0)
	for _, k := range []string{"a", "b", "c"} {
		l.Add(k, t0)
	}
	l.Add("d", t0.Add(1500*time.Millisecond))
	l.Sweep(t0.Add(2 * time.Second))
	if n := l.Len(); n != 1 {
		t.Fatalf("sweep left %d, want the one live key", n)
	}
}

// Issue 12: about a million keys filled the old table, and from then on
// every new sign-in was refused. Now memory stays bounded, a new key is
// always counted, and a key over its limit stays over it through the flood.
func TestFloodOfDistinctKeysBlocksNoOneAndFreesNoOne(t *testing.T) {
	t.Parallel() // beside the other flood; the heap-measuring test stays serial
	l := NewSized(10, 15*time.Minute, floodCapacity)
	t0 := time.Unix(10_000, 0)
	for i := 0; i < 10; i++ {
		l.Add("user:1", t0) // the victim's account, over its limit
	}
	for i := 0; i < floodKeys; i++ {
		l.Add("name:flood-"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Microsecond))
	}
	if n, c := l.Len(), l.Capacity(); n > c {
		t.Fatalf("%d keys held, capacity %d", n, c)
	}
	now := t0.Add(2 * time.Second)
	if b, _ := l.Blocked("user:2", now); b {
		t.Fatal("an innocent account is blocked after the flood")
	}
	if ok, _ := l.Take("mail:someone", now); !ok {
		t.Fatal("a new key is refused after the flood")
	}
	for i := 0; i < 9; i++ {
		l.Add("user:3", now)
	}
	if b, _ := l.Blocked("user:3", now); b {
		t.Fatal("a key under its limit is blocked")
	}
	l.Add("user:3", now)
	if b, _ := l.Blocked("user:3", now); !b {
		t.Fatal("a key counted after the flood is not limited")
	}
	if b, _ := l.Blocked("user:1", now); !b {
		t.Fatal("the flood evicted a blocked key: the attacker got a fresh window")
	}
}

func TestDefaultCapacityHoldsUnderAMillionKeys(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a million keys; skipped with -short and under the race detector (too slow there)")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := New(10, time.Hour)
	t0 := time.Unix(0, 0)
	for i := 0; i < 1_000_000; i++ {
		l.Add("k"+strconv.Itoa(i), t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// About 6 MiB measured; the old table held all million keys' text.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 24<<20 {
		t.Fatalf("a full limiter holds %d MiB", grown>>20)
	}
	runtime.KeepAlive(l)
	if n := l.Len(); n > DefaultCapacity || n < DefaultCapacity/2 {
		t.Fatalf("%d keys held, capacity %d", n, DefaultCapacity)
	}
	if b, _ := l.Blocked("fresh", t0); b {
		t.Fatal("fresh key blocked")
	}
}

func TestConcurrentUse(t *testing.T) {
	l := NewSized(1000, time.Hour, 256)
	t0 := time.Unix(0, 0)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := strconv.Itoa(g*100000 + i%300)
				l.Add(k, t0)
				l.Blocked(k, t0)
				l.Take("shared", t0)
			}
		}(g)
	}
	wg.Wait()
	if ok, _ := l.Take("shared", t0); ok {
		t.Fatal("16,000 takes against a limit of 1,000 and still allowed")
	}
	if n := l.Len(); n > l.Capacity() {
		t.Fatalf("%d > capacity %d", n, l.Capacity())
	}
}

// The throttle check on the request path: a ratio against a map lookup
// is what to compare, not a time.
func BenchmarkBlocked(b *testing.B) {
	l := New(10, time.Minute)
	now := time.Now()
	l.Add("user:1", now)
	for b.Loop() {
		l.Blocked("user:1", now)
	}
}

func BenchmarkBlockedParallel(b *testing.B) {
	l := New(10, time.Minute)
	now := time.Now()
	for i := 0; i < 1000; i++ {
		l.Add("user:"+strconv.Itoa(i), now)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Blocked("user:"+strconv.Itoa(i%1000), now)
			i++
		}
	})
}
