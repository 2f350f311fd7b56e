package signin

import (
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/throttle"
)

// Limits are the per-address limits of the sign-in methods that start
// with an unauthenticated request storing a row (a provider's state, a
// passkey ceremony): Begins counts those starts, Fails the failed
// finishes (shared with the password sign-in's address throttle).
type Limits struct {
	Begins *throttle.Limiter
	Fails  *throttle.Limiter
}

// Begin counts one start from ip, or answers 429 when there were too many.
func (l Limits) Begin(ip string, now time.Time) error {
	if l.Begins == nil {
		return nil
	}
	if ok, d := l.Begins.Take(ip, now); !ok {
		return apierr.TooManyRequests.Retry(d)
	}
	return nil
}

// Blocked answers 429 when ip failed too often.
func (l Limits) Blocked(ip string, now time.Time) error {
	if l.Fails == nil {
		return nil
	}
	return Refuse(l.Fails, ip, now)
}

// Failed counts a failed finish from ip when err is one of codes.
func (l Limits) Failed(ip string, now time.Time, err error, codes ...apierr.Code) {
	if l.Fails == nil || err == nil {
		return
	}
	c, _, ok := apierr.From(err)
	if !ok {
		return
	}
	for _, x := range codes {
		if c == x {
			l.Fails.Add(ip, now)
			return
		}
	}
}
