package api

import (
	"context"
	"net/http"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
)

// Health is the answer of /health and /ready.
type Health struct {
	Result
	Status string `json:"status"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	return encode(w, http.StatusOK, Health{success, "ok"})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		// Away (no answer): serviceUnavailable; answering but unable to
		// take writes (disk full, read only): storageUnavailable, as the
		// writes themselves answer then.
		if s.DB.Reachable(ctx) == nil {
			return apierr.StorageUnavailable.Retry(5 * time.Second)
		}
		return apierr.Unavailable.Retry(5 * time.Second)
	}
	return encode(w, http.StatusOK, Health{success, "ready"})
}

// JWKS is the JSON Web Key Set of the token verification keys.
type JWKS struct {
	Result
	Keys []auth.JWK `json:"keys"`
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	return encode(w, http.StatusOK, JWKS{Result: success, Keys: s.Tokens.JWKS()})
}
