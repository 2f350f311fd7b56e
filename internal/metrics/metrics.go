// Package metrics keeps Bobbin's metrics in a Prometheus registry of its
// own (github.com/prometheus/client_golang) and serves them: requests by
// route pattern and status with latency histograms, refused
// authentications by method and reason, throttle refusals by limit, the
// mail queue, the database pools and errors, and the Go runtime and process
// collectors.
//
// Each Registry is independent (no global registration), so tests may
// build many servers in one process.
package metrics

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"bobbin/internal/apierr"
)

// Buckets of the request duration histogram, in seconds.
var Buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// Registry holds the metrics of one server.
type Registry struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	authFail  *prometheus.CounterVec
	throttled *prometheus.CounterVec
	mailSent  *prometheus.CounterVec
	dbErrors  *prometheus.CounterVec

	reqCache sync.Map // reqKey -> *reqPair: Request is on every answer's path

	mu       sync.Mutex
	dbPools  func() map[string]sql.DBStats
	limiters map[string]func() uint64
	queue    func() (float64, bool)
}

type reqKey struct {
	pattern string
	code    int
}

type reqPair struct {
	count prometheus.Counter
	dur   prometheus.Observer
}

// New makes a registry with the Go runtime and process collectors.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bobbin_http_requests_total", Help: "Requests answered, by route pattern and status code.",
		}, []string{"pattern", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bobbin_http_request_duration_seconds", Help: "Time to answer, by route pattern and status code.",
			Buckets: Buckets,
		}, []string{"pattern", "code"}),
		authFail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bobbin_auth_failures_total", Help: "Refused authentications, by method (jwt, key, signin, ...) and reason.",
		}, []string{"method", "reason"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bobbin_throttle_refusals_total", Help: "Requests refused by a throttle reported with ThrottleRefusal, by limit.",
		}, []string{"limit"}),
		mailSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bobbin_mail_deliveries_total", Help: "Mail delivery attempts, by result (delivered, retry, failed).",
		}, []string{"result"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bobbin_db_errors_total", Help: "Database errors, by kind (unavailable, full, conflict, other).",
		}, []string{"kind"}),
	}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.requests, r.latency, r.authFail, r.throttled, r.mailSent, r.dbErrors,
		&hooks{r},
	)
	return r
}

// Gatherer is the registry, for tests and for adding collectors.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Register adds a collector of the caller's own.
func (r *Registry) Register(c prometheus.Collector) error { return r.reg.Register(c) }

// Request records one answered request by its route pattern (never the raw
// path: paths carry ids and checks).
func (r *Registry) Request(pattern string, code int, d time.Duration) {
	k := reqKey{pattern, code}
	p, ok := r.reqCache.Load(k)
	if !ok {
		c := strconv.Itoa(code)
		p, _ = r.reqCache.LoadOrStore(k, &reqPair{r.requests.WithLabelValues(pattern, c), r.latency.WithLabelValues(pattern, c)})
	}
	pair := p.(*reqPair)
	pair.count.Inc()
	pair.dur.Observe(d.Seconds())
}

// AuthFailure counts a refused authentication by method (jwt, key,
// signin, signinlink, mfa) and reason (a short camelCase word from a
// bounded set, such as Reason returns).
func (r *Registry) AuthFailure(method, reason string) {
	r.authFail.WithLabelValues(method, reason).Inc()
}

// Reason names why an authentication failed, from the error it failed
// with: "missing" when the request carried no credentials, the stable
// error code of an apierr.Error (tooManyRequests, ...), "invalid" for a
// 401 of the credentials themselves, "canceled", or "error". The set is
// bounded, so it is fit for a label.
func Reason(err error, noCredentials bool) string {
	code, _, coded := apierr.From(err)
	switch {
	case noCredentials:
		return "missing"
	case coded && code == apierr.AuthenticationFailed:
		return "invalid"
	case coded:
		return code.Name()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case err != nil && strings.HasPrefix(err.Error(), "401 "):
		return "invalid"
	}
	return "error"
}

// ThrottleRefusal counts one request refused by the named limit.
func (r *Registry) ThrottleRefusal(limit string) { r.throttled.WithLabelValues(limit).Inc() }

// Limiters reports throttle refusals counted by the limiters themselves:
// each function returns its limiter's refusals so far
// (bobbin_throttle_limiter_refusals_total{limit}).
func (r *Registry) Limiters(refused map[string]func() uint64) {
	r.mu.Lock()
	r.limiters = refused
	r.mu.Unlock()
}

// DBPools reports the database connection pools' statistics, by pool name.
func (r *Registry) DBPools(stats func() map[string]sql.DBStats) {
	r.mu.Lock()
	r.dbPools = stats
	r.mu.Unlock()
}

// DBError counts one database error by kind (unavailable, full, conflict,
// other).
func (r *Registry) DBError(kind string) { r.dbErrors.WithLabelValues(kind).Inc() }

// MailQueue reports the mail queue's depth (mails waiting for delivery),
// read at each scrape; ok false leaves the gauge out of that scrape (the
// database did not answer).
func (r *Registry) MailQueue(depth func() (n float64, ok bool)) {
	r.mu.Lock()
	r.queue = depth
	r.mu.Unlock()
}

// MailDelivery counts one delivery attempt by its result: "delivered",
// "retry" (a temporary failure, tried again later) or "failed" (given up).
func (r *Registry) MailDelivery(result string) { r.mailSent.WithLabelValues(result).Inc() }

// WriteText writes the exposition in the Prometheus text format.
func (r *Registry) WriteText(w io.Writer) error {
	mfs, err := r.reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}

// Handler serves the exposition, negotiating the format with the scraper.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// RequireBearer lets through only requests presenting token as a bearer
// token (compared in constant time); others get 401. An empty token lets
// nobody through.
func RequireBearer(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		if token == "" || len(r.Header.Values("Authorization")) != 1 ||
			subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"result":"error","error":"authenticationFailed"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hooks is the collector of the values read from elsewhere at each
// scrape: database pools, limiter refusals, the mail queue.
type hooks struct{ r *Registry }

var (
	descPoolOpen     = prometheus.NewDesc("bobbin_db_open_connections", "Open connections, by pool.", []string{"pool"}, nil)
	descPoolInUse    = prometheus.NewDesc("bobbin_db_in_use_connections", "Connections in use, by pool.", []string{"pool"}, nil)
	descPoolIdle     = prometheus.NewDesc("bobbin_db_idle_connections", "Idle connections, by pool.", []string{"pool"}, nil)
	descPoolMax      = prometheus.NewDesc("bobbin_db_max_open_connections", "Most connections the pool may open.", []string{"pool"}, nil)
	descPoolWait     = prometheus.NewDesc("bobbin_db_wait_count_total", "Times a caller waited for a connection.", []string{"pool"}, nil)
	descPoolWaitTime = prometheus.NewDesc("bobbin_db_wait_duration_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil)
	descPoolClosed   = prometheus.NewDesc("bobbin_db_closed_connections_total", "Connections closed, by pool and reason (max_idle, max_idle_time, max_lifetime).", []string{"pool", "reason"}, nil)
	descLimiter      = prometheus.NewDesc("bobbin_throttle_limiter_refusals_total", "Requests refused by a throttle, by limit.", []string{"limit"}, nil)
	descQueue        = prometheus.NewDesc("bobbin_mail_queue_depth", "Mails waiting for delivery.", nil, nil)
)

func (h *hooks) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPoolOpen, descPoolInUse, descPoolIdle, descPoolMax, descPoolWait,
		descPoolWaitTime, descPoolClosed, descLimiter, descQueue} {
		ch <- d
	}
}

func (h *hooks) Collect(ch chan<- prometheus.Metric) {
	h.r.mu.Lock()
	pools, limiters, queue := h.r.dbPools, h.r.limiters, h.r.queue
	h.r.mu.Unlock()
	if pools != nil {
		for name, s := range pools() {
			g := func(d *prometheus.Desc, v float64, labels ...string) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{name}, labels...)...)
			}
			c := func(d *prometheus.Desc, v float64, labels ...string) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, append([]string{name}, labels...)...)
			}
			g(descPoolOpen, float64(s.OpenConnections))
			g(descPoolInUse, float64(s.InUse))
			g(descPoolIdle, float64(s.Idle))
			g(descPoolMax, float64(s.MaxOpenConnections))
			c(descPoolWait, float64(s.WaitCount))
			c(descPoolWaitTime, s.WaitDuration.Seconds())
			c(descPoolClosed, float64(s.MaxIdleClosed), "max_idle")
			c(descPoolClosed, float64(s.MaxIdleTimeClosed), "max_idle_time")
			c(descPoolClosed, float64(s.MaxLifetimeClosed), "max_lifetime")
		}
	}
	for name, n := range limiters {
		ch <- prometheus.MustNewConstMetric(descLimiter, prometheus.CounterValue, float64(n()), name)
	}
	if queue != nil {
		if n, ok := queue(); ok {
			ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, n)
		}
	}
}
