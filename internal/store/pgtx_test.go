package store

import (
	"bobbin/internal/store/storetest"
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
)

// The PostgreSQL write path of pgtx.go: BEGIN sent with the first
// statement, writes deferred to the COMMIT's batch. Each test checks what
// was committed from another connection afterwards.

var dialects = []string{"sqlite", "postgres"}

// openDialect opens a migrated database of the dialect (PostgreSQL is
// skipped, with the reason, when no server is named).
func openDialect(t *testing.T, dialect string) *DB {
	t.Helper()
	return storetest.Open(t, storetest.URL(t, dialect), true, Open)
}

func openPG(t *testing.T) *DB { return openDialect(t, "postgres") }

func pgUser(t *testing.T, db *DB, name string) *User {
	t.Helper()
	ctx := context.Background()
	u := &User{Username: name, Email: name + "@example.com", Language: "en", Role: "user"}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.Users().Create(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

// openInTransaction counts the database's connections left inside a
// transaction: none may be, once every Write has returned.
func openInTransaction(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	err := db.QueryRow(context.Background(),
		"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLockedSetSavesMergeConcurrentWrites(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			db := openDialect(t, d)
			ctx := context.Background()
			u := &User{Username: "m", Email: "m@example.com", Language: "en", Role: "user"}
			s := &Set{Name: "s", Measies: map[string]float64{}}
			if err := db.Write(ctx, func(tx *Tx) error {
				if err := tx.Users().Create(ctx, u); err != nil {
					return err
				}
				s.UserID = u.ID
				return tx.Sets().Create(ctx, s)
			}); err != nil {
				t.Fatal(err)
			}
			// Each writer adds its own measurement by read-modify-write:
			// without the row lock, concurrent merges would lose some.
			const n = 24
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- db.Write(ctx, func(tx *Tx) error {
						got, err := tx.Sets().ByIDLocked(ctx, s.ID)
						if err != nil {
							return err
						}
						if err := tx.Sets().Open(got); err != nil {
							return err
						}
						got.Measies["m"+strconv.Itoa(i)] = float64(i)
						got.UpdatedAt = Now()
						return tx.Sets().Save(ctx, got)
					})
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.Sets().ByID(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Sets().Open(got); err != nil {
				t.Fatal(err)
			}
			if len(got.Measies) != n {
				t.Fatalf("%d of %d merged measurements survived: %v", len(got.Measies), n, got.Measies)
			}
			err = db.Write(ctx, func(tx *Tx) error {
				_, err := tx.Sets().ByIDLocked(ctx, s.ID+1000)
				return err
			})
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("missing set: want ErrNotFound, got %v", err)
			}
		})
	}
}

func TestPostgresFailedDeferredWriteCommitsNothing(t *testing.T) {
	db := openPG(t)
	ctx := context.Background()
	owner := pgUser(t, db, "owner")
	s := &Set{UserID: owner.ID, Name: "s", Measies: map[string]float64{}}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.Sets().Create(ctx, s) }); err != nil {
		t.Fatal(err)
	}
	// The user's INSERT goes with BEGIN; the locked set's save is deferred
	// to the COMMIT's batch, where it misses the row deleted meanwhile, so
	// the COMMIT after it must not run.
	err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.Users().Create(ctx, &User{Username: "d", Email: "d@example.com", Language: "en", Role: "user"}); err != nil {
			return err
		}
		got, err := tx.Sets().ByIDLocked(ctx, s.ID)
		if err != nil {
			return err
		}
		if err := tx.Sets().Delete(ctx, s.ID); err != nil {
			return err
		}
		return tx.Sets().Save(ctx, got)
	})
	if err == nil {
		t.Fatal("a deferred write that missed its row was accepted")
	}
	if _, err := db.Users().ByEmail(ctx, "d@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the write before the failed one was committed: %v", err)
	}
	if _, err := db.Sets().ByID(ctx, s.ID); err != nil {
		t.Fatalf("the delete of the failed transaction was committed: %v", err)
	}
	// A deferred write that misses its row fails the transaction before
	// the COMMIT when a statement follows it.
	err = db.Write(ctx, func(tx *Tx) error {
		got, err := tx.Sets().ByIDLocked(ctx, s.ID)
		if err != nil {
			return err
		}
		if err := tx.Sets().Delete(ctx, s.ID); err != nil {
			return err
		}
		if err := tx.Sets().Save(ctx, got); err != nil {
			return err
		}
		return tx.Users().Create(ctx, &User{Username: "e", Email: "e@example.com", Language: "en", Role: "user"})
	})
	if err == nil {
		t.Fatal("a deferred write that missed its row was accepted")
	}
	if _, err := db.Users().ByEmail(ctx, "e@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("committed after a failed deferred write: %v", err)
	}
	pgUser(t, db, "after") // the pool still writes
	if n := openInTransaction(t, db); n != 0 {
		t.Fatalf("%d connections left inside a transaction", n)
	}
}

func TestPostgresFirstStatementRollsBack(t *testing.T) {
	db := openPG(t)
	ctx := context.Background()
	pgUser(t, db, "a")
	// A conflict in the batch that carries BEGIN is the caller's
	// ErrConflict, and nothing of the transaction stays.
	err := db.Write(ctx, func(tx *Tx) error {
		return tx.Users().Create(ctx, &User{Username: "a", Email: "other@example.com", Language: "en", Role: "user"})
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("want conflict, got %v", err)
	}
	// An error, then a panic, after a statement sent with BEGIN.
	boom := errors.New("boom")
	err = db.Write(ctx, func(tx *Tx) error {
		if err := tx.Users().Create(ctx, &User{Username: "b", Email: "b@example.com", Language: "en", Role: "user"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		db.Write(ctx, func(tx *Tx) error {
			if err := tx.Users().Create(ctx, &User{Username: "c", Email: "c@example.com", Language: "en", Role: "user"}); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	for _, e := range []string{"b@example.com", "c@example.com", "other@example.com"} {
		if _, err := db.Users().ByEmail(ctx, e); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s survived a rolled-back write: %v", e, err)
		}
	}
	// A Write that runs nothing sends nothing and succeeds.
	if err := db.Write(ctx, func(tx *Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	pgUser(t, db, "d")
	if n := openInTransaction(t, db); n != 0 {
		t.Fatalf("%d connections left inside a transaction", n)
	}
}
