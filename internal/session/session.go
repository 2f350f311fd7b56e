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

// Start records a new session of u on q and answers its signed token.
func (is *Issuer) Start(ctx context.Context, q Conn, u *store.User) (string, error) {
	jti := vault.Token(16)
	token, exp, err := is.Tokens.Issue(u.ID, u.Username, string(u.Role), int(u.Status), jti, is.Now())
	if err != nil {
		return "", err
	}
	if err := q.Sessions().Create(ctx, jti, u.ID, exp.UnixMilli()); err != nil {
		return "", err
	}
	return token, nil
}
