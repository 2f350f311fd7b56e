package engine

import (
	"testing"

	"bobbin/internal/store/storetest"
	"bobbin/internal/vault"
)

func databaseURL(t *testing.T, dialect string) string { return storetest.URL(t, dialect) }

func testVault(t *testing.T) *vault.Vault { return storetest.Vault(t) }

// openSQLite opens a migrated SQLite file.
func openSQLite(t *testing.T) *Pool { return storetest.Open(t, databaseURL(t, "sqlite"), true, Open) }

// openTest is openSQLite with its principal cache's generations.
func openTest(t *testing.T) *Pool { return storetest.Cached(t, openSQLite(t)) }

// openFreshPostgres opens a new, empty database (dropped after the test),
// not yet migrated.
func openFreshPostgres(t *testing.T) *Pool {
	return storetest.Open(t, databaseURL(t, "postgres"), false, Open)
}
