// Package signin is signing in: with a password, with a mailed sign-in
// link, and the second factor (TOTP codes and scratch codes, and setting
// MFA up or off on POST /account/mfa); signing out, here or everywhere;
// and the throttles that count failed sign-ins per account and per
// address. The account itself (and the token answer) is internal/identity;
// sessions are issued by internal/session. The server lists the routes in
// internal/api/routes.go.
package signin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/audit"
	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/courier"
	"bobbin/internal/httpx"
	"bobbin/internal/identity"
	"bobbin/internal/password"
	"bobbin/internal/session"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// DB is what this package needs of the database: its tables, inside and
// outside a write transaction, and the vault's keyed hashes.
type DB interface {
	Users() store.Users
	Sessions() store.Sessions
	Confirmations() store.Confirmations
	Audit() store.Audit
	Vault() *vault.Vault
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB       DB
	Config   *config.Config
	Hasher   *password.Hasher
	Sessions *session.Issuer
	Audit    *audit.Log
	Courier  *courier.Courier
	// Guard throttles failed sign-ins (password, link, MFA).
	Guard *Guard
	Log   *slog.Logger
	Now   func() time.Time
	// Later runs fn after the answer (the server tracks it until Wait).
	Later func(name string, fn func(ctx context.Context) error)
	// Failures counts refused sign-ins for the metrics (may be nil).
	Failures interface{ AuthFailure(method, reason string) }
}

// Signin are the handlers of signing in and out and of MFA.
type Signin struct{ d Deps }

// New builds the handlers.
func New(d Deps) *Signin { return &Signin{d} }

// SigninRequest is the body of POST /signin. Username may be the username
// (any case), the email (any case) or the numeric id.
type SigninRequest struct {
	Username Ident  `json:"username" required:"true" types:"string,integer" doc:"Username, email or numeric id (a JSON number or a digit string)" example:"joost"`
	Password string `json:"password" required:"true" example:"correct horse battery staple"`
	Token    string `json:"token" doc:"The MFA code, when MFA is on" example:"123456"` // MFA code, when MFA is on
}

// Ident is who signs in: a JSON string (username, email or id in digits)
// or, as upstream clients send the id, a whole JSON number.
type Ident string

// UnmarshalJSON takes a string or a whole number (kept as its digits).
func (v *Ident) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Ident(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 1 {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: reflect.TypeOf(""), Field: "username"}
	}
	*v = Ident(strconv.FormatInt(n, 10))
	return nil
}

// AccountKey is the throttle key of a sign-in: the account when it is
// known, else the name as typed (so guessing unknown names is throttled
// too, without telling them apart).
func AccountKey(u *store.User, typed string) string {
	if u != nil {
		return "user:" + httpx.Itoa(u.ID)
	}
	return "name:" + strings.ToLower(strings.TrimSpace(typed))
}

// Password is POST /signin. An unknown user and a wrong password do the
// same hashing work and answer the same.
func (h *Signin) Password(w http.ResponseWriter, r *http.Request) error {
	var req SigninRequest
	if _, err := httpx.Decode(r, &req); err != nil {
		return err
	}
	name := string(req.Username)
	if strings.TrimSpace(name) == "" {
		return apierr.UsernameMissing
	}
	if req.Password == "" {
		return apierr.PasswordMissing
	}
	d := h.d
	ctx := r.Context()
	now := d.Now()
	u, err := identity.FindUser(ctx, d.DB, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// Throttles are checked before any hashing.
	at := d.Guard.Attempt(ctx, r, u, name, now)
	if err := d.Guard.Check(ctx, at, now); err != nil {
		return err
	}
	fail := func() error {
		d.Guard.Failed(ctx, at, now)
		if d.Failures != nil {
			d.Failures.AuthFailure("signin", "signInFailed")
		}
		if u != nil {
			// Written off the request path: an unknown account has nothing
			// to record, and the time must not tell the two apart.
			d.DB.Audit().AddLater(d.Audit.Event(ctx, u.ID, "signin.failed", ""), func(err error) {
				d.Log.Warn("audit write failed", "event", "signin.failed", "err", err)
			})
		}
		return apierr.SignInFailed
	}
	if u == nil || u.Password == "" {
		// Same work as a real check, so time does not tell who exists.
		if err := d.Hasher.Dummy(ctx, req.Password); err != nil {
			return err
		}
		return fail()
	}
	ok, rehash, err := d.Hasher.Verify(ctx, req.Password, u.Password)
	if err != nil && !ok {
		if ctx.Err() != nil || errors.Is(err, password.ErrBusy) {
			return err
		}
		d.Log.Warn("stored password hash unreadable", "user", u.ID)
	}
	if !ok {
		return fail()
	}
	// The password is right: now account state may be told.
	if p := auth.SignInProblem(u.Role, u.Status); p != 0 {
		return p
	}
	if u.MFAEnabled {
		if req.Token == "" {
			return apierr.MFATokenRequired
		}
		good, err := VerifyMFA(u, req.Token, d.Now(), d.DB.Vault())
		if err != nil {
			return err
		}
		if !good {
			return fail()
		}
	}
	if rehash {
		if hash, err := d.Hasher.Hash(ctx, req.Password); err == nil {
			u.Password = hash
		}
	}
	var token string
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		if rehash || u.MFAEnabled {
			if err := tx.Users().Save(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "signin", "password")); err != nil {
			return err
		}
		var err error
		token, err = d.Sessions.Start(ctx, tx, u)
		return err
	})
	if err != nil {
		return err
	}
	d.Guard.Succeeded(ctx, w, at, now)
	return answer(w, token, u)
}

// ConsentLackingAnswer is the 451 of a sign-in without consent. Its token
// passes only the guest routes (GET /whoami/jwt, PATCH /consent/jwt), so
// the user can give consent again instead of being locked out.
type ConsentLackingAnswer struct {
	Result  string           `json:"result"`
	Error   string           `json:"error"`
	Token   string           `json:"token"`
	Account identity.Account `json:"account"`
}

// Answer answers a successful sign-in by any method (password, link,
// provider, passkey): 200 {token, account}, or the 451 guest answer.
func Answer(w http.ResponseWriter, token string, u *store.User) error { return answer(w, token, u) }

// answer answers a successful sign-in (password, link, ...).
func answer(w http.ResponseWriter, token string, u *store.User) error {
	if u.Consent < 1 {
		return httpx.Encode(w, apierr.ConsentLacking.Status(), ConsentLackingAnswer{"error", apierr.ConsentLacking.Name(), token, identity.AsAccount(u)})
	}
	return httpx.Encode(w, http.StatusOK, identity.TokenResponse{Result: httpx.Success, Token: token, Account: identity.AsAccount(u)})
}

// Signout is POST /signout/jwt: it revokes this token.
func (h *Signin) Signout(ctx context.Context, in *httpx.In[httpx.None]) error {
	c := in.Caller()
	if err := h.d.DB.Sessions().Revoke(ctx, c.JTI); err != nil {
		return err
	}
	h.d.Audit.Record(ctx, c.UserID, "signout", "")
	return nil
}

// SignoutAll is POST /signout/all: it revokes every token of the user.
func (h *Signin) SignoutAll(ctx context.Context, in *httpx.In[httpx.None]) error {
	c := in.Caller()
	return h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Sessions().RevokeOthers(ctx, c.UserID, ""); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, h.d.Audit.Event(ctx, c.UserID, "signout.all", ""))
	})
}
