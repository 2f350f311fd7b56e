package api_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

func TestImagesRoundTrip(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	imagesRoundTrip(t, e, filepath.Join(e.DataDir, "images"))
}

func TestImagesRoundTripPostgres(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	imagesRoundTrip(t, e, "")
}

// imagesRoundTrip uploads, serves, replaces, clones and deletes images;
// dir, when set, is the file store's folder to check for leftovers.
func imagesRoundTrip(t *testing.T, e *apitest.Env, dir string) {
	u := e.NewUser("user")
	other := e.NewUser("user")
	files := func() int {
		if dir == "" {
			return -1
		}
		m, _ := filepath.Glob(filepath.Join(dir, "*"))
		return len(m)
	}
	first := testPNG(t, 1)
	r := e.Do("POST", "/sets/key", map[string]any{"name": "With photo", "img": dataURI("image/png", first)}, u.KeyAuth()).Expect(t, 201, "")
	sid := dataID(r.Num("set.id"))
	img := r.Str("set.img")
	if !strings.HasPrefix(img, "http://bobbin.test/images/set-"+sid+"-") || !strings.HasSuffix(img, ".png") {
		t.Fatalf("img %q", img)
	}
	g := e.Do("GET", localPath(t, img), nil, apitest.None).Expect(t, 200, "")
	if !bytes.Equal(g.Body, first) {
		t.Fatalf("served %d bytes, uploaded %d", len(g.Body), len(first))
	}
	for h, want := range map[string]string{
		"Content-Type":           "image/png",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "public, max-age=31536000, immutable",
	} {
		if got := g.Header.Get(h); got != want {
			t.Fatalf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := g.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
		t.Fatalf("CSP %q", csp)
	}
	// A cached copy is revalidated without the bytes.
	etag := g.Header.Get("ETag")
	req, _ := http.NewRequest("GET", e.URL+localPath(t, img), nil)
	req.Header.Set("If-None-Match", etag)
	if nm := e.Send(req); etag == "" || nm.Status != 304 || len(nm.Body) != 0 {
		t.Fatalf("If-None-Match %q: %d", etag, nm.Status)
	}
	if n := files(); n != -1 && n != 1 {
		t.Fatalf("%d files after one upload", n)
	}
	// Read back: the set names the same URL.
	if g := e.Do("GET", "/sets/"+sid+"/jwt", nil, u.JWT()).Expect(t, 200, ""); g.Str("set.img") != img {
		t.Fatalf("stored img %q", g.Str("set.img"))
	}
	// Sending the same URL back keeps it.
	p := e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"img": img, "notes": "same"}, u.JWT()).Expect(t, 200, "")
	if p.Str("set.img") != img {
		t.Fatalf("same URL not kept: %s", p.Body)
	}
	e.Do("GET", localPath(t, img), nil, apitest.None).Expect(t, 200, "")

	// Replace: the new one is served, the old one is gone.
	second := testPNG(t, 2)
	p = e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"img": dataURI("image/png", second)}, u.JWT()).Expect(t, 200, "")
	img2 := p.Str("set.img")
	if img2 == img || !bytes.Equal(e.Do("GET", localPath(t, img2), nil, apitest.None).Expect(t, 200, "").Body, second) {
		t.Fatalf("replacement: %s", p.Body)
	}
	e.Do("GET", localPath(t, img), nil, apitest.None).Expect(t, 404, "notFound")
	if n := files(); n != -1 && n != 1 {
		t.Fatalf("%d files after a replacement", n)
	}

	// A refused write stores nothing and changes nothing.
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"img": dataURI("image/png", testPNG(t, 3)), "name": ""}, u.JWT()).Expect(t, 400, "nameMissing")
	if n := files(); n != -1 && n != 1 {
		t.Fatalf("%d files after a refused write", n)
	}
	e.Do("GET", localPath(t, img2), nil, apitest.None).Expect(t, 200, "")

	// Clone: the copy gets its own image, which outlives the source.
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"public": true}, u.JWT()).Expect(t, 200, "")
	c := e.Do("POST", "/sets/"+sid+"/clone/jwt", nil, other.JWT()).Expect(t, 201, "")
	cimg := c.Str("set.img")
	if cimg == img2 || !strings.HasPrefix(cimg, "http://bobbin.test/images/set-"+dataID(c.Num("set.id"))+"-") {
		t.Fatalf("clone img %q", cimg)
	}
	// Using another owner's image URL copies it too.
	r2 := e.Do("POST", "/sets/jwt", map[string]any{"name": "Borrowed", "img": img2}, other.JWT()).Expect(t, 201, "")
	bimg := r2.Str("set.img")
	if bimg == img2 || !bytes.Equal(e.Do("GET", localPath(t, bimg), nil, apitest.None).Expect(t, 200, "").Body, second) {
		t.Fatalf("borrowed img %q", bimg)
	}

	// Delete: the set's image goes with it; copies stay.
	e.Do("DELETE", "/sets/"+sid+"/key", nil, u.KeyAuth()).Expect(t, 204, "")
	e.Do("GET", localPath(t, img2), nil, apitest.None).Expect(t, 404, "notFound")
	if !bytes.Equal(e.Do("GET", localPath(t, cimg), nil, apitest.None).Expect(t, 200, "").Body, second) {
		t.Fatal("clone's image changed")
	}

	// Clearing: img "" removes the image.
	e.Do("PATCH", "/sets/"+dataID(c.Num("set.id"))+"/jwt", map[string]any{"img": ""}, other.JWT()).Expect(t, 200, "")
	e.Do("GET", localPath(t, cimg), nil, apitest.None).Expect(t, 404, "notFound")

	// Patterns: upload, replace by an external URL, delete.
	pr := e.Do("POST", "/patterns/jwt", map[string]any{"design": "aaron", "img": dataURI("image/png", first)}, u.JWT()).Expect(t, 201, "")
	pimg := pr.Str("pattern.img")
	pid := dataID(pr.Num("pattern.id"))
	if !strings.HasPrefix(pimg, "http://bobbin.test/images/pattern-"+pid+"-") {
		t.Fatalf("pattern img %q", pimg)
	}
	e.Do("GET", localPath(t, pimg), nil, apitest.None).Expect(t, 200, "")
	pp := e.Do("PATCH", "/patterns/"+pid+"/jwt", map[string]any{"img": "https://cdn.example/p.png"}, u.JWT()).Expect(t, 200, "")
	if pp.Str("pattern.img") != "https://cdn.example/p.png" {
		t.Fatalf("external URL: %s", pp.Body)
	}
	e.Do("GET", localPath(t, pimg), nil, apitest.None).Expect(t, 404, "notFound")
	pr = e.Do("PATCH", "/patterns/"+pid+"/jwt", map[string]any{"img": dataURI("image/png", second)}, u.JWT()).Expect(t, 200, "")
	pimg = pr.Str("pattern.img")
	e.Do("DELETE", "/patterns/"+pid+"/jwt", nil, u.JWT()).Expect(t, 204, "")
	e.Do("GET", localPath(t, pimg), nil, apitest.None).Expect(t, 404, "notFound")

	// What is left: the clone's cleared set has none, "Borrowed" has one.
	if n := files(); n != -1 && n != 1 {
		t.Fatalf("%d files at the end, want 1 (the borrowed copy)", n)
	}
}

func TestImagesRefused(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	png := testPNG(t, 9)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	huge := append(append([]byte{}, png...), make([]byte, 5<<20)...)
	for _, m := range dataMethods {
		for _, c := range []struct {
			img  string
			code string
		}{
			{dataURI("image/svg+xml", svg), "imgInvalid"},
			{dataURI("image/png", svg), "imgInvalid"},  // declared PNG, bytes SVG
			{dataURI("image/jpeg", png), "imgInvalid"}, // declared JPEG, bytes PNG
			{dataURI("image/gif", gif), "imgInvalid"},
			{dataURI("text/html", []byte("<script>alert(1)</script>")), "imgInvalid"},
			{"data:image/png;base64,not base64!", "imgInvalid"},
			{"data:image/png," + string(png[:8]), "imgInvalid"},
			{"data:,", "imgInvalid"},
			{"http://insecure.example/a.png", "imgInvalid"},
			{"https://x.example/a b.png", "imgInvalid"},
			{"http://bobbin.test/images/set-1-00000000000000000000000000000000.png", "imgInvalid"},
			{"file:///etc/passwd", "imgInvalid"},
			{dataURI("image/png", huge), "imgTooLarge"},
		} {
			e.Do("POST", "/sets/"+m.name, map[string]any{"name": "x", "img": c.img}, m.as(u)).Expect(t, 400, c.code)
			e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "aaron", "img": c.img}, m.as(u)).Expect(t, 400, c.code)
		}
		// Over the image route's body limit: 413.
		body := []byte(`{"name":"x","img":"data:image/png;base64,` + base64.StdEncoding.EncodeToString(make([]byte, 7<<20)) + `"}`)
		e.Do("POST", "/sets/"+m.name, body, m.as(u)).Expect(t, 413, "bodyTooLarge")
	}
	if l := e.Do("GET", "/sets/jwt", nil, u.JWT()).Expect(t, 200, ""); len(l.Get("sets").([]any)) != 0 {
		t.Fatalf("refused images created sets: %s", l.Body)
	}
	if m, _ := filepath.Glob(filepath.Join(e.DataDir, "images", "*")); len(m) != 0 {
		t.Fatalf("files left by refused uploads: %v", m)
	}
	for _, p := range []string{"/images/nope.png", "/images/..%2fbobbin.db", "/images/set-1-00000000000000000000000000000000.png", "/images/"} {
		e.Do("GET", p, nil, apitest.None).Expect(t, 404, "notFound")
	}
	if _, err := os.Stat(filepath.Join(e.DataDir, "bobbin.db")); err != nil {
		t.Fatal(err)
	}
}

// The account's avatar goes through the same image checks and store.
func TestImagesAccountAvatar(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	png := testPNG(t, 4)
	r := e.Do("PATCH", "/account/jwt", map[string]any{"img": dataURI("image/png", png)}, u.JWT()).Expect(t, 200, "")
	img := r.Str("account.img")
	if !strings.HasPrefix(img, "http://bobbin.test/images/user-"+dataID(float64(u.ID))+"-") {
		t.Fatalf("avatar %q", img)
	}
	if g := e.Do("GET", localPath(t, img), nil, apitest.None).Expect(t, 200, ""); !bytes.Equal(g.Body, png) {
		t.Fatal("avatar bytes differ")
	}
	e.Do("PATCH", "/account/key", map[string]any{"img": dataURI("image/svg+xml", []byte("<svg/>"))}, u.KeyAuth()).Expect(t, 400, "imgInvalid")
}

func TestAvatarReplacedAndAccountDeletedLeaveNoImages(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	first := e.Do("PATCH", "/account/jwt", map[string]any{"img": dataURI("image/png", testPNG(t, 5))}, u.JWT()).Expect(t, 200, "").Str("account.img")
	second := e.Do("PATCH", "/account/jwt", map[string]any{"img": dataURI("image/png", testPNG(t, 6))}, u.JWT()).Expect(t, 200, "").Str("account.img")
	if first == second {
		t.Fatal("same name for different images")
	}
	e.Do("GET", localPath(t, first), nil, apitest.None).Expect(t, 404, "")
	e.Do("GET", localPath(t, second), nil, apitest.None).Expect(t, 200, "")
	setImg := e.Do("POST", "/sets/jwt", map[string]any{"name": "s", "img": dataURI("image/png", testPNG(t, 7))}, u.JWT()).Expect(t, 201, "").Str("set.img")
	e.Do("DELETE", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	e.Do("GET", localPath(t, second), nil, apitest.None).Expect(t, 404, "")
	e.Do("GET", localPath(t, setImg), nil, apitest.None).Expect(t, 404, "")
	if m, _ := filepath.Glob(filepath.Join(e.DataDir, "images", "*")); len(m) != 0 {
		t.Fatalf("files left: %v", m)
	}
}
