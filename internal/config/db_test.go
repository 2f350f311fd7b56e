package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDBSettings(t *testing.T) {
	c, _, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBPool != 0 || c.DBStatementTimeout != 30*time.Second {
		t.Fatalf("defaults: pool %d, statement timeout %v", c.DBPool, c.DBStatementTimeout)
	}
	c, _, err = Load([]string{"--db-pool=25", "--db-statement-timeout=1500ms"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBPool != 25 || c.DBStatementTimeout != 1500*time.Millisecond {
		t.Fatalf("given: pool %d, statement timeout %v", c.DBPool, c.DBStatementTimeout)
	}
	c, _, err = Load(nil, env(map[string]string{"BACKEND_DB_STATEMENT_TIMEOUT": "0"}))
	if err != nil || c.DBStatementTimeout != 0 {
		t.Fatalf("0 turns the timeout off: %v %v", c, err)
	}
	for name, e := range map[string]map[string]string{
		"BACKEND_DB_POOL":              {"BACKEND_DB_POOL": "-1"},
		"BACKEND_DB_STATEMENT_TIMEOUT": {"BACKEND_DB_STATEMENT_TIMEOUT": "soon"},
	} {
		_, _, err := Load(nil, env(e))
		var ce *Error
		if !errors.As(err, &ce) || ce.Env != name {
			t.Errorf("%v: got %v", e, err)
		}
	}
}

// A PostgreSQL URL that pgx would refuse only at the first connection, or
// whose misspelt sslmode would silently mean something else, is refused
// at start, in one line naming BACKEND_DB_URL, without the password.
func TestBadPostgresURLIsRefusedAtStart(t *testing.T) {
	for _, u := range []string{
		"postgres://bob:hunter2secret@db.example/bobbin?sslmode=requir",
		"postgres://bob:hunter2secret@db.example/bobbin?sslmode=",
		"postgres://bob:hunter2secret@db.example/bobbin?sslmode=require&sslmode=disable",
		"postgresql://bob:hunter2secret@db.example/bobbin?sslmode=verify-full&statement_timeout=abc",
		"postgres://bob:hunter2secret@db.example:port/bobbin",
	} {
		_, _, err := Load(nil, env(map[string]string{"BACKEND_DB_URL": u}))
		var ce *Error
		if !errors.As(err, &ce) || ce.Env != "BACKEND_DB_URL" {
			t.Errorf("%s: got %v", u, err)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, "hunter2secret") || !strings.Contains(msg, "BACKEND_DB_URL") {
			t.Errorf("%s: message %q: want one line naming BACKEND_DB_URL, no password", u, msg)
		}
	}
	for _, m := range []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"} {
		if _, _, err := Load(nil, env(map[string]string{"BACKEND_DB_URL": "postgres://bob@db.example/bobbin?sslmode=" + m})); err != nil {
			t.Errorf("sslmode=%s refused: %v", m, err)
		}
	}
}
