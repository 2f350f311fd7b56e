package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	r := e.Do("GET", "/openapi.json", nil, apitest.None).Expect(t, 200, "")
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	n := 0
	for _, rt := range e.App.Server.Routes() {
		for _, ep := range rt.Endpoints() {
			n++
			op, ok := doc.Paths[ep.Path][strings.ToLower(ep.Verb)]
			if !ok {
				t.Fatalf("%s %s missing from /openapi.json", ep.Verb, ep.Path)
			}
			sec, _ := op["security"].([]any)
			if (ep.Method != "") != (len(sec) == 1) {
				t.Fatalf("%s %s: security %v", ep.Verb, ep.Path, op["security"])
			}
			if rt.Req != nil && op["requestBody"] == nil {
				t.Fatalf("%s %s: request body undocumented", ep.Verb, ep.Path)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d endpoints", n)
	}
	// The account schema names the spec's fields.
	if !strings.Contains(string(r.Body), `"mfaEnabled"`) || !strings.Contains(string(r.Body), `"expiresIn"`) {
		t.Fatal("schemas lack fields")
	}
	d := e.Do("GET", "/docs", nil, apitest.None).Expect(t, 200, "")
	if !strings.HasPrefix(d.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(d.Body), "/openapi.json") {
		t.Fatalf("docs page: %s", d.Header.Get("Content-Type"))
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.Do("GET", "/account/key", nil, apitest.None).Expect(t, 401, "")
	e.Do("GET", "/health", nil, apitest.None).Expect(t, 200, "")
	r := e.Do("GET", "/metrics", nil, apitest.None)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	for _, want := range []string{`bobbin_http_requests_total{code="200",pattern="GET /health"} 1`,
		`bobbin_http_requests_total{code="401",pattern="GET /account/key"} 1`, `bobbin_auth_failures_total{method="key",reason="missing"} 1`} {
		if !strings.Contains(string(r.Body), want) {
			t.Fatalf("missing %q:\n%s", want, r.Body)
		}
	}
	// With a separate metrics address, the main listener does not serve it.
	e2 := apitest.New(t, apitest.WithEnv("BACKEND_METRICS_ADDR", "127.0.0.1:0"))
	e2.Do("GET", "/metrics", nil, apitest.None).Expect(t, 404, "notFound")
}
