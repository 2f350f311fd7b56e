package signin

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/identity"
	bmail "bobbin/internal/mail"
	"bobbin/internal/store"
)

// SigninLinkRequest is the body of POST /signinlink. Username may be the
// username, the email or the numeric id, as for POST /signin.
type SigninLinkRequest struct {
	Username string `json:"username" required:"true" doc:"Username or email" example:"joost@example.org"`
	httpx.Test
}

// SigninLinkResponse is {"result":"emailSent"} whether or not the account
// exists; in test mode, for a known account, it also carries the
// confirmation id and check of the link.
type SigninLinkResponse struct {
	httpx.Result
	Confirmation string `json:"confirmation,omitempty"`
	Check        string `json:"check,omitempty"`
}

// SigninLinkUse is the body of POST /signinlink/{id}/{check}: the MFA code
// when the account has MFA on. The body may be empty.
type SigninLinkUse struct {
	Token string `json:"token"`
}

var emailSent = httpx.Result{Result: "emailSent"}

// Link is POST /signinlink. Known and unknown names answer the same, as
// fast: outside test mode the link is made and mailed after the answer.
func (h *Signin) Link(ctx context.Context, in *httpx.In[SigninLinkRequest]) (SigninLinkResponse, error) {
	req := in.Body
	ident := strings.TrimSpace(req.Username)
	if ident == "" {
		return SigninLinkResponse{}, apierr.UsernameMissing
	}
	d := h.d
	test := identity.TestRequest(d.Config, req.Test)
	u, err := identity.FindUser(ctx, d.DB, ident)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return SigninLinkResponse{}, err
	}
	// The mail limits apply alike to known and unknown names, so a 429
	// does not tell them apart either.
	recipient := ident
	if u != nil {
		recipient = u.Email
	}
	if err := d.Courier.Allowed(ctx, recipient); err != nil {
		return SigninLinkResponse{}, err
	}
	resp := SigninLinkResponse{Result: emailSent}
	if u == nil || auth.Refused(u.Role, u.Status) {
		return resp, nil
	}
	ev := d.Audit.Event(ctx, u.ID, "signinlink.requested", "")
	var id, check string
	send := func(ctx context.Context) error {
		err := d.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			id, check, err = identity.NewConfirmation(ctx, tx, d.DB.Vault(), d.Now(), store.ConfirmSigninLink, u.ID, nil, d.Config.SigninLinkTTL)
			if err != nil {
				return err
			}
			return tx.Audit().Add(ctx, ev)
		})
		if err != nil {
			return err
		}
		d.Courier.Send(ctx, test, bmail.KindSigninLink, u.Language, u.Email, bmail.Data{Username: u.Username, Link: identity.SigninLinkURL(d.Config, id, check)})
		return nil
	}
	if !test {
		// The link and its mail are made after the answer, so a known
		// account answers as fast as an unknown one.
		d.Later("signin link", send)
		return resp, nil
	}
	if err := send(ctx); err != nil {
		return SigninLinkResponse{}, err
	}
	resp.Confirmation, resp.Check = id, check
	return resp, nil
}

// UseLink is POST /signinlink/{id}/{check}: sign in with a mailed link,
// once, before it expires, with the account checks of POST /signin. A link
// that cannot be used yet (MFA code missing or wrong, consent lacking)
// stays usable.
func (h *Signin) UseLink(w http.ResponseWriter, r *http.Request) error {
	var req SigninLinkUse
	if _, err := httpx.DecodeOptional(r, &req); err != nil {
		return err
	}
	d := h.d
	ctx := r.Context()
	now := d.Now()
	conf, err := d.DB.Confirmations().ByID(ctx, r.PathValue("id"), now.UnixMilli())
	if err != nil {
		return err
	}
	if conf.Type != store.ConfirmSigninLink || conf.UserID == 0 || !d.DB.Confirmations().CheckMatches(conf, r.PathValue("check")) {
		return apierr.NotFound
	}
	u, err := d.DB.Users().ByID(ctx, conf.UserID)
	if err != nil {
		return err
	}
	if p := auth.SignInProblem(u.Role, u.Status); p != 0 {
		return p
	}
	ip := httpx.IP(ctx)
	account := AccountKey(u, "")
	if u.MFAEnabled {
		if strings.TrimSpace(req.Token) == "" {
			return apierr.MFATokenRequired
		}
		if err := Refuse(d.Throttles.Address, ip, now); err != nil {
			return err
		}
		if err := Refuse(d.Throttles.Account, account, now); err != nil {
			return err
		}
	}
	var token string
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Confirmations().Use(ctx, conf.ID); err != nil {
			return err // used by a parallel request: 404
		}
		locked, err := tx.Users().Lock(ctx, conf.UserID)
		if err != nil {
			return err
		}
		u = locked
		if u.MFAEnabled {
			ok, err := VerifyMFA(u, req.Token, d.Now(), d.DB.Vault())
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
		if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "signin", "signinlink")); err != nil {
			return err
		}
		token, err = d.Sessions.Start(ctx, tx, u)
		return err
	})
	if errors.Is(err, apierr.MFATokenInvalid) {
		d.Throttles.Fail(ip, account, now)
		d.Audit.Record(ctx, conf.UserID, "signin.failed", "signinlink: mfa")
	}
	if err != nil {
		return err
	}
	return answer(w, token, u)
}
