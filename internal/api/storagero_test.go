package api_test

import (
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
	e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
	u, ctx := e.NewUser("user"), t.Context()
	readOnly := func(on string) {
		if _, err := e.App.DB.Exec(ctx, "PRAGMA query_only = "+on); err != nil {
			t.Fatal(err)
		}
	}
	readOnly("ON")
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
	readOnly("OFF")
	e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/sets/jwt", map[string]any{"name": "writable again"}, u.JWT()).Expect(t, 201, "")
}
