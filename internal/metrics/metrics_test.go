package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	r := New()
	r.Request("GET /account/jwt", 200, 2*time.Millisecond)
	r.Request("GET /account/jwt", 200, 30*time.Millisecond)
	r.Request("GET /account/jwt", 401, time.Millisecond)
	r.AuthFailure("key")
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`bobbin_http_requests_total{pattern="GET /account/jwt",code="200"} 2`,
		`bobbin_http_requests_total{pattern="GET /account/jwt",code="401"} 1`,
		`bobbin_http_request_duration_seconds_bucket{pattern="GET /account/jwt",le="0.0025"} 2`,
		`bobbin_http_request_duration_seconds_bucket{pattern="GET /account/jwt",le="0.05"} 3`,
		`bobbin_http_request_duration_seconds_count{pattern="GET /account/jwt"} 3`,
		`bobbin_auth_failures_total{method="key"} 1`,
		"# TYPE bobbin_goroutines gauge",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in\n%s", want, out)
		}
	}
	if quote("a\"b\\c\n") != `"a\"b\\c\n"` {
		t.Fatal("label escaping")
	}
}
