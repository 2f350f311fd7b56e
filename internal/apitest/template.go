package apitest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// Template databases. Migrating a fresh database for every test was most
// of the suite's time (one per Env, over a hundred per package), so the
// migrations run once into a template, named by a hash of the migrations'
// text, and every test gets its own copy: a real file (SQLite) or a real
// database (PostgreSQL, CREATE DATABASE … TEMPLATE …). app.New still runs
// Migrate on the copy, which finds every step applied.
//
// The SQLite template lives in the system's temporary folder and is kept
// between runs (like a build cache); a change to any migration changes its
// name. It is written to a private folder and renamed into place, so two
// test binaries making it at once each see a whole file.

// migrationsHash names the schema the dialect's migrations build.
func migrationsHash(db *store.DB) (string, error) {
	list, err := db.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range list {
		fmt.Fprintf(h, "%d\x00%s\x00%d\x00%s\x00", m.Version, m.Name, len(m.SQL), m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// templateVault is any key: migrations store nothing encrypted.
func templateVault() (*vault.Vault, error) { return vault.New(strings.Repeat("t", 32)) }

var sqliteTemplate struct {
	once sync.Once
	path string
	err  error
}

// sqliteTemplatePath makes (once per binary, and only when the migrations
// changed since the last run) the migrated SQLite template.
func sqliteTemplatePath() (string, error) {
	t := &sqliteTemplate
	t.once.Do(func() { t.path, t.err = makeSQLiteTemplate() })
	return t.path, t.err
}

func makeSQLiteTemplate() (string, error) {
	root := filepath.Join(os.TempDir(), "bobbin-apitest-templates")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(root, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	v, err := templateVault()
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	built := filepath.Join(work, "bobbin.db")
	db, err := store.Open(ctx, "sqlite:"+built, v)
	if err != nil {
		return "", err
	}
	hash, err := migrationsHash(db)
	if err != nil {
		db.Close()
		return "", err
	}
	final := filepath.Join(root, "sqlite-"+hash+".db")
	if _, err := os.Stat(final); err == nil {
		return final, db.Close()
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return "", err
	}
	if err := db.Close(); err != nil {
		return "", err
	}
	// Closing the last connection checkpoints the WAL into the file; a
	// WAL left behind would mean the file alone is not the whole schema.
	if fi, err := os.Stat(built + "-wal"); err == nil && fi.Size() > 0 {
		return "", errors.New("apitest: the template's WAL was not checkpointed on close")
	}
	if err := os.Rename(built, final); err != nil {
		return "", err
	}
	return final, nil
}

// copySQLiteTemplate writes a copy of the migrated template to path, which
// must not exist yet (a data folder reused for a restart keeps its file).
func copySQLiteTemplate(path string) error {
	src, err := sqliteTemplatePath()
	if err != nil {
		return fmt.Errorf("apitest: template database: %w", err)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var pgTemplate struct {
	mu    sync.Mutex
	names map[string]string // base URL → template database name
}

// postgresTemplate makes (once per binary and server, and only when the
// migrations changed) a migrated template database on the server of base
// and returns its name. An advisory lock keeps two test binaries from
// building it at once.
func postgresTemplate(admin *sql.DB, base string) (string, error) {
	pgTemplate.mu.Lock()
	defer pgTemplate.mu.Unlock()
	if name, ok := pgTemplate.names[base]; ok {
		return name, nil
	}
	ctx := context.Background()
	v, err := templateVault()
	if err != nil {
		return "", err
	}
	probe, err := store.Open(ctx, base, v)
	if err != nil {
		return "", err
	}
	hash, err := migrationsHash(probe)
	probe.Close()
	if err != nil {
		return "", err
	}
	name := "bobbin_template_" + hash
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	const lock = 0x6b6f6262696e // any constant shared by every test binary
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lock); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lock)
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		// Built under another name and renamed, so that a build cut short
		// leaves no template that looks whole.
		build := name + "_build"
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+build); err != nil {
			return "", err
		}
		u, err := url.Parse(base)
		if err != nil {
			return "", err
		}
		u.Path = "/" + build
		db, err := store.Open(ctx, u.String(), v)
		if err != nil {
			return "", err
		}
		_, err = db.Migrate(ctx)
		db.Close()
		if err != nil {
			return "", err
		}
		if err := retryInUse(func() error {
			_, err := conn.ExecContext(ctx, "ALTER DATABASE "+build+" RENAME TO "+name)
			return err
		}); err != nil {
			return "", err
		}
	}
	if pgTemplate.names == nil {
		pgTemplate.names = map[string]string{}
	}
	pgTemplate.names[base] = name
	return name, nil
}

// retryInUse retries fn while PostgreSQL answers that the database is
// still in use: a closed pool's backends end a moment after Close.
func retryInUse(fn func() error) error {
	var err error
	for i := 0; i < 200; i++ {
		if err = fn(); err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			return err
		}
		time.Sleep(25 * time.Millisecond)
	}
	return err
}

// createFromTemplate creates the database name as a copy of the template.
func createFromTemplate(t testing.TB, admin *sql.DB, base, name string) {
	tmpl, err := postgresTemplate(admin, base)
	if err != nil {
		t.Fatalf("PostgreSQL template database: %v", err)
	}
	if err := retryInUse(func() error {
		_, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tmpl)
		return err
	}); err != nil {
		t.Fatalf("create test database: %v", err)
	}
}
