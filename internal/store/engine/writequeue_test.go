package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func countRows(t *testing.T, db *Pool, name string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM meta WHERE k = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func insertMeta(ctx context.Context, tx *Tx, k string) error {
	_, err := tx.Exec(ctx, "INSERT INTO meta (k, v) VALUES (?, ?)", k, "x")
	return err
}

// Requests that queue behind a running transaction share the next one;
// inside it, a failing or panicking request leaves nothing behind and the
// others are committed; a request given up while queued never runs.
func TestGroupCommitIsolatesRequests(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Write(ctx, func(tx *Tx) error {
			close(held)
			<-hold // keep the writer busy while the others queue
			return insertMeta(ctx, tx, "first")
		})
	}()
	<-held
	before := db.wq.batches.Load()

	const n = 12
	boom := errors.New("boom")
	results := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	cctx, cancel := context.WithCancel(ctx)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			c := ctx
			if i == 3 {
				c = cctx // gives up while queued
			}
			results[i] = db.Write(c, func(tx *Tx) error {
				if err := insertMeta(ctx, tx, fmt.Sprint("r", i)); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return boom
				case 2:
					panic("request panicked")
				}
				return nil
			})
		}()
	}
	waitQueued(t, db, n)
	cancel()
	time.Sleep(20 * time.Millisecond) // let request 3 notice
	close(hold)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		want := 1
		switch {
		case i == 3:
			if !errors.Is(results[i], context.Canceled) {
				t.Errorf("request 3 (cancelled while queued): %v", results[i])
			}
			want = 0
		case i%4 == 1:
			if !errors.Is(results[i], boom) {
				t.Errorf("request %d: %v, want boom", i, results[i])
			}
			want = 0
		case i%4 == 2:
			if panics[i] != "request panicked" {
				t.Errorf("request %d: panic %v not passed on", i, panics[i])
			}
			want = 0
		default:
			if results[i] != nil {
				t.Errorf("request %d: %v", i, results[i])
			}
		}
		if got := countRows(t, db, fmt.Sprint("r", i)); got != want {
			t.Errorf("request %d: %d rows, want %d", i, got, want)
		}
	}
	if got := countRows(t, db, "first"); got != 1 {
		t.Fatal("first request's row missing")
	}
	if b := db.wq.batches.Load() - before; b >= n-1 {
		t.Fatalf("%d transactions for %d queued requests: no grouping", b, n)
	}
}

// waitQueued waits until n requests sit in the writer's queue.
func waitQueued(t *testing.T, db *Pool, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(db.wq.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d requests queued", len(db.wq.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A write acknowledged is readable by every connection at once, and Close
// answers what is still queued instead of hanging.
func TestGroupCommitVisibilityAndClose(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := fmt.Sprint("v", i)
			if err := db.Write(ctx, func(tx *Tx) error { return insertMeta(ctx, tx, k) }); err != nil {
				t.Error(err)
				return
			}
			if countRows(t, db, k) != 1 {
				t.Errorf("%s acknowledged but not visible", k)
			}
		}()
	}
	wg.Wait()
	hold := make(chan struct{})
	go db.Write(ctx, func(tx *Tx) error { <-hold; return nil })
	time.Sleep(10 * time.Millisecond)
	queued := make(chan error, 1)
	go func() { queued <- db.Write(ctx, func(tx *Tx) error { return insertMeta(ctx, tx, "late") }) }()
	waitQueued(t, db, 1)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	time.Sleep(10 * time.Millisecond)
	close(hold)
	select {
	case err := <-queued:
		if err != nil && !errors.Is(err, errClosed) {
			t.Fatalf("queued write at close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("queued write hung at Close")
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
}

// A request alone in its batch runs without a savepoint: its failure or
// panic must still leave nothing behind.
func TestGroupCommitLoneFailure(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	if err := db.Write(ctx, func(tx *Tx) error {
		if err := insertMeta(ctx, tx, "lone-fail"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic not passed on")
			}
		}()
		db.Write(ctx, func(tx *Tx) error {
			insertMeta(ctx, tx, "lone-panic")
			panic("lone")
		})
	}()
	if err := db.Write(ctx, func(tx *Tx) error { return insertMeta(ctx, tx, "lone-ok") }); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]int{"lone-fail": 0, "lone-panic": 0, "lone-ok": 1} {
		if got := countRows(t, db, k); got != want {
			t.Errorf("%s: %d rows, want %d", k, got, want)
		}
	}
}

// DB.Exec outside a transaction goes through the queue too: concurrent
// ones share commits, and each is still its own atomic statement.
func TestExecSharesCommits(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	hold := make(chan struct{})
	go db.Write(ctx, func(tx *Tx) error { <-hold; return nil })
	time.Sleep(10 * time.Millisecond)
	before := db.wq.batches.Load()
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := fmt.Sprint("e", i)
			if i == 5 {
				k = "ready" // exists: a unique violation, for this statement alone
			}
			_, errs[i] = db.Exec(ctx, "INSERT INTO meta (k, v) VALUES (?, ?)", k, "x")
		}()
	}
	waitQueued(t, db, 10)
	close(hold)
	wg.Wait()
	for i, err := range errs {
		if (i == 5) != (err != nil) {
			t.Errorf("exec %d: %v", i, err)
		}
		if i != 5 && countRows(t, db, fmt.Sprint("e", i)) != 1 {
			t.Errorf("exec %d: row missing", i)
		}
	}
	if b := db.wq.batches.Load() - before; b > 3 {
		t.Fatalf("%d transactions for 10 queued statements", b)
	}
}

// A write after Close is refused at once, never left waiting.
func TestWriteAfterClose(t *testing.T) {
	db := openTest(t)
	db.Close()
	for range 100 {
		done := make(chan error, 1)
		go func() { done <- db.Write(context.Background(), func(tx *Tx) error { return nil }) }()
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("write after Close succeeded")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("write after Close hangs")
		}
	}
}
