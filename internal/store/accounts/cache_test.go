package accounts

import (
	"context"
	"errors"
	"regexp"
	"sync/atomic"
	"testing"

	"bobbin/internal/store/storetest"
)

func openTest(t *testing.T) *Base { return storetest.Cached(t, openSQLite(t)) }

// TestRevokingWritesSaySo keeps the principal cache honest as the store
// grows: every function of internal/store and its packages whose SQL updates, deletes,
// replaces or upserts users, sessions or apikeys must say what it revoked
// (conn.revokeUser, revokeCred or revokeAll; DB.invalidate for the
// migrations). A new such statement without one fails here.
func TestRevokingWritesSaySo(t *testing.T) {
	// Functions whose writes cannot revoke anything cached, and why.
	exempt := map[string]string{
		"Sessions.Prune": "deletes expired sessions only: a cached session carries its expiry, checked on every use",
		"Activity.Flush": "counters only: cached users and keys are counted in place after the commit (cache.go, counted)",
	}
	revoking := regexp.MustCompile(`(?is)^\s*(with\b.*)?(update|delete|replace|insert\s+or\s+replace)\b.*\b(users|sessions|apikeys)\b|` +
		`(?is)^\s*insert\b.*\b(users|sessions|apikeys)\b.*\bon\s+conflict\b`)
	// Every package of internal/store (this one is internal/store/accounts):
	// a store that writes those tables is checked wherever it lives.
	writers := storetest.Writers(t, "..", revoking)
	for name, calls := range writers {
		if _, ok := exempt[name]; ok {
			continue
		}
		if !calls[".revokeUser"] && !calls[".revokeCred"] && !calls[".revokeAll"] && !calls["invalidate"] {
			t.Errorf("%s writes users, sessions or apikeys but revokes nothing cached (call revokeUser, revokeCred or revokeAll; invalidate for the migrations)", name)
		}
	}
	if len(writers) < 8 {
		t.Errorf("found only %d revoking functions: the scan is broken", len(writers))
	}
}

func newUser(t *testing.T, db *Base, name string) *User {
	t.Helper()
	u := &User{Username: name, Email: name + "@example.com", Role: "user", Status: 1, Consent: 1, Language: "en",
		Data: map[string]any{"nested": map[string]any{"a": 1.0}, "list": []any{"x"}}}
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *Tx) error { return tx.Users().Create(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

// A caller may change what UserByID returned without changing the cache.
func TestCachedUserIsACopy(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u := newUser(t, db, "copy")
	a, err := db.Users().ByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Role = "admin"
	a.Data["nested"].(map[string]any)["a"] = 2.0
	a.Data["list"].([]any)[0] = "y"
	b, err := db.Users().ByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Role != "user" || b.Data["nested"].(map[string]any)["a"] != 1.0 || b.Data["list"].([]any)[0] != "x" {
		t.Fatalf("cache changed through a returned copy: %+v", b)
	}
}

func TestCachedSessionExpiryAndRollback(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u := newUser(t, db, "sess")
	if err := db.Sessions().Create(ctx, "jti1", u.ID, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Sessions().Principal(ctx, "jti1", 999); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Sessions().Principal(ctx, "jti1", 1000); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired cached session: %v", err)
	}
	// A rolled-back revocation changes nothing; a committed one is seen.
	boom := errors.New("boom")
	err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.Sessions().Revoke(ctx, "jti1"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := db.Sessions().Principal(ctx, "jti1", 999); err != nil {
		t.Fatalf("session gone after a rolled-back revoke: %v", err)
	}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.Sessions().Revoke(ctx, "jti1") }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Sessions().Principal(ctx, "jti1", 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked session still answered: %v", err)
	}
}

// Readers hammer a key while it is deleted: once DeleteKey has returned,
// no read that starts afterwards may still find it.
func TestCacheRevocationIsLinearizable(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u := newUser(t, db, "race")
	k := &APIKey{ID: "11111111-1111-4111-8111-111111111111", UserID: u.ID, Name: "k", Level: 4, SecretHash: []byte("h"), ExpiresAt: 1 << 50}
	if err := db.Keys().Create(ctx, k); err != nil {
		t.Fatal(err)
	}
	var revoked atomic.Bool
	stop := storetest.Hammer(4, func() bool {
		after := revoked.Load()
		_, err := db.Keys().Principal(ctx, k.ID)
		return after && err == nil
	})
	for range 50 {
		db.Keys().Principal(ctx, k.ID)
	}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.Keys().Delete(ctx, k.ID) }); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	for range 200 {
		if _, err := db.Keys().Principal(ctx, k.ID); err == nil {
			t.Fatal("deleted key still found")
		}
	}
	if n := stop(); n > 0 {
		t.Fatalf("%d reads started after the delete returned still found the key", n)
	}
}

// Every statement on the authenticated request path finds its row through
// an index: no table scan, whatever the size (the set read and writes:
// internal/store/records, TestSetPathUsesIndexes).
func TestHotPathUsesIndexes(t *testing.T) {
	db := openTest(t)
	storetest.UsesIndexes(t, db,
		"SELECT "+userColumns+" FROM users WHERE id = ?",
		"SELECT user_id, expires_at FROM sessions WHERE id = ?",
		"SELECT user_id, level, secret_hash, expires_at FROM apikeys WHERE id = ?",
		sqlSaveUser, "DELETE FROM sessions WHERE id = ?", "DELETE FROM apikeys WHERE id = ?",
		"SELECT "+userColumns+" FROM users WHERE lusername = ?",
		"SELECT "+userColumns+" FROM users WHERE ehash = ?",
	)
}

// A flush adds its counters to the cached user and key without making them
// stale, and a flush by another process on the same file (the shared word)
// does make them stale.
func TestFlushCountsCachedEntriesInPlace(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u := newUser(t, db, "counted")
	k := &APIKey{ID: "11111111-2222-4333-8444-555555555555", UserID: u.ID, Name: "laptop", Level: 1, SecretHash: []byte("h"), ExpiresAt: Now() + 1e6}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.Keys().Create(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Users().ByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Keys().ByID(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	before := db.cache.stamp(userStripe(u.ID))
	err := db.Activity().Flush(ctx, map[int64]UserActivity{u.ID: {JWTCalls: 3, KeyCalls: 2, LastSeen: 42}},
		map[string]KeyActivity{k.ID: {Calls: 2, LastSeen: 42}})
	if err != nil {
		t.Fatal(err)
	}
	if db.cache.stamp(userStripe(u.ID)) != before {
		t.Fatal("the flush bumped a generation")
	}
	db.cache.mu.RLock()
	ue, uok := db.cache.users[u.ID]
	ke, kok := db.cache.keys[k.ID]
	db.cache.mu.RUnlock()
	if !uok || !kok || ue.u.JWTCalls != 3 || ue.u.KeyCalls != 2 || ke.calls != 2 || ke.lastSeen != 42 || ke.name != "laptop" {
		t.Fatalf("cached after flush: user %v %+v, key %v %+v", uok, ue.u, kok, ke)
	}
	got, err := db.Users().ByID(ctx, u.ID)
	if err != nil || got.JWTCalls != 3 || got.KeyCalls != 2 || got.LastSeen != 42 {
		t.Fatalf("answer after flush: %+v %v", got, err)
	}
	gk, err := db.Keys().ByID(ctx, k.ID)
	if err != nil || gk.Calls != 2 || gk.LastSeen != 42 || gk.Name != "laptop" {
		t.Fatalf("key after flush: %+v %v", gk, err)
	}
	// Another process flushes behind our back: the database has 10 more.
	if _, err := db.Pool.Exec(ctx, "UPDATE users SET jwt_calls = jwt_calls + 10 WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	db.cache.g.Flushes().Add(1)
	if got, err := db.Users().ByID(ctx, u.ID); err != nil || got.JWTCalls != 13 {
		t.Fatalf("after a foreign flush: %+v %v", got, err)
	}
}
