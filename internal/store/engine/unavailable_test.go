package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("syntax error"), false},
		{ErrNotFound, false},
		{ErrConflict, false},
		{fmt.Errorf("wrapped: %w", ErrFileMoved), true},
		{&pgconn.PgError{Code: "57P01"}, true},  // admin shutdown: a restart
		{&pgconn.PgError{Code: "57P03"}, true},  // cannot connect now: starting up
		{&pgconn.PgError{Code: "08006"}, true},  // connection failure
		{&pgconn.PgError{Code: "53100"}, true},  // disk full
		{&pgconn.PgError{Code: "25006"}, true},  // read-only transaction
		{&pgconn.PgError{Code: "57014"}, true},  // statement_timeout ran out
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation: the request's fault
		{&pgconn.PgError{Code: "42601"}, false}, // syntax error: ours
	} {
		if got := Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
