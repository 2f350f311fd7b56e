package store

import "context"

// A session is the server-side record of one sign-in token (its jti).
// Deleting it revokes the token at once; tokens carry no authority that
// outlives their session row.

// CreateSession records a new token's jti.
func (db *DB) CreateSession(ctx context.Context, q Querier, jti string, userID, expiresAt int64) error {
	_, err := q.Exec(ctx, "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", jti, userID, Now(), expiresAt)
	return mapErr(err)
}

// RevokeSession deletes one session.
func (db *DB) RevokeSession(ctx context.Context, q Querier, jti string) error {
	_, err := q.Exec(ctx, sqlRevokeSession, jti)
	db.invalidate(q, false, credStripe(jti))
	return err
}

var sqlRevokeSession = handledSQL("DELETE FROM sessions WHERE id = ?")

// RevokeSessions deletes every session of a user except keep ("" keeps none).
func (db *DB) RevokeSessions(ctx context.Context, q Querier, userID int64, keep string) error {
	_, err := q.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", userID, keep)
	return err
}

// PruneSessions removes expired sessions and confirmations.
func (db *DB) PruneSessions(ctx context.Context, now int64) error {
	if _, err := db.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now); err != nil {
		return err
	}
	_, err := db.Exec(ctx, "DELETE FROM confirmations WHERE expires_at <= ?", now)
	return err
}
