package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/store"
)

// MaxKeyLifetime is the longest expiresIn: one year.
const MaxKeyLifetime = 31_536_000

// APIKey is the apikey object of api.md; Secret only in the create answer.
type APIKey struct {
	Key       string `json:"key"`
	Secret    string `json:"secret,omitempty"`
	Name      string `json:"name"`
	Level     int    `json:"level"`
	ExpiresAt Stamp  `json:"expiresAt"`
	CreatedAt Stamp  `json:"createdAt"`
	UserID    int64  `json:"userId"`
	LastSeen  Stamp  `json:"lastSeen"`
	Calls     int64  `json:"calls"`
}

func asAPIKey(k *store.APIKey) APIKey {
	return APIKey{Key: k.ID, Name: k.Name, Level: k.Level, ExpiresAt: Stamp(k.ExpiresAt), CreatedAt: Stamp(k.CreatedAt),
		UserID: k.UserID, LastSeen: Stamp(k.LastSeen), Calls: k.Calls}
}

// APIKeyRequest is the body of POST /apikeys. Level and expiresIn take a
// number or a numeric string, as upstream did.
type APIKeyRequest struct {
	Name      string          `json:"name"`
	Level     json.RawMessage `json:"level"`
	ExpiresIn json.RawMessage `json:"expiresIn"`
}

// APIKeyResponse is {result, apikey}.
type APIKeyResponse struct {
	Result
	APIKey APIKey `json:"apikey"`
}

// APIKeysResponse is {result, apikeys}.
type APIKeysResponse struct {
	Result
	APIKeys []APIKey `json:"apikeys"`
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

func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	var req APIKeyRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	c := caller(r)
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return apierr.NameMissing
	}
	if len(name) > 200 {
		return apierr.NameTooLong
	}
	if !present(req.Level) {
		return apierr.LevelMissing
	}
	lvl, ok := number(req.Level)
	if !ok {
		return apierr.LevelNotNumeric
	}
	if lvl != math.Trunc(lvl) || lvl < 0 || lvl > 9 {
		return apierr.InvalidLevel
	}
	if !present(req.ExpiresIn) {
		return apierr.ExpiresInMissing
	}
	exp, ok := number(req.ExpiresIn)
	if !ok || exp != math.Trunc(exp) {
		return apierr.ExpiresIsNotNumeric
	}
	if exp > MaxKeyLifetime {
		return apierr.ExpiresIsHigherThanMax
	}
	if exp < 1 {
		return apierr.ExpiresIsLowerThanMin
	}
	// A key never outranks its creator: for a key caller, that is the
	// calling key's own (capped) level.
	if auth.Level(lvl) > c.Level {
		return apierr.KeyLevelExceedsRoleLevel
	}
	id, secret, err := auth.NewAPIKey()
	if err != nil {
		return err
	}
	now := s.Now()
	k := &store.APIKey{ID: id, UserID: c.UserID, Name: name, Level: int(lvl), SecretHash: s.Secrets.Hash(secret),
		ExpiresAt: now.Add(time.Duration(exp) * time.Second).UnixMilli(), CreatedAt: now.UnixMilli()}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Keys().Create(ctx, k); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, c.UserID, "apikey.created", id))
	})
	if err != nil {
		return err
	}
	out := asAPIKey(k)
	out.Secret = secret
	return encode(w, http.StatusCreated, APIKeyResponse{created, out})
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.DB.Keys().ByUser(r.Context(), caller(r).UserID)
	if err != nil {
		return err
	}
	out := asList(keys, asAPIKey)
	return encode(w, http.StatusOK, APIKeysResponse{success, out})
}

// ownKey reads a key the caller owns, or any key at level min.
func (s *Server) ownKey(r *http.Request, min auth.Level) (*store.APIKey, error) {
	id := r.PathValue("id")
	if !auth.ValidKeyID(id) {
		return nil, apierr.NotFound
	}
	k, err := s.DB.Keys().ByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if c := caller(r); k.UserID != c.UserID && c.Level < min {
		return nil, apierr.InsufficientAccessLevel
	}
	return k, nil
}

func (s *Server) getKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.ownKey(r, auth.Support)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, APIKeyResponse{success, asAPIKey(k)})
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.ownKey(r, auth.Admin)
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Keys().Delete(ctx, k.ID); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, k.UserID, "apikey.deleted", k.ID))
	})
	if err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) whoamiKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.DB.Keys().ByID(r.Context(), caller(r).KeyID)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, APIKeyResponse{success, asAPIKey(k)})
}
