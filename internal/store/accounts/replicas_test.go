package accounts

import (
	"context"
	"testing"

	"bobbin/internal/store/engine"
	"bobbin/internal/store/storetest"
	"bobbin/internal/vault"
)

// dialects are the databases a test runs on: a real SQLite file, and a
// fresh PostgreSQL database when BOBBIN_TEST_POSTGRES_URL is set.
var dialects = []string{"sqlite", "postgres"}

// Open opens the database at url and this package's view of it.
func Open(ctx context.Context, url string, v *vault.Vault) (*Base, error) {
	e, err := engine.Open(ctx, url, v)
	if err != nil {
		return nil, err
	}
	return New(e), nil
}

// databaseURL makes an empty database of the dialect and answers its URL;
// PostgreSQL is skipped (with the reason) when no server is named.
func databaseURL(t *testing.T, dialect string) string { return storetest.URL(t, dialect) }

// openSQLite opens a migrated SQLite file.
func openSQLite(t *testing.T) *Base { return storetest.Open(t, databaseURL(t, "sqlite"), true, Open) }

// openReplicas opens n handles on one database, as n replicas would, each
// with the same root secret; the first one migrates.
func openReplicas(t *testing.T, dialect string, n int) []*Base {
	t.Helper()
	u := databaseURL(t, dialect)
	var out []*Base
	for i := 0; i < n; i++ {
		out = append(out, storetest.Open(t, u, i == 0, Open))
	}
	return out
}
