package main

import (
	"os"
	"testing"

	"bobbin/internal/apitest"
)

// TestWalkThroughRuns runs the client walk-through of docs/data.md against
// a real Bobbin: demo account from the outbox link, key, set, public .yaml.
func TestWalkThroughRuns(t *testing.T) {
	os.Unsetenv("BOBBIN_KEY")
	os.Unsetenv("BOBBIN_SECRET")
	e := apitest.New(t)
	if err := run(e.URL, e.DataDir); err != nil {
		t.Fatalf("walk-through failed: %v", err)
	}
	var n int
	if err := e.App.DB.QueryRow(t.Context(), "SELECT COUNT(*) FROM sets").Scan(&n); err != nil || n != 1 {
		t.Fatalf("sets after the walk-through: %d %v", n, err)
	}
}
