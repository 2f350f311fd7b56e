package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db := openSQLite(t)
	if !db.CacheEnabled() {
		t.Fatal("cache off on SQLite")
	}
	return db
}

func TestMayRevoke(t *testing.T) {
	for _, c := range []struct {
		q    string
		want bool
	}{
		{"SELECT * FROM users WHERE id = ?", false},
		{"  select id from sessions", false},
		{"INSERT INTO sessions (id) VALUES (?)", false},
		{"INSERT INTO sets (user_id) VALUES (?)", false},
		{"UPDATE sets SET name_enc = ? WHERE id = ?", false},
		{"DELETE FROM sets WHERE id = ?", false},
		{"UPDATE users SET role = ? WHERE id = ?", true},
		{"\n  update USERS set status = ?", true},
		{"DELETE FROM sessions WHERE user_id = ?", true},
		{"DELETE FROM apikeys WHERE user_id = ?", true},
		{"INSERT INTO users (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET role = excluded.role", true},
		{"INSERT OR REPLACE INTO apikeys (id) VALUES (?)", true},
		{"REPLACE INTO sessions (id) VALUES (?)", true},
		{"WITH x AS (SELECT 1) UPDATE users SET status = 1", true},
		{sqlSaveUser, false},      // invalidates its own user precisely
		{sqlRevokeSession, false}, // its own session
		{sqlDeleteKey, false},     // its own key
		{sqlFlushUser, false},
		{sqlFlushKey, false},
	} {
		if got := mayRevoke(c.q); got != c.want {
			t.Errorf("mayRevoke(%q) = %v, want %v", c.q, got, c.want)
		}
	}
}

func newUser(t *testing.T, db *DB, name string) *User {
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
	var stale atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load()
				_, err := db.Keys().Principal(ctx, k.ID)
				if after && err == nil {
					stale.Add(1)
				}
			}
		}()
	}
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
	close(stop)
	wg.Wait()
	if n := stale.Load(); n > 0 {
		t.Fatalf("%d reads started after the delete returned still found the key", n)
	}
}

// Every statement on the authenticated request path, and the set read and
// writes, finds its row through an index: no table scan, whatever the size.
func TestHotPathUsesIndexes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, q := range []string{
		"SELECT " + userColumns + " FROM users WHERE id = ?",
		"SELECT user_id, expires_at FROM sessions WHERE id = ?",
		"SELECT user_id, level, secret_hash, expires_at FROM apikeys WHERE id = ?",
		"SELECT " + setColumns + " FROM sets WHERE id = ?",
		"UPDATE sets SET updated_at = updated_at WHERE id = ?",
		sqlSaveUser, sqlFlushUser, sqlFlushKey, sqlRevokeSession, sqlDeleteKey,
		"SELECT " + userColumns + " FROM users WHERE lusername = ?",
		"SELECT " + userColumns + " FROM users WHERE ehash = ?",
	} {
		n := strings.Count(q, "?")
		args := make([]any, n)
		for i := range args {
			args[i] = 1
		}
		rows, err := db.Query(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if strings.Contains(joined, "SCAN") || !strings.Contains(joined, "SEARCH") {
			t.Errorf("%s\n  plan: %s", strings.Join(strings.Fields(q), " ")[:min(90, len(q))], joined)
		}
	}
}
