package engine

import "sync/atomic"

// The generations of the principal cache (internal/store/accounts,
// cache.go, says how the cache uses them). The engine owns them because it
// owns the commits: a write that may revoke says so (Invalidate), and the
// generations it names are bumped AFTER its commit (Write, writeQueued); on
// PostgreSQL the commit also notifies the other replicas (notify.go).
//
//   - Every cached entry carries the generations it was read under: a
//     global one and one "stripe" for its user or credential.
//   - The generations live in a file mapped into memory beside the SQLite
//     database (gens_unix.go), shared by every Bobbin process on that file:
//     `bobbin user disable` run beside a serving Bobbin reaches its cache.
//   - On PostgreSQL they live in each process's memory, and every revoking
//     commit notifies the other replicas (notify.go); a replica that is not
//     listening treats its whole cache as stale (Stale).
//
// The set-row cache (internal/store/records, setcache.go) uses the same
// machinery with stripes of its own (Record, InvalidateRecords), so that a
// set write does not make principals stale and a revocation does not make
// sets stale; its entries carry the global generation too, which every
// write that cannot name what it changed bumps (raw SQL, a user's deletion
// and its cascade, the import, a migration, a listener that reconnected).
// On PostgreSQL the other replicas hear of record stripes from a trigger
// on the table, not from the commit's payload (notify.go).

// Layout of the generation words: [0] counter flushes, [1] global, then the
// principal stripes, then the record stripes (added after the principal
// ones, so that a process that maps only the first part still shares them).
const (
	gensStripes = 1 << 13
	gensWords   = 2 + 2*gensStripes
	gensBytes   = gensWords * 8
)

// Gens are the generation words. The mapping is never undone: a cache hit
// racing with DB.Close must not touch unmapped memory (64 KiB a database).
type Gens struct {
	words []atomic.Uint64
	stale atomic.Bool // PostgreSQL: not listening for revocations (notify.go)
}

// Flushes is word [0]: counter flushes by any process on the file.
func (g *Gens) Flushes() *atomic.Uint64 { return &g.words[0] }

// Global is the generation every entry carries.
func (g *Gens) Global() *atomic.Uint64 { return &g.words[1] }

// Stripe is the generation of the stripe of hash h (UserStripe, CredStripe).
func (g *Gens) Stripe(h uint64) *atomic.Uint64 { return &g.words[2+h%gensStripes] }

// Record is the generation of the record stripe of hash h (RowStripe).
func (g *Gens) Record(h uint64) *atomic.Uint64 { return &g.words[2+gensStripes+h%gensStripes] }

// Stale reports that revocations may be missed (PostgreSQL, not
// listening): every lookup must read the database.
func (g *Gens) Stale() bool { return g.stale.Load() }

// Stripe hashes must agree between processes: fixed functions, no seeds.

// UserStripe is the stripe of a user's id.
func UserStripe(id int64) uint64 { return mix64(uint64(id) ^ 0x75736572) }

// CredStripe is the stripe of a session's jti or an API key's id.
func CredStripe(s string) uint64 {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// RowStripe is the record stripe of a row of a table, or of a group of
// rows named by a column's value (e.g. "sets.user_id" and the user's id).
func RowStripe(name string, id int64) uint64 { return mix64(uint64(id) ^ CredStripe(name)) }

func mix64(x uint64) uint64 { // splitmix64 finalizer
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Gens are the principal cache's generations; nil when there is no cache.
func (db *Pool) Gens() *Gens { return db.gens }

// CacheEnabled reports whether the principal cache is on (SQLite with a
// shared generation map, or PostgreSQL with its revocation listener).
func (db *Pool) CacheEnabled() bool { return db.gens != nil }

// pending is what a write will bump once it has committed.
type pending struct {
	global  bool
	stripes []uint64
	remote  []uint64 // other replicas only (counters): notified, not bumped here
	records []uint64 // record stripes (RowStripe)
}

// Invalidate records that the write on q may revoke what stripes (or,
// with global, anything) cached: inside a transaction after its commit,
// otherwise (q is the DB, the write already committed) now.
func Invalidate(db *Pool, q Querier, global bool, stripes ...uint64) {
	invalidate(db, q, global, stripes...)
}

func invalidate(db *Pool, q Querier, global bool, stripes ...uint64) {
	invalidatePending(db, q, pending{global: global, stripes: stripes})
}

// InvalidateRecords records that the write on q changed the rows of
// these record stripes (RowStripe), as Invalidate does for principals.
func InvalidateRecords(db *Pool, q Querier, stripes ...uint64) {
	invalidatePending(db, q, pending{records: stripes})
}

func invalidatePending(db *Pool, q Querier, p pending) {
	if db.gens == nil {
		return
	}
	if tx, ok := q.(*Tx); ok {
		tx.pend.global = tx.pend.global || p.global
		tx.pend.stripes = append(tx.pend.stripes, p.stripes...)
		tx.pend.records = append(tx.pend.records, p.records...)
		return
	}
	bump(db, p)
	notifyNow(db, p)
}

// NotifyRemote tells the other replicas, once the transaction has
// committed, to read the entries of these stripes again, without bumping
// them here: the activity flush counts this process's entries in place.
func (t *Tx) NotifyRemote(stripes ...uint64) {
	t.pend.remote = append(t.pend.remote, stripes...)
}

func bump(db *Pool, p pending) {
	if db.gens == nil {
		return
	}
	g := db.gens
	for _, s := range p.stripes {
		g.Stripe(s).Add(1)
	}
	for _, s := range p.records {
		g.Record(s).Add(1)
	}
	if p.global {
		g.Global().Add(1)
	}
}
