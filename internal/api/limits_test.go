package api_test

// Slow and large clients against the real http.Server that the binary
// runs (app.HTTPServer: timeouts, header limit), with the timeouts made
// short through their settings; and the password-hash pool under a flood.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/app"
	"bobbin/internal/config"
)

// serveReal serves e's app through app.Serve (the production server) on a
// free port and returns its address; the server stops with the test.
func serveReal(t *testing.T, e *apitest.Env) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.App.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// dripper writes prefix, then one more chunk every interval, and reports
// when the server ended the connection.
func dripper(addr, prefix, chunk string, interval, limit time.Duration) (cut time.Duration, err error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, prefix); err != nil {
		return 0, err
	}
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes
		close(closed)
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-closed:
			return time.Since(start), nil
		case <-t.C:
			if time.Since(start) > limit {
				return time.Since(start), fmt.Errorf("still open after %v", limit)
			}
			conn.Write([]byte(chunk)) // errors once cut; the reader notices
		}
	}
}

// TestSlowClientsAreCut is serial (no t.Parallel): it waits on the
// server's timeouts, which tests running beside it would stretch.
func TestSlowClientsAreCut(t *testing.T) {
	e := apitest.New(t,
		apitest.WithEnv("BACKEND_READ_HEADER_TIMEOUT", "400ms"),
		apitest.WithEnv("BACKEND_READ_TIMEOUT", "1s"),
		apitest.WithEnv("BACKEND_WRITE_TIMEOUT", "3s"),
		apitest.WithEnv("BACKEND_IDLE_TIMEOUT", "1s"))
	u := e.NewUser("user")
	addr := serveReal(t, e)
	const slow = 40
	var wg sync.WaitGroup
	type result struct {
		kind string
		cut  time.Duration
		err  error
	}
	results := make(chan result, 2*slow)
	for i := 0; i < slow; i++ {
		wg.Add(2)
		go func() { // Slowloris: headers that never end
			defer wg.Done()
			cut, err := dripper(addr, "GET /health HTTP/1.1\r\nHost: bobbin\r\n", "X-Slow: 1\r\n", 100*time.Millisecond, 8*time.Second)
			results <- result{"slow headers", cut, err}
		}()
		go func() { // slow body: a declared body sent a byte at a time
			defer wg.Done()
			cut, err := dripper(addr, "POST /signin HTTP/1.1\r\nHost: bobbin\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{", " ", 100*time.Millisecond, 8*time.Second)
			results <- result{"slow body", cut, err}
		}()
	}
	// Meanwhile a normal client is served, promptly, again and again.
	client := &http.Client{Timeout: 2 * time.Second}
	stopNormal := make(chan struct{})
	var served, failed atomic.Int64
	var worst atomic.Int64
	normalDone := make(chan struct{})
	go func() {
		defer close(normalDone)
		for {
			select {
			case <-stopNormal:
				return
			case <-time.After(50 * time.Millisecond):
			}
			start := time.Now()
			req, _ := http.NewRequest("GET", "http://"+addr+"/account/key", nil)
			req.Header.Set("Authorization", "Basic "+b64std(u.Key+":"+u.Secret))
			res, err := client.Do(req)
			if err != nil || res.StatusCode != 200 {
				failed.Add(1)
			} else {
				served.Add(1)
			}
			if res != nil {
				res.Body.Close()
			}
			if d := int64(time.Since(start)); d > worst.Load() {
				worst.Store(d)
			}
		}
	}()
	wg.Wait()
	close(stopNormal)
	<-normalDone
	close(results)
	maxCut := map[string]time.Duration{}
	for r := range results {
		if r.err != nil {
			t.Errorf("%s connection: %v", r.kind, r.err)
			continue
		}
		maxCut[r.kind] = max(maxCut[r.kind], r.cut)
	}
	t.Logf("cut after at most %v; normal client: %d served, %d failed, slowest %v", maxCut, served.Load(), failed.Load(), time.Duration(worst.Load()))
	if maxCut["slow headers"] > 3*time.Second || maxCut["slow body"] > 4*time.Second {
		t.Errorf("slow connections held too long: %v (timeouts 400ms / 1s)", maxCut)
	}
	if failed.Load() > 0 || served.Load() < 5 {
		t.Errorf("normal client during the slow ones: %d served, %d failed", served.Load(), failed.Load())
	}
	// Headers over the limit are refused without reading them all.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /health HTTP/1.1\r\nHost: bobbin\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("oversized headers: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers answered %d, want 431", res.StatusCode)
	}
}

func b64std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestHashPoolBoundsSignInFlood runs the production Argon2id parameters
// (19 MiB each) with one hash at a time and a short wait: a flood of
// sign-ins answers 503 serviceBusy for what does not get a slot, memory
// stays near one hash's worth, and requests that hash nothing are served.
// Serial (no t.Parallel): it reads the process's heap, which other tests
// would grow.
func TestHashPoolBoundsSignInFlood(t *testing.T) {
	env := map[string]string{
		"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_ENABLE_TESTS": "true", "BACKEND_URL": "http://bobbin.test",
		"BACKEND_HASH_CONCURRENCY": "1", "BACKEND_HASH_WAIT": "100ms",
		"BACKEND_SIGNIN_FAILS_PER_ACCOUNT": "100000", "BACKEND_SIGNIN_FAILS_PER_ADDRESS": "100000",
	}
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{}) // production hash parameters
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Server)
	t.Cleanup(func() { srv.Close(); a.Close() })
	do := func(method, path, auth string, body any) (int, map[string]any, http.Header) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return 0, nil, nil
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m, res.Header
	}
	_, m, _ := do("POST", "/signup", "", map[string]any{"email": "flood@example.com", "language": "en", "test": true})
	_, m, _ = do("POST", "/confirm/signup/"+fmt.Sprint(m["confirmation"]), "", map[string]any{"consent": 2})
	token := "Bearer " + fmt.Sprint(m["token"])
	pw := "flood of sign-ins 2026"
	if st, m, _ := do("PATCH", "/account/jwt", token, map[string]any{"password": pw}); st != 200 {
		t.Fatalf("set password: %d %v", st, m)
	}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	const flood = 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := 0; i < flood; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, m, h := do("POST", "/signin", "", map[string]any{"username": "flood@example.com", "password": pw})
			k := fmt.Sprintf("%d %v", st, m["error"])
			if st == 503 && h.Get("Retry-After") == "" {
				k += " (no Retry-After)"
			}
			mu.Lock()
			codes[k]++
			mu.Unlock()
		}()
	}
	// While the pool is full, what needs no hash is still served.
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	if st, _, _ := do("GET", "/account/jwt", token, nil); st != 200 {
		t.Errorf("GET /account during the flood: %d", st)
	}
	// Its time is reported, not asserted (a timed assertion fails on a
	// loaded machine and proves nothing on a quiet one): it answered 200
	// while every hashing slot was taken, which is what the pool promises.
	t.Logf("GET /account during the flood took %v", time.Since(start))
	wg.Wait()
	close(stopSampling)
	<-sampled
	growth := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("answers %v; heap in use grew by at most %d MiB", codes, growth>>20)
	for k := range codes {
		if !strings.HasPrefix(k, "200 ") && k != "503 serviceBusy" {
			t.Errorf("unexpected answer %q", k)
		}
	}
	if codes["503 serviceBusy"] == 0 || codes["200 <nil>"] == 0 {
		t.Errorf("want some sign-ins served and the rest 503 serviceBusy: %v", codes)
	}
	// 40 hashes at once would need 40 × 19 MiB = 760 MiB; one at a time
	// needs 19 MiB plus garbage not yet collected.
	const bound = 160 << 20
	if growth > bound {
		t.Errorf("heap grew by %d MiB during the flood, bound %d MiB", growth>>20, bound>>20)
	}
}
