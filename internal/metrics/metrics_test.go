package metrics

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"bobbin/internal/apierr"
)

// parse reads an exposition with the Prometheus library's own parser.
func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, text)
	}
	return mfs
}

// find returns the metric of family name whose labels include want.
func find(t *testing.T, mfs map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		t.Fatalf("no family %s", name)
	}
next:
	for _, m := range mf.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	t.Fatalf("%s has no series %v", name, want)
	return nil
}

func TestExpositionParsesWithEveryFamily(t *testing.T) {
	r := New()
	r.Request("GET /account/jwt", 200, 2*time.Millisecond)
	r.Request("GET /account/jwt", 200, 30*time.Millisecond)
	r.Request("GET /account/jwt", 401, time.Millisecond)
	r.AuthFailure("key", Reason(errors.New("401 authenticationFailed"), false))
	r.AuthFailure("key", Reason(apierr.TooManyRequests, false))
	r.AuthFailure("jwt", Reason(errors.New("401 authenticationFailed"), true))
	r.ThrottleRefusal("signin_per_account")
	var refused uint64 = 7
	r.Limiters(map[string]func() uint64{"key_per_address": func() uint64 { return refused }})
	r.DBPools(func() map[string]sql.DBStats {
		return map[string]sql.DBStats{"write": {MaxOpenConnections: 1, OpenConnections: 1, InUse: 1, WaitCount: 3}, "read": {OpenConnections: 4, Idle: 4}}
	})
	r.MailQueue(func() (float64, bool) { return 5, true })
	r.MailDelivery("delivered")
	r.MailDelivery("retry")
	r.DBError("full")

	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, b.String())
	if v := find(t, mfs, "bobbin_http_requests_total", map[string]string{"pattern": "GET /account/jwt", "code": "200"}).Counter.GetValue(); v != 2 {
		t.Errorf("requests 200: %v", v)
	}
	h := find(t, mfs, "bobbin_http_request_duration_seconds", map[string]string{"pattern": "GET /account/jwt", "code": "200"}).Histogram
	if h.GetSampleCount() != 2 || h.GetSampleSum() < 0.031 || h.GetSampleSum() > 0.0321 {
		t.Errorf("histogram: %v", h)
	}
	for _, bk := range h.Bucket {
		want := uint64(0)
		if bk.GetUpperBound() >= 0.0025 {
			want = 1
		}
		if bk.GetUpperBound() >= 0.05 {
			want = 2
		}
		if bk.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v: %d, want %d", bk.GetUpperBound(), bk.GetCumulativeCount(), want)
		}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"bobbin_auth_failures_total", map[string]string{"method": "key", "reason": "invalid"}, 1},
		{"bobbin_auth_failures_total", map[string]string{"method": "key", "reason": "tooManyRequests"}, 1},
		{"bobbin_auth_failures_total", map[string]string{"method": "jwt", "reason": "missing"}, 1},
		{"bobbin_throttle_refusals_total", map[string]string{"limit": "signin_per_account"}, 1},
		{"bobbin_throttle_limiter_refusals_total", map[string]string{"limit": "key_per_address"}, 7},
		{"bobbin_db_wait_count_total", map[string]string{"pool": "write"}, 3},
		{"bobbin_mail_deliveries_total", map[string]string{"result": "retry"}, 1},
		{"bobbin_db_errors_total", map[string]string{"kind": "full"}, 1},
	} {
		m := find(t, mfs, c.name, c.labels)
		if got := m.GetCounter().GetValue(); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"bobbin_db_open_connections", map[string]string{"pool": "read"}, 4},
		{"bobbin_db_in_use_connections", map[string]string{"pool": "write"}, 1},
		{"bobbin_mail_queue_depth", nil, 5},
	} {
		if got := find(t, mfs, c.name, c.labels).GetGauge().GetValue(); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// The runtime and process collectors are there.
	for _, name := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "process_start_time_seconds"} {
		if mfs[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	// The limiter's count is read at each scrape.
	refused = 9
	b.Reset()
	r.WriteText(&b)
	if got := find(t, parse(t, b.String()), "bobbin_throttle_limiter_refusals_total", map[string]string{"limit": "key_per_address"}).GetCounter().GetValue(); got != 9 {
		t.Errorf("limiter refusals not live: %v", got)
	}
}

func TestReasonIsBounded(t *testing.T) {
	for _, c := range []struct {
		err   error
		none  bool
		want  string
		label string
	}{
		{errors.New("401 authenticationFailed"), true, "missing", "no header"},
		{errors.New("401 authenticationFailed"), false, "invalid", "bad credentials"},
		{apierr.TooManyRequests.Retry(time.Second), false, "tooManyRequests", "throttled"},
		{context.Canceled, false, "canceled", "client went away"},
		{errors.New("disk I/O error at /var/x"), false, "error", "anything else never reaches a label"},
	} {
		if got := Reason(c.err, c.none); got != c.want {
			t.Errorf("%s: %q, want %q", c.label, got, c.want)
		}
	}
}

func TestHandlerBehindABearerToken(t *testing.T) {
	r := New()
	r.Request("GET /health", 200, time.Millisecond)
	srv := httptest.NewServer(RequireBearer("s3cret-token", r.Handler()))
	defer srv.Close()
	get := func(auth ...string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
		for _, a := range auth {
			req.Header.Add("Authorization", a)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, bad := range [][]string{nil, {"Bearer wrong"}, {"Bearer s3cret-toke"}, {"Basic czNjcmV0LXRva2Vu"}, {"Bearer s3cret-token", "Bearer s3cret-token"}} {
		res := get(bad...)
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("%v: %d", bad, res.StatusCode)
		}
	}
	res := get("Bearer s3cret-token")
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("right token: %d", res.StatusCode)
	}
	dec := expfmt.NewDecoder(res.Body, expfmt.ResponseFormat(res.Header))
	found := false
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			break
		}
		if mf.GetName() == "bobbin_http_requests_total" {
			found = true
		}
	}
	if !found {
		t.Fatal("no request counts in the served exposition")
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer ")
	RequireBearer("", r.Handler()).ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Fatalf("an empty token let a caller in: %d", rec.Code)
	}
}
