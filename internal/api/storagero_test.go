package api_test

import (
	"strconv"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// A SQLite database that answers reads and refuses writes (read only:
// SQLite's query_only, SQLITE_READONLY, as a file the process may no
// longer write gives) fails /ready, and a write answers 503
// storageUnavailable with Retry-After, never 500 or serviceUnavailable
// (which says the database does not answer at all); reads still work,
// and writes are taken again once it is writable.
func TestReadOnlyDatabaseAnswers503(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	ctx := t.Context()
	e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
	if _, err := e.App.DB.Exec(ctx, "PRAGMA query_only = ON"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.App.DB.Exec(t.Context(), "PRAGMA query_only = OFF") })
	r := e.Do("GET", "/ready", nil, apitest.None)
	if r.Status != 503 || r.Str("error") != "storageUnavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("/ready on a read-only database: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	r = e.Do("POST", "/sets/jwt", map[string]any{"name": "read only"}, u.JWT())
	r.Expect(t, 503, "storageUnavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	e.Do("GET", "/sets/jwt", nil, u.JWT()).Expect(t, 200, "")
	if _, err := e.App.DB.Exec(ctx, "PRAGMA query_only = OFF"); err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/sets/jwt", map[string]any{"name": "writable again"}, u.JWT()).Expect(t, 201, "")
}

// A full disk (max_page_count reached) fails /ready too: the database
// answers but cannot take a write that needs a page.
func TestDiskFullFailsReady(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	ctx := t.Context()
	var pages int
	if err := e.App.DB.QueryRow(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.Exec(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("n", 19_000)
	full := false
	for i := 0; i < 5 && !full; i++ {
		if r := e.Do("POST", "/sets/jwt", map[string]any{"name": "full", "notes": big}, u.JWT()); r.Status != 201 {
			r.Expect(t, 503, "storageUnavailable")
			full = true
		}
	}
	if !full {
		t.Fatal("the database never filled up")
	}
	r := e.Do("GET", "/ready", nil, apitest.None)
	if r.Status != 503 || r.Str("error") != "storageUnavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("/ready on a full disk: %d %s", r.Status, r.Body)
	}
	if _, err := e.App.DB.Exec(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
}
