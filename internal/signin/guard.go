package signin

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
	"bobbin/internal/throttle"
)

// Guard applies the sign-in policy (throttle.SignIn, auth.md "Abuse
// limits") to every way a password or second factor is tried: others'
// failures never make the owner's right credentials fail. Known addresses
// and browsers with a device cookie are limited per (account, address or
// device); strangers per account and per address.
type Guard struct {
	Policy  *throttle.SignIn
	Devices *auth.DeviceCookies // nil: no device cookies
	Log     *slog.Logger
}

// Attempt describes one attempt on u (nil when no such user; typed is the
// name as typed). r may be nil (no device cookie then).
func (g *Guard) Attempt(ctx context.Context, r *http.Request, u *store.User, typed string, now time.Time) *throttle.Attempt {
	a := &throttle.Attempt{Account: AccountKey(u, typed), Address: httpx.IP(ctx)}
	if u != nil {
		a.UserID = u.ID
		if g.Devices != nil && r != nil {
			if n, ok := g.Devices.Verify(r, u.ID, now); ok {
				a.Device = n
			}
		}
	}
	return a
}

// Check answers 429 with Retry-After when the attempt is over a limit;
// it runs before any hashing.
func (g *Guard) Check(ctx context.Context, a *throttle.Attempt, now time.Time) error {
	d, err := g.Policy.Check(ctx, a, now)
	if err != nil {
		return err
	}
	if d > 0 {
		return apierr.TooManyRequests.Retry(d)
	}
	return nil
}

// Failed counts a failed attempt. A counter that cannot count is logged:
// the answer (a refusal) is the same either way.
func (g *Guard) Failed(ctx context.Context, a *throttle.Attempt, now time.Time) {
	if err := g.Policy.Failed(ctx, a, now); err != nil {
		g.Log.Warn("sign-in throttle: counting a failure failed", "err", err)
	}
}

// Succeeded remembers the address for the account and, when w is not nil,
// sets a fresh device cookie for the browser.
func (g *Guard) Succeeded(ctx context.Context, w http.ResponseWriter, a *throttle.Attempt, now time.Time) {
	if err := g.Policy.Succeeded(ctx, a, now); err != nil {
		g.Log.Warn("sign-in throttle: remembering the address failed", "err", err)
	}
	if g.Devices == nil || w == nil || a.UserID == 0 {
		return
	}
	c, err := g.Devices.Issue(a.UserID, now)
	if err != nil {
		g.Log.Warn("device cookie not issued", "err", err)
		return
	}
	http.SetCookie(w, c)
}
