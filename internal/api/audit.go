package api

import (
	"net/http"

	"bobbin/internal/store"
)

// event builds an audit event for the request's caller method and address.
func (s *Server) event(r *http.Request, userID int64, name, detail string) store.AuditEvent {
	method := "none"
	if c := caller(r); c != nil {
		method = string(c.Method)
	}
	return store.AuditEvent{UserID: userID, At: s.Now().UnixMilli(), Event: name, Method: method, IP: s.clientIP(r), Detail: detail}
}

// audit records an event outside any transaction; a failure is logged,
// never answered (the action itself already happened).
func (s *Server) audit(r *http.Request, userID int64, name, detail string) {
	if err := s.DB.Audit().Add(r.Context(), s.event(r, userID, name, detail)); err != nil {
		s.Log.Warn("audit write failed", "event", name, "err", err)
	}
}
