package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrationsAreNumberedAlikeInBothDialects(t *testing.T) {
	names := func(d string) []string {
		es, err := os.ReadDir(filepath.Join("migrations", d))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	if a, b := strings.Join(names("sqlite"), ","), strings.Join(names("postgres"), ","); a != b {
		t.Fatalf("sqlite %s\npostgres %s", a, b)
	}
}

func TestRebind(t *testing.T) {
	db := &Pool{dialect: Postgres}
	if got := db.dialect.rebind("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"); got != "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)" {
		t.Fatal(got)
	}
	db.dialect = SQLite
	if got := db.dialect.rebind("x = ?"); got != "x = ?" {
		t.Fatal(got)
	}
}
