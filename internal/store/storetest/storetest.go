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
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// Writers parses every non-test Go file of internal/store and its packages
// (root is internal/store's path from the test's directory) and returns,
// for every function whose SQL writes what writes matches (a string
// literal in its body, or a package-level variable holding one that it
// names), what it calls: ".name" for a selector (st.revokeAll), "name" for
// a plain function call (invalidate). The stores' tests check with it that
// every write says what it made stale (TestRevokingWritesSaySo,
// TestSetWritesSaySo). engine.Upsert("t", ...) counts as the upsert of t
// it builds.
func Writers(t *testing.T, root string, writes *regexp.Regexp) map[string]map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	dirs := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			files = append(files, f)
			dirs[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"", "accounts", "records", "engine"} {
		if d = filepath.Join(root, d); !dirs[d] {
			t.Fatalf("no Go files read in %s (read: %v): the walk is broken", d, dirs)
		}
	}
	str := func(n ast.Node) (string, bool) {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(lit.Value)
		return v, err == nil
	}
	isWrite := func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && len(c.Args) > 0 {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Upsert" {
				table, ok := str(c.Args[0])
				return ok && writes.MatchString("INSERT INTO "+table+" (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET")
			}
		}
		v, ok := str(n)
		return ok && writes.MatchString(v)
	}
	// Package-level SQL held in variables and constants, by name (a local
	// one is seen in its own function's body; by name it would also match
	// an unrelated method of the same name elsewhere).
	sqlVars := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, sp := range gd.Specs {
				vs, ok := sp.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, v := range vs.Values {
					ast.Inspect(v, func(n ast.Node) bool {
						if isWrite(n) {
							sqlVars[vs.Names[i].Name] = true
						}
						return true
					})
				}
			}
		}
	}
	out := map[string]map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			name := fn.Name.Name
			if fn.Recv != nil && len(fn.Recv.List) == 1 {
				if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
					name = id.Name + "." + name
				}
			}
			writing, calls := false, map[string]bool{}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				writing = writing || isWrite(n)
				switch x := n.(type) {
				case *ast.Ident:
					writing = writing || sqlVars[x.Name]
				case *ast.SelectorExpr:
					calls["."+x.Sel.Name] = true
				case *ast.CallExpr:
					if id, ok := x.Fun.(*ast.Ident); ok {
						calls[id.Name] = true
					}
				}
				return true
			})
			if writing {
				out[name] = calls
			}
		}
	}
	return out
}

// Hammer calls read on n goroutines, over and over, until the stop it
// returns is called; stop waits for them and answers how many calls
// reported stale (read answered true): the linearizability tests count
// reads that started after a write had returned and still saw what it
// replaced.
func Hammer(n int, read func() (stale bool)) (stop func() int64) {
	var stale atomic.Int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if read() {
					stale.Add(1)
				}
			}
		}()
	}
	return func() int64 {
		close(done)
		wg.Wait()
		return stale.Load()
	}
}
