package identity

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// ---- Consent ----

// ConsentRequest is the body of PATCH /consent/jwt.
type ConsentRequest struct {
	Consent *int `json:"consent" required:"true" enum:"0,1,2"`
}

// ConsentProblem is what a consent change refuses for the caller: a guest
// route lets a consent problem through (it is what the route fixes), but
// not a status problem (disabled, restricted, blocked).
func ConsentProblem(c *httpx.Caller) error {
	if c.Problem != 0 && c.Problem != apierr.ConsentLacking {
		return c.Problem
	}
	return nil
}

// Consent is PATCH /consent/jwt: it sets consent 0-2 and answers a fresh
// token. The caller's status problem refuses before the body is read.
func (h *Accounts) Consent(w http.ResponseWriter, r *http.Request) error {
	c := httpx.CallerOf(r.Context())
	if err := ConsentProblem(c); err != nil {
		return err
	}
	var req ConsentRequest
	if _, err := httpx.Decode(r, &req); err != nil {
		return err
	}
	if req.Consent == nil || *req.Consent < 0 || *req.Consent > 2 {
		return apierr.ConsentInvalid
	}
	ctx := r.Context()
	d := h.d
	var u *store.User
	var token string
	err := d.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.Users().Lock(ctx, c.UserID); err != nil {
			return err
		}
		u.Consent = *req.Consent
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "consent.changed", httpx.Itoa(int64(u.Consent)))); err != nil {
			return err
		}
		token, err = d.Sessions.Continue(ctx, tx, u, c.JTI)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, TokenResponse{httpx.Success, token, AsAccount(u)})
}

// ---- Restrict and delete ----

// Restrict is GET /account/restrict: status -1 (restricted by the user).
// Tokens and keys are kept but refused from the next request on (403
// accountDisabled: the status is read from the database on every request);
// sign-in answers 403 statusLacking. An admin can set status 1 again.
func (h *Accounts) Restrict(ctx context.Context, in *httpx.In[httpx.None]) (httpx.Result, error) {
	err := h.d.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().Lock(ctx, in.Caller().UserID)
		if err != nil {
			return err
		}
		u.Status = auth.StatusRestricted
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, h.d.Audit.Event(ctx, u.ID, "account.restricted", ""))
	})
	if err != nil {
		return httpx.Result{}, err
	}
	return httpx.Success, nil
}

// Delete is DELETE /account: the user and everything owned go in one
// transaction; tokens and keys stop at once because their rows are gone.
func (h *Accounts) Delete(ctx context.Context, in *httpx.In[httpx.None]) (httpx.Result, error) {
	id := in.Caller().UserID
	var owners []string
	err := h.d.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().Lock(ctx, id)
		if err != nil {
			return err
		}
		// Images live outside the rows that cascade: note their owners first.
		if owners, err = tx.Images().OwnersOfUser(ctx, u.ID); err != nil {
			return err
		}
		return tx.Users().DeleteAccount(ctx, u.ID, u.EHash)
	})
	if err != nil {
		return httpx.Result{}, err
	}
	h.d.Images.Drop(ctx, owners...)
	h.d.Log.Info("account deleted", "user", id)
	return httpx.Success, nil
}

// ---- Audit log ----

// SecurityEvent is one entry of the account's audit log.
type SecurityEvent struct {
	Event  string      `json:"event"`
	At     httpx.Stamp `json:"at"`
	Method string      `json:"method"` // jwt, key or none
	IP     string      `json:"ip"`
	Detail string      `json:"detail"`
}

// SecurityEventsResponse is {result, events}, newest first.
type SecurityEventsResponse struct {
	httpx.Result
	Events []SecurityEvent `json:"events"`
}

// maxAuditAnswer is how many events GET /account/audit answers.
const maxAuditAnswer = 100

// AsSecurityEvents are the answer objects of stored audit events.
func AsSecurityEvents(events []store.AuditEvent) []SecurityEvent {
	out := make([]SecurityEvent, len(events))
	for i, e := range events {
		out[i] = SecurityEvent{Event: e.Event, At: httpx.Stamp(e.At), Method: e.Method, IP: e.IP, Detail: e.Detail}
	}
	return out
}

// AuditLog is GET /account/audit: the caller's recent security events.
func (h *Accounts) AuditLog(ctx context.Context, in *httpx.In[httpx.None]) (SecurityEventsResponse, error) {
	events, err := h.d.DB.Audit().ByUser(ctx, in.Caller().UserID, maxAuditAnswer)
	if err != nil {
		return SecurityEventsResponse{}, err
	}
	return SecurityEventsResponse{httpx.Success, AsSecurityEvents(events)}, nil
}

// ---- Profiles ----

// PublicProfile is what anyone may read about an account.
type PublicProfile struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Bio      string `json:"bio"`
	Img      string `json:"img"`
	Role     string `json:"role" enum:"Role"`
	Patron   int    `json:"patron"`
	IHash    string `json:"ihash"`
}

// PublicProfileResponse is {result, profile}.
type PublicProfileResponse struct {
	httpx.Result
	Profile PublicProfile `json:"profile"`
}

// AsProfile is the public profile of a stored user.
func AsProfile(u *store.User) PublicProfile {
	return PublicProfile{ID: u.ID, Username: u.Username, Bio: u.Bio, Img: u.Img, Role: string(u.Role), Patron: u.Patron, IHash: u.IHash}
}

// UserByRef resolves a {id} path value of /users: a numeric id or a
// username, never an email (upstream's email lookup told anyone who has an
// account); none is apierr.NotFound.
func UserByRef(ctx context.Context, db Users, ref string) (*store.User, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.Contains(ref, "@") {
		return nil, apierr.NotFound
	}
	u, err := db.Users().ByUsername(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
			u, err = db.Users().ByID(ctx, id)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.NotFound
	}
	return u, err
}

// Shown reports whether an account's public profile may be shown: an
// active account that consented to a profile (consent >= 1).
func Shown(u *store.User) bool { return auth.Problem(u.Role, u.Status, u.Consent) == 0 }

// PublicProfile is GET /users/{id}: every account that is not Shown is
// 404, as if it did not exist.
func (h *Accounts) PublicProfile(ctx context.Context, in *httpx.In[httpx.None]) (PublicProfileResponse, error) {
	u, err := UserByRef(ctx, h.d.DB, in.Path("id"))
	if err != nil {
		return PublicProfileResponse{}, err
	}
	if !Shown(u) {
		return PublicProfileResponse{}, apierr.NotFound
	}
	return PublicProfileResponse{httpx.Success, AsProfile(u)}, nil
}
