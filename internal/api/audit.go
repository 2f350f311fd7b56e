package api

import (
	"net/http"

	"bobbin/internal/store"
)

// event builds an audit event for the request's caller method and address.
func (s *Server) event(r *http.Request, userID int64, name, detail string) store.AuditEvent {
	return s.auditLog.Event(r.Context(), userID, name, detail)
}

// audit records an event outside any transaction (audit.Log.Record).
func (s *Server) audit(r *http.Request, userID int64, name, detail string) {
	s.auditLog.Record(r.Context(), userID, name, detail)
}
