package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"bobbin/internal/apitest"
)

// TestOpenAPIDump writes the served /openapi.json to a file: to
// $BOBBIN_OPENAPI_OUT when set (.ci/run lints it with redocly), else to the
// test's temp dir. The document must be valid JSON either way.
func TestOpenAPIDump(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	r := e.Do("GET", "/openapi.json", nil, apitest.None).Expect(t, 200, "")
	if !json.Valid(r.Body) {
		t.Fatal("/openapi.json is not JSON")
	}
	out := os.Getenv("BOBBIN_OPENAPI_OUT")
	if out == "" {
		out = filepath.Join(t.TempDir(), "openapi.json")
	}
	if err := os.WriteFile(out, r.Body, 0o644); err != nil {
		t.Fatal(err)
	}
}
