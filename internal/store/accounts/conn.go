// Package accounts holds the table stores of accounts and what they sign
// in with: users, sessions, API keys, confirmations, provider links,
// passkeys, username skeletons, the security log, newsletter subscribers,
// the sign-in throttles, the activity counters, and the import's writes of
// those rows; and the principal cache (cache.go) that every authenticated
// request reads. Every store here that writes users, sessions or apikeys
// says what it revoked (revokeUser, revokeCred, revokeAll), and
// TestRevokingWritesSaySo checks that over every package of internal/store.
// Callers use these stores through internal/store (db.Users(),
// tx.Users()...); personal fields are encrypted here, on the way in and out.
package accounts

import (
	"context"

	"bobbin/internal/store/engine"
	"bobbin/internal/vault"
)

// Base is the database as this package's stores see it: the engine, and
// what the package keeps for it (the principal cache, the audit events
// still being written).
type Base struct {
	*engine.Pool
	v       *vault.Vault // db.Vault()
	dialect engine.Dialect
	cache   *authCache // nil: no principal cache (no shared generation map)
	later   laterWrites
}

// New returns the stores' view of e, with its principal cache when e has
// generations for one. Close it instead of e.
func New(e *engine.Pool) *Base {
	db := &Base{Pool: e, v: e.Vault(), dialect: e.Dialect()}
	if g := e.Gens(); g != nil {
		db.cache = newAuthCache(g)
	}
	return db
}

// Close waits for the audit events still being written, then closes the
// database.
func (db *Base) Close() error {
	db.later.wait(0)
	return db.Pool.Close()
}

// Tx is a write transaction.
type Tx struct {
	*engine.Tx
	db *Base
}

// Write runs fn in a write transaction (engine.Pool.Write).
func (db *Base) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.Pool.Write(ctx, func(t *engine.Tx) error { return fn(&Tx{t, db}) })
}

// conn is what a table store runs on: the database (reads on the read
// pool, writes each committed on their own) or a write transaction.
type conn struct {
	db *Base
	q  engine.Querier
}

// A write that may change what the principal cache holds (cache.go) says
// so through one of these, after its statement: inside a transaction the
// generations are bumped once it has committed, outside one at once (the
// statement has committed). A test (TestRevokingWritesSaySo) fails when a
// function of internal/store writes users, sessions or apikeys without one.

// revokeUser: the user's row changed (role, status, consent, name...).
func (c conn) revokeUser(id int64) { invalidate(c.db, c.q, false, userStripe(id)) }

// revokeCred: one session (by jti) or API key (by id) changed or went.
func (c conn) revokeCred(id string) { invalidate(c.db, c.q, false, credStripe(id)) }

// revokeAll: rows changed whose users or credentials are not known here.
func (c conn) revokeAll() { invalidate(c.db, c.q, true) }

// invalidate is engine.Invalidate on the engine's own connection.
func invalidate(db *Base, q engine.Querier, global bool, stripes ...uint64) {
	if tx, ok := q.(*Tx); ok {
		engine.Invalidate(db.Pool, tx.Tx, global, stripes...)
		return
	}
	engine.Invalidate(db.Pool, db.Pool, global, stripes...)
}

func userStripe(id int64) uint64 { return engine.UserStripe(id) }

func credStripe(s string) uint64 { return engine.CredStripe(s) }

// Users is the store of users: accounts, their lookups, locks and deletion.
type Users struct{ conn }

// Users is the store of users, outside any transaction.
func (db *Base) Users() Users { return Users{conn{db, db}} }

// Users is the store of users, inside the transaction.
func (t *Tx) Users() Users { return Users{conn{t.db, t}} }

// Sessions is the store of sessions: the server side of sign-in tokens.
type Sessions struct{ conn }

// Sessions is the store of sessions, outside any transaction.
func (db *Base) Sessions() Sessions { return Sessions{conn{db, db}} }

// Sessions is the store of sessions, inside the transaction.
func (t *Tx) Sessions() Sessions { return Sessions{conn{t.db, t}} }

// Keys is the store of API keys.
type Keys struct{ conn }

// Keys is the store of API keys, outside any transaction.
func (db *Base) Keys() Keys { return Keys{conn{db, db}} }

// Keys is the store of API keys, inside the transaction.
func (t *Tx) Keys() Keys { return Keys{conn{t.db, t}} }

// Confirmations is the store of confirmations: signup, email change, sign-in links.
type Confirmations struct{ conn }

// Confirmations is the store of confirmations, outside any transaction.
func (db *Base) Confirmations() Confirmations { return Confirmations{conn{db, db}} }

// Confirmations is the store of confirmations, inside the transaction.
func (t *Tx) Confirmations() Confirmations { return Confirmations{conn{t.db, t}} }

// Audit is the store of the security log.
type Audit struct{ conn }

// Audit is the store of the security log, outside any transaction.
func (db *Base) Audit() Audit { return Audit{conn{db, db}} }

// Audit is the store of the security log, inside the transaction.
func (t *Tx) Audit() Audit { return Audit{conn{t.db, t}} }

// Subscribers is the store of newsletter subscribers.
type Subscribers struct{ conn }

// Subscribers is the store of newsletter subscribers, outside any transaction.
func (db *Base) Subscribers() Subscribers { return Subscribers{conn{db, db}} }

// Subscribers is the store of newsletter subscribers, inside the transaction.
func (t *Tx) Subscribers() Subscribers { return Subscribers{conn{t.db, t}} }

// Activity is the store of written-behind call counters.
type Activity struct{ conn }

// Activity is the store of written-behind call counters, outside any transaction.
func (db *Base) Activity() Activity { return Activity{conn{db, db}} }

// Activity is the store of written-behind call counters, inside the transaction.
func (t *Tx) Activity() Activity { return Activity{conn{t.db, t}} }

// Import is the accounts' part of the FreeSewing import's store: users and
// API keys written with their upstream ids, and the legacy credentials
// upstream left behind (internal/store/records has the rest).
type Import struct{ conn }

// Import is the import's store, outside any transaction.
func (db *Base) Import() Import { return Import{conn{db, db}} }

// Import is the import's store, inside the transaction.
func (t *Tx) Import() Import { return Import{conn{t.db, t}} }

// Identities is the store of accounts' links to sign-in providers.
type Identities struct{ conn }

// Identities is the store of provider links, outside any transaction.
func (db *Base) Identities() Identities { return Identities{conn{db, db}} }

// Identities is the store of provider links, inside the transaction.
func (t *Tx) Identities() Identities { return Identities{conn{t.db, t}} }

// Passkeys is the store of WebAuthn passkeys.
type Passkeys struct{ conn }

// Passkeys is the store of passkeys, outside any transaction.
func (db *Base) Passkeys() Passkeys { return Passkeys{conn{db, db}} }

// Passkeys is the store of passkeys, inside the transaction.
func (t *Tx) Passkeys() Passkeys { return Passkeys{conn{t.db, t}} }

// The engine's errors, as this package's stores name them.
var (
	ErrNotFound = engine.ErrNotFound
	ErrConflict = engine.ErrConflict
)

// Postgres is the PostgreSQL dialect.
const Postgres = engine.Postgres

// Now is the store's clock in Unix milliseconds.
func Now() int64 { return engine.Now() }

func mapErr(err error) error { return engine.MapErr(err) }

func mustAffect(res interface{ RowsAffected() (int64, error) }) error { return engine.MustAffect(res) }

func insertID(ctx context.Context, q engine.Querier, query string, args ...any) (int64, error) {
	return engine.InsertID(ctx, q, query, args...)
}
