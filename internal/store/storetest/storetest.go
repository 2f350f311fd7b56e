// Package storetest holds what the tests of internal/store and its
// packages share: a fresh database of either dialect (a real SQLite file, a
// real PostgreSQL database when BOBBIN_TEST_POSTGRES_URL is set), opened
// with the test vault and closed after the test.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx", for the admin connection

	"bobbin/internal/vault"
)

// Env names the PostgreSQL server the tests may use (.ci/run sets it);
// internal/apitest and the system tests make their databases here too.
const Env = "BOBBIN_TEST_POSTGRES_URL"

// URL makes an empty database of the dialect and answers its URL;
// PostgreSQL is skipped (with the reason) when no server is named.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	}
	u, _, _ := Postgres(t, "bobbin_store_", nil)
	return u
}

// Postgres makes a database for one test on the server named by Env (the
// test is skipped, with the reason, when none is), named prefix and a
// random suffix, and drops it after the test. create makes it (nil: an
// empty one); it gets the admin connection to the server, the server's
// URL and the name. Postgres answers the database's URL, the admin
// connection (closed after the test) and the name.
func Postgres(t testing.TB, prefix string, create func(admin *sql.DB, base, name string)) (dbURL string, admin *sql.DB, name string) {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skip("PostgreSQL test skipped: " + Env + " is not set (.ci/run sets it)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name = prefix + hex.EncodeToString(b)
	if create != nil {
		create(admin, base, name)
	} else if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String(), admin, name
}

// Vault is the vault every test database is opened with.
func Vault(t testing.TB) *vault.Vault {
	v, err := vault.New(strings.Repeat("s", 32))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// DB is what Open needs of a database handle.
type DB interface {
	Close() error
	Migrate(ctx context.Context) ([]string, error)
}

// Open opens url with open and the test vault, closes it after the test,
// and migrates it first when migrate is set.
func Open[T DB](t testing.TB, url string, migrate bool, open func(context.Context, string, *vault.Vault) (T, error)) T {
	t.Helper()
	return OpenVault(t, url, Vault(t), migrate, open)
}

// OpenVault is Open with the vault v (a replica's own root secret).
func OpenVault[T DB](t testing.TB, url string, v *vault.Vault, migrate bool, open func(context.Context, string, *vault.Vault) (T, error)) T {
	t.Helper()
	db, err := open(context.Background(), url, v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// Querier is what UsesIndexes reads with.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// UsesIndexes checks, on a SQLite db, that each statement finds its rows
// through an index: no table scan, whatever the size.
func UsesIndexes(t *testing.T, db Querier, queries ...string) {
	t.Helper()
	for _, q := range queries {
		n := strings.Count(q, "?")
		args := make([]any, n)
		for i := range args {
			args[i] = 1
		}
		joined := Plan(t, db, q, args...)
		if strings.Contains(joined, "SCAN") || !strings.Contains(joined, "SEARCH") {
			t.Errorf("%s\n  plan: %s", strings.Join(strings.Fields(q), " ")[:min(90, len(q))], joined)
		}
	}
}

// Plan is SQLite's query plan of q with args, its steps joined by "; ".
func Plan(t testing.TB, db Querier, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// Cached fails the test unless db has its principal cache (SQLite with a
// shared generation map), and returns db.
func Cached[T interface{ CacheEnabled() bool }](t testing.TB, db T) T {
	t.Helper()
	if !db.CacheEnabled() {
		t.Fatal("cache off on SQLite")
	}
	return db
}
