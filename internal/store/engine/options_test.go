package engine

import (
	"bobbin/internal/store/storetest"
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// The pool bound and statement_timeout reach every pooled connection; a
// statement running past it is cut and counts as the database being
// unavailable (503), not as Bobbin's fault.
func TestPostgresOptions(t *testing.T) {
	u := databaseURL(t, "postgres")
	db, err := OpenWith(context.Background(), u, testVault(t), Options{MaxConns: 3, StatementTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := db.w.Stats().MaxOpenConnections; n != 3 {
		t.Errorf("pool bound %d, want 3", n)
	}
	ctx := context.Background()
	// Hold three connections so that the question goes to each of them.
	var conns []*sql.Conn
	for i := 0; i < 3; i++ {
		c, err := db.w.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var st string
		if err := c.QueryRowContext(ctx, "SHOW statement_timeout").Scan(&st); err != nil || st != "1500ms" {
			t.Errorf("connection %d: statement_timeout %q %v, want 1500ms", i, st, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	_, err = db.Exec(ctx, "SELECT pg_sleep(3)")
	if err == nil || !Unavailable(err) {
		t.Errorf("a statement past the timeout: %v, want an unavailable error", err)
	}

	// A statement_timeout in the URL wins over the setting.
	pu, _ := url.Parse(u)
	q := pu.Query()
	q.Set("statement_timeout", "2500")
	pu.RawQuery = q.Encode()
	db2, err := OpenWith(ctx, pu.String(), testVault(t), Options{StatementTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var st string
	if err := db2.QueryRow(ctx, "SHOW statement_timeout").Scan(&st); err != nil || st != "2500ms" {
		t.Errorf("URL's statement_timeout: %q %v, want 2500ms", st, err)
	}
}

// sslmode is honoured: require against a server without TLS is refused at
// start (pgx would otherwise fall back only under prefer), disable works,
// and a value pgx does not know is a bad URL, not an outage.
func TestPostgresSSLMode(t *testing.T) {
	u := databaseURL(t, "postgres")
	with := func(mode string) string {
		pu, _ := url.Parse(u)
		q := pu.Query()
		q.Set("sslmode", mode)
		pu.RawQuery = q.Encode()
		return pu.String()
	}
	ctx := context.Background()
	probe, err := Open(ctx, with("disable"), testVault(t))
	if err != nil {
		t.Fatalf("sslmode=disable: %v", err)
	}
	var ssl string
	err = probe.QueryRow(ctx, "SHOW ssl").Scan(&ssl)
	probe.Close()
	if err != nil {
		t.Fatal(err)
	}
	if ssl == "off" {
		if db, err := Open(ctx, with("require"), testVault(t)); err == nil {
			db.Close()
			t.Error("sslmode=require opened a connection to a server without TLS")
		}
	} else {
		t.Log("the test server has TLS on: the refusal of require is not checked")
	}
	_, err = Open(ctx, with("sometimes"), testVault(t))
	if !errors.Is(err, ErrBadURL) || strings.Contains(err.Error(), os.Getenv(storetest.Env)) {
		t.Errorf("sslmode=sometimes: %v, want ErrBadURL without the URL", err)
	}
}
