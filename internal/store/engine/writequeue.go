package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit for SQLite. SQLite has one writer; with synchronous=FULL
// every commit ends in an fsync of the WAL, which cost a set write more
// CPU than everything else it does (docs/performance.md). So write
// transactions queue for one writer goroutine, which takes every request
// waiting, opens ONE database transaction and hands it to each request in
// turn; each runs its function on its own goroutine inside its own
// SAVEPOINT (released on success, rolled back on error or panic, so a
// failed request leaves nothing behind while the others keep theirs); then
// the writer commits once and answers every request that succeeded with
// the commit's result. A request is acknowledged only after that commit
// (and its fsync) has returned: no acknowledged write can be lost, and a
// commit that fails fails every request of the batch. An idle writer
// starts a batch at once, so a lone write waits for no one.
//
// Inside a batch, statements ignore the request's cancellation: SQLite
// answers an interrupted write inside a transaction by rolling back the
// whole transaction, which would take the other requests' work with it.

// maxBatch bounds how many requests share one transaction.
const maxBatch = 128

type writeReq struct {
	ctx   context.Context
	state atomic.Int32 // reqWaiting, reqTaken (by the writer), reqAbandoned (by the caller)
	turn  chan turn    // writer -> caller: run now, on this transaction
	ran   chan int     // caller -> writer: ranOK, ranFailed or ranBroken
	done  chan error   // writer -> caller: the commit's result
}

const (
	reqWaiting int32 = iota
	reqTaken
	reqAbandoned
)

type turn struct {
	tx    *sql.Tx
	alone bool // the only request of its batch: no savepoint needed
	err   error
}

// writeQueue is the SQLite writer.
type writeQueue struct {
	reqs   chan *writeReq
	stop   chan struct{}
	closed chan struct{}
	once   sync.Once

	batches atomic.Int64 // transactions run (tests and the benchmark read it)
}

var errClosed = errors.New("store: database is closed")

func startWriter(db *Pool) {
	q := &writeQueue{reqs: make(chan *writeReq, 1024), stop: make(chan struct{}), closed: make(chan struct{})}
	db.wq = q
	go db.writer(q)
}

// stopWriter ends the writer after the batch in progress; requests still
// queued are answered errClosed.
func stopWriter(db *Pool) {
	q := db.wq
	if q == nil {
		return
	}
	q.once.Do(func() { close(q.stop) })
	<-q.closed
}

func (db *Pool) writer(q *writeQueue) {
	defer close(q.closed)
	for {
		var first *writeReq
		select {
		case first = <-q.reqs:
		case <-q.stop:
			for {
				select {
				case r := <-q.reqs:
					if r.state.CompareAndSwap(reqWaiting, reqTaken) {
						r.turn <- turn{err: errClosed}
					}
				default:
					return
				}
			}
		}
		batch := []*writeReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-q.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		db.runBatch(batch)
	}
}

// What a request reports after its turn.
const (
	ranOK     = iota // its work is in the transaction, awaiting the commit
	ranFailed        // it failed and rolled its own work back; the transaction is sound
	ranBroken        // the transaction is unusable: the batch must not commit
)

var errAborted = errors.New("store: write transaction aborted")

// runBatch runs the requests of one batch in one transaction.
func (db *Pool) runBatch(batch []*writeReq) {
	db.wq.batches.Add(1)
	tx, err := db.w.BeginTx(context.Background(), nil)
	var ok []*writeReq // requests whose work is in the transaction
	for _, r := range batch {
		if !r.state.CompareAndSwap(reqWaiting, reqTaken) {
			continue // the caller gave up while waiting
		}
		if err != nil { // no transaction, or this batch was aborted
			r.turn <- turn{err: err}
			continue
		}
		r.turn <- turn{tx: tx, alone: len(batch) == 1}
		switch <-r.ran {
		case ranOK:
			ok = append(ok, r)
		case ranBroken:
			tx.Rollback()
			err = errAborted
			for _, o := range ok {
				o.done <- err
			}
			ok = nil
			r.done <- err
		}
	}
	switch {
	case err != nil:
	case len(ok) == 0:
		// Nothing to keep (a lone request that failed has no savepoint
		// of its own: this rollback is its undo).
		tx.Rollback()
	default:
		err = tx.Commit()
	}
	for _, r := range ok {
		r.done <- err
	}
	prepareWanted(db, context.Background())
}

// writeQueued is Write for SQLite: see the top of this file.
func (db *Pool) writeQueued(ctx context.Context, fn func(tx *Tx) error) (err error) {
	r := &writeReq{ctx: ctx, turn: make(chan turn, 1), ran: make(chan int, 1), done: make(chan error, 1)}
	select {
	case <-db.wq.stop: // checked first: a send below may also be ready
		return errClosed
	default:
	}
	select {
	case db.wq.reqs <- r:
	case <-db.wq.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	var tn turn
	select {
	case tn = <-r.turn:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqWaiting, reqAbandoned) {
			return ctx.Err()
		}
		tn = <-r.turn // the writer took it first: it waits for us
	case <-db.wq.closed:
		// Queued as the writer stopped, after its last look at the queue.
		if r.state.CompareAndSwap(reqWaiting, reqAbandoned) {
			return errClosed
		}
		tn = <-r.turn
	}
	if tn.err != nil {
		return tn.err
	}
	t := &Tx{db: db, tx: tn.tx, batched: true}
	bg := context.Background()
	broken := func(err error) error {
		r.ran <- ranBroken
		<-r.done // the writer tells every request of the batch
		return err
	}
	// Savepoint statements go through t, so they are prepared once.
	if !tn.alone {
		if _, err := t.exec(bg, "SAVEPOINT w"); err != nil {
			return broken(err)
		}
	}
	// undo rolls our work back, on error and on panic.
	undo := func(ferr error) error {
		if !tn.alone {
			_, e1 := t.exec(bg, "ROLLBACK TO w")
			_, e2 := t.exec(bg, "RELEASE w")
			if e1 != nil || e2 != nil {
				return broken(ferr)
			}
		}
		r.ran <- ranFailed // alone: the writer rolls the transaction back
		return ferr
	}
	panicked := true
	defer func() {
		if panicked {
			undo(nil) // the panic goes on to the caller's recovery
		}
	}()
	ferr := fn(t)
	panicked = false
	if ferr != nil {
		return undo(ferr)
	}
	if !tn.alone {
		if _, err := t.exec(bg, "RELEASE w"); err != nil {
			return broken(fmt.Errorf("store: releasing savepoint: %w", err))
		}
	}
	r.ran <- ranOK
	err = <-r.done
	bump(db, t.pend) // after the commit: a reader that starts now sees it
	return err
}
