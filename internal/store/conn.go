package store

// Table stores. Each is obtained from a connection: the database (reads on
// the read pool, writes each committed on their own) or a write transaction
// (everything inside it, committed or rolled back together), so that which
// one a call runs on is in its type: db.Sets().ByID(...) reads outside any
// transaction, tx.Sets().ByID(...) inside tx.

// conn is what a table store runs on.
type conn struct {
	db *DB
	q  querier
}

// A write that may change what the principal cache holds (cache.go) says
// so through one of these, after its statement: inside a transaction the
// generations are bumped once it has committed, outside one at once (the
// statement has committed). A test (TestRevokingWritesSaySo) fails when a
// function of this package writes users, sessions or apikeys without one.

// revokeUser: the user's row changed (role, status, consent, name...).
func (c conn) revokeUser(id int64) { invalidate(c.db, c.q, false, userStripe(id)) }

// revokeCred: one session (by jti) or API key (by id) changed or went.
func (c conn) revokeCred(id string) { invalidate(c.db, c.q, false, credStripe(id)) }

// revokeAll: rows changed whose users or credentials are not known here.
func (c conn) revokeAll() { invalidate(c.db, c.q, true) }

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

// Users is the store of users: accounts, their lookups, locks and deletion.
type Users struct{ conn }

// Users is the store of users, outside any transaction.
func (db *DB) Users() Users { return Users{conn{db, db}} }

// Users is the store of users, inside the transaction.
func (t *Tx) Users() Users { return Users{conn{t.db, t}} }

// Sessions is the store of sessions: the server side of sign-in tokens.
type Sessions struct{ conn }

// Sessions is the store of sessions, outside any transaction.
func (db *DB) Sessions() Sessions { return Sessions{conn{db, db}} }

// Sessions is the store of sessions, inside the transaction.
func (t *Tx) Sessions() Sessions { return Sessions{conn{t.db, t}} }

// Keys is the store of API keys.
type Keys struct{ conn }

// Keys is the store of API keys, outside any transaction.
func (db *DB) Keys() Keys { return Keys{conn{db, db}} }

// Keys is the store of API keys, inside the transaction.
func (t *Tx) Keys() Keys { return Keys{conn{t.db, t}} }

// Sets is the store of measurement sets.
type Sets struct{ conn }

// Sets is the store of measurement sets, outside any transaction.
func (db *DB) Sets() Sets { return Sets{conn{db, db}} }

// Sets is the store of measurement sets, inside the transaction.
func (t *Tx) Sets() Sets { return Sets{conn{t.db, t}} }

// Patterns is the store of patterns.
type Patterns struct{ conn }

// Patterns is the store of patterns, outside any transaction.
func (db *DB) Patterns() Patterns { return Patterns{conn{db, db}} }

// Patterns is the store of patterns, inside the transaction.
func (t *Tx) Patterns() Patterns { return Patterns{conn{t.db, t}} }

// Bookmarks is the store of bookmarks.
type Bookmarks struct{ conn }

// Bookmarks is the store of bookmarks, outside any transaction.
func (db *DB) Bookmarks() Bookmarks { return Bookmarks{conn{db, db}} }

// Bookmarks is the store of bookmarks, inside the transaction.
func (t *Tx) Bookmarks() Bookmarks { return Bookmarks{conn{t.db, t}} }

// Images is the store of stored images (PostgreSQL; files for SQLite).
type Images struct{ conn }

// Images is the store of stored images (PostgreSQL; files for SQLite), outside any transaction.
func (db *DB) Images() Images { return Images{conn{db, db}} }

// Images is the store of stored images (PostgreSQL; files for SQLite), inside the transaction.
func (t *Tx) Images() Images { return Images{conn{t.db, t}} }

// Curated is the store of curated sets, option packs and suggestions.
type Curated struct{ conn }

// Curated is the store of curated sets, option packs and suggestions, outside any transaction.
func (db *DB) Curated() Curated { return Curated{conn{db, db}} }

// Curated is the store of curated sets, option packs and suggestions, inside the transaction.
func (t *Tx) Curated() Curated { return Curated{conn{t.db, t}} }

// Confirmations is the store of confirmations: signup, email change, sign-in links.
type Confirmations struct{ conn }

// Confirmations is the store of confirmations, outside any transaction.
func (db *DB) Confirmations() Confirmations { return Confirmations{conn{db, db}} }

// Confirmations is the store of confirmations, inside the transaction.
func (t *Tx) Confirmations() Confirmations { return Confirmations{conn{t.db, t}} }

// Audit is the store of the security log.
type Audit struct{ conn }

// Audit is the store of the security log, outside any transaction.
func (db *DB) Audit() Audit { return Audit{conn{db, db}} }

// Audit is the store of the security log, inside the transaction.
func (t *Tx) Audit() Audit { return Audit{conn{t.db, t}} }

// Subscribers is the store of newsletter subscribers.
type Subscribers struct{ conn }

// Subscribers is the store of newsletter subscribers, outside any transaction.
func (db *DB) Subscribers() Subscribers { return Subscribers{conn{db, db}} }

// Subscribers is the store of newsletter subscribers, inside the transaction.
func (t *Tx) Subscribers() Subscribers { return Subscribers{conn{t.db, t}} }

// Info is the store of public counts.
type Info struct{ conn }

// Info is the store of public counts, outside any transaction.
func (db *DB) Info() Info { return Info{conn{db, db}} }

// Info is the store of public counts, inside the transaction.
func (t *Tx) Info() Info { return Info{conn{t.db, t}} }

// Activity is the store of written-behind call counters.
type Activity struct{ conn }

// Activity is the store of written-behind call counters, outside any transaction.
func (db *DB) Activity() Activity { return Activity{conn{db, db}} }

// Activity is the store of written-behind call counters, inside the transaction.
func (t *Tx) Activity() Activity { return Activity{conn{t.db, t}} }

// Flows is the store of what people submit for the operator.
type Flows struct{ conn }

// Flows is the store of flow items, outside any transaction.
func (db *DB) Flows() Flows { return Flows{conn{db, db}} }

// Flows is the store of flow items, inside the transaction.
func (t *Tx) Flows() Flows { return Flows{conn{t.db, t}} }

// Import is the store of the FreeSewing import: rows written with their
// upstream ids, the digests that make a second run incremental, and the
// legacy credentials upstream left behind.
type Import struct{ conn }

// Import is the import's store, outside any transaction.
func (db *DB) Import() Import { return Import{conn{db, db}} }

// Import is the import's store, inside the transaction.
func (t *Tx) Import() Import { return Import{conn{t.db, t}} }

// Identities is the store of accounts' links to sign-in providers.
type Identities struct{ conn }

// Identities is the store of provider links, outside any transaction.
func (db *DB) Identities() Identities { return Identities{conn{db, db}} }

// Identities is the store of provider links, inside the transaction.
func (t *Tx) Identities() Identities { return Identities{conn{t.db, t}} }

// Passkeys is the store of WebAuthn passkeys.
type Passkeys struct{ conn }

// Passkeys is the store of passkeys, outside any transaction.
func (db *DB) Passkeys() Passkeys { return Passkeys{conn{db, db}} }

// Passkeys is the store of passkeys, inside the transaction.
func (t *Tx) Passkeys() Passkeys { return Passkeys{conn{t.db, t}} }

// ACME is the store of the ACME cache: account key, certificates, challenge tokens.
type ACME struct{ conn }

// ACME is the ACME cache, outside any transaction.
func (db *DB) ACME() ACME { return ACME{conn{db, db}} }

// ACME is the ACME cache, inside the transaction.
func (t *Tx) ACME() ACME { return ACME{conn{t.db, t}} }
