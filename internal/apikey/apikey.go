// Package apikey is the account's API keys: creating one (its secret is
// shown once), listing, reading and deleting them, and GET /whoami/key.
// It owns the rules of a key request (name, level, lifetime, and that a
// key never outranks its creator), who may read or delete whose key, and
// the part of the database it needs, declared as DB below. Checking a key
// on a request is the server's authentication, not this package.
package apikey

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/audit"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// DB is what this package needs of the database.
type DB interface {
	Keys() store.Keys
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB      DB
	Audit   *audit.Log
	Secrets *auth.SecretHasher
	Now     func() time.Time
}

// MaxLifetime is the longest expiresIn, in seconds: one year.
const MaxLifetime = 31_536_000

// maxName bounds a key's name (bytes).
const maxName = 200

// APIKey is the apikey object of api.md; Secret only in the create answer.
type APIKey struct {
	Key       string      `json:"key" doc:"The key id: the user part of HTTP Basic" example:"0b5f2a5e-3c2d-4f7a-9a53-2f8f0b1c7d11"`
	Secret    string      `json:"secret,omitempty" doc:"The secret: the password part of HTTP Basic; shown once, in the create answer"`
	Name      string      `json:"name"`
	Level     int         `json:"level" enum:"Level"`
	ExpiresAt httpx.Stamp `json:"expiresAt"`
	CreatedAt httpx.Stamp `json:"createdAt"`
	UserID    int64       `json:"userId"`
	LastSeen  httpx.Stamp `json:"lastSeen"`
	Calls     int64       `json:"calls"`
}

// AsAPIKey is the answer object of a stored key (never its secret).
func AsAPIKey(k *store.APIKey) APIKey {
	return APIKey{Key: k.ID, Name: k.Name, Level: k.Level, ExpiresAt: httpx.Stamp(k.ExpiresAt), CreatedAt: httpx.Stamp(k.CreatedAt),
		UserID: k.UserID, LastSeen: httpx.Stamp(k.LastSeen), Calls: k.Calls}
}

// APIKeyRequest is the body of POST /apikeys. Level and expiresIn take a
// number or a numeric string, as upstream did.
type APIKeyRequest struct {
	Name      string          `json:"name" required:"true" doc:"A name to tell keys apart" example:"My script"`
	Level     json.RawMessage `json:"level" required:"true" enum:"Level" doc:"The key's level, at most the role's; a number or a numeric string"`
	ExpiresIn json.RawMessage `json:"expiresIn" required:"true" doc:"Lifetime in seconds; a number or a numeric string" example:"2592000"`
}

// APIKeyResponse is {result, apikey}.
type APIKeyResponse struct {
	httpx.Result
	APIKey APIKey `json:"apikey"`
}

// APIKeysResponse is {result, apikeys}.
type APIKeysResponse struct {
	httpx.Result
	APIKeys []APIKey `json:"apikeys"`
}

// Spec is a checked key request.
type Spec struct {
	Name     string
	Level    auth.Level
	Lifetime time.Duration
}

// Check validates a key request made by a caller at level max, in the
// order the codes are answered: name, level, expiresIn, then the cap (a
// key never outranks its creator; for a key caller, that is the calling
// key's own capped level).
func (req *APIKeyRequest) Check(max auth.Level) (Spec, error) {
	name, err := Name(req.Name)
	if err != nil {
		return Spec{}, err
	}
	lvl, err := Level(req.Level)
	if err != nil {
		return Spec{}, err
	}
	life, err := Lifetime(req.ExpiresIn)
	if err != nil {
		return Spec{}, err
	}
	if err := Cap(lvl, max); err != nil {
		return Spec{}, err
	}
	return Spec{Name: name, Level: lvl, Lifetime: life}, nil
}

// Name trims a key's name: required, at most 200 bytes.
func Name(v string) (string, error) {
	name := strings.TrimSpace(v)
	if name == "" {
		return "", apierr.NameMissing
	}
	if len(name) > maxName {
		return "", apierr.NameTooLong
	}
	return name, nil
}

// Level reads a key's level: a whole number 0-9, as a number or a numeric
// string.
func Level(raw json.RawMessage) (auth.Level, error) {
	if !httpx.Present(raw) {
		return 0, apierr.LevelMissing
	}
	lvl, ok := number(raw)
	if !ok {
		return 0, apierr.LevelNotNumeric
	}
	if lvl != math.Trunc(lvl) || lvl < 0 || lvl > float64(auth.Admin) {
		return 0, apierr.InvalidLevel
	}
	return auth.Level(lvl), nil
}

// Lifetime reads expiresIn: whole seconds from 1 to MaxLifetime, as a
// number or a numeric string.
func Lifetime(raw json.RawMessage) (time.Duration, error) {
	if !httpx.Present(raw) {
		return 0, apierr.ExpiresInMissing
	}
	exp, ok := number(raw)
	if !ok || exp != math.Trunc(exp) {
		return 0, apierr.ExpiresIsNotNumeric
	}
	if exp > MaxLifetime {
		return 0, apierr.ExpiresIsHigherThanMax
	}
	if exp < 1 {
		return 0, apierr.ExpiresIsLowerThanMin
	}
	return time.Duration(exp) * time.Second, nil
}

// Cap refuses a key level above its creator's level.
func Cap(lvl, max auth.Level) error {
	if lvl > max {
		return apierr.KeyLevelExceedsRoleLevel
	}
	return nil
}

// number reads a JSON number or numeric string; ok=false when not numeric.
func number(raw json.RawMessage) (float64, bool) {
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// Keys are the handlers of /apikeys and GET /whoami/key.
type Keys struct{ d Deps }

// New builds the handlers.
func New(d Deps) *Keys { return &Keys{d} }

// Create is POST /apikeys: the answer alone carries the secret.
func (h *Keys) Create(ctx context.Context, in *httpx.In[APIKeyRequest]) (APIKeyResponse, error) {
	c := in.Caller()
	spec, err := in.Body.Check(c.Level)
	if err != nil {
		return APIKeyResponse{}, err
	}
	id, secret, err := auth.NewAPIKey()
	if err != nil {
		return APIKeyResponse{}, err
	}
	now := h.d.Now()
	k := &store.APIKey{ID: id, UserID: c.UserID, Name: spec.Name, Level: int(spec.Level), SecretHash: h.d.Secrets.Hash(secret),
		ExpiresAt: now.Add(spec.Lifetime).UnixMilli(), CreatedAt: now.UnixMilli()}
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Keys().Create(ctx, k); err != nil {
			return err
		}
		return h.d.Audit.In(ctx, tx, c.UserID, "apikey.created", id)
	})
	if err != nil {
		return APIKeyResponse{}, err
	}
	out := AsAPIKey(k)
	out.Secret = secret
	return APIKeyResponse{httpx.Created, out}, nil
}

// List is GET /apikeys: the caller's own keys.
func (h *Keys) List(ctx context.Context, in *httpx.In[httpx.None]) (APIKeysResponse, error) {
	keys, err := h.d.DB.Keys().ByUser(ctx, in.Caller().UserID)
	if err != nil {
		return APIKeysResponse{}, err
	}
	return APIKeysResponse{httpx.Success, httpx.List(keys, AsAPIKey)}, nil
}

// Who may act on another user's key: support reads, admins delete.
const (
	readOthers   = auth.Support
	deleteOthers = auth.Admin
)

// own reads the key of the path's id that the caller owns, or any key
// at level min.
func (h *Keys) own(ctx context.Context, in *httpx.In[httpx.None], min auth.Level) (*store.APIKey, error) {
	id := in.Path("id")
	if !auth.ValidKeyID(id) {
		return nil, apierr.NotFound
	}
	k, err := h.d.DB.Keys().ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := httpx.MayAccess(in.Caller(), k.UserID, min); err != nil {
		return nil, err
	}
	return k, nil
}

// Get is GET /apikeys/{id}.
func (h *Keys) Get(ctx context.Context, in *httpx.In[httpx.None]) (APIKeyResponse, error) {
	k, err := h.own(ctx, in, readOthers)
	if err != nil {
		return APIKeyResponse{}, err
	}
	return APIKeyResponse{httpx.Success, AsAPIKey(k)}, nil
}

// Delete is DELETE /apikeys/{id}; the event goes to the key owner's log.
func (h *Keys) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	k, err := h.own(ctx, in, deleteOthers)
	if err != nil {
		return err
	}
	return h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Keys().Delete(ctx, k.ID); err != nil {
			return err
		}
		return h.d.Audit.In(ctx, tx, k.UserID, "apikey.deleted", k.ID)
	})
}

// Whoami is GET /whoami/key: the key in use.
func (h *Keys) Whoami(ctx context.Context, in *httpx.In[httpx.None]) (APIKeyResponse, error) {
	k, err := h.d.DB.Keys().ByID(ctx, in.Caller().KeyID)
	if err != nil {
		return APIKeyResponse{}, err
	}
	return APIKeyResponse{httpx.Success, AsAPIKey(k)}, nil
}
