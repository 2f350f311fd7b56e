// Package activity counts authenticated calls in memory and writes them
// behind, in one transaction every few seconds, so no request waits on a
// database write for its counters. Stop flushes what is left.
package activity

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"bobbin/internal/store"
)

// Flusher is the storage the recorder writes to.
type Flusher interface {
	Flush(ctx context.Context, users map[int64]store.UserActivity, keys map[string]store.KeyActivity) error
}

// Recorder accumulates counters.
type Recorder struct {
	db  Flusher
	log *slog.Logger

	mu    sync.Mutex
	users map[int64]store.UserActivity
	keys  map[string]store.KeyActivity

	flushMu sync.Mutex // one flush at a time
}

// New makes a recorder.
func New(db Flusher, log *slog.Logger) *Recorder {
	return &Recorder{db: db, log: log, users: map[int64]store.UserActivity{}, keys: map[string]store.KeyActivity{}}
}

// JWT counts one token call.
func (r *Recorder) JWT(userID int64, now int64) {
	r.mu.Lock()
	a := r.users[userID]
	a.JWTCalls++
	a.LastSeen = max(a.LastSeen, now)
	r.users[userID] = a
	r.mu.Unlock()
}

// Key counts one key call for the key and its owner.
func (r *Recorder) Key(userID int64, keyID string, now int64) {
	r.mu.Lock()
	a := r.users[userID]
	a.KeyCalls++
	a.LastSeen = max(a.LastSeen, now)
	r.users[userID] = a
	k := r.keys[keyID]
	k.Calls++
	k.LastSeen = max(k.LastSeen, now)
	r.keys[keyID] = k
	r.mu.Unlock()
}

// Flush writes everything counted so far. On failure the counts are put
// back, to be tried again at the next flush.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	users, keys := r.users, r.keys
	r.users, r.keys = map[int64]store.UserActivity{}, map[string]store.KeyActivity{}
	r.mu.Unlock()
	err := r.db.Flush(ctx, users, keys)
	if err != nil {
		r.mu.Lock()
		for id, a := range users {
			b := r.users[id]
			b.JWTCalls += a.JWTCalls
			b.KeyCalls += a.KeyCalls
			b.LastSeen = max(b.LastSeen, a.LastSeen)
			r.users[id] = b
		}
		for id, a := range keys {
			b := r.keys[id]
			b.Calls += a.Calls
			b.LastSeen = max(b.LastSeen, a.LastSeen)
			r.keys[id] = b
		}
		r.mu.Unlock()
	}
	return err
}

// Run flushes every interval until ctx ends.
func (r *Recorder) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Flush(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("activity flush failed; will retry", "err", err)
			}
		}
	}
}
