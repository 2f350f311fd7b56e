package accounts

import "context"

// A session is the server-side record of one sign-in token (its jti).
// Deleting it revokes the token at once; tokens carry no authority that
// outlives their session row.

// CreateSession records a new token's jti.
func (st Sessions) Create(ctx context.Context, jti string, userID, expiresAt int64) error {
	q := st.q
	_, err := q.Exec(ctx, "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", jti, userID, Now(), expiresAt)
	return mapErr(err)
}

// CreateSignIn records a new token's jti with the time of the sign-in it
// stands for (Unix ms): now for a sign-in, the earlier session's for a
// token that replaces one (a consent change).
func (st Sessions) CreateSignIn(ctx context.Context, jti string, userID, expiresAt, signedInAt int64) error {
	q := st.q
	_, err := q.Exec(ctx, "INSERT INTO sessions (id, user_id, created_at, expires_at, signed_in_at) VALUES (?, ?, ?, ?, ?)",
		jti, userID, Now(), expiresAt, signedInAt)
	return mapErr(err)
}

// SignedInAt reads when the sign-in of a session happened (Unix ms; 0 for
// a session that is not a sign-in); ErrNotFound when it is gone.
func (st Sessions) SignedInAt(ctx context.Context, jti string) (int64, error) {
	q := st.q
	var at int64
	err := q.QueryRow(ctx, "SELECT signed_in_at FROM sessions WHERE id = ?", jti).Scan(&at)
	return at, mapErr(err)
}

// RevokeSession deletes one session.
func (st Sessions) Revoke(ctx context.Context, jti string) error {
	q := st.q
	_, err := q.Exec(ctx, "DELETE FROM sessions WHERE id = ?", jti)
	st.revokeCred(jti)
	return err
}

// RevokeSessions deletes every session of a user except keep ("" keeps none).
func (st Sessions) RevokeOthers(ctx context.Context, userID int64, keep string) error {
	q := st.q
	_, err := q.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", userID, keep)
	st.revokeAll() // which jtis went is not known here
	return err
}

// PruneSessions removes expired sessions and confirmations. Nothing cached
// needs revoking: a cached session carries its expiry, checked on every use.
func (st Sessions) Prune(ctx context.Context, now int64) error {
	db := st.db
	if _, err := db.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now); err != nil {
		return err
	}
	_, err := db.Exec(ctx, "DELETE FROM confirmations WHERE expires_at <= ?", now)
	return err
}
