package api_test

import (
	"strconv"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// A database that cannot grow (SQLite's disk full, emulated with
// max_page_count) answers writes 503 storageUnavailable with Retry-After,
// never 500, fails /ready with the same code, and takes them again once
// there is room.
func TestDiskFullAnswers503(t *testing.T) {
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
	for range 5 { // fill what free pages there are, then meet the limit
		r := e.Do("POST", "/sets/jwt", map[string]any{"name": "full", "notes": big}, u.JWT())
		if r.Status == 201 {
			continue
		}
		r.Expect(t, 503, "storageUnavailable")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
		// /ready says so too: the database answers, but has no room.
		ready := e.Do("GET", "/ready", nil, apitest.None)
		if ready.Status != 503 || ready.Str("error") != "storageUnavailable" || ready.Header.Get("Retry-After") == "" {
			t.Fatalf("/ready on a full disk: %d %s", ready.Status, ready.Body)
		}
		if _, err := e.App.DB.Exec(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
			t.Fatal(err)
		}
		e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
		e.Do("POST", "/sets/jwt", map[string]any{"name": "room again", "notes": big}, u.JWT()).Expect(t, 201, "")
		return
	}
	t.Fatal("the database never filled up")
}
