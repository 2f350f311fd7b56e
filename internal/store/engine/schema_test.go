package engine

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"testing"
)

// TestSchemasMatchAcrossDialects migrates a SQLite file and a PostgreSQL
// database and checks that they end with the same tables and the same
// columns in each: the two migration folders are written by hand, and a
// column added to one only would work in the tests of one dialect and fail
// in production on the other. The PostgreSQL half runs when
// BOBBIN_TEST_POSTGRES_URL is set (.ci/run sets it).
func TestSchemasMatchAcrossDialects(t *testing.T) {
	ctx := context.Background()
	lite := openSQLite(t)
	liteCols := sqliteColumns(t, lite)
	pg := openFreshPostgres(t)
	if _, err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pgCols := postgresColumns(t, pg)

	if len(liteCols) == 0 || len(pgCols) == 0 {
		t.Fatalf("no tables read: sqlite %d, postgres %d", len(liteCols), len(pgCols))
	}
	for _, table := range unionKeys(liteCols, pgCols) {
		l, lok := liteCols[table]
		p, pok := pgCols[table]
		switch {
		case !pok:
			t.Errorf("table %s is in SQLite only", table)
		case !lok:
			t.Errorf("table %s is in PostgreSQL only", table)
		default:
			for _, c := range unionKeys(l, p) {
				if !p[c] {
					t.Errorf("column %s.%s is in SQLite only", table, c)
				} else if !l[c] {
					t.Errorf("column %s.%s is in PostgreSQL only", table, c)
				}
			}
		}
	}
}

// TestSchemaReadersSeeEveryTable checks the SQLite half of the reader used
// above on its own (it runs without PostgreSQL): every table the first
// migration creates is listed, with its columns, and SQLite's own
// bookkeeping tables are not.
func TestSchemaReadersSeeEveryTable(t *testing.T) {
	cols := sqliteColumns(t, openSQLite(t))
	for _, table := range []string{"schema_migrations", "meta", "users", "apikeys", "sets", "patterns", "bookmarks"} {
		if len(cols[table]) == 0 {
			t.Errorf("table %s not read (tables read: %v)", table, unionKeys(cols, nil))
		}
	}
	if !cols["meta"]["k"] || !cols["meta"]["v"] || len(cols["meta"]) != 2 {
		t.Errorf("meta columns %v, want k and v", cols["meta"])
	}
	for table := range cols {
		if strings.HasPrefix(table, "sqlite_") {
			t.Errorf("SQLite's own table %s is listed", table)
		}
	}
}

// columns maps a table to the set of its column names.
type columns map[string]map[string]bool

func (c columns) add(table, column string) {
	if c[table] == nil {
		c[table] = map[string]bool{}
	}
	c[table][strings.ToLower(column)] = true
}

func sqliteColumns(t *testing.T, db *Pool) columns {
	t.Helper()
	out := columns{}
	rows, err := db.r.Query(`SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	scanColumns(t, rows, out)
	return out
}

func postgresColumns(t *testing.T, db *Pool) columns {
	t.Helper()
	out := columns{}
	rows, err := db.r.Query(`SELECT c.table_name, c.column_name FROM information_schema.columns AS c
		JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	scanColumns(t, rows, out)
	return out
}

func scanColumns(t *testing.T, rows *sql.Rows, out columns) {
	t.Helper()
	defer rows.Close()
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		out.add(strings.ToLower(table), column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
