package engine

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL write transactions in as few round trips as their statements
// allow. Every round trip costs Bobbin a write and a read on the socket
// and a goroutine wake-up (measured: ~50 µs of CPU each on loopback, more
// than the statement itself), and a write was BEGIN, each statement, the
// NOTIFY and COMMIT, one round trip apiece. Here:
//
//   - BEGIN is not sent on its own: it goes in one pipelined batch with
//     the transaction's first statement (or with the COMMIT, if the first
//     statement was deferred).
//   - A write whose result is certain is deferred (pgTx.defer) and goes
//     with the next statement, or with the COMMIT: Sets.Save of a row this
//     transaction read with Sets.ByIDLocked (its row lock is held, so the
//     UPDATE by id affects exactly that row).
//   - The revocation NOTIFY goes in the COMMIT's batch, after the writes
//     and before COMMIT: still inside the transaction, so PostgreSQL
//     delivers it if and only if the transaction commits.
//
// A batch is one pipeline ended by one Sync: if a statement fails, the
// server skips the rest (the COMMIT included) and the transaction is left
// aborted, then rolled back. Nothing is acknowledged before the COMMIT's
// own result has come back as COMMIT. A transaction runs on one pooled
// connection (sql.Conn), without database/sql's Tx; if anything leaves it
// inside a transaction (a lost ROLLBACK), the driver's session reset
// refuses it and the pool opens a new one.
type pgTx struct {
	c      *sql.Conn
	begun  bool           // BEGIN has been sent
	later  []pgQueued     // deferred writes
	locked map[int64]bool // sets read with ByIDLocked in this transaction
	err    error          // a failed batch: the transaction cannot commit
}

type pgQueued struct {
	query string // with $n placeholders
	args  []any
	want  int64 // rows it must affect; < 0: any
}

// errPGRolledBack: COMMIT answered ROLLBACK (the transaction had failed).
var errPGRolledBack = errors.New("store: the transaction was rolled back")

// writePG is DB.Write on PostgreSQL.
func writePG(ctx context.Context, db *Pool, fn func(tx *Tx) error) error {
	c, err := db.w.Conn(ctx)
	if err != nil {
		return err
	}
	p := &pgTx{c: c}
	t := &Tx{db: db, pg: p}
	defer func() {
		if v := recover(); v != nil {
			p.abort()
			c.Close()
			bump(db, t.pend)
			panic(v)
		}
	}()
	if err := fn(t); err != nil {
		p.abort()
		c.Close()
		bump(db, t.pend)
		return err
	}
	notify := ""
	if db.listen != nil && !t.pend.empty() {
		notify = t.pend.payload()
	}
	err = p.commit(ctx, notify)
	if err != nil {
		p.abort()
	}
	c.Close()
	// Bump once the commit is done: a reader that starts after this sees
	// the write (cache.go).
	bump(db, t.pend)
	return err
}

// send runs in one round trip: BEGIN unless sent, the deferred writes,
// then tail, whose results read takes from br in order.
func (p *pgTx) send(ctx context.Context, tail []pgQueued, read func(br pgx.BatchResults, c *pgx.Conn) error) error {
	if p.err != nil {
		return p.err
	}
	b := &pgx.Batch{}
	begin := !p.begun
	if begin {
		b.Queue("BEGIN")
	}
	later := p.later
	p.later = nil
	for _, q := range later {
		b.Queue(q.query, q.args...)
	}
	for _, q := range tail {
		b.Queue(q.query, q.args...)
	}
	p.begun = true // from here on, whatever happened, abort sends ROLLBACK
	err := p.c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: unexpected PostgreSQL driver connection %T", dc)
		}
		conn := sc.Conn()
		br := conn.SendBatch(ctx, b)
		err := func() error {
			if begin {
				if _, err := br.Exec(); err != nil {
					return err
				}
			}
			for _, q := range later {
				tag, err := br.Exec()
				if err != nil {
					return err
				}
				if q.want >= 0 && tag.RowsAffected() != q.want {
					return fmt.Errorf("store: a deferred write affected %d rows, not %d", tag.RowsAffected(), q.want)
				}
			}
			if read != nil {
				return read(br, conn)
			}
			return nil
		}()
		return errors.Join(err, br.Close())
	})
	if err != nil {
		p.err = err
	}
	return err
}

// ready sends what is pending (BEGIN, deferred writes) before a statement
// that runs on its own.
func (p *pgTx) ready(ctx context.Context) error {
	if p.err != nil || (p.begun && len(p.later) == 0) {
		return p.err
	}
	return p.send(ctx, nil, nil)
}

// deferWrite queues a write to go with the next statement or the COMMIT; its
// errors are the transaction's, reported by the statement or the commit.
func (p *pgTx) deferWrite(query string, args []any, want int64) {
	p.later = append(p.later, pgQueued{query, args, want})
}

func (p *pgTx) exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	if p.err != nil {
		return nil, p.err
	}
	if p.begun && len(p.later) == 0 {
		return p.c.ExecContext(ctx, query, args...)
	}
	var n int64
	err := p.send(ctx, []pgQueued{{query: query, args: args, want: -1}}, func(br pgx.BatchResults, _ *pgx.Conn) error {
		tag, err := br.Exec()
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(n), nil
}

// failed carries err to the caller's Scan as a *sql.Row can: by running
// the query on a context that has ended (err itself is what commit says).
func (p *pgTx) failed(ctx context.Context, query string, args []any) *sql.Row {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return p.c.QueryRowContext(ctx, query, args...)
}

func (p *pgTx) queryRow(ctx context.Context, query string, args []any) *sql.Row {
	if err := p.ready(ctx); err != nil {
		return p.failed(ctx, query, args)
	}
	return p.c.QueryRowContext(ctx, query, args...)
}

func (p *pgTx) query(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	if err := p.ready(ctx); err != nil {
		return nil, err
	}
	return p.c.QueryContext(ctx, query, args...)
}

// row reads one row in the same round trip as what is pending (BEGIN,
// deferred writes). Its Scan converts as pgx does, so it serves only
// statements whose columns are scanned into their own Go types (bigint
// into int64, text into string, boolean into bool): see its callers.
func (p *pgTx) row(ctx context.Context, query string, args []any) *pgRow {
	r := &pgRow{}
	err := p.send(ctx, []pgQueued{{query: query, args: args, want: -1}}, func(br pgx.BatchResults, c *pgx.Conn) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			r.err = sql.ErrNoRows
			return nil
		}
		r.m = c.TypeMap()
		r.fds = slices.Clone(rows.FieldDescriptions())
		for _, v := range rows.RawValues() {
			r.vals = append(r.vals, bytes.Clone(v))
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil {
		return &pgRow{err: err}
	}
	return r
}

// lock records that the transaction holds set id's row lock.
func (p *pgTx) lock(id int64) {
	if p.locked == nil {
		p.locked = map[int64]bool{}
	}
	p.locked[id] = true
}

// commit sends the deferred writes, the NOTIFY (if any) and COMMIT in one
// round trip.
func (p *pgTx) commit(ctx context.Context, notify string) error {
	if p.err != nil {
		return p.err
	}
	if !p.begun && len(p.later) == 0 && notify == "" {
		return nil // nothing was written
	}
	var tail []pgQueued
	if notify != "" {
		tail = append(tail, pgQueued{query: "SELECT pg_notify($1, $2)", args: []any{revokeChannel, notify}, want: -1})
	}
	tail = append(tail, pgQueued{query: "COMMIT", want: -1})
	return p.send(ctx, tail, func(br pgx.BatchResults, _ *pgx.Conn) error {
		if notify != "" {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		tag, err := br.Exec()
		if err != nil {
			return err
		}
		if tag.String() != "COMMIT" {
			return errPGRolledBack
		}
		return nil
	})
}

// abort rolls back what was sent. If ROLLBACK cannot be sent, the
// connection is left inside a transaction and the pool's session reset
// discards it.
func (p *pgTx) abort() {
	p.later = nil
	if !p.begun {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.c.ExecContext(ctx, "ROLLBACK")
}

// pgRow is a row read by pgTx.row.
type pgRow struct {
	m    *pgtype.Map
	fds  []pgconn.FieldDescription
	vals [][]byte
	err  error
}

func (r *pgRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if len(dest) != len(r.vals) {
		return fmt.Errorf("store: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		if err := r.m.Scan(r.fds[i].DataTypeOID, r.fds[i].Format, r.vals[i], d); err != nil {
			return fmt.Errorf("store: column %s: %w", r.fds[i].Name, err)
		}
	}
	return nil
}

// For the table stores (internal/store/records): the PostgreSQL write
// path's two shortcuts, each a no-op answering false on SQLite.

// LockedRow runs query, a SELECT ... FOR UPDATE of the row id, on the
// transaction's connection (with BEGIN when it is the first statement)
// and remembers the row as locked by the transaction.
func (t *Tx) LockedRow(ctx context.Context, id int64, query string, args ...any) (interface{ Scan(...any) error }, bool) {
	if t.pg == nil {
		return nil, false
	}
	row := t.pg.row(ctx, t.db.dialect.rebind(query), args)
	return lockOnScan{row, t.pg, id}, true
}

// lockOnScan marks its row locked once it has been read.
type lockOnScan struct {
	row *pgRow
	pg  *pgTx
	id  int64
}

func (l lockOnScan) Scan(dest ...any) error {
	err := l.row.Scan(dest...)
	if err == nil {
		l.pg.lock(l.id)
	}
	return err
}

// DeferLocked sends query, an UPDATE of the row id that the transaction
// holds locked (LockedRow) and that must affect exactly that row, with the
// COMMIT instead of now; false when the row is not held so (run it now).
func (t *Tx) DeferLocked(id int64, query string, args ...any) bool {
	if t.pg == nil || !t.pg.locked[id] {
		return false
	}
	// The count is checked by the server, not after the batch: an UPDATE
	// that missed its row fails here (division by zero) and so the COMMIT
	// behind it in the batch commits nothing (PostgreSQL answers a COMMIT
	// of a failed transaction with ROLLBACK).
	checked := "WITH w AS (" + t.db.dialect.rebind(query) + " RETURNING 1) SELECT 1 / COUNT(*) FROM w"
	t.pg.deferWrite(checked, args, 1)
	return true
}
