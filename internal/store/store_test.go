package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"bobbin/internal/store/storetest"
	"bobbin/internal/vault"
)

func openSQLite(t *testing.T) *DB { return storetest.Open(t, storetest.URL(t, "sqlite"), true, Open) }

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	db := openSQLite(t)
	applied, err := db.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate: %v %v", applied, err)
	}
}

func TestWriteRollsBackOnError(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.Users().Create(ctx, &User{Username: "a", Email: "a@example.com", Language: "en", Role: "user"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := db.Users().ByEmail(ctx, "a@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("partial write survived: %v", err)
	}
}

func TestConcurrentWritersNeverSeeLocked(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- db.Write(ctx, func(tx *Tx) error {
				u := &User{Username: "u" + strconv.Itoa(i), Email: "u" + strconv.Itoa(i) + "@example.com", Language: "en", Role: "user"}
				return tx.Users().Create(ctx, u)
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil || n != 64 {
		t.Fatalf("users %d %v", n, err)
	}
}

func TestDuplicateEmailIsConflict(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	mk := func(name, email string) error {
		return db.Write(ctx, func(tx *Tx) error {
			return tx.Users().Create(ctx, &User{Username: name, Email: email, Language: "en", Role: "user"})
		})
	}
	if err := mk("a", "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := mk("b", " A@Example.com "); !errors.Is(err, ErrConflict) {
		t.Fatalf("want conflict, got %v", err)
	}
	if err := mk("A", "c@example.com"); !errors.Is(err, ErrConflict) {
		t.Fatalf("username case: want conflict, got %v", err)
	}
}

func TestSQLiteFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	v, _ := vault.New(strings.Repeat("s", 32))
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(dir, "p.db"), v)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"p.db", "p.db-wal"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s is %v", name, st.Mode().Perm())
		}
	}
}
