package api

// Credentials imported from FreeSewing (`bobbin import freesewing`,
// internal/fsimport) keep working: API keys whose secret upstream hashed
// its own way, and sign-in tokens upstream signed. authn.go calls the two
// functions here from two marked lines; nothing else in the request path
// changes, and a deployment that never imported never reaches them past a
// cheap check.

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"bobbin/internal/auth"
	"bobbin/internal/store"
)

// legacyKey checks secret against upstream's hash of an imported key's
// secret, once: on a match the key gets Bobbin's keyed hash, so its next
// request costs an HMAC, not a scrypt. Called only for a key whose stored
// hash is store.LegacyKeyMarker. The scrypt runs in the password pool, so a
// flood of such requests waits or is refused (ErrBusy) instead of
// exhausting memory; the per-key and per-address throttles run before.
func (s *Server) legacyKey(ctx context.Context, keyID, secret string) bool {
	legacy, err := s.DB.Import().LegacyKeySecret(ctx, keyID)
	if err != nil || legacy == "" {
		return false
	}
	ok, _, err := s.Hasher.Verify(ctx, secret, legacy)
	if err != nil || !ok {
		return false
	}
	if err := s.DB.Import().UpgradeLegacyKey(context.WithoutCancel(ctx), keyID, legacy, s.Secrets.Hash(secret)); err != nil {
		// The secret is right; the next use tries the upgrade again.
		s.Log.Warn("imported key: storing its new hash failed", "key", keyID, "err", err)
	}
	return true
}

// legacyJWT accepts a token upstream issued before the import, while the
// user's legacy session row lives (store.LegacySessionID) and the user's
// role is not below the token's. ok is false for anything else, and the
// caller answers its usual 401.
func (s *Server) legacyJWT(r *http.Request, token string, now time.Time) (*Caller, bool, error) {
	lt := legacyTokensFor(r.Context(), s.DB)
	if lt == nil {
		return nil, false, nil
	}
	claims, err := lt.Verify(token, now)
	if err != nil {
		return nil, false, nil
	}
	jti := store.LegacySessionID(claims.UserID)
	p, err := s.DB.Sessions().Principal(r.Context(), jti, now.UnixMilli())
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.UserID != claims.UserID) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if p.Role.Level() < auth.Role(claims.Role).Level() {
		return nil, false, nil // the role was lowered since the token was issued
	}
	s.Activity.JWT(p.UserID, now.UnixMilli())
	return &Caller{UserID: p.UserID, Username: p.Username, Role: p.Role, Status: p.Status, Consent: p.Consent,
		Level: p.Role.Level(), Method: MethodJWT, JTI: jti, IP: s.clientIP(r)}, true, nil
}

// legacyState caches, per database, the legacy token settings the import
// stored, re-read at most once a minute.
type legacyState struct {
	mu     sync.Mutex
	tokens *auth.LegacyTokens
	read   time.Time
}

var legacyStates sync.Map // *store.DB -> *legacyState

func legacyTokensFor(ctx context.Context, db *store.DB) *auth.LegacyTokens {
	v, _ := legacyStates.LoadOrStore(db, &legacyState{})
	st := v.(*legacyState)
	st.mu.Lock()
	defer st.mu.Unlock()
	wall := time.Now()
	if !st.read.IsZero() && wall.Sub(st.read) < time.Minute {
		return st.tokens
	}
	st.read = wall
	st.tokens = nil
	l, err := db.Import().LegacyJWTSettings(ctx)
	if err != nil || l == nil {
		return nil
	}
	t, err := auth.NewLegacyTokens(l.Secret, l.Issuer, l.Audience, time.Unix(l.IssuedBefore, 0))
	if err != nil {
		return nil
	}
	st.tokens = t
	return t
}
