// Package metrics keeps Bobbin's counters and writes them in the
// Prometheus text exposition format (version 0.0.4). It is small on
// purpose: request counts and latencies per route pattern, auth failures,
// and a few runtime gauges.
package metrics

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Buckets of the request duration histogram, in seconds.
var Buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type reqKey struct {
	pattern string
	code    int
}

type hist struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

// Registry holds the metrics of one server.
type Registry struct {
	mu       sync.Mutex
	requests map[reqKey]uint64
	latency  map[string]*hist
	authFail map[string]uint64
	start    time.Time
}

// New makes an empty registry.
func New() *Registry {
	return &Registry{requests: map[reqKey]uint64{}, latency: map[string]*hist{}, authFail: map[string]uint64{}, start: time.Now()}
}

// Request records one answered request.
func (r *Registry) Request(pattern string, code int, d time.Duration) {
	sec := d.Seconds()
	r.mu.Lock()
	r.requests[reqKey{pattern, code}]++
	h := r.latency[pattern]
	if h == nil {
		h = &hist{counts: make([]uint64, len(Buckets)+1)}
		r.latency[pattern] = h
	}
	i := sort.SearchFloat64s(Buckets, sec)
	h.counts[i]++
	h.sum += sec
	h.n++
	r.mu.Unlock()
}

// AuthFailure counts a refused authentication by method (jwt, key, signin).
func (r *Registry) AuthFailure(method string) {
	r.mu.Lock()
	r.authFail[method]++
	r.mu.Unlock()
}

// WriteText writes the exposition.
func (r *Registry) WriteText(w io.Writer) error {
	var b strings.Builder
	r.mu.Lock()
	b.WriteString("# HELP bobbin_http_requests_total Requests answered, by route pattern and status code.\n# TYPE bobbin_http_requests_total counter\n")
	keys := make([]reqKey, 0, len(r.requests))
	for k := range r.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].pattern != keys[j].pattern {
			return keys[i].pattern < keys[j].pattern
		}
		return keys[i].code < keys[j].code
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "bobbin_http_requests_total{pattern=%s,code=\"%d\"} %d\n", quote(k.pattern), k.code, r.requests[k])
	}
	b.WriteString("# HELP bobbin_http_request_duration_seconds Time to answer, by route pattern.\n# TYPE bobbin_http_request_duration_seconds histogram\n")
	patterns := make([]string, 0, len(r.latency))
	for p := range r.latency {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		h := r.latency[p]
		var cum uint64
		for i, le := range Buckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "bobbin_http_request_duration_seconds_bucket{pattern=%s,le=\"%s\"} %d\n", quote(p), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "bobbin_http_request_duration_seconds_bucket{pattern=%s,le=\"+Inf\"} %d\n", quote(p), h.n)
		fmt.Fprintf(&b, "bobbin_http_request_duration_seconds_sum{pattern=%s} %g\n", quote(p), h.sum)
		fmt.Fprintf(&b, "bobbin_http_request_duration_seconds_count{pattern=%s} %d\n", quote(p), h.n)
	}
	b.WriteString("# HELP bobbin_auth_failures_total Refused authentications, by method.\n# TYPE bobbin_auth_failures_total counter\n")
	methods := make([]string, 0, len(r.authFail))
	for m := range r.authFail {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	for _, m := range methods {
		fmt.Fprintf(&b, "bobbin_auth_failures_total{method=%s} %d\n", quote(m), r.authFail[m])
	}
	start := r.start
	r.mu.Unlock()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(&b, "# HELP bobbin_goroutines Goroutines running.\n# TYPE bobbin_goroutines gauge\nbobbin_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(&b, "# HELP bobbin_heap_bytes Heap in use.\n# TYPE bobbin_heap_bytes gauge\nbobbin_heap_bytes %d\n", ms.HeapInuse)
	fmt.Fprintf(&b, "# HELP bobbin_uptime_seconds Seconds since start.\n# TYPE bobbin_uptime_seconds gauge\nbobbin_uptime_seconds %g\n", time.Since(start).Seconds())
	_, err := io.WriteString(w, b.String())
	return err
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
