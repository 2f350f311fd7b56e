// Package audit is the account's security log: the events a request
// records (sign-ins, failures, key use, password, MFA and email changes,
// changes made by staff), and GET /account/audit that reads them back.
package audit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Log records security events.
type Log struct {
	db  Store
	log *slog.Logger
	now func() time.Time

	keyUses keyUseLog
}

// Store is what the log needs of the database.
type Store interface {
	Audit() store.Audit
}

// New builds the log.
func New(db Store, log *slog.Logger, now func() time.Time) *Log {
	return &Log{db: db, log: log, now: now}
}

// Event builds an event for the request in ctx: its caller's method and
// the client address.
func (l *Log) Event(ctx context.Context, userID int64, name, detail string) store.AuditEvent {
	method := "none"
	if c := httpx.CallerOf(ctx); c != nil {
		method = string(c.Method)
	}
	return store.AuditEvent{UserID: userID, At: l.now().UnixMilli(), Event: name, Method: method, IP: httpx.IP(ctx), Detail: detail}
}

// Record writes an event outside any transaction; a failure is logged,
// never answered (the action itself already happened).
func (l *Log) Record(ctx context.Context, userID int64, name, detail string) {
	if err := l.db.Audit().Add(ctx, l.Event(ctx, userID, name, detail)); err != nil {
		l.log.Warn("audit write failed", "event", name, "err", err)
	}
}

// In writes an event inside the transaction tx: it is kept only if the
// change it records commits.
func (l *Log) In(ctx context.Context, tx *store.Tx, userID int64, name, detail string) error {
	return tx.Audit().Add(ctx, l.Event(ctx, userID, name, detail))
}

// Foreign records, in the owner's log and inside tx, a change made to
// their data by someone else (support staff); nothing when the caller is
// the owner.
func (l *Log) Foreign(ctx context.Context, tx *store.Tx, owner int64, event, detail string) error {
	c := httpx.CallerOf(ctx)
	if c == nil || c.UserID == owner {
		return nil
	}
	return l.In(ctx, tx, owner, event, detail+" by user "+httpx.Itoa(c.UserID))
}

// keyUseInterval is how often a key's use is written to the log.
const keyUseInterval = time.Hour

// KeyUsed records "apikey.used" for an authenticated key call at most once
// per key per keyUseInterval. A failed write is logged, never answered.
func (l *Log) KeyUsed(ctx context.Context, userID int64, keyID, ip string, now time.Time) {
	if !l.keyUses.due(keyID, now) {
		return
	}
	e := store.AuditEvent{UserID: userID, At: now.UnixMilli(), Event: "apikey.used", Method: string(httpx.MethodKey), IP: ip, Detail: keyID}
	if err := l.db.Audit().Add(ctx, e); err != nil {
		l.log.Warn("audit write failed", "event", e.Event, "err", err)
	}
}

// keyUseLog remembers when each key's use was last recorded, so that an
// "apikey.used" event costs one write per key per hour, not one per
// request. After a restart a key's next use is recorded again.
type keyUseLog struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether the key's use should be recorded now, and notes it.
func (k *keyUseLog) due(keyID string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.last == nil {
		k.last = map[string]time.Time{}
	}
	if t, ok := k.last[keyID]; ok && now.Sub(t) < keyUseInterval {
		return false
	}
	if len(k.last) >= 10_000 { // bound the memory: forget what is stale
		for id, t := range k.last {
			if now.Sub(t) >= keyUseInterval {
				delete(k.last, id)
			}
		}
	}
	k.last[keyID] = now
	return true
}
