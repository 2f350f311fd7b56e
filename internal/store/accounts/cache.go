package accounts

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"bobbin/internal/store/engine"
)

// The principal cache keeps what every authenticated request reads — the
// session behind a token, the API key, and the user — in memory, so an
// authenticated read answers without a database read. It must never
// outlive a revocation. How:
//
//   - Every entry carries the generations it was read under: a global one
//     and one "stripe" for its user or credential (engine.Gens, in
//     internal/store/engine/gens.go). Lookups compare them with the current
//     values; any difference is a miss.
//   - A write that may revoke bumps generations AFTER its commit: the store
//     function that writes users, sessions or apikeys says what it changed
//     (conn.revokeUser, revokeCred, revokeAll in conn.go): a user's or a
//     credential's stripe, or the global generation when it cannot name
//     them. TestRevokingWritesSaySo fails on such a write that says nothing.
//     The engine bumps them once the commit is done.
//     A reader takes its generations BEFORE it reads the database, so a
//     value read before a commit is stored under generations the commit's
//     bump has already made stale.
//   - The generations live in a file mapped into memory beside the SQLite
//     database (engine/gens_unix.go), shared by every Bobbin process on that file:
//     `bobbin user disable` run beside a serving Bobbin reaches its cache.
//   - Nothing negative is cached (an unknown key or session always reads
//     the database), and expiry is checked against the clock on every use.
//   - On PostgreSQL the generations live in each process's memory, and
//     every revoking commit notifies the other replicas (engine/notify.go); a
//     replica that is not listening treats its whole cache as stale.
//
// Counters (calls, last seen) are not revocations: the activity flush
// never bumps a generation here. Once its commit is done it adds what it
// wrote to the cached users and keys in place (counted), so an account or
// whoami answer shows the flushed counters without a database read and the
// flush does not empty the cache of everyone active. A read that overlaps
// a flush is not cached (it may or may not include the flush). A flush by
// another process on the same file bumps word [0] of the map; seeing that
// word move makes every cached counter stale (counterEpoch). On
// PostgreSQL a flush notifies the other replicas of the users' and keys'
// stripes, which they bump as for a revocation.
//
// Edits made with a SQL tool behind Bobbin's back are not seen by a running
// server until it restarts; use `bobbin user ...` for live changes.

// Bounds on cached entries; when one is full, an eighth is dropped.
const (
	maxCachedUsers = 1 << 14
	maxCachedCreds = 1 << 16
)

// stamp is the pair of generations an entry was read under.
type stamp struct{ global, stripe uint64 }

type userEntry struct {
	u   *User // never handed out: callers get a copy; counted replaces it
	st  stamp
	cep uint64 // counter epoch
}

// methodsEntry is what GET /account shows of a user's sign-in methods:
// the provider links and the number of passkeys. Their writes revoke the
// user's stripe (signinmethods.go), as the user's own row's writes do.
type methodsEntry struct {
	links    []Identity // never handed out: callers get a copy
	passkeys int
	st       stamp
}

type sessEntry struct {
	userID, expiresAt int64
	st                stamp
}

type keyEntry struct {
	missing    bool // no such key: cached too, so an unknown id takes a known one's time (auth.md "API keys")
	userID     int64
	level      int
	secretHash []byte
	expiresAt  int64
	name       string // decrypted once; the entry lives only in memory
	createdAt  int64
	lastSeen   int64
	calls      int64
	st         stamp
	cep        uint64 // counter epoch
}

type authCache struct {
	g        *engine.Gens
	mu       sync.RWMutex
	users    map[int64]userEntry
	methods  map[int64]methodsEntry
	sessions map[string]sessEntry
	keys     map[string]keyEntry

	// Counters (see the package comment): flushing counts this process's
	// flushes under way and flushed the ones done; cep is the counter
	// epoch, raised when another process flushed (w0 is the value of the
	// shared word this process has accounted for).
	flushing atomic.Int64
	flushed  atomic.Uint64
	cep      atomic.Uint64
	w0       atomic.Uint64
}

func newAuthCache(g *engine.Gens) *authCache {
	c := &authCache{g: g, users: map[int64]userEntry{}, methods: map[int64]methodsEntry{}, sessions: map[string]sessEntry{}, keys: map[string]keyEntry{}}
	c.w0.Store(g.Flushes().Load())
	return c
}

// counterEpoch is the epoch cached counters must carry to be fresh.
func (c *authCache) counterEpoch() uint64 {
	if c.g.Flushes().Load() != c.w0.Load() {
		c.mu.Lock()
		if w := c.g.Flushes().Load(); w != c.w0.Load() { // another process flushed
			c.w0.Store(w)
			c.cep.Add(1)
		}
		c.mu.Unlock()
	}
	return c.cep.Load()
}

// readMark is taken before a miss's database read; storable tells, under
// c.mu, whether no flush overlapped the read.
type readMark struct{ cep, flushed uint64 }

func (c *authCache) mark() readMark { return readMark{c.counterEpoch(), c.flushed.Load()} }

func (c *authCache) storable(m readMark) bool {
	return c.flushing.Load() == 0 && c.flushed.Load() == m.flushed && c.cep.Load() == m.cep &&
		c.g.Flushes().Load() == c.w0.Load()
}

// flushing starts a flush; counted ends it, adding what it wrote to the
// cached entries (ok: the commit is done) or dropping them (it failed,
// perhaps after committing).
func (c *authCache) startFlush() { c.flushing.Add(1) }

func (c *authCache) counted(ok bool, users map[int64]UserActivity, keys map[string]KeyActivity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.g.Flushes().Add(1)
	if n-1 != c.w0.Load() {
		c.cep.Add(1) // another process flushed meanwhile
	}
	c.w0.Store(n)
	for id, a := range users {
		e, hit := c.users[id]
		switch {
		case !hit:
		case !ok:
			delete(c.users, id)
		default:
			u := *e.u // shallow: the shared parts are never changed
			u.JWTCalls += a.JWTCalls
			u.KeyCalls += a.KeyCalls
			u.LastSeen = max(u.LastSeen, a.LastSeen)
			e.u = &u
			c.users[id] = e
		}
	}
	for id, a := range keys {
		e, hit := c.keys[id]
		switch {
		case !hit:
		case !ok:
			delete(c.keys, id)
		default:
			e.calls += a.Calls
			e.lastSeen = max(e.lastSeen, a.LastSeen)
			c.keys[id] = e
		}
	}
	c.flushed.Add(1)
	c.flushing.Add(-1)
}

func (c *authCache) stamp(stripe uint64) stamp {
	return stamp{c.g.Global().Load(), c.g.Stripe(stripe).Load()}
}

func (c *authCache) fresh(s stamp, stripe uint64) bool { return s == c.stamp(stripe) }

// put stores v under k, dropping an eighth of m first when it is full.
func put[K comparable, V any](mu *sync.RWMutex, m map[K]V, limit int, k K, v V) {
	mu.Lock()
	putLocked(m, limit, k, v)
	mu.Unlock()
}

func putLocked[K comparable, V any](m map[K]V, limit int, k K, v V) {
	if len(m) >= limit {
		n := limit / 8
		for old := range m {
			delete(m, old)
			if n--; n <= 0 {
				break
			}
		}
	}
	m[k] = v
}

// signinMethods returns a copy of the user's provider links and the
// number of their passkeys, reading them on a miss.
func (c *authCache) signinMethods(ctx context.Context, db *Base, id int64) ([]Identity, int, error) {
	c.mu.RLock()
	e, ok := c.methods[id]
	c.mu.RUnlock()
	stripe := userStripe(id)
	if !ok || !c.fresh(e.st, stripe) || c.g.Stale() {
		e = methodsEntry{st: c.stamp(stripe)} // before the reads: see the package comment
		var err error
		if e.links, err = (Identities{conn{db, db}}).read(ctx, id); err != nil {
			return nil, 0, err
		}
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM passkeys WHERE user_id = ?", id).Scan(&e.passkeys); err != nil {
			return nil, 0, mapErr(err)
		}
		put(&c.mu, c.methods, maxCachedUsers, id, e)
	}
	return append([]Identity(nil), e.links...), e.passkeys, nil
}

// user returns the cached user (shared: read it, never change it),
// reading it on a miss.
func (c *authCache) user(ctx context.Context, db *Base, id int64) (*User, error) {
	c.mu.RLock()
	e, ok := c.users[id]
	c.mu.RUnlock()
	stripe := userStripe(id)
	if ok && c.fresh(e.st, stripe) && e.cep == c.counterEpoch() && !c.g.Stale() {
		return e.u, nil
	}
	st, m := c.stamp(stripe), c.mark() // before the read: see the package comment
	u, err := (Users{conn{db, db}}).scan(db.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.storable(m) {
		putLocked(c.users, maxCachedUsers, id, userEntry{u, st, m.cep})
	}
	c.mu.Unlock()
	return u, nil
}

func (c *authCache) session(ctx context.Context, db *Base, jti string) (sessEntry, error) {
	c.mu.RLock()
	e, ok := c.sessions[jti]
	c.mu.RUnlock()
	stripe := credStripe(jti)
	if ok && c.fresh(e.st, stripe) && !c.g.Stale() {
		return e, nil
	}
	e = sessEntry{st: c.stamp(stripe)}
	err := db.QueryRow(ctx, "SELECT user_id, expires_at FROM sessions WHERE id = ?", jti).Scan(&e.userID, &e.expiresAt)
	if err != nil {
		return e, mapErr(err)
	}
	put(&c.mu, c.sessions, maxCachedCreds, jti, e)
	return e, nil
}

func (c *authCache) key(ctx context.Context, db *Base, id string) (keyEntry, error) {
	c.mu.RLock()
	e, ok := c.keys[id]
	c.mu.RUnlock()
	stripe := credStripe(id)
	if ok && c.fresh(e.st, stripe) && !c.g.Stale() && (e.missing || e.cep == c.counterEpoch()) {
		if e.missing {
			return e, ErrNotFound
		}
		return e, nil
	}
	m := c.mark()
	e = keyEntry{st: c.stamp(stripe), cep: m.cep}
	var name string
	err := db.QueryRow(ctx, "SELECT user_id, level, secret_hash, expires_at, name_enc, created_at, last_seen, calls FROM apikeys WHERE id = ?", id).
		Scan(&e.userID, &e.level, &e.secretHash, &e.expiresAt, &name, &e.createdAt, &e.lastSeen, &e.calls)
	if err = mapErr(err); errors.Is(err, ErrNotFound) {
		// Negative entry, under the same generation stamp as a found one:
		// the next probe of this id is answered from memory like a cached
		// key's. Key ids are random UUIDs made by the server, so an id
		// probed before it exists is not one a key will get.
		c.mu.Lock()
		if c.storable(m) {
			putLocked(c.keys, maxCachedCreds, id, keyEntry{missing: true, st: e.st, cep: m.cep})
		}
		c.mu.Unlock()
		return e, err
	} else if err != nil {
		return e, err
	}
	if e.name, err = db.v.Decrypt("apikeys.name", name); err != nil {
		return e, err
	}
	c.mu.Lock()
	if c.storable(m) {
		putLocked(c.keys, maxCachedCreds, id, e)
	}
	c.mu.Unlock()
	return e, nil
}

// clone copies a user deeply enough that the caller may change anything.
func (u *User) clone() *User {
	c := *u
	c.Data, _ = deepCopy(u.Data).(map[string]any)
	if u.MFAScratch != nil {
		c.MFAScratch = append([]string(nil), u.MFAScratch...)
	}
	return &c
}

// deepCopy copies decoded JSON.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}
