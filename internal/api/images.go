package api

import (
	"context"
	"strings"

	"bobbin/internal/apierr"
)

// acceptImage checks an img value and returns what to store: "" clears,
// an https:// URL is kept as is.
func (s *Server) acceptImage(ctx context.Context, owner, value string) (string, error) {
	value = strings.TrimSpace(value)
	switch {
	case value == "":
		return "", nil
	case strings.HasPrefix(value, "https://") && len(value) <= 2048 && !strings.ContainsAny(value, " \"<>"):
		return value, nil
	}
	return "", apierr.BadRequest("imgInvalid")
}
