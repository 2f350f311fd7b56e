package store

import "context"

// LockUser reads a user inside a write transaction and, on PostgreSQL,
// locks the row until the transaction ends (SELECT ... FOR UPDATE), so a
// read-modify-write of the account cannot lose a concurrent change. SQLite
// write transactions are already serialized (BEGIN IMMEDIATE).
func (db *DB) LockUser(ctx context.Context, tx *Tx, id int64) (*User, error) {
	q := "SELECT " + userColumns + " FROM users WHERE id = ?"
	if db.dialect == Postgres {
		q += " FOR UPDATE"
	}
	return db.scanUser(tx.QueryRow(ctx, q, id))
}

// DeleteAccount removes a user and everything the user owns. Sessions, API
// keys, confirmations, sets, patterns, bookmarks, suggestions and audit
// events go with the user row (ON DELETE CASCADE); a newsletter
// subscription of the account's email (ehash) is removed too, since it is
// the same person's address. ErrNotFound when the user is already gone.
func (db *DB) DeleteAccount(ctx context.Context, q Querier, id int64, ehash string) error {
	if ehash != "" {
		if _, err := q.Exec(ctx, "DELETE FROM subscribers WHERE ehash = ?", ehash); err != nil {
			return err
		}
	}
	return db.DeleteUser(ctx, q, id)
}
