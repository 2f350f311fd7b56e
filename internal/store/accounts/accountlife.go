package accounts

import "context"

// LockUser reads a user inside a write transaction and, on PostgreSQL,
// locks the row until the transaction ends (SELECT ... FOR UPDATE), so a
// read-modify-write of the account cannot lose a concurrent change. SQLite
// write transactions are already serialized (BEGIN IMMEDIATE).
func (st Users) Lock(ctx context.Context, id int64) (*User, error) {
	db, tx := st.db, st.q.(*Tx)
	q := "SELECT " + userColumns + " FROM users WHERE id = ?"
	if db.dialect == Postgres {
		q += " FOR UPDATE"
	}
	return (Users{conn{db, db}}).scan(tx.QueryRow(ctx, q, id))
}

// DeleteAccount removes a user and everything the user owns. Sessions, API
// keys, confirmations, sets, patterns, bookmarks, suggestions and audit
// events go with the user row (ON DELETE CASCADE); a newsletter
// subscription of the account's email (ehash) is removed too, since it is
// the same person's address. ErrNotFound when the user is already gone.
func (st Users) DeleteAccount(ctx context.Context, id int64, ehash string) error {
	db, q := st.db, st.q
	if ehash != "" {
		if _, err := q.Exec(ctx, "DELETE FROM subscribers WHERE ehash = ?", ehash); err != nil {
			return err
		}
	}
	return (Users{conn{db, q}}).Delete(ctx, id)
}
