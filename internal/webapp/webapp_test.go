package webapp_test

// Tests of what the server sends, without a browser: they run everywhere.

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"bobbin/internal/apitest"
	"bobbin/internal/webapp"
)

// browserAccept is what Chromium sends when it opens a page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func get(t *testing.T, e *apitest.Env, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	tr := &http.Transport{DisableCompression: true} // see what is sent
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// The app's pages and the mail-link landing pages answer the app under
// the strict policy; unknown paths and other methods still get the API's
// JSON answers; the API's own routes on the same paths are untouched.
func TestPagesAndFallback(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for _, p := range []string{"/", "/confirm/signup/abc/def", "/confirm/emailchange/abc/def", "/signinlink/abc/def",
		"/newsletter/subscribe?id=x&ehash=y", "/newsletter/unsubscribe?i=" + strings.Repeat("a", 64), "/signin/callback/github?state=a.b&code=c"} {
		res, body := get(t, e, p, "Accept", browserAccept)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if csp := res.Header.Get("Content-Security-Policy"); csp != webapp.AppCSP {
			t.Fatalf("GET %s: CSP %q", p, csp)
		}
		if !bytes.Contains(body, []byte(`src="/app/main.js"`)) {
			t.Fatalf("GET %s: not the app page", p)
		}
		if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("GET %s: headers %v", p, res.Header)
		}
	}
	// GET /ocunsub/{ehash} redirects every client to the unsubscribe page
	// of the website (as upstream); with no website set, that is this page.
	ehash := strings.Repeat("a", 64)
	req, _ := http.NewRequest("GET", e.URL+"/ocunsub/"+ehash, nil)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != e.App.Config.WebsiteURL+"/newsletter/unsubscribe?i="+ehash {
		t.Fatalf("GET /ocunsub: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// An API client's GET of a landing path gets the API's answer there,
	// as before the web app: 405 where another method is served, else 404.
	for p, want := range map[string]int{"/signinlink/abc/def": 405,
		"/confirm/signup/abc/def": 404, "/newsletter/subscribe": 404, "/signin/callback/github": 404} {
		for _, accept := range []string{"", "application/json", "*/*", "text/html;q=0"} {
			r := e.Do("GET", p, nil, apitest.None)
			if accept != "" {
				req, _ := http.NewRequest("GET", e.URL+p, nil)
				req.Header.Set("Accept", accept)
				r = e.Send(req)
			}
			if r.Status != want || r.Str("result") != "error" {
				t.Fatalf("GET %s (Accept %q): %d %.80s", p, accept, r.Status, r.Body)
			}
		}
	}
	// Not the app's: the API's JSON 404 and 405.
	e.Do("GET", "/nothing-here", nil, apitest.None).Expect(t, 404, "notFound")
	e.Do("GET", "/app/nothing.js", nil, apitest.None).Expect(t, 404, "notFound")
	e.Do("GET", "/app/", nil, apitest.None).Expect(t, 404, "notFound")
	e.Do("GET", "/confirm/signup/abc", nil, apitest.None).Expect(t, 405, "methodNotAllowed")
	e.Do("GET", "/signin", nil, apitest.None).Expect(t, 405, "methodNotAllowed")
	e.Do("DELETE", "/confirm/signup/abc/def", nil, apitest.None).Expect(t, 404, "notFound")
	// The API on the neighbouring patterns still answers as before.
	e.Do("POST", "/confirm/signup/abc", map[string]any{"consent": 2}, apitest.None).Expect(t, 404, "notFound")
	e.Do("POST", "/signinlink/abc/def", map[string]any{}, apitest.None).Expect(t, 404, "")
	e.Do("GET", "/health", nil, apitest.None).Expect(t, 200, "")
}

// Opening a signup link changes nothing; the confirmation still works
// afterwards, once, through the API (as the page's button does).
func TestLandingPageChangesNothing(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	r := e.Do("POST", "/signup", map[string]any{"email": "lee@example.com", "language": "en", "test": true}, apitest.None).Expect(t, 201, "")
	id := r.Str("confirmation")
	m, ok := e.LastMailTo("lee@example.com")
	if !ok {
		t.Fatal("no signup mail")
	}
	link := regexp.MustCompile(`/confirm/signup/[^\s"<>]+`).FindString(m.Text)
	if !strings.Contains(link, id) {
		t.Fatalf("link %q lacks the confirmation %s", link, id)
	}
	for i := 0; i < 3; i++ {
		if res, _ := get(t, e, link, "Accept", browserAccept); res.StatusCode != 200 {
			t.Fatalf("landing page: %d", res.StatusCode)
		}
	}
	e.Do("POST", "/confirm/signup/"+id, map[string]any{"consent": 2}, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/confirm/signup/"+id, map[string]any{"consent": 2}, apitest.None).Expect(t, 404, "")
}

// Assets: gzip when asked (and the same bytes unpacked), ETag
// revalidation, types; /docs under its own policy, renderer vendored.
func TestAssets(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	plain, body := get(t, e, "/app/main.js")
	if plain.StatusCode != 200 || plain.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("main.js: %d %v", plain.StatusCode, plain.Header)
	}
	zipped, zbody := get(t, e, "/app/main.js", "Accept-Encoding", "gzip, br")
	if zipped.Header.Get("Content-Encoding") != "gzip" || len(zbody) >= len(body) {
		t.Fatalf("gzip: %v, %d vs %d bytes", zipped.Header, len(zbody), len(body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zbody))
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unz, body) {
		t.Fatalf("gzip body differs: %v", err)
	}
	etag := plain.Header.Get("ETag")
	if res, b := get(t, e, "/app/main.js", "If-None-Match", etag); res.StatusCode != 304 || len(b) != 0 {
		t.Fatalf("revalidation: %d, %d bytes", res.StatusCode, len(b))
	}
	if res, _ := get(t, e, "/app/main.js", "If-None-Match", `"other"`); res.StatusCode != 200 {
		t.Fatalf("stale etag: %d", res.StatusCode)
	}
	if res, _ := get(t, e, "/app/main.js", "Accept-Encoding", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Fatal("gzip sent though refused")
	}
	res, b := get(t, e, "/app/measurements.json")
	if res.StatusCode != 200 || !bytes.Contains(b, []byte(`"shoulderSlope"`)) {
		t.Fatalf("measurements: %d %s", res.StatusCode, b)
	}
	res, b = get(t, e, "/docs")
	if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") != webapp.DocsCSP ||
		!bytes.Contains(b, []byte(`/docs/swagger-ui-bundle.js`)) || !bytes.Contains(b, []byte(`/openapi.json`)) {
		t.Fatalf("docs: %d %v", res.StatusCode, res.Header)
	}
	for _, f := range []string{"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/docs.js"} {
		if res, _ := get(t, e, f); res.StatusCode != 200 {
			t.Fatalf("%s: %d", f, res.StatusCode)
		}
	}
}

// The policies allow no inline script and nothing from elsewhere, and
// the app's own files hold no inline script, inline handler or remote URL.
func TestNoInlineScriptNoThirdParty(t *testing.T) {
	t.Parallel()
	for _, csp := range []string{webapp.AppCSP, webapp.DocsCSP} {
		for _, d := range strings.Split(csp, ";") {
			d = strings.TrimSpace(d)
			if strings.HasPrefix(d, "script-src") && d != "script-src 'self'" {
				t.Fatalf("script-src is %q", d)
			}
			if strings.Contains(d, "http") || strings.Contains(d, "*") {
				t.Fatalf("policy allows another origin: %q", d)
			}
		}
	}
	if strings.Contains(webapp.AppCSP, "unsafe") {
		t.Fatalf("app policy: %s", webapp.AppCSP)
	}
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=|javascript:`)
	remote := regexp.MustCompile(`(?i)https?://`)
	err := filepath.WalkDir("static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, filepath.Join("static", "docs", "swagger-ui")) || strings.HasSuffix(p, ".txt") ||
			strings.HasSuffix(p, "LICENSE") || strings.HasSuffix(p, "NOTICE") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".html") && inline.Match(b) {
			t.Errorf("%s: inline script or handler: %s", p, inline.Find(b))
		}
		if loc := remote.FindIndex(b); loc != nil && !strings.HasSuffix(p, ".svg") {
			t.Errorf("%s: remote URL at %d: %s", p, loc[0], b[loc[0]:min(len(b), loc[1]+30)])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
