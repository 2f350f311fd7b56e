package api_test

// Helpers shared by the security tests (matrix_test.go, attacks_test.go,
// limits_test.go, races_test.go).

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bobbin/internal/api"
	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

// testClock is a server clock the test can move forward.
type testClock struct{ skew atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.skew.Load())) }
func (c *testClock) Advance(d time.Duration) { c.skew.Add(int64(d)) }
func (c *testClock) Option() apitest.Option  { return apitest.WithClock(c.Now) }
func newClock() *testClock                   { return &testClock{} }
func ctxb() context.Context                  { return context.Background() }
func routeKey(rt api.Route) string           { return rt.Verb + " " + rt.Path }
func hasParams(path string) bool             { return strings.Contains(path, "{") }
func authenticated(rt api.Route) bool        { return rt.Access != api.Public }
func methodAuth(u *apitest.User, m api.Method) apitest.Auth {
	if m == api.MethodKey {
		return u.KeyAuth()
	}
	return u.JWT()
}

// setUser changes a user row directly in the store (what `bobbin user
// disable` and the admin routes do), for states the API cannot reach.
func setUser(t testing.TB, e *apitest.Env, id int64, change func(u *store.User)) {
	t.Helper()
	db := e.App.DB
	err := db.Write(ctxb(), func(tx *store.Tx) error {
		u, err := tx.Users().ByID(ctxb(), id)
		if err != nil {
			return err
		}
		change(u)
		return tx.Users().Save(ctxb(), u)
	})
	if err != nil {
		t.Fatalf("changing user %d: %v", id, err)
	}
}

// checkErrorShape fails unless an error answer is JSON of the shape
// {"result":"error","error":"<code>"} with the JSON content type.
func checkErrorShape(t testing.TB, what string, r *apitest.Resp) {
	t.Helper()
	if r.Status < 400 {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: %d answered Content-Type %q, want JSON; body %q", what, r.Status, ct, r.Body)
	}
	if r.JSON == nil || r.Str("result") != "error" || r.Str("error") == "" {
		t.Errorf("%s: %d answered %q, want {\"result\":\"error\",\"error\":\"<code>\"}", what, r.Status, r.Body)
	}
}

// expectErr checks status, error code, shape and the headers every answer
// carries.
func expectErr(t testing.TB, what string, r *apitest.Resp, status int, code string) {
	t.Helper()
	if r.Status != status || (code != "" && r.Str("error") != code) {
		t.Errorf("%s: got %d %s, want %d %s", what, r.Status, r.Body, status, code)
		return
	}
	checkErrorShape(t, what, r)
	checkSecurityHeaders(t, what, r)
}

// checkSecurityHeaders: every answer, error or not, is marked not to be
// sniffed, framed or cached.
func checkSecurityHeaders(t testing.TB, what string, r *apitest.Resp) {
	t.Helper()
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: %s %q, want %q", what, k, got, want)
		}
	}
}

// fillPath puts values into a route path's wildcards; a wildcard without a
// value gets a plausible id that names nothing.
func fillPath(path string, vals map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			b.WriteString(path)
			return b.String()
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			b.WriteString(path)
			return b.String()
		}
		b.WriteString(path[:i])
		name := strings.TrimSuffix(path[i+1:i+j], "...")
		switch v, ok := vals[name]; {
		case name == "$":
		case ok:
			b.WriteString(v)
		default:
			b.WriteString("999999999")
		}
		path = path[i+j+1:]
	}
}

// patternMatches reports whether a ServeMux path pattern matches a path.
func patternMatches(pattern, path string) bool {
	ps := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	xs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, p := range ps {
		if p == "{$}" {
			return i == len(xs) || (i == len(xs)-1 && xs[i] == "")
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "...}") {
			return true
		}
		if p == "" && i == len(ps)-1 { // trailing slash: a subtree
			return i <= len(xs)
		}
		if i >= len(xs) {
			return false
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return len(ps) == len(xs)
}

// servedVerbs lists the verbs any endpoint serves on a concrete path.
func servedVerbs(routes []api.Route, path string) map[string]bool {
	out := map[string]bool{}
	for _, rt := range routes {
		for _, ep := range rt.Endpoints() {
			if patternMatches(ep.Path, path) {
				out[ep.Verb] = true
				if ep.Verb == "GET" {
					out["HEAD"] = true
				}
			}
		}
	}
	return out
}

// sized sends a request whose body is n bytes, produced lazily; chunked
// sends it without a Content-Length.
func sized(e *apitest.Env, method, path string, n int64, chunked bool, authHeader string) *apitest.Resp {
	e.T.Helper()
	body := io.MultiReader(strings.NewReader(`{"x":"`), io.LimitReader(repeatReader('a'), n-6))
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authHeader != "" {
		req.Header.Set("Authorization", authHeader)
	}
	if chunked {
		req.ContentLength = 0 // with a body: unknown length, sent chunked
	} else {
		req.ContentLength = n
	}
	return e.Send(req)
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// raw sends a request with any headers.
func raw(e *apitest.Env, method, path, body string, hdr http.Header) *apitest.Resp {
	e.T.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.Send(req)
}
