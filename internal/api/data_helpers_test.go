package api_test

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"bobbin/internal/apitest"
)

// dataMethod is one of the two ways to call a twin route.
type dataMethod struct {
	name string
	as   func(u *apitest.User) apitest.Auth
}

var dataMethods = []dataMethod{
	{"jwt", func(u *apitest.User) apitest.Auth { return u.JWT() }},
	{"key", func(u *apitest.User) apitest.Auth { return u.KeyAuth() }},
}

func dataID(n float64) string { return strconv.FormatInt(int64(n), 10) }

// rawSQLite opens the test server's database file read-only, to check what
// is really stored.
func rawSQLite(t *testing.T, e *apitest.Env) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.DataDir, "bobbin.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testPNG makes a small real PNG; seed varies its bytes.
func testPNG(t testing.TB, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{seed, 100, 200, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dataURI(ct string, b []byte) string {
	return "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(b)
}

// localPath turns one of our absolute image URLs into a path for e.Do.
func localPath(t testing.TB, u string) string {
	t.Helper()
	const base = "http://bobbin.test"
	if !strings.HasPrefix(u, base+"/images/") {
		t.Fatalf("not one of our image URLs: %q", u)
	}
	return strings.TrimPrefix(u, base)
}
