package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	bmail "bobbin/internal/mail"
	"bobbin/internal/store"
)

// An email change has two steps, both through PATCH /account:
//
//  1. {email: new} validates the address, stores a confirmation holding it
//     (encrypted) and mails a link to the NEW address; the OLD address gets
//     a notice naming the new one (masked). Nothing changes yet.
//  2. {confirm: "emailchange", confirmation, check}, sent by the signed-in
//     owner (the front end reads id and check from the link), changes
//     email and ehash. An address that meanwhile belongs to another
//     account answers 400 emailTaken; step 1 never tells, so it cannot be
//     used to find out who has an account.
//
// Only the newest request is pending: a new one, a completed one and a
// password change void the others. Both steps need level 4 (a level-3 key
// writes sets and patterns, it must not be able to take the account over).

// emailChangeTTL is how long the link to the new address works.
const emailChangeTTL = 24 * time.Hour

// AccountPatchResponse is the answer of PATCH /account. Confirmation and
// Check are set only for a test request that started an email change.
type AccountPatchResponse struct {
	httpx.Result
	Account      Account `json:"account"`
	Confirmation string  `json:"confirmation,omitempty"`
	Check        string  `json:"check,omitempty"`
}

// emailChange is a validated step of an email change, written in the
// PATCH's transaction.
type emailChange struct {
	start    bool                // step 1; else step 2
	newEmail string              // the address asked for
	oldEmail string              // the address when the request came
	conf     *store.Confirmation // step 2
	id       string              // step 1: the new confirmation
	check    string
	test     bool
}

// emailChangeStep validates the email part of a PATCH: nil when there is
// none (or the address only changes case, which is applied to u directly).
func (h *Accounts) emailChangeStep(ctx context.Context, c *httpx.Caller, u *store.User, p *AccountPatch) (*emailChange, error) {
	d := h.d
	if p.Confirm != nil {
		if *p.Confirm != store.ConfirmEmailChange {
			return nil, apierr.ConfirmInvalid
		}
		if c.Level < auth.User {
			return nil, apierr.InsufficientAccessLevel
		}
		if p.Confirmation == nil || strings.TrimSpace(*p.Confirmation) == "" {
			return nil, apierr.ConfirmationMissing
		}
		if p.Check == nil || strings.TrimSpace(*p.Check) == "" {
			return nil, apierr.CheckMissing
		}
		conf, err := d.DB.Confirmations().ByID(ctx, strings.TrimSpace(*p.Confirmation), d.Now().UnixMilli())
		if err != nil {
			return nil, err
		}
		newEmail, _ := conf.Data["email"].(string)
		if conf.Type != store.ConfirmEmailChange || conf.UserID != u.ID || newEmail == "" ||
			!d.DB.Confirmations().CheckMatches(conf, strings.TrimSpace(*p.Check)) {
			return nil, apierr.NotFound
		}
		return &emailChange{newEmail: newEmail, oldEmail: u.Email, conf: conf}, nil
	}
	if p.Email == nil {
		return nil, nil
	}
	email := strings.TrimSpace(*p.Email)
	switch {
	case email == "":
		return nil, apierr.EmailMissing
	case !ValidEmail(email):
		return nil, apierr.EmailInvalid
	}
	if d.DB.Vault().EHash(email) == u.EHash {
		u.Email = email // same mailbox; at most the case changes
		return nil, nil
	}
	if c.Level < auth.User {
		return nil, apierr.InsufficientAccessLevel
	}
	if err := d.Courier.Allowed(ctx, email); err != nil {
		return nil, err
	}
	return &emailChange{start: true, newEmail: email, oldEmail: u.Email, test: TestRequest(d.Config, p.Test)}, nil
}

// completeEmailChange is step 2 inside the transaction, before the user is
// saved: it uses up the confirmation and sets the new address.
func (h *Accounts) completeEmailChange(ctx context.Context, tx *store.Tx, ec *emailChange, u *store.User) error {
	if ec == nil || ec.start {
		return nil
	}
	if err := tx.Confirmations().Use(ctx, ec.conf.ID); err != nil {
		return err // used by a parallel request: 404
	}
	other, err := tx.Users().ByEmail(ctx, ec.newEmail)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if other != nil && other.ID != u.ID {
		return apierr.EmailTaken
	}
	u.Email = ec.newEmail
	if err := tx.Confirmations().Delete(ctx, u.ID, store.ConfirmEmailChange); err != nil {
		return err
	}
	return tx.Audit().Add(ctx, h.d.Audit.Event(ctx, u.ID, "email.changed", ""))
}

// startEmailChange is step 1 inside the transaction, after the user is
// saved (and after a password change voided older requests).
func (h *Accounts) startEmailChange(ctx context.Context, tx *store.Tx, ec *emailChange, u *store.User) error {
	if ec == nil || !ec.start {
		return nil
	}
	if err := tx.Confirmations().Delete(ctx, u.ID, store.ConfirmEmailChange); err != nil {
		return err
	}
	var err error
	ec.id, ec.check, err = h.d.confirm(ctx, tx, store.ConfirmEmailChange, u.ID, map[string]any{"email": ec.newEmail}, emailChangeTTL)
	if err != nil {
		return err
	}
	return tx.Audit().Add(ctx, h.d.Audit.Event(ctx, u.ID, "email.change.requested", ""))
}

// emailChangeMail queues the mails of step 1 in the transaction that
// starts the change: the link to the new address, the notice to the old.
func (h *Accounts) emailChangeMail(ctx context.Context, tx *store.Tx, ec *emailChange, u *store.User) error {
	if ec == nil || !ec.start {
		return nil
	}
	link := h.d.Config.WebsiteURL + "/confirm/emailchange/" + ec.id + "/" + ec.check
	if err := h.d.Courier.SendIn(ctx, tx, ec.test, bmail.KindEmailChange, u.Language, ec.newEmail, bmail.Data{Username: u.Username, Link: link}); err != nil {
		return err
	}
	return h.d.Courier.SendIn(ctx, tx, ec.test, bmail.KindEmailChangeNotice, u.Language, ec.oldEmail, bmail.Data{Username: u.Username, NewEmail: ec.newEmail})
}

// accountPatchAnswer is the PATCH answer; a test request that started an
// email change also gets the confirmation id and check.
func accountPatchAnswer(u *store.User, ec *emailChange) AccountPatchResponse {
	resp := AccountPatchResponse{Result: httpx.Success, Account: AsAccount(u)}
	if ec != nil && ec.start && ec.test {
		resp.Confirmation, resp.Check = ec.id, ec.check
	}
	return resp
}

// ConfirmationRef is a confirmation as GET /confirmations answers it.
type ConfirmationRef struct {
	ID    string `json:"id"`
	Check string `json:"check"`
}

// ConfirmationResponse is {result, confirmation:{id, check}}.
type ConfirmationResponse struct {
	httpx.Result
	Confirmation ConfirmationRef `json:"confirmation"`
}

// Confirmation is GET /confirmations/{id}/{check}: whether a confirmation
// is live and the check is right (a front end asks before showing a
// confirm page); 404 otherwise.
func (h *Accounts) Confirmation(ctx context.Context, in *httpx.In[httpx.None]) (ConfirmationResponse, error) {
	conf, err := h.d.DB.Confirmations().ByID(ctx, in.Path("id"), h.d.Now().UnixMilli())
	if err != nil {
		return ConfirmationResponse{}, err
	}
	check := in.Path("check")
	if !h.d.DB.Confirmations().CheckMatches(conf, check) {
		return ConfirmationResponse{}, apierr.NotFound
	}
	return ConfirmationResponse{httpx.Success, ConfirmationRef{ID: conf.ID, Check: check}}, nil
}
