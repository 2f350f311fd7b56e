package store

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

	"bobbin/internal/vault"
)

// testPostgresEnv names the PostgreSQL server the tests may use (as in
// internal/apitest; that package imports this one, so it is not imported).
const testPostgresEnv = "BOBBIN_TEST_POSTGRES_URL"

// dialects are the databases a test runs on: a real SQLite file, and a
// fresh PostgreSQL database when BOBBIN_TEST_POSTGRES_URL is set.
var dialects = []string{"sqlite", "postgres"}

// databaseURL makes an empty database of the dialect and answers its URL;
// PostgreSQL is skipped (with the reason) when no server is named.
func databaseURL(t *testing.T, dialect string) string {
	t.Helper()
	if dialect == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	}
	base := os.Getenv(testPostgresEnv)
	if base == "" {
		t.Skip("PostgreSQL test skipped: " + testPostgresEnv + " is not set (.ci/run sets it)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "bobbin_store_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// openReplicas opens n handles on one database, as n replicas would, each
// with the same root secret; the first one migrates.
func openReplicas(t *testing.T, dialect string, n int) []*DB {
	t.Helper()
	u := databaseURL(t, dialect)
	var out []*DB
	for i := 0; i < n; i++ {
		v, err := vault.New(strings.Repeat("s", 32))
		if err != nil {
			t.Fatal(err)
		}
		db, err := Open(context.Background(), u, v)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, db)
	}
	return out
}
