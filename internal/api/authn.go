package api

import (
	"context"
	"errors"
	"net/http"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/metrics"
	"bobbin/internal/store"
)

// Caller is the authenticated principal of a request (internal/httpx).
type Caller = httpx.Caller

func withCaller(ctx context.Context, c *Caller) context.Context { return httpx.WithCaller(ctx, c) }

// caller returns the request's caller; routes with an auth method always have one.
func caller(r *http.Request) *Caller { return httpx.CallerOf(r.Context()) }

// authenticate runs the checks of auth.md for one method. Every failure of
// the credentials themselves answers the same 401; the challenge differs
// only by method.
func (s *Server) authenticate(r *http.Request, m Method, guest bool) (*Caller, error) {
	creds, perr := auth.ParseAuthorization(r.Header)
	var c *Caller
	var err error
	if m == MethodJWT {
		c, err = s.authJWT(r, creds, perr)
	} else {
		c, err = s.authKey(r, creds, perr)
	}
	if err != nil {
		s.Metrics.AuthFailure(string(m), metrics.Reason(err, perr != nil && errors.Is(perr, auth.ErrNoCredentials)))
		return nil, err
	}
	if p := auth.Problem(c.Role, c.Status, c.Consent); p != 0 {
		if !guest {
			return nil, p
		}
		c.Problem = p
	}
	return c, nil
}

func jwtFailure(tokenSent bool) error {
	if tokenSent {
		return &challenge{`Bearer realm="bobbin", error="invalid_token"`}
	}
	return &challenge{`Bearer realm="bobbin"`}
}

var basicChallenge = &challenge{`Basic realm="bobbin", charset="UTF-8"`}

// challenge is a 401 with its WWW-Authenticate header.
type challenge struct{ header string }

func (c *challenge) Error() string { return "401 authenticationFailed" }

func (s *Server) authJWT(r *http.Request, creds auth.Credentials, perr error) (*Caller, error) {
	if perr != nil || creds.Scheme != auth.SchemeBearer {
		return nil, jwtFailure(perr == nil || !errors.Is(perr, auth.ErrNoCredentials))
	}
	now := s.Now()
	claims, err := s.Tokens.Verify(creds.Token, now)
	if err != nil {
		// fsimport: a token FreeSewing issued before the import (fslegacy.go).
		if c, ok, lerr := s.legacyJWT(r, creds.Token, now); ok || lerr != nil {
			return c, lerr
		}
		return nil, jwtFailure(true)
	}
	p, err := s.DB.Sessions().Principal(r.Context(), claims.ID, now.UnixMilli())
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.UserID != claims.UserID) {
		return nil, jwtFailure(true)
	}
	if err != nil {
		return nil, err
	}
	s.Activity.JWT(p.UserID, now.UnixMilli())
	return &Caller{UserID: p.UserID, Username: p.Username, Role: p.Role, Status: p.Status, Consent: p.Consent,
		Level: p.Role.Level(), Method: MethodJWT, JTI: claims.ID, IP: s.clientIP(r)}, nil
}

func (s *Server) authKey(r *http.Request, creds auth.Credentials, perr error) (*Caller, error) {
	if perr != nil || creds.Scheme != auth.SchemeBasic {
		return nil, basicChallenge
	}
	now := s.Now()
	ip := s.clientIP(r)
	// Throttle before any work on the secret.
	if blocked, d := s.keyFailsAddress.Blocked(ip, now); blocked {
		return nil, apierr.TooManyRequests.Retry(d)
	}
	if blocked, d := s.keyFailsKey.Blocked(creds.KeyID, now); blocked {
		return nil, apierr.TooManyRequests.Retry(d)
	}
	fail := func() (*Caller, error) {
		s.keyFailsAddress.Add(ip, now)
		s.keyFailsKey.Add(creds.KeyID, now)
		return nil, basicChallenge
	}
	if !auth.ValidKeyID(creds.KeyID) {
		s.Secrets.Equal(creds.Secret, nil) // same work as a known key
		return fail()
	}
	p, err := s.DB.Keys().Principal(r.Context(), creds.KeyID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// Equal runs the HMAC whether or not the key exists.
	ok := s.Secrets.Equal(creds.Secret, p.SecretHash)
	if err == nil && !ok && store.IsLegacyKeyHash(p.SecretHash) && p.ExpiresAt > now.UnixMilli() { // fsimport: key imported from FreeSewing (fslegacy.go)
		ok = s.legacyKey(r.Context(), p.KeyID, creds.Secret)
	}
	if err != nil || !ok || p.ExpiresAt <= now.UnixMilli() {
		return fail()
	}
	s.Activity.Key(p.UserID, p.KeyID, now.UnixMilli())
	s.auditLog.KeyUsed(r.Context(), p.UserID, p.KeyID, ip, now) // audit, at most hourly per key
	lvl := min(auth.Level(p.Level), p.Role.Level())
	return &Caller{UserID: p.UserID, Username: p.Username, Role: p.Role, Status: p.Status, Consent: p.Consent,
		Level: lvl, Method: MethodKey, KeyID: p.KeyID, IP: ip}, nil
}
