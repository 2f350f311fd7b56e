package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/store"
	"bobbin/internal/userdata"
	"bobbin/internal/vault"
)

// adminSearchLimit bounds one user search answer.
const adminSearchLimit = 50

// impersonationTTL bounds a session an admin starts as another user,
// whatever the usual token lifetime is.
const impersonationTTL = time.Hour

// AdminSearchRequest is the body of POST /admin/search/users. q is a
// string, or a number for an id.
type AdminSearchRequest struct {
	Q json.RawMessage `json:"q"`
}

// AdminUsersResponse is {result, users}.
type AdminUsersResponse struct {
	Result
	Users []Account `json:"users"`
}

// AdminUserResponse is {result, user, sets, patterns, apikeys}.
type AdminUserResponse struct {
	Result
	User     Account            `json:"user"`
	Sets     []userdata.Set     `json:"sets"`
	Patterns []userdata.Pattern `json:"patterns"`
	APIKeys  []APIKey           `json:"apikeys"`
}

// AdminUserPatch is the body of PATCH /admin/user/{id}. Absent fields are
// left alone.
type AdminUserPatch struct {
	Role       *auth.Role   `json:"role"`
	Status     *auth.Status `json:"status"`
	MFAEnabled *bool        `json:"mfaEnabled"`
}

// AdminUserChanged is {result, user}.
type AdminUserChanged struct {
	Result
	User Account `json:"user"`
}

func (s *Server) adminSearchUsers(w http.ResponseWriter, r *http.Request) error {
	var req AdminSearchRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	q, err := adminQuery(req.Q)
	if err != nil {
		return err
	}
	users, err := s.DB.Users().Search(r.Context(), q, adminSearchLimit)
	if err != nil {
		return err
	}
	out := asList(users, asAccount)
	return encode(w, http.StatusOK, AdminUsersResponse{success, out})
}

// adminQuery reads q: a non-empty string or an integer, at most 254
// characters (the longest email).
func adminQuery(raw json.RawMessage) (string, error) {
	if !present(raw) {
		return "", apierr.QMissing
	}
	var q string
	if err := json.Unmarshal(raw, &q); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", apierr.QInvalid
		}
		q = n.String()
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

func (s *Server) adminGetUser(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.userObjects(r.Context(), id)
	if err != nil {
		return err
	}
	resp := AdminUserResponse{Result: success, User: o.account, Sets: o.sets, Patterns: o.patterns, APIKeys: o.keys}
	// Staff reading someone's data shows in that user's security log and
	// in the reader's own.
	c := caller(r)
	if c.UserID != id {
		s.audit(r, id, "admin.read", "by user "+itoa(c.UserID))
		s.audit(r, c.UserID, "admin.read.user", "user "+itoa(id))
	}
	return encode(w, http.StatusOK, resp)
}

func (s *Server) adminPatchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var p AdminUserPatch
	if _, err := decode(r, &p); err != nil {
		return err
	}
	if p.Role != nil && !p.Role.Valid() {
		return apierr.RoleInvalid
	}
	if p.Status != nil && (!p.Status.Valid() || *p.Status == auth.StatusUnconfirmed) {
		return apierr.StatusInvalid
	}
	if p.MFAEnabled != nil && *p.MFAEnabled {
		return apierr.MFAEnabledInvalid // an admin can only turn MFA off
	}
	c := caller(r)
	if c.UserID == id {
		// An admin who demotes or blocks themself may lock the last admin
		// out; their own account is changed through /account.
		return apierr.CannotChangeSelf
	}
	ctx := r.Context()
	var u *store.User
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.Users().ByID(ctx, id)
		if err != nil {
			return err
		}
		change := store.AdminChange{Role: p.Role, Status: p.Status, DisableMFA: p.MFAEnabled != nil}
		var what []string
		if p.Role != nil && *p.Role != old.Role {
			what = append(what, fmt.Sprintf("role %s->%s", old.Role, *p.Role))
		}
		if p.Status != nil && *p.Status != old.Status {
			what = append(what, fmt.Sprintf("status %d->%d", old.Status, *p.Status))
		}
		if change.DisableMFA && old.MFAEnabled {
			what = append(what, "mfa off")
		}
		if err := tx.Users().AdminUpdate(ctx, id, change, s.Now().UnixMilli()); err != nil {
			return err
		}
		// Role and status are read from the database on every request, so
		// a change applies to the next request of every token and key. A
		// lowered role also ends every session: its holder signs in again.
		// A status other than 1 refuses the user's tokens and keys with its
		// own code (403 accountBlocked...) while it lasts; sessions from
		// before it end when the account is reactivated, so a token that
		// was stolen before the block never works again.
		lowered := p.Role != nil && p.Role.Level() < old.Role.Level()
		disabled := p.Status != nil && *p.Status != auth.StatusActive
		reactivated := p.Status != nil && *p.Status == auth.StatusActive && old.Status != auth.StatusActive
		if lowered || reactivated {
			if err := tx.Sessions().RevokeOthers(ctx, id, ""); err != nil {
				return err
			}
		}
		if disabled || (p.Role != nil && *p.Role == auth.RoleBlocked) {
			// No pending sign-in link or email change outlives a block.
			if err := tx.Confirmations().Delete(ctx, id, store.ConfirmSigninLink, store.ConfirmEmailChange); err != nil {
				return err
			}
		}
		if len(what) > 0 {
			detail := strings.Join(what, ", ")
			if err := tx.Audit().Add(ctx, s.event(r, id, "admin.changed", detail+" by user "+itoa(c.UserID))); err != nil {
				return err
			}
			if err := tx.Audit().Add(ctx, s.event(r, c.UserID, "admin.change", "user "+itoa(id)+": "+detail)); err != nil {
				return err
			}
		}
		u, err = tx.Users().ByID(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, AdminUserChanged{success, asAccount(u)})
}

// adminImpersonate starts a session as another user. Staff accounts
// (support and admin) cannot be impersonated: it would add no power, only
// let one staff member act in another's name. The session lasts at most
// impersonationTTL and is a session of the target like any other, so the
// target's sign-out-everywhere, a role lowering or a block ends it too.
func (s *Server) adminImpersonate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c := caller(r)
	ctx := r.Context()
	var u *store.User
	var token string
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.Users().ByID(ctx, id); err != nil {
			return err
		}
		if u.ID == c.UserID || u.Role.Level() >= auth.Support {
			return apierr.CannotImpersonateStaff
		}
		now := s.Now()
		jti := vault.Token(16)
		var exp time.Time
		token, exp, err = s.Tokens.Issue(u.ID, u.Username, string(u.Role), int(u.Status), jti, now)
		if err != nil {
			return err
		}
		if end := now.Add(impersonationTTL); end.Before(exp) {
			exp = end
		}
		if err := tx.Sessions().Create(ctx, jti, u.ID, exp.UnixMilli()); err != nil {
			return err
		}
		if err := tx.Audit().Add(ctx, s.event(r, u.ID, "admin.impersonated", "by user "+itoa(c.UserID))); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, c.UserID, "admin.impersonate", "user "+itoa(u.ID)))
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, TokenResponse{Result: success, Token: token, Account: asAccount(u)})
}
