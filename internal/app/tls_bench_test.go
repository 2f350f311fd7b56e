package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/tlsserve"
)

// BenchmarkTLSvsPlainAuthenticatedRead measures what HTTPS costs an
// authenticated read: GET /account/key with an API key, through the real
// app's handler, on one kept-alive HTTP/1.1 connection, over plain HTTP and
// over TLS in the same run, interleaved in slices so that both see the same
// machine. It reports each side's wall time and process CPU time per
// request (server and client both run in this process, so the client's
// share of TLS counts too: the ratio is an upper bound of the server's),
// and the ratios. It asserts nothing about time:
//
//	go test -run '^$' -bench TLSvsPlain -benchtime 20000x ./internal/app
func BenchmarkTLSvsPlainAuthenticatedRead(b *testing.B) {
	e := apitest.New(b, apitest.WithLogOutput(io.Discard, slog.LevelInfo))
	u := e.NewUser("user")
	h := e.App.Handler()
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := httptest.NewUnstartedServer(tlsserve.HSTS(h))
	secure.StartTLS()
	defer secure.Close()

	get := func(c *http.Client, base string) {
		req, _ := http.NewRequest("GET", base+"/account/key", nil)
		req.SetBasicAuth(u.Key, u.Secret)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	pc, tc := plain.Client(), secure.Client()
	for range 200 { // warm: connections open, caches filled
		get(pc, plain.URL)
		get(tc, secure.URL)
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var wallPlain, wallTLS, cpuPlain, cpuTLS time.Duration
	const slice = 250
	n := 0
	b.ResetTimer()
	for n < b.N {
		k := min(slice, b.N-n)
		w0, c0 := time.Now(), cpu()
		for range k {
			get(pc, plain.URL)
		}
		w1, c1 := time.Now(), cpu()
		for range k {
			get(tc, secure.URL)
		}
		w2, c2 := time.Now(), cpu()
		wallPlain += w1.Sub(w0)
		wallTLS += w2.Sub(w1)
		cpuPlain += c1 - c0
		cpuTLS += c2 - c1
		n += k
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	b.ReportMetric(per(wallPlain), "plain-ns/req")
	b.ReportMetric(per(wallTLS), "tls-ns/req")
	b.ReportMetric(per(cpuPlain), "plain-cpu-ns/req")
	b.ReportMetric(per(cpuTLS), "tls-cpu-ns/req")
	b.ReportMetric(per(wallTLS)/per(wallPlain), "tls-x-plain-wall")
	if cpuPlain > 0 {
		b.ReportMetric(per(cpuTLS)/per(cpuPlain), "tls-x-plain-cpu")
	}
}
