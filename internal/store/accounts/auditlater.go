package accounts

import (
	"context"
	"sync"
	"time"
)

// laterWrites tracks audit events written off the request path. Readers
// of a user's audit wait for that user's pending events, and Close waits
// for all of them, so writing later loses nothing and hides nothing.
type laterWrites struct {
	mu      sync.Mutex
	cond    sync.Cond // L is set on first use
	pending map[int64]int
	total   int
}

func (l *laterWrites) lockInit() {
	l.mu.Lock()
	if l.cond.L == nil {
		l.cond.L = &l.mu
		l.pending = map[int64]int{}
	}
}

// wait blocks until no event of userID (every user when userID is 0) is
// pending. Each write is bounded by its own timeout, so this ends.
func (l *laterWrites) wait(userID int64) {
	l.lockInit()
	for (userID == 0 && l.total > 0) || (userID != 0 && l.pending[userID] > 0) {
		l.cond.Wait()
	}
	l.mu.Unlock()
}

// AddAuditLater records an event without making the caller wait for the
// write. A failed sign-in of a known account uses it: written in the
// request, the event would make that answer slower than the same failure
// for an unknown account, and the time would tell who has an account.
// onErr (may be nil) hears of a failed write.
func (st Audit) AddLater(e AuditEvent, onErr func(error)) {
	db := st.db
	if e.At == 0 {
		e.At = Now()
	}
	l := &db.later
	l.lockInit()
	l.pending[e.UserID]++
	l.total++
	l.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := (Audit{conn{db, db}}).Add(ctx, e)
		cancel()
		l.lockInit()
		if l.pending[e.UserID]--; l.pending[e.UserID] <= 0 {
			delete(l.pending, e.UserID)
		}
		l.total--
		l.cond.Broadcast()
		l.mu.Unlock()
		if err != nil && onErr != nil {
			onErr(err)
		}
	}()
}
