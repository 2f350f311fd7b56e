// Package store is Bobbin's persistence, as its callers use it: one DB
// over SQLite or PostgreSQL, write transactions (Tx), and the table stores
// obtained from either (db.Sets(), tx.Users()...). It is a facade over
// three packages (docs/design.md, "Layout"):
//
//   - internal/store/engine: connections, dialects, the statement cache,
//     write transactions and SQLite's group commit, the embedded
//     migrations, the principal cache's generations and their LISTEN/NOTIFY
//     between replicas, and which errors mean "unavailable".
//   - internal/store/accounts: users, sessions, API keys, confirmations,
//     provider links, passkeys, the security log, subscribers, throttles,
//     counters, and the principal cache those stores keep honest.
//   - internal/store/records: sets, patterns, bookmarks, images, curated
//     material, flow items, the mail queue and the public counts.
//
// The types of those packages are named here too (store.User is
// accounts.User), so callers import this package only.
package store

import (
	"context"
	"database/sql"
	"time"

	"bobbin/internal/store/accounts"
	"bobbin/internal/store/engine"
	"bobbin/internal/store/records"
	"bobbin/internal/vault"
)

// DB is the database.
type DB struct {
	e   *engine.Pool
	acc *accounts.Base
	rec *records.DB
}

// Tx is a write transaction.
type Tx struct {
	db  *DB
	acc *accounts.Tx
}

// Open connects to url ("sqlite:<path>" or "postgres://...") with the
// default Options.
func Open(ctx context.Context, url string, v *vault.Vault) (*DB, error) {
	return OpenWith(ctx, url, v, Options{})
}

// OpenWith is Open with Options.
func OpenWith(ctx context.Context, url string, v *vault.Vault, o Options) (*DB, error) {
	e, err := engine.OpenWith(ctx, url, v, o)
	if err != nil {
		return nil, err
	}
	return &DB{e: e, acc: accounts.New(e), rec: records.New(e)}, nil
}

// Close waits for the writes still under way off the request path, then
// closes statements and pools.
func (db *DB) Close() error { return db.acc.Close() }

// Ping checks that reads and writes can be made: /ready uses it.
func (db *DB) Ping(ctx context.Context) error { return db.e.Ping(ctx) }

// Reachable checks that the database answers a read (Ping also checks it
// can take writes).
func (db *DB) Reachable(ctx context.Context) error { return db.e.Reachable(ctx) }

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.e.Dialect() }

// Vault is the encryption in use.
func (db *DB) Vault() *vault.Vault { return db.e.Vault() }

// Migrations lists the dialect's steps in order.
func (db *DB) Migrations() ([]Migration, error) { return db.e.Migrations() }

// Migrate applies every migration not yet applied (engine.Pool.Migrate).
func (db *DB) Migrate(ctx context.Context) ([]string, error) { return db.e.Migrate(ctx) }

// PendingMigrations lists the migrations not applied yet. It writes nothing.
func (db *DB) PendingMigrations(ctx context.Context) ([]string, error) {
	return db.e.PendingMigrations(ctx)
}

// CacheEnabled reports whether the principal cache is on (SQLite with a
// shared generation map, or PostgreSQL with its revocation listener).
func (db *DB) CacheEnabled() bool { return db.e.CacheEnabled() }

// PoolStats reports the connection pools' statistics by pool name.
func (db *DB) PoolStats() map[string]sql.DBStats { return db.e.PoolStats() }

// Write runs fn in a write transaction: committed when fn returns nil,
// rolled back otherwise, so a failed request leaves no partial write.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.acc.Write(ctx, func(t *accounts.Tx) error { return fn(&Tx{db, t}) })
}

// Raw SQL from outside the table stores (tools, benchmarks, tests) goes
// through QueryRow, Query and Exec. What a raw write changed is not known
// here, so Exec treats it as revoking everything cached; the table stores
// never use it.

// QueryRow reads one row on the read pool.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.e.QueryRow(ctx, query, args...)
}

// Query reads rows on the read pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.e.Query(ctx, query, args...)
}

// Exec runs a raw write outside a transaction; everything cached is
// stale once it has run.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.e.Exec(ctx, query, args...)
	engine.Invalidate(db.e, db.e, true) // committed (or failed): either way, after
	return res, err
}

// QueryRow reads inside the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.acc.Tx.QueryRow(ctx, query, args...)
}

// Query reads rows inside the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.acc.Tx.Query(ctx, query, args...)
}

// Exec runs a raw write inside the transaction; everything cached is
// stale once it has committed.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	engine.Invalidate(t.db.e, t.acc.Tx, true)
	return t.acc.Tx.Exec(ctx, query, args...)
}

// Limiter returns the database limiter called name (accounts.Base.Limiter).
func (db *DB) Limiter(name string, limit int, window time.Duration) *DBLimiter {
	return db.acc.Limiter(name, limit, window)
}

// KnownAddresses returns the database's known-address list.
func (db *DB) KnownAddresses(perAccount int, ttl time.Duration) *DBKnown {
	return db.acc.KnownAddresses(perAccount, ttl)
}

// Table stores. Each is obtained from a connection: the database (reads on
// the read pool, writes each committed on their own) or a write transaction
// (everything inside it, committed or rolled back together), so that which
// one a call runs on is in its type: db.Sets().ByID(...) reads outside any
// transaction, tx.Sets().ByID(...) inside tx.

// Conn is the database or a write transaction: where a table store comes from.
type Conn interface {
	Users() Users
	Sessions() Sessions
	Keys() Keys
	Sets() Sets
	Patterns() Patterns
	Bookmarks() Bookmarks
	Images() Images
	Curated() Curated
	Confirmations() Confirmations
	Audit() Audit
	Subscribers() Subscribers
	Info() Info
	Activity() Activity
	Flows() Flows
	Import() Import
	Mail() Mail
	Identities() Identities
	Passkeys() Passkeys
	ACME() ACME
}

var (
	_ Conn = (*DB)(nil)
	_ Conn = (*Tx)(nil)
)

// The stores of internal/store/accounts.

// Users is the store of users, outside any transaction.
func (db *DB) Users() Users { return db.acc.Users() }

// Users is the store of users, inside the transaction.
func (t *Tx) Users() Users { return t.acc.Users() }

// Sessions is the store of sessions, outside any transaction.
func (db *DB) Sessions() Sessions { return db.acc.Sessions() }

// Sessions is the store of sessions, inside the transaction.
func (t *Tx) Sessions() Sessions { return t.acc.Sessions() }

// Keys is the store of API keys, outside any transaction.
func (db *DB) Keys() Keys { return db.acc.Keys() }

// Keys is the store of API keys, inside the transaction.
func (t *Tx) Keys() Keys { return t.acc.Keys() }

// Confirmations is the store of confirmations, outside any transaction.
func (db *DB) Confirmations() Confirmations { return db.acc.Confirmations() }

// Confirmations is the store of confirmations, inside the transaction.
func (t *Tx) Confirmations() Confirmations { return t.acc.Confirmations() }

// Audit is the store of the security log, outside any transaction.
func (db *DB) Audit() Audit { return db.acc.Audit() }

// Audit is the store of the security log, inside the transaction.
func (t *Tx) Audit() Audit { return t.acc.Audit() }

// Subscribers is the store of newsletter subscribers, outside any transaction.
func (db *DB) Subscribers() Subscribers { return db.acc.Subscribers() }

// Subscribers is the store of newsletter subscribers, inside the transaction.
func (t *Tx) Subscribers() Subscribers { return t.acc.Subscribers() }

// Activity is the store of written-behind call counters, outside any transaction.
func (db *DB) Activity() Activity { return db.acc.Activity() }

// Activity is the store of written-behind call counters, inside the transaction.
func (t *Tx) Activity() Activity { return t.acc.Activity() }

// Identities is the store of provider links, outside any transaction.
func (db *DB) Identities() Identities { return db.acc.Identities() }

// Identities is the store of provider links, inside the transaction.
func (t *Tx) Identities() Identities { return t.acc.Identities() }

// Passkeys is the store of passkeys, outside any transaction.
func (db *DB) Passkeys() Passkeys { return db.acc.Passkeys() }

// Passkeys is the store of passkeys, inside the transaction.
func (t *Tx) Passkeys() Passkeys { return t.acc.Passkeys() }

// The stores of internal/store/records.

// Sets is the store of measurement sets, outside any transaction.
func (db *DB) Sets() Sets { return db.rec.Outside().Sets() }

// Sets is the store of measurement sets, inside the transaction.
func (t *Tx) Sets() Sets { return t.rec().Sets() }

// Patterns is the store of patterns, outside any transaction.
func (db *DB) Patterns() Patterns { return db.rec.Outside().Patterns() }

// Patterns is the store of patterns, inside the transaction.
func (t *Tx) Patterns() Patterns { return t.rec().Patterns() }

// Bookmarks is the store of bookmarks, outside any transaction.
func (db *DB) Bookmarks() Bookmarks { return db.rec.Outside().Bookmarks() }

// Bookmarks is the store of bookmarks, inside the transaction.
func (t *Tx) Bookmarks() Bookmarks { return t.rec().Bookmarks() }

// Images is the store of stored images (PostgreSQL; files for SQLite), outside any transaction.
func (db *DB) Images() Images { return db.rec.Outside().Images() }

// Images is the store of stored images (PostgreSQL; files for SQLite), inside the transaction.
func (t *Tx) Images() Images { return t.rec().Images() }

// Curated is the store of curated sets, option packs and suggestions, outside any transaction.
func (db *DB) Curated() Curated { return db.rec.Outside().Curated() }

// Curated is the store of curated sets, option packs and suggestions, inside the transaction.
func (t *Tx) Curated() Curated { return t.rec().Curated() }

// Info is the store of public counts, outside any transaction.
func (db *DB) Info() Info { return db.rec.Outside().Info() }

// Info is the store of public counts, inside the transaction.
func (t *Tx) Info() Info { return t.rec().Info() }

// Flows is the store of flow items, outside any transaction.
func (db *DB) Flows() Flows { return db.rec.Outside().Flows() }

// Flows is the store of flow items, inside the transaction.
func (t *Tx) Flows() Flows { return t.rec().Flows() }

// Mail is the mail queue, outside any transaction.
func (db *DB) Mail() Mail { return db.rec.Outside().Mail() }

// Mail is the mail queue, inside the transaction.
func (t *Tx) Mail() Mail { return t.rec().Mail() }

// ACME is the ACME cache, outside any transaction.
func (db *DB) ACME() ACME { return db.rec.Outside().ACME() }

// ACME is the ACME cache, inside the transaction.
func (t *Tx) ACME() ACME { return t.rec().ACME() }

// rec is the records stores inside the transaction.
func (t *Tx) rec() records.Stores { return t.db.rec.In(t.acc.Tx) }

// Import is the store of the FreeSewing import: rows written with their
// upstream ids, the digests that make a second run incremental, and the
// legacy credentials upstream left behind. Its accounts' and records'
// halves live in those packages; their methods are this one's.
type Import struct {
	accountsImport
	recordsImport
}

type (
	accountsImport = accounts.Import
	recordsImport  = records.Import
)

// Import is the import's store, outside any transaction.
func (db *DB) Import() Import { return Import{db.acc.Import(), db.rec.Outside().Import()} }

// Import is the import's store, inside the transaction.
func (t *Tx) Import() Import { return Import{t.acc.Import(), t.rec().Import()} }
