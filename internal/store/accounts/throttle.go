package accounts

import (
	"context"
	"time"
)

// DBLimiter is a throttle.Counter counted in the database (table
// throttle_counts, migration 0031), so that with several replicas on one
// PostgreSQL every limit is counted once for all of them. Each event is
// one upsert of one row per (limiter, key), atomic under the row's lock:
// concurrent events on any replicas are all counted, and Allow never lets
// more than the limit through. The window starts at the key's first event
// and the count restarts once it has passed, as in throttle.Limiter.
//
// Keys are stored as keyed hashes (vault.Check), never as the address,
// name or key id. Rows of ended windows are dropped by Sweep.
type DBLimiter struct {
	db     *Base
	name   string
	limit  int
	window time.Duration
}

// Limiter returns the database limiter called name (one per kind of limit:
// "signin.account", "key.address", ...), allowing limit events per window.
func (db *Base) Limiter(name string, limit int, window time.Duration) *DBLimiter {
	return &DBLimiter{db: db, name: name, limit: limit, window: window}
}

func (l *DBLimiter) key(k string) string { return l.db.v.Check("throttle\x00" + l.name + "\x00" + k) }

var (
	sqlThrottleRead = ("SELECT window_start, count FROM throttle_counts WHERE limiter = ? AND k = ?")
	sqlThrottleHit  = (`INSERT INTO throttle_counts (limiter, k, window_start, count) VALUES (?, ?, ?, 1)
 ON CONFLICT (limiter, k) DO UPDATE SET
 count = CASE WHEN throttle_counts.window_start <= ? THEN 1 ELSE throttle_counts.count + 1 END,
 window_start = CASE WHEN throttle_counts.window_start <= ? THEN excluded.window_start ELSE throttle_counts.window_start END`)
	// Allow counts up to limit+1 and no further: the event was allowed
	// when the count it returns is at most the limit.
	sqlThrottleAllow = (`INSERT INTO throttle_counts (limiter, k, window_start, count) VALUES (?, ?, ?, 1)
 ON CONFLICT (limiter, k) DO UPDATE SET
 count = CASE WHEN throttle_counts.window_start <= ? THEN 1
  WHEN throttle_counts.count <= ? THEN throttle_counts.count + 1 ELSE throttle_counts.count END,
 window_start = CASE WHEN throttle_counts.window_start <= ? THEN excluded.window_start ELSE throttle_counts.window_start END
 RETURNING window_start, count`)
	sqlThrottleSweep = ("DELETE FROM throttle_counts WHERE limiter = ? AND window_start <= ?")
)

func (l *DBLimiter) wait(start, now int64) time.Duration {
	d := time.Duration(start-now)*time.Millisecond + l.window
	if d < time.Second {
		return time.Second
	}
	return d
}

// Retry implements throttle.Counter.
func (l *DBLimiter) Retry(ctx context.Context, key string, now time.Time) (time.Duration, error) {
	var start, count int64
	err := l.db.QueryRow(ctx, sqlThrottleRead, l.name, l.key(key)).Scan(&start, &count)
	if err = mapErr(err); err == ErrNotFound {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	t := now.UnixMilli()
	if t-start >= l.window.Milliseconds() || count < int64(l.limit) {
		return 0, nil
	}
	return l.wait(start, t), nil
}

// Hit implements throttle.Counter.
func (l *DBLimiter) Hit(ctx context.Context, key string, now time.Time) error {
	t := now.UnixMilli()
	cutoff := t - l.window.Milliseconds()
	_, err := l.db.Exec(ctx, sqlThrottleHit, l.name, l.key(key), t, cutoff, cutoff)
	return err
}

// Allow implements throttle.Counter.
func (l *DBLimiter) Allow(ctx context.Context, key string, now time.Time) (bool, time.Duration, error) {
	t := now.UnixMilli()
	cutoff := t - l.window.Milliseconds()
	var start, count int64
	err := l.db.Write(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, sqlThrottleAllow, l.name, l.key(key), t, cutoff, int64(l.limit), cutoff).Scan(&start, &count)
	})
	if err != nil {
		return false, 0, err
	}
	if count <= int64(l.limit) {
		return true, 0, nil
	}
	return false, l.wait(start, t), nil
}

// Sweep drops the rows of ended windows; call it now and then (any one
// replica is enough).
func (l *DBLimiter) Sweep(ctx context.Context, now time.Time) error {
	_, err := l.db.Exec(ctx, sqlThrottleSweep, l.name, now.UnixMilli()-l.window.Milliseconds())
	return err
}

// DBKnown is a throttle.Known in the database (table signin_known): the
// addresses that signed in to each account, at most perAccount of them
// (the most recent), forgotten after ttl. Addresses are keyed hashes.
type DBKnown struct {
	db         *Base
	perAccount int
	ttl        time.Duration
}

// KnownAddresses returns the database's known-address list.
func (db *Base) KnownAddresses(perAccount int, ttl time.Duration) *DBKnown {
	return &DBKnown{db: db, perAccount: perAccount, ttl: ttl}
}

var (
	sqlKnownRead     = ("SELECT last_seen FROM signin_known WHERE user_id = ? AND k = ?")
	sqlKnownRemember = (`INSERT INTO signin_known (user_id, k, last_seen) VALUES (?, ?, ?)
 ON CONFLICT (user_id, k) DO UPDATE SET last_seen = excluded.last_seen`)
	sqlKnownTrim = (`DELETE FROM signin_known WHERE user_id = ? AND k NOT IN
 (SELECT k FROM signin_known WHERE user_id = ? ORDER BY last_seen DESC, k LIMIT ?)`)
)

func (k *DBKnown) key(addr string) string { return k.db.v.Check("known-address\x00" + addr) }

// Known implements throttle.Known. It runs the same query for a user id
// of 0 (no such user), so the time does not tell who exists.
func (k *DBKnown) Known(ctx context.Context, userID int64, addr string, now time.Time) (bool, error) {
	var seen int64
	err := k.db.QueryRow(ctx, sqlKnownRead, userID, k.key(addr)).Scan(&seen)
	if err = mapErr(err); err == ErrNotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return k.ttl <= 0 || now.UnixMilli()-seen < k.ttl.Milliseconds(), nil
}

// Remember implements throttle.Known.
func (k *DBKnown) Remember(ctx context.Context, userID int64, addr string, now time.Time) error {
	return k.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, sqlKnownRemember, userID, k.key(addr), now.UnixMilli()); err != nil {
			return mapErr(err)
		}
		_, err := tx.Exec(ctx, sqlKnownTrim, userID, userID, k.perAccount)
		return err
	})
}

var sqlKnownSweep = ("DELETE FROM signin_known WHERE last_seen <= ?")

// Sweep forgets the addresses not seen for longer than the list's ttl.
func (k *DBKnown) Sweep(ctx context.Context, now time.Time) error {
	if k.ttl <= 0 {
		return nil
	}
	_, err := k.db.Exec(ctx, sqlKnownSweep, now.UnixMilli()-k.ttl.Milliseconds())
	return err
}
