package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"bobbin/internal/apierr"
	"bobbin/internal/password"
	"bobbin/internal/store"
)

// SigninRequest is the body of POST /signin. Username may be the username
// (any case), the email (any case) or the numeric id.
type SigninRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Token    string `json:"token"` // MFA code, when MFA is on
}

// findUser resolves a sign-in identifier.
func (s *Server) findUser(ctx context.Context, ident string) (*store.User, error) {
	ident = strings.TrimSpace(ident)
	u, err := s.DB.Users().ByUsername(ctx, ident)
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	if strings.Contains(ident, "@") {
		u, err = s.DB.Users().ByEmail(ctx, ident)
		if !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	if id, perr := strconv.ParseInt(ident, 10, 64); perr == nil && id > 0 {
		return s.DB.Users().ByID(ctx, id)
	}
	return nil, store.ErrNotFound
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) error {
	var req SigninRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Username) == "" {
		return apierr.UsernameMissing
	}
	if req.Password == "" {
		return apierr.PasswordMissing
	}
	ctx := r.Context()
	now := s.Now()
	ip := s.clientIP(r)
	// Throttles are checked before any hashing.
	if blocked, d := s.signinFailsAddress.Blocked(ip, now); blocked {
		return apierr.TooManyRequests.Retry(d)
	}
	u, err := s.findUser(ctx, req.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	account := "name:" + strings.ToLower(strings.TrimSpace(req.Username))
	if u != nil {
		account = "user:" + itoa(u.ID)
	}
	if blocked, d := s.signinFailsAccount.Blocked(account, now); blocked {
		return apierr.TooManyRequests.Retry(d)
	}
	fail := func() error {
		s.signinFailsAddress.Add(ip, now)
		s.signinFailsAccount.Add(account, now)
		if u != nil {
			// Written off the request path: an unknown account has nothing
			// to record, and the time must not tell the two apart.
			s.DB.Audit().AddLater(s.event(r, u.ID, "signin.failed", ""), func(err error) {
				s.Log.Warn("audit write failed", "event", "signin.failed", "err", err)
			})
		}
		return apierr.SignInFailed
	}
	if u == nil || u.Password == "" {
		// Same work as a real check, so time does not tell who exists.
		if err := s.Hasher.Dummy(ctx, req.Password); err != nil {
			return err
		}
		return fail()
	}
	ok, rehash, err := s.Hasher.Verify(ctx, req.Password, u.Password)
	if err != nil && !ok {
		if ctx.Err() != nil || isBusy(err) {
			return err
		}
		s.Log.Warn("stored password hash unreadable", "user", u.ID)
	}
	if !ok {
		return fail()
	}
	// The password is right: now account state may be told.
	if u.Role == "blocked" || u.Status == -2 {
		return apierr.AccountBlocked
	}
	if u.Status != 1 {
		return apierr.StatusLacking
	}
	if u.MFAEnabled {
		if req.Token == "" {
			return apierr.MFATokenRequired
		}
		good, err := s.verifyMFA(ctx, u, req.Token)
		if err != nil {
			return err
		}
		if !good {
			return fail()
		}
	}
	if rehash {
		if h, err := s.Hasher.Hash(ctx, req.Password); err == nil {
			u.Password = h
		}
	}
	var token string
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if rehash || u.MFAEnabled {
			if err := tx.Users().Save(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.Audit().Add(ctx, s.event(r, u.ID, "signin", "password")); err != nil {
			return err
		}
		var err error
		token, err = s.startSession(ctx, tx, u)
		return err
	})
	if err != nil {
		return err
	}
	return answerSignin(w, token, u)
}

// ConsentLackingAnswer is the 451 of a sign-in without consent. Its token
// passes only the guest routes (GET /whoami/jwt, PATCH /consent/jwt), so
// the user can give consent again instead of being locked out.
type ConsentLackingAnswer struct {
	Result  string  `json:"result"`
	Error   string  `json:"error"`
	Token   string  `json:"token"`
	Account Account `json:"account"`
}

// answerSignin answers a successful sign-in (password, link, ...).
func answerSignin(w http.ResponseWriter, token string, u *store.User) error {
	if u.Consent < 1 {
		return encode(w, apierr.ConsentLacking.Status(), ConsentLackingAnswer{"error", apierr.ConsentLacking.Name(), token, asAccount(u)})
	}
	return encode(w, http.StatusOK, TokenResponse{success, token, asAccount(u)})
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	if err := s.DB.Sessions().Revoke(r.Context(), c.JTI); err != nil {
		return err
	}
	s.audit(r, c.UserID, "signout", "")
	return noContent(w)
}

func (s *Server) signoutAll(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Sessions().RevokeOthers(ctx, c.UserID, ""); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, c.UserID, "signout.all", ""))
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

func isBusy(err error) bool { return errors.Is(err, password.ErrBusy) }
