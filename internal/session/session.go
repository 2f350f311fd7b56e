// Package session issues sign-in sessions: a session row and the signed
// token naming it. Signing up (confirmation), signing in, links and a
// consent change all end by issuing one; revocation is in the store
// (Sessions().Revoke, RevokeOthers) and authentication in internal/api.
package session

import (
	"context"
	"time"

	"bobbin/internal/auth"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// Issuer records sessions and signs their tokens.
type Issuer struct {
	Tokens *auth.Tokens
	Now    func() time.Time
}

// Conn is where a session is recorded: the caller's write transaction.
type Conn interface {
	Sessions() store.Sessions
}

// Start records a new session of u on q for a sign-in happening now
// (password, link, MFA, signup confirmation) and answers its signed token.
func (is *Issuer) Start(ctx context.Context, q Conn, u *store.User) (string, error) {
	return is.start(ctx, q, u, is.Now())
}

// Continue is Start for a token that replaces the caller's (a consent
// change): the new session keeps the sign-in time of session jti, so it
// is no fresher a sign-in than the one it replaces.
func (is *Issuer) Continue(ctx context.Context, q Conn, u *store.User, jti string) (string, error) {
	at, err := q.Sessions().SignedInAt(ctx, jti)
	if err != nil {
		return "", err
	}
	return is.start(ctx, q, u, time.UnixMilli(at))
}

// Fresh is how long after a sign-in a password may be changed without
// the current one (auth.md).
const Fresh = 15 * time.Minute

// SignedInWithin reports whether session jti stands for a sign-in at most
// d before now (false for sessions that are not sign-ins).
func SignedInWithin(ctx context.Context, q Conn, jti string, now time.Time, d time.Duration) (bool, error) {
	if jti == "" {
		return false, nil
	}
	at, err := q.Sessions().SignedInAt(ctx, jti)
	if err != nil || at == 0 {
		return false, err
	}
	age := now.Sub(time.UnixMilli(at))
	return age >= -time.Minute && age <= d, nil
}

func (is *Issuer) start(ctx context.Context, q Conn, u *store.User, signedIn time.Time) (string, error) {
	jti := vault.Token(16)
	token, exp, err := is.Tokens.Issue(u.ID, u.Username, string(u.Role), int(u.Status), jti, is.Now())
	if err != nil {
		return "", err
	}
	if err := q.Sessions().CreateSignIn(ctx, jti, u.ID, exp.UnixMilli(), signedIn.UnixMilli()); err != nil {
		return "", err
	}
	return token, nil
}
