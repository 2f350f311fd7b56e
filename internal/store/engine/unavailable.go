package engine

import (
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Unavailable reports whether err says the database cannot take the
// request now, though the request itself is fine: SQLite's disk is full,
// its file is read-only or moved, an I/O error; PostgreSQL is restarting,
// shutting down, in recovery, read-only, out of disk, or the connection
// failed, or a statement ran past statement_timeout. The API answers
// these 503 with Retry-After, never 500.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrFileMoved) || errors.Is(err, ErrFull) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case 8, 10, 13, 14: // SQLITE_READONLY, IOERR, FULL, CANTOPEN
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),  // insufficient resources (disk full, out of memory, too many connections)
			strings.HasPrefix(pe.Code, "57P"), // operator intervention: shutdown, crash, cannot connect now
			pe.Code == "25006",                // read-only transaction (a standby, or default_transaction_read_only)
			pe.Code == "57014":                // query canceled: statement_timeout (BACKEND_DB_STATEMENT_TIMEOUT) ran out

			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}
