package api_test

import (
	"net/http"
	"testing"

	"bobbin/internal/apitest"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	pre, _ := http.NewRequest("OPTIONS", e.URL+"/account/jwt", nil)
	pre.Header.Set("Origin", "https://freesewing.example")
	pre.Header.Set("Access-Control-Request-Method", "PATCH")
	pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	r := e.Send(pre)
	if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "*" ||
		r.Header.Get("Access-Control-Allow-Headers") != "Authorization, Content-Type" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %d %v", r.Status, r.Header)
	}
	req, _ := http.NewRequest("GET", e.URL+"/account/jwt", nil)
	req.Header.Set("Origin", "https://freesewing.example")
	apitest.Apply(req, u.JWT())
	if r := e.Send(req); r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("simple request: %d %v", r.Status, r.Header)
	}

	// A list of origins: only those, echoed; others get no CORS headers.
	e2 := apitest.New(t, apitest.WithEnv("BACKEND_CORS_ORIGINS", "https://a.example, https://b.example"))
	for origin, want := range map[string]string{"https://b.example": "https://b.example", "https://evil.example": ""} {
		p, _ := http.NewRequest("OPTIONS", e2.URL+"/signin", nil)
		p.Header.Set("Origin", origin)
		p.Header.Set("Access-Control-Request-Method", "POST")
		r := e2.Send(p)
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Fatalf("%s: allow-origin %q, want %q", origin, got, want)
		}
		if want == "" && r.Status == 204 {
			t.Fatal("preflight of a refused origin answered 204")
		}
	}
}
