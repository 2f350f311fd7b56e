// Package admin is what support staff and admins do to other accounts:
// find users, read one with everything they hold, change a user's role or
// status or turn their MFA off, sign in as a user (impersonate), and the
// public counts of GET /info/stats. It owns the rules of those actions
// (the search query, what a patch may change and what it ends, who may be
// impersonated and for how long) and the part of the database it needs,
// declared as DB below. The server lists its routes in
// internal/api/routes.go.
//
// The account, set, pattern and token answers belong to other domains;
// the rules here give store values, and Answer turns a rule into one
// answering the server's type for them.
package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/audit"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// DB is what this package needs of the database.
type DB interface {
	Users() store.Users
	Info() store.Info
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB     DB
	Audit  *audit.Log
	Tokens *auth.Tokens
	Now    func() time.Time
}

// SearchLimit bounds one user search answer.
const SearchLimit = 50

// ImpersonationTTL bounds a session an admin starts as another user,
// whatever the usual token lifetime is.
const ImpersonationTTL = time.Hour

// AdminSearchRequest is the body of POST /admin/search/users. q is a
// string, or a number for an id.
type AdminSearchRequest struct {
	Q json.RawMessage `json:"q" required:"true" doc:"A username part, an exact email or an id" example:"\"joost\""`
}

// AdminUserPatch is the body of PATCH /admin/user/{id}. Absent fields are
// left alone.
type AdminUserPatch struct {
	Role       *auth.Role   `json:"role"`
	Status     *auth.Status `json:"status"`
	MFAEnabled *bool        `json:"mfaEnabled"`
}

// Query reads q: a non-empty string or an integer, at most 254
// characters (the longest email).
func Query(raw json.RawMessage) (string, error) {
	if !httpx.Present(raw) {
		return "", apierr.QMissing
	}
	q, ok := httpx.TextOrNumber(raw)
	if !ok {
		return "", apierr.QInvalid
	}
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return "", apierr.QMissing
	case len(q) > 254:
		return "", apierr.QTooLong
	}
	return q, nil
}

// Check validates a patch by the admin self for the user target: a known
// role; a status other than unconfirmed (an admin cannot unconfirm); MFA
// may only be turned off; and never one's own account (an admin who
// demotes or blocks themself may lock the last admin out; their own
// account is changed through /account).
func (p *AdminUserPatch) Check(self, target int64) error {
	if p.Role != nil && !p.Role.Valid() {
		return apierr.RoleInvalid
	}
	if p.Status != nil && (!p.Status.Valid() || *p.Status == auth.StatusUnconfirmed) {
		return apierr.StatusInvalid
	}
	if p.MFAEnabled != nil && *p.MFAEnabled {
		return apierr.MFAEnabledInvalid
	}
	if self == target {
		return apierr.CannotChangeSelf
	}
	return nil
}

// Change is what the store writes for the patch.
func (p *AdminUserPatch) Change() store.AdminChange {
	return store.AdminChange{Role: p.Role, Status: p.Status, DisableMFA: p.MFAEnabled != nil}
}

// Changes describes what the patch changes on old, for the audit log
// ("role user->curator", "status 1->-2", "mfa off"); nothing when it
// changes nothing.
func (p *AdminUserPatch) Changes(old *store.User) []string {
	var what []string
	if p.Role != nil && *p.Role != old.Role {
		what = append(what, fmt.Sprintf("role %s->%s", old.Role, *p.Role))
	}
	if p.Status != nil && *p.Status != old.Status {
		what = append(what, fmt.Sprintf("status %d->%d", old.Status, *p.Status))
	}
	if p.MFAEnabled != nil && old.MFAEnabled {
		what = append(what, "mfa off")
	}
	return what
}

// Ends says what else the patch ends on old. Role and status are read
// from the database on every request, so a change applies to the next
// request of every token and key. A lowered role ends every session: its
// holder signs in again. A status other than active refuses the user's
// tokens and keys with its own code while it lasts; sessions from before
// it end when the account is reactivated, so a token stolen before the
// block never works again. No pending sign-in link or email change
// outlives a block or a disabling status.
func (p *AdminUserPatch) Ends(old *store.User) (sessions, links bool) {
	lowered := p.Role != nil && p.Role.Level() < old.Role.Level()
	reactivated := p.Status != nil && *p.Status == auth.StatusActive && old.Status != auth.StatusActive
	disabled := p.Status != nil && *p.Status != auth.StatusActive
	return lowered || reactivated, disabled || (p.Role != nil && *p.Role == auth.RoleBlocked)
}

// MayImpersonate refuses one's own account and staff accounts (support
// and admin): impersonating them would add no power, only let one staff
// member act in another's name.
func MayImpersonate(self int64, u *store.User) error {
	if u.ID == self || u.Role.Level() >= auth.Support {
		return apierr.CannotImpersonateStaff
	}
	return nil
}

// Answer turns a rule giving a store value into one answering resp(value):
// the answer types of accounts, sets and patterns live with their domains.
func Answer[Req, V, Resp any](rule httpx.Rule[Req, V], resp func(V) Resp) httpx.Rule[Req, Resp] {
	return func(ctx context.Context, in *httpx.In[Req]) (Resp, error) {
		v, err := rule(ctx, in)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return resp(v), nil
	}
}

// Users are the handlers of /admin/search/users, /admin/user and
// /admin/impersonate.
type Users struct{ d Deps }

// New builds the handlers.
func New(d Deps) *Users { return &Users{d} }

// Found is what a user search found: every match, and, as upstream
// answers them, the matches by email and those by username part or id.
type Found struct {
	All, Email, Username []*store.User
}

// Split sorts the matches of query q: an account whose email is q (in any
// case) is an email match; one whose username holds q, or whose id is q,
// a username match (an account may be both).
func Split(q string, all []*store.User) Found {
	f := Found{All: all, Email: []*store.User{}, Username: []*store.User{}}
	lq := strings.ToLower(strings.TrimSpace(q))
	for _, u := range all {
		if strings.EqualFold(strings.TrimSpace(u.Email), lq) {
			f.Email = append(f.Email, u)
		}
		if strings.Contains(strings.ToLower(u.Username), lq) || fmt.Sprint(u.ID) == lq {
			f.Username = append(f.Username, u)
		}
	}
	return f
}

// Search is POST /admin/search/users.
func (h *Users) Search(ctx context.Context, in *httpx.In[AdminSearchRequest]) (Found, error) {
	q, err := Query(in.Body.Q)
	if err != nil {
		return Found{}, err
	}
	all, err := h.d.DB.Users().Search(ctx, q, SearchLimit)
	if err != nil {
		return Found{}, err
	}
	return Split(q, all), nil
}

// Get is GET /admin/user/{id}: load reads the user with their sets,
// patterns and keys (the account export's loader). Staff reading
// someone's data shows in that user's security log and in the reader's
// own.
func Get[O any](h *Users, load func(ctx context.Context, id int64) (O, error)) httpx.Rule[httpx.None, O] {
	return func(ctx context.Context, in *httpx.In[httpx.None]) (O, error) {
		var zero O
		id, err := in.PathID("id")
		if err != nil {
			return zero, err
		}
		o, err := load(ctx, id)
		if err != nil {
			return zero, err
		}
		if c := in.Caller(); c.UserID != id {
			h.d.Audit.Record(ctx, id, "admin.read", "by user "+httpx.Itoa(c.UserID))
			h.d.Audit.Record(ctx, c.UserID, "admin.read.user", "user "+httpx.Itoa(id))
		}
		return o, nil
	}
}

// Patch is PATCH /admin/user/{id}; it gives the user as changed.
func (h *Users) Patch(ctx context.Context, in *httpx.In[AdminUserPatch]) (*store.User, error) {
	id, err := in.PathID("id")
	if err != nil {
		return nil, err
	}
	p := &in.Body
	c := in.Caller()
	if err := p.Check(c.UserID, id); err != nil {
		return nil, err
	}
	var u *store.User
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.Users().ByID(ctx, id)
		if err != nil {
			return err
		}
		what := p.Changes(old)
		if err := tx.Users().AdminUpdate(ctx, id, p.Change(), h.d.Now().UnixMilli()); err != nil {
			return err
		}
		sessions, links := p.Ends(old)
		if sessions {
			if err := tx.Sessions().RevokeOthers(ctx, id, ""); err != nil {
				return err
			}
		}
		if links {
			if err := tx.Confirmations().Delete(ctx, id, store.ConfirmSigninLink, store.ConfirmEmailChange); err != nil {
				return err
			}
		}
		if len(what) > 0 {
			detail := strings.Join(what, ", ")
			if err := h.d.Audit.In(ctx, tx, id, "admin.changed", detail+" by user "+httpx.Itoa(c.UserID)); err != nil {
				return err
			}
			if err := h.d.Audit.In(ctx, tx, c.UserID, "admin.change", "user "+httpx.Itoa(id)+": "+detail); err != nil {
				return err
			}
		}
		u, err = tx.Users().ByID(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Session is a session an admin started as a user.
type Session struct {
	Token string
	User  *store.User
}

// Impersonate is GET /admin/impersonate/{id}: a session as a non-staff
// user. It lasts at most ImpersonationTTL and is a session of the target
// like any other, so the target's sign-out-everywhere, a role lowering or
// a block ends it too.
func (h *Users) Impersonate(ctx context.Context, in *httpx.In[httpx.None]) (Session, error) {
	id, err := in.PathID("id")
	if err != nil {
		return Session{}, err
	}
	c := in.Caller()
	var s Session
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().ByID(ctx, id)
		if err != nil {
			return err
		}
		s.User = u
		if err := MayImpersonate(c.UserID, u); err != nil {
			return err
		}
		now := h.d.Now()
		jti := vault.Token(16)
		// The token names the admin (auth.md "Impersonation"): what would
		// outlive it is refused (403 impersonationForbidden).
		var exp time.Time
		s.Token, exp, err = h.d.Tokens.IssueImpersonation(u.ID, u.Username, string(u.Role), int(u.Status), jti, c.UserID, now, ImpersonationTTL)
		if err != nil {
			return err
		}
		if err := tx.Sessions().Create(ctx, jti, u.ID, exp.UnixMilli()); err != nil {
			return err
		}
		if err := h.d.Audit.In(ctx, tx, u.ID, "admin.impersonated", "by user "+httpx.Itoa(c.UserID)); err != nil {
			return err
		}
		return h.d.Audit.In(ctx, tx, c.UserID, "admin.impersonate", "user "+httpx.Itoa(u.ID))
	})
	if err != nil {
		return Session{}, err
	}
	return s, nil
}
