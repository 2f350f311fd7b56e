package api

import (
	"context"
	"net/http"

	bmail "bobbin/internal/mail"
)

// Mail lives in internal/courier; these forward to it until each caller
// has moved to its domain package.

func (s *Server) mailAllowed(r *http.Request, recipient string) error {
	return s.courier.Allowed(r.Context(), recipient)
}

func (s *Server) sendMail(ctx context.Context, test bool, kind bmail.Kind, lang, to string, d bmail.Data) {
	s.courier.Send(ctx, test, kind, lang, to, d)
}
