package fsimport

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the upstream file is SQLite
)

// source is the upstream database, opened read-only: mode=ro (the file
// is never opened for writing) and query_only (no statement may write).
type source struct {
	db *sql.DB
}

func openSource(ctx context.Context, path string) (*source, error) {
	if path == "" {
		return nil, errors.New("fsimport: --from names no file")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("fsimport: --from: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("fsimport: --from: %w", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'User'`).Scan(&n); err != nil || n == 0 {
		db.Close()
		if err == nil {
			err = errors.New("no User table")
		}
		return nil, fmt.Errorf("fsimport: --from is not a FreeSewing v3 database: %v", err)
	}
	return &source{db: db}, nil
}

func (s *source) close() error { return s.db.Close() }

// columns lists a table's columns; nil when the table does not exist.
func (s *source) columns(ctx context.Context, table string) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[string]bool
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[name] = true
	}
	return out, rows.Err()
}

func (s *source) count(ctx context.Context, table string) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(table)).Scan(&n)
	return n, err
}

// row is one upstream row by column name; owner columns of a child table
// come as __owner (the owner's id, nil when the owner is missing) and
// __ownerRole.
type row map[string]any

// chunk reads up to limit rows of table with id after after (keyset
// paging on the primary key: memory stays bounded whatever the size).
func (s *source) chunk(ctx context.Context, table string, owned bool, after any, limit int) ([]row, error) {
	q := "SELECT t.* FROM " + quoteIdent(table) + " t WHERE t.id > ? ORDER BY t.id LIMIT ?"
	if owned {
		q = "SELECT t.*, u.id AS __owner, u.role AS __ownerRole FROM " + quoteIdent(table) +
			` t LEFT JOIN "User" u ON u.id = t.userId WHERE t.id > ? ORDER BY t.id LIMIT ?`
	}
	rows, err := s.db.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []row
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(row, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			r[c] = vals[i]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// digest is a hash of a row's upstream columns (not the joined owner's),
// which tells a later run whether the row changed.
func (r row) digest() string {
	keys := make([]string, 0, len(r))
	for k := range r {
		if !strings.HasPrefix(k, "__") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	b := make([]byte, 0, 256)
	for _, k := range keys {
		b = append(b[:0], k...)
		b = append(b, 0)
		switch v := r[k].(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = strconv.AppendInt(append(b, 'i'), v, 10)
		case float64:
			b = strconv.AppendFloat(append(b, 'f'), v, 'g', -1, 64)
		case string:
			b = append(append(b, 's'), v...)
		case bool:
			b = strconv.AppendBool(append(b, 'b'), v)
		case time.Time:
			b = v.UTC().AppendFormat(append(b, 't'), time.RFC3339Nano)
		default:
			b = fmt.Appendf(append(b, '?'), "%T:%v", v, v)
		}
		b = append(b, 0)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (r row) str(k string) string {
	switch v := r[k].(type) {
	case string:
		return v
	case nil:
		return ""
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

func (r row) int(k string) int64 {
	switch v := r[k].(type) {
	case int64:
		return v
	case float64:
		if v >= math.MinInt64 && v <= math.MaxInt64 {
			return int64(v)
		}
	case bool:
		if v {
			return 1
		}
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n
	}
	return 0
}

func (r row) bool(k string) bool {
	switch v := r[k].(type) {
	case bool:
		return v
	case string:
		return v == "1" || strings.EqualFold(v, "true")
	}
	return r.int(k) != 0
}

// time reads a Prisma DateTime as Unix milliseconds: Prisma's SQLite
// connector writes milliseconds; text dates (ISO 8601, or SQLite's
// CURRENT_TIMESTAMP form) are read too. NULL and garbage are 0.
func (r row) time(k string) int64 {
	switch v := r[k].(type) {
	case nil:
		return 0
	case time.Time:
		return v.UnixMilli()
	case int64, float64:
		n := r.int(k)
		if n > 0 && n < 1e11 { // seconds, not milliseconds
			n *= 1000
		}
		return n
	case string:
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		for _, f := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(f, s); err == nil {
				return t.UnixMilli()
			}
		}
	}
	return 0
}

// owned reports whether the row's owner exists upstream.
func (r row) owned() bool { return r["__owner"] != nil }
