// Package records holds the table stores of what people make and publish:
// measurement sets, patterns, bookmarks, images, curated sets, option packs
// and suggestions, flow items, the mail queue, the public counts, the import's
// writes of those rows, and the server's ACME cache (acmecerts.go). None of them writes users, sessions or API
// keys, so none of them touches the principal cache (internal/store/accounts
// holds the stores that do); the sets keep a cache of their own, under the
// same generations (setcache.go). Callers use them through internal/store
// (db.Sets(), tx.Sets()...); personal fields are encrypted here, on the way
// in and out, so no caller can forget to.
package records

import (
	"bobbin/internal/store/engine"
	"bobbin/internal/vault"
)

// DB is the database as this package's stores see it.
type DB struct {
	*engine.Pool
	v       *vault.Vault // db.Vault()
	dialect engine.Dialect
	sets    *setCache // nil: no cache (no shared generation map)
}

// Tx is a write transaction.
type Tx = engine.Tx

// New returns the stores' view of e.
func New(e *engine.Pool) *DB {
	db := &DB{Pool: e, v: e.Vault(), dialect: e.Dialect()}
	if g := e.Gens(); g != nil {
		db.sets = newSetCache(g)
	}
	return db
}

// conn is what a table store runs on: the database (reads on the read
// pool, writes each committed on their own) or a write transaction.
type conn struct {
	db *DB
	q  engine.Querier
}

// Stores are the table stores of this package on one connection.
type Stores struct{ c conn }

// Outside returns the stores outside any transaction.
func (db *DB) Outside() Stores { return Stores{c: conn{db, db}} }

// In returns the stores inside tx.
func (db *DB) In(tx *Tx) Stores { return Stores{c: conn{db, tx}} }

// Sets is the store of measurement sets.
type Sets struct{ conn }

// Sets is the store of measurement sets.
func (s Stores) Sets() Sets { return Sets{s.c} }

// Patterns is the store of patterns.
type Patterns struct{ conn }

// Patterns is the store of patterns.
func (s Stores) Patterns() Patterns { return Patterns{s.c} }

// Bookmarks is the store of bookmarks.
type Bookmarks struct{ conn }

// Bookmarks is the store of bookmarks.
func (s Stores) Bookmarks() Bookmarks { return Bookmarks{s.c} }

// Images is the store of stored images (PostgreSQL; files for SQLite).
type Images struct{ conn }

// Images is the store of stored images.
func (s Stores) Images() Images { return Images{s.c} }

// Curated is the store of curated sets, option packs and suggestions.
type Curated struct{ conn }

// Curated is the store of curated sets, option packs and suggestions.
func (s Stores) Curated() Curated { return Curated{s.c} }

// Info is the store of public counts.
type Info struct{ conn }

// Info is the store of public counts.
func (s Stores) Info() Info { return Info{s.c} }

// Flows is the store of what people submit for the operator.
type Flows struct{ conn }

// Flows is the store of flow items.
func (s Stores) Flows() Flows { return Flows{s.c} }

// Mail is the store of the mail queue (migration 0018): the outbox table a
// change writes its mails into, in its own transaction, and the delivery
// worker (internal/courier) drains.
type Mail struct{ conn }

// Mail is the mail queue.
func (s Stores) Mail() Mail { return Mail{s.c} }

// ACME is the store of the ACME cache: account key, certificates, challenge tokens.
type ACME struct{ conn }

// ACME is the ACME cache.
func (s Stores) ACME() ACME { return ACME{s.c} }

// Import is this package's part of the FreeSewing import's store: rows
// written with their upstream ids, and the digests that make a second run
// incremental (internal/store/accounts has the accounts' part).
type Import struct{ conn }

// Import is this package's part of the import's store.
func (s Stores) Import() Import { return Import{s.c} }

// ErrNotFound is returned when a row does not exist (engine.ErrNotFound).
var ErrNotFound = engine.ErrNotFound

// Postgres is the PostgreSQL dialect.
const Postgres = engine.Postgres

// Now is the store's clock in Unix milliseconds.
func Now() int64 { return engine.Now() }

// The engine's helpers, under the names the stores use.
var (
	mapErr     = engine.MapErr
	mustAffect = engine.MustAffect
	insertID   = engine.InsertID
)
