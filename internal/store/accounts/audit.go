package accounts

import "context"

// AuditEvent is one security event of a user.
type AuditEvent struct {
	ID     int64
	UserID int64
	At     int64
	Event  string
	Method string // jwt, key or none
	IP     string
	Detail string
}

// AddAudit records an event.
func (st Audit) Add(ctx context.Context, e AuditEvent) error {
	q := st.q
	if e.At == 0 {
		e.At = Now()
	}
	_, err := q.Exec(ctx, "INSERT INTO audit (user_id, at, event, method, ip, detail) VALUES (?,?,?,?,?,?)",
		e.UserID, e.At, e.Event, e.Method, e.IP, e.Detail)
	return err
}

// AuditByUser lists a user's most recent events, newest first, including
// those AddAuditLater is still writing.
func (st Audit) ByUser(ctx context.Context, userID int64, limit int) ([]AuditEvent, error) {
	db := st.db
	db.later.wait(userID) // events still being written are part of the answer
	rows, err := db.Query(ctx, "SELECT id, user_id, at, event, method, ip, detail FROM audit WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?", userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AuditEvent{}
	for rows.Next() {
		var e AuditEvent
		if err := rows.Scan(&e.ID, &e.UserID, &e.At, &e.Event, &e.Method, &e.IP, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PruneAudit removes events older than before.
func (st Audit) Prune(ctx context.Context, before int64) error {
	db := st.db
	_, err := db.Exec(ctx, "DELETE FROM audit WHERE at < ?", before)
	return err
}
