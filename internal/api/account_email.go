package api

import (
	"net/http"

	"bobbin/internal/apierr"
)

// accountEmail handles PATCH /account with email or confirm:"emailchange".
func (s *Server) accountEmail(w http.ResponseWriter, r *http.Request, c *Caller, p *AccountPatch) error {
	return apierr.BadRequest("emailChangeUnavailable")
}
