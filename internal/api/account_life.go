package api

import (
	"context"
	"net/http"

	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/identity"
	"bobbin/internal/signin/passkey"
	"bobbin/internal/userdata"
)

// ---- Export ----
//
// The export (and userObjects, which the admin view of a user shares)
// gathers the objects of several domains: the account and its audit log
// (internal/identity), keys, sets, patterns and bookmarks. It stays here
// until the key, set and pattern answer types have their packages; then it
// belongs to internal/identity.

// ExportDocument is everything an account holds, decrypted: the answer
// of GET /account/export (no secrets: no password hash, MFA secret, scratch
// codes or key hashes).
type ExportDocument struct {
	ExportedAt Stamp                    `json:"exportedAt"`
	Account    Account                  `json:"account"`
	APIKeys    []APIKey                 `json:"apikeys"`
	Sets       []userdata.Set           `json:"sets"`
	Patterns   []userdata.Pattern       `json:"patterns"`
	Bookmarks  []userdata.Bookmark      `json:"bookmarks"`
	Passkeys   []passkey.Passkey        `json:"passkeys"` // linked providers are in account.providers
	Audit      []identity.SecurityEvent `json:"audit"`
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
	if err := identity.WithSigninMethods(ctx, s.DB, &doc.Account); err != nil {
		return err
	}
	keys, err := s.DB.Passkeys().OfUser(ctx, id)
	if err != nil {
		return err
	}
	doc.Passkeys = asList(keys, passkey.AsPasskey)
	events, err := s.DB.Audit().ByUser(ctx, id, maxExportAudit)
	if err != nil {
		return err
	}
	doc.Audit = identity.AsSecurityEvents(events)
	return encode(w, http.StatusOK, ExportResponse{success, doc})
}

// UserData is what GET /users/{id}/(jwt|key) answers, as upstream: the
// user's keys (never secrets), bookmarks, patterns and sets.
type UserData struct {
	APIKeys   []APIKey            `json:"apikeys"`
	Bookmarks []userdata.Bookmark `json:"bookmarks"`
	Patterns  []userdata.Pattern  `json:"patterns"`
	Sets      []userdata.Set      `json:"sets"`
}

// UserDataResponse is {result, data}.
type UserDataResponse struct {
	Result
	Data UserData `json:"data"`
}

// userData is GET /users/{id}/(jwt|key): {id} is the numeric id or the
// username (never an email); the caller's own id, or level 6 (upstream
// answered every caller).
func (s *Server) userData(ctx context.Context, in *httpx.In[httpx.None]) (UserDataResponse, error) {
	u, err := identity.UserByRef(ctx, s.DB, in.Path("id"))
	if err != nil {
		return UserDataResponse{}, err
	}
	if err := httpx.MayAccess(in.Caller(), u.ID, auth.Bughunter); err != nil {
		return UserDataResponse{}, err
	}
	o, err := s.userObjects(ctx, u.ID)
	if err != nil {
		return UserDataResponse{}, err
	}
	bookmarks, err := s.DB.Bookmarks().ByUser(ctx, u.ID)
	if err != nil {
		return UserDataResponse{}, err
	}
	return UserDataResponse{success, UserData{APIKeys: o.keys, Bookmarks: asList(bookmarks, userdata.AsBookmark),
		Patterns: o.patterns, Sets: o.sets}}, nil
}
