package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"bobbin/internal/config"
	"bobbin/internal/password"
)

var fastHash = &password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// newApp builds the real app on a fresh data dir with env on top of a
// working base.
func newApp(t *testing.T, env map[string]string) *App {
	t.Helper()
	base := map[string]string{"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_ENC_KEY": strings.Repeat("k", 40), "BACKEND_LOG_FORMAT": "json"}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := config.FromValues(nil, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{HashParams: fastHash})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func get(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestMetricsOnTheMainListener(t *testing.T) {
	const token = "a-scraper-token-of-some-length"
	cases := []struct {
		name          string
		env           map[string]string
		none, wrong   int
		withToken     int
		tokenRequired bool
	}{
		{"development, no token: open", map[string]string{}, 200, 200, 200, false},
		{"development with a token", map[string]string{"BACKEND_METRICS_TOKEN": token}, 401, 401, 200, true},
		{"production, no token: not served", map[string]string{"BACKEND_ENV": "production", "BACKEND_MAIL": "outbox"}, 404, 404, 404, false},
		{"production with a token", map[string]string{"BACKEND_ENV": "production", "BACKEND_MAIL": "outbox", "BACKEND_METRICS_TOKEN": token}, 401, 401, 200, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newApp(t, c.env)
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			if code, _ := get(t, srv.URL+"/health", ""); code != 200 {
				t.Fatalf("health: %d", code)
			}
			if code, _ := get(t, srv.URL+"/metrics", ""); code != c.none {
				t.Errorf("no token: %d, want %d", code, c.none)
			}
			if code, _ := get(t, srv.URL+"/metrics", "Bearer not-the-token-at-all"); code != c.wrong {
				t.Errorf("wrong token: %d, want %d", code, c.wrong)
			}
			code, body := get(t, srv.URL+"/metrics", "Bearer "+token)
			if code != c.withToken {
				t.Fatalf("token: %d, want %d", code, c.withToken)
			}
			if code != 200 {
				return
			}
			p := expfmt.NewTextParser(model.UTF8Validation)
			mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var health float64
			for _, m := range mfs["bobbin_http_requests_total"].GetMetric() {
				for _, l := range m.Label {
					if l.GetName() == "pattern" && l.GetValue() == "GET /health" {
						health += m.GetCounter().GetValue()
					}
				}
			}
			if health != 1 {
				t.Errorf("GET /health counted %v times", health)
			}
			if mfs["bobbin_db_open_connections"] == nil || mfs["go_goroutines"] == nil || mfs["process_cpu_seconds_total"] == nil {
				t.Errorf("pool, runtime or process metrics missing: %d families", len(mfs))
			}
		})
	}
}
