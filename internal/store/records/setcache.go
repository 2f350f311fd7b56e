package records

import (
	"context"
	"encoding/json"
	"sync"

	"bobbin/internal/store/engine"
)

// The set-row cache keeps sets in memory, opened, so that GET /sets/{id}
// and GET /sets answer without a database read and without decrypting.
// It must never serve a set that a committed write has changed, on this
// process, on another process on the same SQLite file, or on another
// PostgreSQL replica. It follows the principal cache (internal/store/
// accounts/cache.go), with the same generations (engine/gens.go) and
// stripes of its own (engine.Gens.Record):
//
//   - A set read by id is kept under the stripe of its id; a user's list
//     under the stripe of its owner ("sets.user_id"). Every entry also
//     carries the global generation.
//   - Every store function that writes the sets table says what it changed
//     (conn.setChanged: the set's stripe and its owner's; conn.allChanged:
//     the global generation, when the rows are not known, as for the
//     import's upserts), and the engine bumps those generations once the
//     commit is done. TestSetWritesSaySo fails on a function of
//     internal/store that writes sets without saying so.
//   - On PostgreSQL the other replicas hear of every change of a set row
//     from a trigger on the table (migrations/postgres/0034_sets_notify.sql):
//     a NOTIFY from inside the writing statement, delivered if and only if
//     it commits, whoever wrote it (a replica of an older version during a
//     rolling upgrade, a cascade, a SQL tool).
//   - A user's deletion (the sets go with the user: ON DELETE CASCADE),
//     raw SQL from outside the stores (store.DB.Exec), a migration and a
//     replica's listener that reconnected bump the global generation.
//   - A reader takes its generations BEFORE it reads the database, so a
//     row read before a commit is kept under generations that the commit's
//     bump has already made stale. Nothing is changed in place (there are
//     no counters here), so a read that overlaps a write needs nothing more
//     (the principal cache's readMark is for its in-place counts).
//   - A replica that is not listening (Gens.Stale) reads the database.
//   - Inside a write transaction every read goes to the database.
//
// What is cached is the row, not a decision: who may read a set (owner,
// public, levels) is still decided by internal/userdata on every request,
// before it opens the set (Open, OpenView). The plaintext lives only in
// this memory and is never logged.
//
// Bounded by bytes, not entries, because a set's notes may be 20,000
// characters: at most maxSetCacheBytes of cached rows and lists (what the
// rows hold plus a fixed overhead per entry); when a new entry would pass
// it, entries are dropped until an eighth is free.

// maxSetCacheBytes bounds the cache: about 8,000 typical sets (a name, a
// few words of notes, 50 measurements: ~1 KiB), small beside the default
// soft memory limit (BACKEND_MEMORY_LIMIT, 72 MiB), which the principal
// cache at its bounds already fills by half.
const maxSetCacheBytes = 8 << 20

// setEntryOverhead is what an entry costs beyond its strings (the row's
// fields, the map slot, the pointers).
const setEntryOverhead = 160

// setStamp is the pair of generations an entry was read under.
type setStamp struct{ global, stripe uint64 }

// setRow is a set as stored, opened. Once cached it is shared by every
// reader and never changed.
type setRow struct {
	id, userID           int64
	public, imperial     bool
	name, notes, img     string
	measies              json.RawMessage // the stored JSON, "{}" for none
	createdAt, updatedAt int64
}

func (r *setRow) size() int64 {
	return int64(len(r.name)+len(r.notes)+len(r.img)+len(r.measies)) + setEntryOverhead
}

// sealed is the row as ByID answers it: still to be opened by the caller
// once it has checked access (Open, OpenView).
func (r *setRow) sealed() *Set {
	return &Set{ID: r.id, UserID: r.userID, Public: r.public, Imperial: r.imperial, Img: r.img,
		CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, sealed: &sealedSet{plain: r}}
}

type setEntry struct {
	row *setRow
	st  setStamp
}

type listEntry struct {
	rows []*setRow
	st   setStamp
	size int64
}

type setCache struct {
	g     *engine.Gens
	limit int64

	mu    sync.RWMutex
	byID  map[int64]setEntry
	lists map[int64]listEntry
	bytes int64
}

func newSetCache(g *engine.Gens) *setCache {
	return &setCache{g: g, limit: maxSetCacheBytes, byID: map[int64]setEntry{}, lists: map[int64]listEntry{}}
}

func setStripe(id int64) uint64 { return engine.RowStripe("sets", id) }

func ownerStripe(userID int64) uint64 { return engine.RowStripe("sets.user_id", userID) }

func (c *setCache) stamp(stripe uint64) setStamp {
	return setStamp{c.g.Global().Load(), c.g.Record(stripe).Load()}
}

func (c *setCache) fresh(s setStamp, stripe uint64) bool { return !c.g.Stale() && s == c.stamp(stripe) }

// set returns set id, sealed, reading it on a miss.
func (c *setCache) set(ctx context.Context, st Sets, id int64) (*Set, error) {
	stripe := setStripe(id)
	c.mu.RLock()
	e, ok := c.byID[id]
	c.mu.RUnlock()
	if ok && c.fresh(e.st, stripe) {
		return e.row.sealed(), nil
	}
	stamp := c.stamp(stripe) // before the read: see the top of the file
	s, err := scanSet(st.db.QueryRow(ctx, sqlSetByID, id))
	if err != nil {
		if ok && err == ErrNotFound {
			c.mu.Lock()
			c.dropSet(id)
			c.mu.Unlock()
		}
		return nil, err
	}
	row, err := st.openRow(s)
	if err != nil {
		return s, nil // not cached: Open reports it, after the access check
	}
	if row.size() <= c.limit/16 {
		c.mu.Lock()
		if old, ok := c.byID[id]; !ok || !c.fresh(old.st, stripe) {
			c.dropSet(id)
			c.makeRoom(row.size())
			c.byID[id] = setEntry{row, stamp}
			c.bytes += row.size()
		}
		c.mu.Unlock()
	}
	return row.sealed(), nil
}

// list returns a user's sets, opened, oldest first, reading them on a miss.
func (c *setCache) list(ctx context.Context, st Sets, userID int64) ([]*Set, error) {
	stripe := ownerStripe(userID)
	c.mu.RLock()
	e, ok := c.lists[userID]
	c.mu.RUnlock()
	if ok && c.fresh(e.st, stripe) {
		return openSets(e.rows), nil
	}
	stamp := c.stamp(stripe) // before the read
	rows, err := st.readList(ctx, st.db, userID)
	if err != nil {
		return nil, err
	}
	size := int64(setEntryOverhead)
	for _, r := range rows {
		size += r.size()
	}
	if size <= c.limit/16 {
		c.mu.Lock()
		if old, ok := c.lists[userID]; !ok || !c.fresh(old.st, stripe) {
			c.dropList(userID)
			c.makeRoom(size)
			c.lists[userID] = listEntry{rows, stamp, size}
			c.bytes += size
		}
		c.mu.Unlock()
	}
	return openSets(rows), nil
}

// dropSet and dropList remove an entry; c.mu is held.
func (c *setCache) dropSet(id int64) {
	if e, ok := c.byID[id]; ok {
		c.bytes -= e.row.size()
		delete(c.byID, id)
	}
}

func (c *setCache) dropList(userID int64) {
	if e, ok := c.lists[userID]; ok {
		c.bytes -= e.size
		delete(c.lists, userID)
	}
}

// makeRoom drops entries, in the maps' random order, until size more
// bytes fit with an eighth of the limit free; c.mu is held.
func (c *setCache) makeRoom(size int64) {
	if c.bytes+size <= c.limit {
		return
	}
	target := c.limit - c.limit/8 - size
	for id := range c.byID {
		if c.bytes <= target {
			return
		}
		c.dropSet(id)
	}
	for id := range c.lists {
		if c.bytes <= target {
			return
		}
		c.dropList(id)
	}
}

// openSets are the rows as ByUser answers them: opened, their measies the
// stored JSON, shared with the cache (never changed).
func openSets(rows []*setRow) []*Set {
	sets := make([]Set, len(rows))
	out := make([]*Set, len(rows))
	for i, r := range rows {
		sets[i] = Set{ID: r.id, UserID: r.userID, Name: r.name, Notes: r.notes, Public: r.public, Imperial: r.imperial,
			MeasiesJSON: r.measies[:len(r.measies):len(r.measies)], Img: r.img, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
		out[i] = &sets[i]
	}
	return out
}

// What a write of the sets table changed, said after its statement:
// inside a transaction the generations are bumped once it has committed,
// outside one at once. TestSetWritesSaySo fails when a function of
// internal/store writes sets without one of these.

// setChanged: set id of owner was created, changed or deleted (its row,
// and its owner's list).
func (c conn) setChanged(id, owner int64) {
	engine.InvalidateRecords(c.db.Pool, c.q, setStripe(id), ownerStripe(owner))
}

// allChanged: set rows changed that are not known here (an upsert may
// move a set to another owner): every cached entry is stale.
func (c conn) allChanged() { engine.Invalidate(c.db.Pool, c.q, true) }
