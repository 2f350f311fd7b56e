package engine

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// Migration is one versioned schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the dialect's steps in order.
func (db *Pool) Migrations() ([]Migration, error) {
	dir := "migrations/" + db.dialect.String()
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number and '_'", name)
		}
		b, err := fs.ReadFile(migrations, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("store: two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction. On PostgreSQL an advisory lock keeps replicas that start
// together from applying the same step twice.
func (db *Pool) Migrate(ctx context.Context) (applied []string, err error) {
	list, err := db.Migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(74227001)"); err != nil {
			return nil, err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(74227001)")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	done, err := appliedVersions(rows)
	if err != nil {
		return nil, err
	}
	for _, m := range list {
		if done[m.Version] {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return applied, err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("store: migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, db.dialect.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"), m.Version, m.Name, Now()); err != nil {
			tx.Rollback()
			return applied, err
		}
		if err := tx.Commit(); err != nil {
			return applied, err
		}
		applied = append(applied, m.Name)
		invalidate(db, db, true) // a migration may rewrite anything cached, here or in a running server
	}
	return applied, nil
}

// appliedVersions reads the versions of schema_migrations from rows and
// closes them.
func appliedVersions(rows *sql.Rows) (map[int]bool, error) {
	done := map[int]bool{}
	return done, ReadKeys(rows, done)
}

// ReadKeys reads the one column of rows into the set keys and closes rows.
func ReadKeys[K comparable](rows *sql.Rows, keys map[K]bool) error {
	for rows.Next() {
		var k K
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys[k] = true
	}
	rows.Close()
	return rows.Err()
}

// PendingMigrations lists the migrations not applied yet (all of them for
// a database never migrated). It writes nothing.
func (db *Pool) PendingMigrations(ctx context.Context) ([]string, error) {
	list, err := db.Migrations()
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	rows, err := db.query(ctx, "SELECT version FROM schema_migrations")
	if err == nil { // an error (no table yet: never migrated) leaves them all pending
		if done, err = appliedVersions(rows); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, m := range list {
		if !done[m.Version] {
			out = append(out, m.Name)
		}
	}
	return out, nil
}
