package activity

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"bobbin/internal/store"
)

// flaky fails its first flush, then records what it is given.
type flaky struct {
	mu    sync.Mutex
	fails int
	users map[int64]store.UserActivity
	keys  map[string]store.KeyActivity
}

func (f *flaky) Flush(_ context.Context, u map[int64]store.UserActivity, k map[string]store.KeyActivity) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return errors.New("database away")
	}
	for id, a := range u {
		b := f.users[id]
		b.JWTCalls += a.JWTCalls
		b.KeyCalls += a.KeyCalls
		b.LastSeen = max(b.LastSeen, a.LastSeen)
		f.users[id] = b
	}
	for id, a := range k {
		b := f.keys[id]
		b.Calls += a.Calls
		b.LastSeen = max(b.LastSeen, a.LastSeen)
		f.keys[id] = b
	}
	return nil
}

func TestFailedFlushKeepsCountsForTheNext(t *testing.T) {
	f := &flaky{fails: 1, users: map[int64]store.UserActivity{}, keys: map[string]store.KeyActivity{}}
	r := New(f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.JWT(1, 100)
	r.Key(1, "k", 200)
	if err := r.Flush(context.Background()); err == nil {
		t.Fatal("first flush should fail")
	}
	r.JWT(1, 150)
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if u := f.users[1]; u.JWTCalls != 2 || u.KeyCalls != 1 || u.LastSeen != 200 {
		t.Fatalf("user counts %+v", u)
	}
	if k := f.keys["k"]; k.Calls != 1 || k.LastSeen != 200 {
		t.Fatalf("key counts %+v", k)
	}
}

func TestConcurrentCountsAreAllFlushed(t *testing.T) {
	f := &flaky{users: map[int64]store.UserActivity{}, keys: map[string]store.KeyActivity{}}
	r := New(f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				r.Key(7, "key", int64(i))
				if i%100 == 0 {
					r.Flush(context.Background())
				}
			}
		}()
	}
	wg.Wait()
	r.Flush(context.Background())
	if f.users[7].KeyCalls != 4000 || f.keys["key"].Calls != 4000 {
		t.Fatalf("lost counts: %+v %+v", f.users[7], f.keys["key"])
	}
}
