package config

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DB holds how Bobbin uses a PostgreSQL server (SQLite ignores both).
type DB struct {
	// DBPool bounds the open connections of one process; 0 picks 4 per
	// CPU, at least 8. Each process holds one more, for LISTEN.
	DBPool int
	// DBStatementTimeout is PostgreSQL's statement_timeout on every
	// connection of the pool; 0 leaves the server's setting.
	DBStatementTimeout time.Duration
}

func dbSettings() []setting {
	return []setting{
		{"BACKEND_DB_POOL", "db-pool", "0", "PostgreSQL: most connections open at once per process, plus one for LISTEN (0: 4 per CPU, at least 8)", intSetter(func(c *Config) *int { return &c.DBPool }, 0)},
		{"BACKEND_DB_STATEMENT_TIMEOUT", "db-statement-timeout", "30s", "PostgreSQL: statement_timeout of every connection, the longest one statement may run (0: the server's setting)", func(c *Config, v string) error {
			if strings.TrimSpace(v) == "0" {
				c.DBStatementTimeout = 0
				return nil
			}
			d, err := ParseDuration(v)
			if err != nil {
				return errors.New("must be 0 or a duration such as 500ms, 30s or 2m")
			}
			if d < time.Millisecond {
				return errors.New("must be at least 1ms (PostgreSQL counts in milliseconds)")
			}
			c.DBStatementTimeout = d
			return nil
		}},
	}
}

// sslModes are the values libpq and pgx accept for sslmode.
var sslModes = map[string]bool{"disable": true, "allow": true, "prefer": true, "require": true, "verify-ca": true, "verify-full": true}

// checkPostgresURL refuses a PostgreSQL URL that cannot be right, before
// anything is opened: not a URL, no host, or an sslmode pgx would reject
// only at the first connection (or, for a misspelling, not at all).
func checkPostgresURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return errors.New("is not a valid URL") // url's message holds the password
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return errors.New("has a query that is not valid")
	}
	if m, ok := q["sslmode"]; ok {
		if len(m) != 1 || !sslModes[m[0]] {
			return errors.New("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full")
		}
	}
	if t := q.Get("statement_timeout"); t != "" {
		if _, err := strconv.Atoi(t); err != nil {
			return errors.New("statement_timeout in the URL must be milliseconds (or use BACKEND_DB_STATEMENT_TIMEOUT)")
		}
	}
	return nil
}
