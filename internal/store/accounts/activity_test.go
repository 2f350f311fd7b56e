package accounts

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"bobbin/internal/store/storetest"
)

// flushFixture makes nu users and nk keys (of the first nk users) in one
// transaction and answers their ids.
func flushFixture(t testing.TB, db *Base, nu, nk int) ([]int64, []string) {
	t.Helper()
	ctx := context.Background()
	var uids []int64
	var kids []string
	err := db.Write(ctx, func(tx *Tx) error {
		for i := range nu {
			u := &User{Username: fmt.Sprintf("flush%d", i), Email: fmt.Sprintf("flush%d@example.com", i), Role: "user", Status: 1, Consent: 1, Language: "en"}
			if err := tx.Users().Create(ctx, u); err != nil {
				return err
			}
			uids = append(uids, u.ID)
			if i < nk {
				k := &APIKey{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), UserID: u.ID, Name: "k", Level: 1, SecretHash: []byte("h"), ExpiresAt: Now() + 1e6}
				if err := tx.Keys().Create(ctx, k); err != nil {
					return err
				}
				kids = append(kids, k.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return uids, kids
}

// counters reads the stored counters of every user and key.
func counters(t *testing.T, db *Base) (map[int64]UserActivity, map[string]KeyActivity) {
	t.Helper()
	ctx := context.Background()
	users, keys := map[int64]UserActivity{}, map[string]KeyActivity{}
	rows, err := db.Pool.Query(ctx, "SELECT id, jwt_calls, key_calls, last_seen FROM users")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var a UserActivity
		if err := rows.Scan(&id, &a.JWTCalls, &a.KeyCalls, &a.LastSeen); err != nil {
			t.Fatal(err)
		}
		users[id] = a
	}
	rows.Close()
	rows, err = db.Pool.Query(ctx, "SELECT id, calls, last_seen FROM apikeys")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var a KeyActivity
		if err := rows.Scan(&id, &a.Calls, &a.LastSeen); err != nil {
			t.Fatal(err)
		}
		keys[id] = a
	}
	rows.Close()
	return users, keys
}

// A flush of more rows than one statement carries adds every row's
// counters, keeps the later last-seen, and skips rows that are gone.
func TestFlushWritesEveryRowInChunks(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			db := storetestOpen(t, dialect)
			ctx := context.Background()
			uids, kids := flushFixture(t, db, 2*flushChunk+3, flushChunk+2)
			flush := func(seen func(i int) int64) {
				users, keys := map[int64]UserActivity{}, map[string]KeyActivity{}
				for i, id := range uids {
					users[id] = UserActivity{JWTCalls: int64(i), KeyCalls: 1, LastSeen: seen(i)}
				}
				for i, id := range kids {
					keys[id] = KeyActivity{Calls: int64(i) + 2, LastSeen: seen(i)}
				}
				users[uids[len(uids)-1]+1000] = UserActivity{JWTCalls: 1, LastSeen: 1} // gone
				keys["00000000-0000-4000-8000-999999999999"] = KeyActivity{Calls: 1, LastSeen: 1}
				if err := db.Activity().Flush(ctx, users, keys); err != nil {
					t.Fatal(err)
				}
			}
			flush(func(int) int64 { return 100 })
			flush(func(i int) int64 { return 50 + 100*int64(i%2) }) // odd rows seen later, even rows earlier
			users, keys := counters(t, db)
			if len(users) != len(uids) || len(keys) != len(kids) {
				t.Fatalf("%d users, %d keys stored; want %d, %d", len(users), len(keys), len(uids), len(kids))
			}
			for i, id := range uids {
				want := UserActivity{JWTCalls: 2 * int64(i), KeyCalls: 2, LastSeen: 100 + 50*int64(i%2)}
				if users[id] != want {
					t.Fatalf("user %d (row %d): %+v, want %+v", id, i, users[id], want)
				}
			}
			for i, id := range kids {
				want := KeyActivity{Calls: 2*int64(i) + 4, LastSeen: 100 + 50*int64(i%2)}
				if keys[id] != want {
					t.Fatalf("key %s (row %d): %+v, want %+v", id, i, keys[id], want)
				}
			}
		})
	}
}

// A flush is one transaction: when its last statement fails, the rows its
// first statements wrote are not committed, and the cached entries it
// would have counted are dropped rather than counted.
func TestFailedFlushWritesNothing(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			db := storetestOpen(t, dialect)
			ctx := context.Background()
			uids, kids := flushFixture(t, db, flushChunk+1, 2)
			// The keys' statement, the flush's last, fails on the second key.
			trigger := []string{`CREATE TRIGGER flush_fails BEFORE UPDATE ON apikeys
 WHEN NEW.calls >= 1000000 BEGIN SELECT RAISE(ABORT, 'flush fails'); END`}
			if dialect == "postgres" {
				trigger = []string{`CREATE FUNCTION flush_fails() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'flush fails'; END $$`,
					`CREATE TRIGGER flush_fails BEFORE UPDATE ON apikeys FOR EACH ROW WHEN (NEW.calls >= 1000000) EXECUTE FUNCTION flush_fails()`}
			}
			for _, q := range trigger {
				if _, err := db.Pool.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if db.cache != nil {
				if _, err := db.Users().ByID(ctx, uids[0]); err != nil {
					t.Fatal(err)
				}
			}
			users := map[int64]UserActivity{}
			for _, id := range uids {
				users[id] = UserActivity{JWTCalls: 1, LastSeen: 7}
			}
			keys := map[string]KeyActivity{kids[0]: {Calls: 1, LastSeen: 7}, kids[1]: {Calls: 1000000, LastSeen: 7}}
			err := db.Activity().Flush(ctx, users, keys)
			if err == nil || !strings.Contains(err.Error(), "flush fails") {
				t.Fatalf("flush: %v, want the trigger's error", err)
			}
			stored, storedKeys := counters(t, db)
			for id, a := range stored {
				if a != (UserActivity{}) {
					t.Fatalf("user %d has %+v after a failed flush", id, a)
				}
			}
			for id, a := range storedKeys {
				if a != (KeyActivity{}) {
					t.Fatalf("key %s has %+v after a failed flush", id, a)
				}
			}
			if db.cache != nil {
				u, err := db.Users().ByID(ctx, uids[0])
				if err != nil || u.JWTCalls != 0 {
					t.Fatalf("after a failed flush the user reads %+v, %v", u, err)
				}
			}
		})
	}
}

// The flush statements find their rows by primary key: json_each is the
// only table scanned.
func TestFlushUsesPrimaryKeys(t *testing.T) {
	db := openTest(t)
	for table, q := range map[string]string{"users": sqlFlushUsers.in(db.dialect), "apikeys": sqlFlushKeys.in(db.dialect)} {
		joined := storetest.Plan(t, db.Pool, q, "[]")
		if !strings.Contains(joined, "SEARCH "+table+" USING") || strings.Contains(joined, "SCAN "+table) {
			t.Errorf("%s flush plan: %s", table, joined)
		}
	}
}

func storetestOpen(t *testing.T, dialect string) *Base {
	if dialect == "sqlite" {
		return openTest(t)
	}
	return openReplicas(t, dialect, 1)[0]
}

// BenchmarkFlush is one flush of every 10th user and key of 20,000 (the
// rotation's shape: rows spread over the tables, each on its own page).
// It reports the process CPU (user and system, the writer and the
// kernel's work included) per flush; nothing is asserted.
func BenchmarkFlush(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchFlush(b, storetest.Cached(b, storetest.Open(b, "sqlite:"+b.TempDir()+"/b.db", true, Open)))
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storetest.Env) == "" {
			b.Skip(storetest.Env + " is not set")
		}
		benchFlush(b, storetest.Open(b, storetest.URL(b, "postgres"), true, Open))
	})
}

func benchFlush(b *testing.B, db *Base) {
	uids, kids := flushFixture(b, db, 20000, 20000)
	users, keys := map[int64]UserActivity{}, map[string]KeyActivity{}
	for i := 0; i < len(uids); i += 10 {
		users[uids[i]] = UserActivity{KeyCalls: 1, LastSeen: 1}
		keys[kids[i]] = KeyActivity{Calls: 1, LastSeen: 1}
	}
	ctx := context.Background()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	c0 := cpu()
	for range b.N {
		if err := db.Activity().Flush(ctx, users, keys); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpu()-c0)/float64(b.N)/1e6, "cpu-ms/op")
}
