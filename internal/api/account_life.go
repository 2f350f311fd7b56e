package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/store"
	"bobbin/internal/userdata"
)

// ---- Consent ----

// ConsentRequest is the body of PATCH /consent/jwt.
type ConsentRequest struct {
	Consent *int `json:"consent"`
}

// patchConsent sets consent 0-2 and answers a fresh token. It is a guest
// route so that a user whose consent is lacking can give it; other account
// problems (restricted, blocked, inactive) are still refused.
func (s *Server) patchConsent(w http.ResponseWriter, r *http.Request) error {
	// Guest route: a consent problem is what it fixes; a status problem
	// (disabled, restricted, blocked) refuses before the body is read.
	c := caller(r)
	if c.Problem != 0 && c.Problem != apierr.ConsentLacking {
		return c.Problem
	}
	var req ConsentRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	if req.Consent == nil || *req.Consent < 0 || *req.Consent > 2 {
		return apierr.ConsentInvalid
	}
	ctx := r.Context()
	var u *store.User
	var token string
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.Users().Lock(ctx, c.UserID); err != nil {
			return err
		}
		u.Consent = *req.Consent
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		if err := tx.Audit().Add(ctx, s.event(r, u.ID, "consent.changed", itoa(int64(u.Consent)))); err != nil {
			return err
		}
		token, err = s.startSession(ctx, tx, u)
		return err
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, TokenResponse{success, token, asAccount(u)})
}

// ---- Restrict and delete ----

// restrictAccount sets status -1 (restricted by the user). Tokens and keys
// are kept but refused from the next request on (403 accountDisabled: the
// status is read from the database on every request); sign-in answers
// 403 statusLacking. An admin can set status 1 again.
func (s *Server) restrictAccount(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().Lock(ctx, c.UserID)
		if err != nil {
			return err
		}
		u.Status = -1
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, u.ID, "account.restricted", ""))
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, success)
}

// deleteAccount removes the user and everything owned in one transaction;
// tokens and keys stop at once because their rows are gone.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	ctx := r.Context()
	var owners []string
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().Lock(ctx, c.UserID)
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
		return err
	}
	s.dropImages(ctx, owners...)
	s.Log.Info("account deleted", "user", c.UserID)
	return encode(w, http.StatusOK, success)
}

// ---- Export ----

// ExportDocument is everything an account holds, decrypted: the answer
// of GET /account/export (no secrets: no password hash, MFA secret, scratch
// codes or key hashes).
type ExportDocument struct {
	ExportedAt Stamp               `json:"exportedAt"`
	Account    Account             `json:"account"`
	APIKeys    []APIKey            `json:"apikeys"`
	Sets       []userdata.Set      `json:"sets"`
	Patterns   []userdata.Pattern  `json:"patterns"`
	Bookmarks  []userdata.Bookmark `json:"bookmarks"`
	Audit      []SecurityEvent     `json:"audit"`
}

// ExportResponse is {result, data}.
type ExportResponse struct {
	Result
	Data ExportDocument `json:"data"`
}

// maxExportAudit bounds the audit events in an export (retention bounds
// them anyway).
const maxExportAudit = 10_000

// userObjects is a user's account with their keys, sets and patterns, as
// answered: what the export and the admin view of a user both show.
type userObjects struct {
	account  Account
	keys     []APIKey
	sets     []userdata.Set
	patterns []userdata.Pattern
}

func (s *Server) userObjects(ctx context.Context, id int64) (*userObjects, error) {
	u, err := s.DB.Users().ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	keys, err := s.DB.Keys().ByUser(ctx, id)
	if err != nil {
		return nil, err
	}
	sets, err := s.DB.Sets().ByUser(ctx, id)
	if err != nil {
		return nil, err
	}
	patterns, err := s.DB.Patterns().ByUser(ctx, id)
	if err != nil {
		return nil, err
	}
	return &userObjects{asAccount(u), asList(keys, asAPIKey), asList(sets, userdata.AsSet), asList(patterns, userdata.AsPattern)}, nil
}

func (s *Server) exportAccount(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := caller(r).UserID
	o, err := s.userObjects(ctx, id)
	if err != nil {
		return err
	}
	bookmarks, err := s.DB.Bookmarks().ByUser(ctx, id)
	if err != nil {
		return err
	}
	doc := ExportDocument{ExportedAt: Stamp(s.Now().UnixMilli()), Account: o.account, APIKeys: o.keys,
		Sets: o.sets, Patterns: o.patterns, Bookmarks: asList(bookmarks, userdata.AsBookmark)}
	events, err := s.DB.Audit().ByUser(ctx, id, maxExportAudit)
	if err != nil {
		return err
	}
	doc.Audit = asSecurityEvents(events)
	return encode(w, http.StatusOK, ExportResponse{success, doc})
}

// ---- Audit log ----

// SecurityEvent is one entry of the account's audit log.
type SecurityEvent struct {
	Event  string `json:"event"`
	At     Stamp  `json:"at"`
	Method string `json:"method"` // jwt, key or none
	IP     string `json:"ip"`
	Detail string `json:"detail"`
}

// SecurityEventsResponse is {result, events}, newest first.
type SecurityEventsResponse struct {
	Result
	Events []SecurityEvent `json:"events"`
}

// maxAuditAnswer is how many events GET /account/audit answers.
const maxAuditAnswer = 100

func asSecurityEvents(events []store.AuditEvent) []SecurityEvent {
	out := make([]SecurityEvent, len(events))
	for i, e := range events {
		out[i] = SecurityEvent{Event: e.Event, At: Stamp(e.At), Method: e.Method, IP: e.IP, Detail: e.Detail}
	}
	return out
}

func (s *Server) accountAudit(w http.ResponseWriter, r *http.Request) error {
	events, err := s.DB.Audit().ByUser(r.Context(), caller(r).UserID, maxAuditAnswer)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, SecurityEventsResponse{success, asSecurityEvents(events)})
}

// ---- Profiles ----

// PublicProfile is what anyone may read about an account.
type PublicProfile struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Bio      string `json:"bio"`
	Img      string `json:"img"`
	Role     string `json:"role"`
	Patron   int    `json:"patron"`
}

// PublicProfileResponse is {result, profile}.
type PublicProfileResponse struct {
	Result
	Profile PublicProfile `json:"profile"`
}

// UserProfileResponse answers GET /users/{id}/(jwt|key): the profile and
// the full account object.
type UserProfileResponse struct {
	Result
	Profile PublicProfile `json:"profile"`
	Account Account       `json:"account"`
}

func asProfile(u *store.User) PublicProfile {
	return PublicProfile{ID: u.ID, Username: u.Username, Bio: u.Bio, Img: u.Img, Role: string(u.Role), Patron: u.Patron}
}

// userByRef resolves {id}: a numeric id, a username or an email.
func (s *Server) userByRef(r *http.Request) (*store.User, error) {
	ref := strings.TrimSpace(r.PathValue("id"))
	if ref == "" {
		return nil, apierr.NotFound
	}
	u, err := s.findUser(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.NotFound
	}
	return u, err
}

// publicProfile shows an active account that consented to a profile
// (consent >= 1); every other account is 404, as if it did not exist.
func (s *Server) publicProfile(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userByRef(r)
	if err != nil {
		return err
	}
	if auth.Problem(u.Role, u.Status, u.Consent) != 0 {
		return apierr.NotFound
	}
	return encode(w, http.StatusOK, PublicProfileResponse{success, asProfile(u)})
}

// readUser answers the account of a user to that user, or to level 6
// (bughunter) and up; other callers get 403 (upstream served it to all).
func (s *Server) readUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userByRef(r)
	if err != nil {
		return err
	}
	if err := mayAccess(caller(r), u.ID, auth.Bughunter); err != nil {
		return err
	}
	return encode(w, http.StatusOK, UserProfileResponse{success, asProfile(u), asAccount(u)})
}
