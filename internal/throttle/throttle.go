// Package throttle counts events per key in fixed windows: failed sign-ins
// per account and per address, failed key authentications, mails sent. A
// key over its limit stays blocked until its window ends, never longer, so
// an attacker cannot lock a real user out beyond one window.
//
// Counts live in this process's memory: with several replicas each one
// counts on its own (see docs/design.md).
package throttle

import (
	"sync"
	"time"
)

// maxKeys bounds memory under a flood of distinct keys; when full, expired
// entries are swept and, failing that, new keys are refused (fail closed).
const maxKeys = 1 << 20

// Limiter allows Limit events per key per Window.
type Limiter struct {
	Limit  int
	Window time.Duration

	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	count int
	start time.Time
}

// New makes a limiter.
func New(limit int, window time.Duration) *Limiter {
	return &Limiter{Limit: limit, Window: window, m: map[string]*entry{}}
}

func (l *Limiter) get(key string, now time.Time, create bool) *entry {
	e := l.m[key]
	if e != nil && now.Sub(e.start) >= l.Window {
		delete(l.m, key)
		e = nil
	}
	if e == nil && create {
		if len(l.m) >= maxKeys {
			l.sweep(now)
			if len(l.m) >= maxKeys {
				return nil
			}
		}
		e = &entry{start: now}
		l.m[key] = e
	}
	return e
}

func (l *Limiter) sweep(now time.Time) {
	for k, e := range l.m {
		if now.Sub(e.start) >= l.Window {
			delete(l.m, k)
		}
	}
}

// Blocked reports whether key has used its limit, and for how long.
func (l *Limiter) Blocked(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.get(key, now, false)
	if e == nil || e.count < l.Limit {
		return false, 0
	}
	return true, retry(e.start.Add(l.Window).Sub(now))
}

// Add counts one event for key.
func (l *Limiter) Add(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.get(key, now, true); e != nil {
		e.count++
	}
}

// Take counts one event if the key is under its limit and reports whether
// it was allowed (for actions limited in themselves, such as mail).
func (l *Limiter) Take(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.get(key, now, true)
	if e == nil {
		return false, l.Window
	}
	if e.count >= l.Limit {
		return false, retry(e.start.Add(l.Window).Sub(now))
	}
	e.count++
	return true, 0
}

// Sweep drops expired entries; call it now and then.
func (l *Limiter) Sweep(now time.Time) {
	l.mu.Lock()
	l.sweep(now)
	l.mu.Unlock()
}

func retry(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d
}
