// Package engine is the database under Bobbin's table stores: one DB type
// over SQLite or PostgreSQL (connections, the statement cache, write
// transactions and SQLite's group commit), the embedded migrations, the
// generations of the principal cache and their LISTEN/NOTIFY between
// replicas, and which errors mean "unavailable". Queries are written once
// with `?` placeholders in SQL that both engines accept; everything
// dialect-specific lives in this package and in the migrations folders. The
// table stores are in internal/store/accounts and internal/store/records;
// internal/store is the facade callers use.
package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"           // SQLite driver "sqlite", pure Go

	"bobbin/internal/vault"
)

// Dialect names the SQL engine.
type Dialect int

const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique constraint refuses a write.
var ErrConflict = errors.New("store: conflict")

// Pool is the database: its connection pools. Writes go through w: for SQLite that pool has one
// connection, so writers queue in Go rather than meeting "database is
// locked"; reads go through r, which has several.
type Pool struct {
	w, r    *sql.DB
	dialect Dialect
	v       *vault.Vault

	mu    sync.RWMutex
	stmts map[stmtKey]*sql.Stmt
	want  map[string]bool // write statements to prepare after the current transaction

	gens *Gens       // the principal cache's generations; nil: no cache (no shared map)
	wq   *writeQueue // SQLite: the group-commit writer (writequeue.go)

	listen *listener    // PostgreSQL: revocations from the other replicas (notify.go)
	log    *slog.Logger // where the listener reports; may be nil

	path string      // SQLite: the database file
	file os.FileInfo // SQLite: the identity of the file opened at path
}

// maxStmts bounds the statement cache (queries are constants; this only
// guards against a caller building SQL text dynamically).
const maxStmts = 1024

type stmtKey struct {
	write bool
	query string
}

// Options tune how a PostgreSQL database is used; SQLite ignores them.
// The zero value is the default.
type Options struct {
	// MaxConns bounds the pool's open connections (0: 4 per CPU, at
	// least 8). The revocation listener holds one more.
	MaxConns int
	// StatementTimeout is set as statement_timeout on every pooled
	// connection, unless the URL sets its own (0: the server's setting).
	StatementTimeout time.Duration
}

// Open connects to url ("sqlite:<path>" or "postgres://...") with the
// default Options.
func Open(ctx context.Context, url string, v *vault.Vault) (*Pool, error) {
	return OpenWith(ctx, url, v, Options{})
}

// ErrBadURL marks a PostgreSQL URL that pgx cannot use (a bad sslmode, a
// bad port): the operator's mistake, not an outage.
var ErrBadURL = errors.New("the database URL cannot be used")

// pgConfig parses a PostgreSQL URL the way every connection will be made,
// so that a bad one fails at start with a message that holds no password.
func pgConfig(url string, o Options) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		msg := err.Error()
		var pe *pgconn.ParseConfigError
		if errors.As(err, &pe) {
			// "cannot parse `<the URL>`: why": keep only the why.
			if i := strings.LastIndex(msg, "`: "); i >= 0 {
				msg = msg[i+3:]
			} else {
				msg = "cannot be parsed"
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrBadURL, msg)
	}
	if _, set := cfg.RuntimeParams["statement_timeout"]; !set && o.StatementTimeout > 0 {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(1, o.StatementTimeout.Milliseconds()), 10)
	}
	return cfg, nil
}

// OpenWith is Open with Options.
func OpenWith(ctx context.Context, url string, v *vault.Vault, o Options) (*Pool, error) {
	db := &Pool{v: v, stmts: map[stmtKey]*sql.Stmt{}, want: map[string]bool{}}
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		db.dialect = SQLite
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, errors.New("store: empty sqlite path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// Create the file 0600 ourselves: SQLite gives the -wal and -shm
		// files the database file's mode.
		if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		} else {
			f.Close()
		}
		// synchronous=FULL: an acknowledged write survives power loss too.
		pragmas := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
			"&_pragma=synchronous(FULL)&_pragma=mmap_size(268435456)&_pragma=cache_size(-16000)&_txlock=immediate"
		dsn := "file:" + path + "?" + pragmas
		w, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		n := max(4, runtime.NumCPU()*2)
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxLifetime(0)
		db.w, db.r = w, r
		// The principal cache, with generations shared by every process
		// on this file; without them, no cache (gens.go).
		if g, err := openGens(path + "-authgen"); err == nil {
			db.gens = g
		}
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db.dialect = Postgres
		cfg, err := pgConfig(url, o)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		p := stdlib.OpenDB(*cfg)
		n := o.MaxConns
		if n <= 0 {
			n = max(8, runtime.NumCPU()*4)
		}
		p.SetMaxOpenConns(n)
		p.SetMaxIdleConns(n)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.w, db.r = p, p
		// The principal cache, kept across replicas by LISTEN/NOTIFY.
		db.gens = &Gens{words: make([]atomic.Uint64, gensWords)}
		db.log = slog.Default()
		db.listen = startListener(url, db.gens, db.log)
	default:
		return nil, errors.New("store: database URL must start with sqlite: or postgres://")
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.w.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach the %s database: %w", db.dialect, err)
	}
	if db.listen != nil {
		// Start with a listening cache when PostgreSQL allows; until then
		// every lookup reads the database, which is correct, only slower.
		select {
		case <-db.listen.ready:
		case <-time.After(2 * time.Second):
		}
	}
	if db.dialect == SQLite {
		if err := rememberFile(db, strings.TrimPrefix(url, "sqlite:")); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		startWriter(db)
	}
	return db, nil
}

// Dialect reports the engine.
func (db *Pool) Dialect() Dialect { return db.dialect }

// Vault is the encryption in use.
func (db *Pool) Vault() *vault.Vault { return db.v }

// Close closes statements and pools.
func (db *Pool) Close() error {
	if db.listen != nil {
		db.listen.stop()
	}
	stopWriter(db)
	db.mu.Lock()
	for k, s := range db.stmts {
		s.Close()
		delete(db.stmts, k)
	}
	db.mu.Unlock()
	var err error
	if db.r != nil && db.r != db.w {
		err = db.r.Close()
	}
	if db.w != nil {
		err = errors.Join(err, db.w.Close())
	}
	return err
}

// Reachable checks that the database answers a read (and, for SQLite,
// that its file is still at its path): the API tells a database that is
// away (serviceUnavailable) from one that answers but cannot take writes
// (storageUnavailable) with it.
func (db *Pool) Reachable(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return err
	}
	var one int
	if err := db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return err
	}
	return checkFile(db)
}

// Ping checks that reads and writes can be made: /ready uses it.
func (db *Pool) Ping(ctx context.Context) error {
	if err := db.Reachable(ctx); err != nil {
		return err
	}
	// A read-only database (a read-only SQLite file, a PostgreSQL in
	// read-only mode or in recovery) still answers reads and pings, and a
	// full one still rewrites a row in place: a write-capable check, and
	// room to grow, is what /ready promises.
	if err := checkRoom(ctx, db); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, "UPDATE meta SET v = v WHERE k = 'ready'")
	return err
}

// rebind turns ? placeholders into $1.. for PostgreSQL.
func (d Dialect) rebind(q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// stmt returns a statement prepared once per pool and query.
func stmt(db *Pool, ctx context.Context, write bool, query string) (*sql.Stmt, error) {
	k := stmtKey{write, query}
	db.mu.RLock()
	s := db.stmts[k]
	db.mu.RUnlock()
	if s != nil {
		return s, nil
	}
	pool := db.r
	if write {
		pool = db.w
	}
	db.mu.RLock()
	full := len(db.stmts) >= maxStmts
	db.mu.RUnlock()
	if full {
		return nil, errors.New("store: statement cache full")
	}
	s, err := pool.PrepareContext(ctx, db.dialect.rebind(query))
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	if old := db.stmts[k]; old != nil {
		db.mu.Unlock()
		s.Close()
		return old, nil
	}
	db.stmts[k] = s
	db.mu.Unlock()
	return s, nil
}

// Querier is what the database and a write transaction offer the table
// stores: SQL whose effect on the principal cache the calling store states
// itself (Invalidate; the stores' revokeUser...).
type Querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// QueryRow, Query and Exec are what the table stores run. Exec states
// nothing about the principal cache: the store that calls it does
// (Invalidate). Raw SQL from outside the stores goes through the facade
// (internal/store), whose Exec treats a write as revoking everything.

// QueryRow reads one row on the read pool.
func (db *Pool) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.queryRow(ctx, query, args...)
}

// Query reads rows on the read pool.
func (db *Pool) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.query(ctx, query, args...)
}

// Exec writes outside a transaction.
func (db *Pool) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.exec(ctx, query, args...)
}

// QueryRow reads inside the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.queryRow(ctx, query, args...)
}

// Query reads rows inside the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.query(ctx, query, args...)
}

// Exec writes inside the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.exec(ctx, query, args...)
}

func (db *Pool) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := stmt(db, ctx, false, query)
	if err != nil {
		return db.r.QueryRowContext(ctx, db.dialect.rebind(query), args...) // carries the error to Scan
	}
	return s.QueryRowContext(ctx, args...)
}

func (db *Pool) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := stmt(db, ctx, false, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// Exec writes outside a transaction: for SQLite a one-statement
// transaction through the write queue (writequeue.go), for PostgreSQL an
// autocommit statement on the pool.
func (db *Pool) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := checkFile(db); err != nil {
		return nil, err
	}
	if db.wq != nil && !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(query)), "PRAGMA") {
		// SQLite: a one-statement transaction through the write queue,
		// so it shares a commit (and its fsync) with the writes around it.
		var res sql.Result
		err := db.Write(ctx, func(tx *Tx) error {
			var err error
			res, err = tx.exec(ctx, query, args...)
			return err
		})
		return res, err
	}
	s, err := stmt(db, ctx, true, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// Tx is a write transaction.
type Tx struct {
	db      *Pool
	tx      *sql.Tx
	pend    pending // cache generations to bump after the commit
	batched bool    // shares a group-commit transaction: statements ignore cancellation
	pg      *pgTx   // PostgreSQL: the transaction's connection (pgtx.go); tx is nil
}

// stmtCtx is the context for a statement of the transaction.
func (t *Tx) stmtCtx(ctx context.Context) context.Context {
	if t.batched {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// cached returns a statement already prepared on the write pool, or nil.
// A transaction never prepares on the pool itself: for SQLite the pool's
// one connection is the transaction's, and waiting for it would deadlock.
// An unprepared statement runs as text this time and is prepared once the
// transaction has ended (Write), so the next transaction finds it here.
func (t *Tx) cached(query string) *sql.Stmt {
	t.db.mu.RLock()
	s := t.db.stmts[stmtKey{true, query}]
	t.db.mu.RUnlock()
	if s == nil {
		t.db.mu.Lock()
		t.db.want[query] = true
		t.db.mu.Unlock()
	}
	return s
}

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if t.pg != nil {
		return t.pg.queryRow(ctx, t.db.dialect.rebind(query), args)
	}
	ctx = t.stmtCtx(ctx)
	if s := t.cached(query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.db.dialect.rebind(query), args...)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.pg != nil {
		return t.pg.query(ctx, t.db.dialect.rebind(query), args)
	}
	ctx = t.stmtCtx(ctx)
	if s := t.cached(query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.db.dialect.rebind(query), args...)
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.pg != nil {
		return t.pg.exec(ctx, t.db.dialect.rebind(query), args)
	}
	ctx = t.stmtCtx(ctx)
	if s := t.cached(query); s != nil {
		return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.db.dialect.rebind(query), args...)
}

// Write runs fn in a write transaction: committed when fn returns nil,
// rolled back otherwise, so a failed request leaves no partial write.
func (db *Pool) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if err := checkFile(db); err != nil {
		return err
	}
	if db.wq != nil {
		return db.writeQueued(ctx, fn) // SQLite: group commit
	}
	return writePG(ctx, db, fn) // PostgreSQL: few round trips (pgtx.go)
}

// prepareWanted prepares, on the write pool, the statements transactions
// ran as text. The transaction has ended, so the pool's connection is free.
func prepareWanted(db *Pool, ctx context.Context) {
	db.mu.Lock()
	if len(db.want) == 0 {
		db.mu.Unlock()
		return
	}
	var qs []string
	for q := range db.want {
		qs = append(qs, q)
	}
	clear(db.want)
	db.mu.Unlock()
	for _, q := range qs {
		stmt(db, ctx, true, q) // a failure only means it runs as text again
	}
}

// InsertID runs an INSERT ... RETURNING id and returns the id.
func InsertID(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var id int64
	var err error
	if t, ok := q.(*Tx); ok && t.pg != nil {
		// In one round trip with BEGIN when it is the first statement.
		err = t.pg.row(ctx, t.db.dialect.rebind(query+" RETURNING id"), args).Scan(&id)
	} else {
		err = q.QueryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	}
	return id, MapErr(err)
}

// MapErr turns driver errors into the package's sentinels.
func MapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") ||
		strings.Contains(msg, "duplicate key value") {
		return ErrConflict
	}
	return err
}

// Now is the store's clock in Unix milliseconds.
func Now() int64 { return time.Now().UnixMilli() }
