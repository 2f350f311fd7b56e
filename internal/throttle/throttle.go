// Package throttle counts events per key in windows: failed sign-ins per
// account and per address, failed key authentications per address, mails
// sent. A key over its limit stays blocked until its window ends, never
// longer, so an attacker cannot lock a real user out beyond one window.
//
// Counter is the interface the policies (policy.go) count with. Limiter
// is the in-process implementation, for one process (SQLite), and keeps
// the name and the methods (Blocked, Add, Take, Sweep) the handlers hold
// it by; the store package has one in the database (store.DBLimiter),
// counted once for every replica on PostgreSQL.
//
// Limiter is bounded: a fixed number of entries, each of fixed size (the key
// is kept as a 64-bit keyed hash, never as the text). A new key is never
// refused: when its shard is full, an entry is evicted, chosen among a few
// sampled ones as the expired one or else the one with the fewest events,
// so a flood of distinct keys (each with one event) evicts its own entries
// and neither blocks the sign-ins of others nor frees a blocked key.
package throttle

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Counter allows a number of events per key per window. Keys are opaque
// strings; an implementation may store them hashed.
type Counter interface {
	// Retry reports how long key stays over its limit; 0 when it is under.
	Retry(ctx context.Context, key string, now time.Time) (time.Duration, error)
	// Hit counts one event for key.
	Hit(ctx context.Context, key string, now time.Time) error
	// Allow counts one event if key is under its limit (for actions
	// limited in themselves, such as mail), atomically; else it reports
	// how long to wait.
	Allow(ctx context.Context, key string, now time.Time) (ok bool, retry time.Duration, err error)
}

// DefaultCapacity is the number of keys a Limiter made by New holds (about
// 64 bytes each, so a few MiB per limiter at most).
const DefaultCapacity = 1 << 17

const (
	shards = 64
	sample = 8 // entries looked at to choose one to evict
)

// Limiter is the in-process Counter: Limit events per key per Window, a
// window starting at the key's first event.
type Limiter struct {
	Limit  int
	Window time.Duration

	seed     maphash.Seed
	perShard int
	sh       [shards]shard
	refused  atomic.Uint64 // Blocked answered true, Take answered false
}

// Refused is how many times this limiter has refused (for the metrics).
func (l *Limiter) Refused() uint64 { return l.refused.Load() }

type shard struct {
	mu sync.Mutex
	m  map[uint64]*entry
}

type entry struct {
	count int
	start int64 // UnixNano of the window's first event
}

// New makes a limiter holding at most DefaultCapacity keys.
func New(limit int, window time.Duration) *Limiter { return NewSized(limit, window, DefaultCapacity) }

// NewSized makes a limiter holding at most capacity keys (rounded up to a
// multiple of the shard count).
func NewSized(limit int, window time.Duration, capacity int) *Limiter {
	per := max(sample, (capacity+shards-1)/shards)
	l := &Limiter{Limit: limit, Window: window, seed: maphash.MakeSeed(), perShard: per}
	for i := range l.sh {
		l.sh[i].m = map[uint64]*entry{}
	}
	return l
}

// Capacity is the most keys the limiter holds.
func (l *Limiter) Capacity() int { return l.perShard * shards }

// Len is the number of keys held now.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.sh {
		s := &l.sh[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

func (l *Limiter) locate(key string) (*shard, uint64) {
	h := maphash.String(l.seed, key)
	return &l.sh[h%shards], h
}

func (l *Limiter) expired(e *entry, now int64) bool { return now-e.start >= int64(l.Window) }

// get returns key's live entry, creating it when create is set. Caller
// holds s.mu.
func (l *Limiter) get(s *shard, h uint64, now int64, create bool) *entry {
	e := s.m[h]
	if e != nil && l.expired(e, now) {
		if !create {
			delete(s.m, h)
			return nil
		}
		e.count, e.start = 0, now
		return e
	}
	if e == nil && create {
		if len(s.m) >= l.perShard {
			l.evict(s, now)
		}
		e = &entry{start: now}
		s.m[h] = e
	}
	return e
}

// evict drops one entry among a few sampled: an expired one if any, else
// the one with the fewest events (the oldest on a tie). Map iteration
// starts at a random place, so the sample is not the attacker's choice.
func (l *Limiter) evict(s *shard, now int64) {
	var victim uint64
	var best *entry
	n := 0
	for h, e := range s.m {
		if l.expired(e, now) {
			victim, best = h, e
			break
		}
		if best == nil || e.count < best.count || (e.count == best.count && e.start < best.start) {
			victim, best = h, e
		}
		if n++; n == sample {
			break
		}
	}
	if best != nil {
		delete(s.m, victim)
	}
}

func (l *Limiter) retryAt(e *entry, now int64) time.Duration {
	return retry(time.Duration(e.start + int64(l.Window) - now))
}

// Blocked reports whether key has used its limit, and for how long.
func (l *Limiter) Blocked(key string, now time.Time) (bool, time.Duration) {
	s, h := l.locate(key)
	t := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := l.get(s, h, t, false)
	if e == nil || e.count < l.Limit {
		return false, 0
	}
	l.refused.Add(1)
	return true, l.retryAt(e, t)
}

// Add counts one event for key.
func (l *Limiter) Add(key string, now time.Time) {
	s, h := l.locate(key)
	t := now.UnixNano()
	s.mu.Lock()
	l.get(s, h, t, true).count++
	s.mu.Unlock()
}

// Take counts one event if the key is under its limit and reports whether
// it was allowed (for actions limited in themselves, such as mail).
func (l *Limiter) Take(key string, now time.Time) (bool, time.Duration) {
	s, h := l.locate(key)
	t := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := l.get(s, h, t, true)
	if e.count >= l.Limit {
		l.refused.Add(1)
		return false, l.retryAt(e, t)
	}
	e.count++
	return true, 0
}

// Retry implements Counter.
func (l *Limiter) Retry(_ context.Context, key string, now time.Time) (time.Duration, error) {
	_, d := l.Blocked(key, now)
	return d, nil
}

// Hit implements Counter.
func (l *Limiter) Hit(_ context.Context, key string, now time.Time) error {
	l.Add(key, now)
	return nil
}

// Allow implements Counter.
func (l *Limiter) Allow(_ context.Context, key string, now time.Time) (bool, time.Duration, error) {
	ok, d := l.Take(key, now)
	return ok, d, nil
}

// Sweep drops expired entries; call it now and then.
func (l *Limiter) Sweep(now time.Time) {
	t := now.UnixNano()
	for i := range l.sh {
		s := &l.sh[i]
		s.mu.Lock()
		for h, e := range s.m {
			if l.expired(e, t) {
				delete(s.m, h)
			}
		}
		s.mu.Unlock()
	}
}

func retry(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d
}
