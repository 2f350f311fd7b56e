package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"bobbin/internal/apierr"
	bmail "bobbin/internal/mail"
	"bobbin/internal/store"
)

// SigninLinkRequest is the body of POST /signinlink. Username may be the
// username, the email or the numeric id, as for POST /signin.
type SigninLinkRequest struct {
	Username string `json:"username"`
	Test
}

// SigninLinkResponse is {"result":"emailSent"} whether or not the account
// exists; in test mode, for a known account, it also carries the
// confirmation id and check of the link.
type SigninLinkResponse struct {
	Result
	Confirmation string `json:"confirmation,omitempty"`
	Check        string `json:"check,omitempty"`
}

// SigninLinkUse is the body of POST /signinlink/{id}/{check}: the MFA code
// when the account has MFA on. The body may be empty.
type SigninLinkUse struct {
	Token string `json:"token"`
}

var emailSent = Result{Result: "emailSent"}

func (s *Server) signinLink(w http.ResponseWriter, r *http.Request) error {
	var req SigninLinkRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	ident := strings.TrimSpace(req.Username)
	if ident == "" {
		return apierr.UsernameMissing
	}
	ctx := r.Context()
	test := s.testRequest(req.Test)
	u, err := s.findUser(ctx, ident)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// The mail limits apply alike to known and unknown names, so a 429
	// does not tell them apart either.
	recipient := ident
	if u != nil {
		recipient = u.Email
	}
	if err := s.mailAllowed(r, recipient); err != nil {
		return err
	}
	resp := SigninLinkResponse{Result: emailSent}
	if u == nil || u.Role == "blocked" || u.Status == -2 {
		return encode(w, http.StatusOK, resp)
	}
	ev := s.event(r, u.ID, "signinlink.requested", "")
	var id, check string
	send := func(ctx context.Context) error {
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			id, check, err = s.newConfirmation(ctx, tx, store.ConfirmSigninLink, u.ID, nil, s.Config.SigninLinkTTL)
			if err != nil {
				return err
			}
			return tx.Audit().Add(ctx, ev)
		})
		if err != nil {
			return err
		}
		s.sendMail(ctx, test, bmail.KindSigninLink, u.Language, u.Email, bmail.Data{Username: u.Username, Link: s.signinLinkURL(id, check)})
		return nil
	}
	if !test {
		// The link and its mail are made after the answer, so a known
		// account answers as fast as an unknown one.
		s.later("signin link", send)
		return encode(w, http.StatusOK, resp)
	}
	if err := send(ctx); err != nil {
		return err
	}
	resp.Confirmation, resp.Check = id, check
	return encode(w, http.StatusOK, resp)
}

// useSigninLink signs in with a mailed link: once, before it expires, with
// the account checks of POST /signin. A link that cannot be used yet (MFA
// code missing or wrong, consent lacking) stays usable.
func (s *Server) useSigninLink(w http.ResponseWriter, r *http.Request) error {
	var req SigninLinkUse
	if _, err := decodeOptional(r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	now := s.Now()
	conf, err := s.DB.Confirmations().ByID(ctx, r.PathValue("id"), now.UnixMilli())
	if err != nil {
		return err
	}
	if conf.Type != store.ConfirmSigninLink || conf.UserID == 0 || !s.DB.Confirmations().CheckMatches(conf, r.PathValue("check")) {
		return apierr.NotFound
	}
	u, err := s.DB.Users().ByID(ctx, conf.UserID)
	if err != nil {
		return err
	}
	if u.Role == "blocked" || u.Status == -2 {
		return apierr.AccountBlocked
	}
	if u.Status != 1 {
		return apierr.StatusLacking
	}
	ip := s.clientIP(r)
	account := "user:" + itoa(u.ID)
	if u.MFAEnabled {
		if strings.TrimSpace(req.Token) == "" {
			return apierr.MFATokenRequired
		}
		if blocked, d := s.signinFailsAddress.Blocked(ip, now); blocked {
			return apierr.TooManyRequests.Retry(d)
		}
		if blocked, d := s.signinFailsAccount.Blocked(account, now); blocked {
			return apierr.TooManyRequests.Retry(d)
		}
	}
	var token string
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Confirmations().Use(ctx, conf.ID); err != nil {
			return err // used by a parallel request: 404
		}
		locked, err := tx.Users().Lock(ctx, conf.UserID)
		if err != nil {
			return err
		}
		u = locked
		if u.MFAEnabled {
			ok, err := s.verifyMFA(ctx, u, req.Token)
			if err != nil {
				return err
			}
			if !ok {
				return apierr.MFATokenInvalid // rolls back: the link stays
			}
			if err := tx.Users().Save(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.Audit().Add(ctx, s.event(r, u.ID, "signin", "signinlink")); err != nil {
			return err
		}
		token, err = s.startSession(ctx, tx, u)
		return err
	})
	if errors.Is(err, apierr.MFATokenInvalid) {
		s.signinFailsAddress.Add(ip, now)
		s.signinFailsAccount.Add(account, now)
		s.audit(r, conf.UserID, "signin.failed", "signinlink: mfa")
	}
	if err != nil {
		return err
	}
	return answerSignin(w, token, u)
}
