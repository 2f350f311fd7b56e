package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"bobbin/internal/config"
	"bobbin/internal/mail"
	"bobbin/internal/password"
)

var fastHash = &password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// newApp builds the real app on a fresh data dir with env on top of a
// working base.
func newApp(t *testing.T, env map[string]string) *App {
	t.Helper()
	return newAppLog(t, env, io.Discard)
}

func newAppLog(t *testing.T, env map[string]string, logs io.Writer) *App {
	t.Helper()
	base := map[string]string{"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_ENC_KEY": strings.Repeat("k", 40), "BACKEND_LOG_FORMAT": "json"}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := config.FromValues(nil, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)), Options{HashParams: fastHash})
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
	return send(t, req)
}

// send makes the request and reads the answer.
func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
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

// writeTestCert writes a certificate for localhost and 127.0.0.1, signed by
// a CA made here, and returns the pool that trusts it.
func writeTestCert(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	roots = x509.NewCertPool()
	roots.AddCert(caCert)
	return certFile, keyFile, roots
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestServeHTTPS runs the real app as `bobbin serve` does with certificate
// files: HTTPS with HTTP/2 and HSTS on the main port, and a plain-HTTP port
// that redirects to it.
func TestServeHTTPS(t *testing.T) {
	certFile, keyFile, roots := writeTestCert(t, t.TempDir())
	port, httpPort := freePort(t), freePort(t)
	a := newApp(t, map[string]string{"BACKEND_ENV": "production", "BACKEND_MAIL": "outbox", "BACKEND_TLS_CERT": certFile, "BACKEND_TLS_KEY": keyFile,
		"BACKEND_PORT": strconv.Itoa(port), "BACKEND_HTTP_PORT": strconv.Itoa(httpPort)})
	if a.Config.URL != "https://localhost:"+strconv.Itoa(port) {
		t.Fatalf("URL %s", a.Config.URL)
	}
	ln, err := net.Listen("tcp", a.Config.Addr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var res *http.Response
	for i := 0; ; i++ { // until the plain listener is up too
		res, err = c.Get("http://127.0.0.1:" + strconv.Itoa(httpPort) + "/health")
		if err == nil || i == 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 301 || res.Header.Get("Location") != a.Config.URL+"/health" || res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("plain HTTP: %d %q HSTS %q", res.StatusCode, res.Header.Get("Location"), res.Header.Get("Strict-Transport-Security"))
	}
	// Credentials sent to the plain port are refused, not redirected (a
	// client would follow with them again).
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+strconv.Itoa(httpPort)+"/account/key", nil)
	req.SetBasicAuth("00000000-0000-0000-0000-000000000000", "nope")
	if res, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || string(body) != `{"result":"error","error":"httpsRequired"}` || res.Header.Get("Location") != "" {
		t.Fatalf("credentials to the plain port: %d %s %q", res.StatusCode, body, res.Header.Get("Location"))
	}
	res, err = c.Get(a.Config.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.ProtoMajor != 2 || res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("HTTPS: %d %s HSTS %q", res.StatusCode, res.Proto, res.Header.Get("Strict-Transport-Security"))
	}
	// Over HTTPS in production, credentials are checked (and here refused).
	req, _ = http.NewRequest("GET", a.Config.URL+"/account/key", nil)
	req.SetBasicAuth("00000000-0000-0000-0000-000000000000", "nope")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("credentials over HTTPS: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestCredentialsOverPlainHTTPInProduction runs the app's handler chain for
// a caller on the internet (httptest's 192.0.2.1): 403 httpsRequired
// before the credentials are looked at, so no authentication failure is
// counted; a trusted proxy that says https gets the credentials checked.
func TestCredentialsOverPlainHTTPInProduction(t *testing.T) {
	a := newApp(t, map[string]string{"BACKEND_ENV": "production", "BACKEND_MAIL": "outbox", "BACKEND_TRUSTED_PROXIES": "192.0.2.0/24"})
	do := func(auth, proto string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/account/key", nil)
		r.RemoteAddr = "198.51.100.7:4000"
		if proto != "" {
			r.RemoteAddr = "192.0.2.1:4000"
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		r.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, r)
		return rec
	}
	for _, auth := range []string{"Basic a2V5OnNlY3JldA==", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"} {
		if rec := do(auth, ""); rec.Code != 403 || !strings.Contains(rec.Body.String(), `"httpsRequired"`) {
			t.Fatalf("%s over plain HTTP: %d %s", auth[:5], rec.Code, rec.Body)
		}
		if rec := do(auth, "http"); rec.Code != 403 {
			t.Fatalf("proxy said http: %d", rec.Code)
		}
	}
	var b strings.Builder
	a.Metrics.WriteText(&b)
	if strings.Contains(b.String(), "bobbin_auth_failures_total{") {
		t.Fatalf("refused credentials were checked:\n%s", b.String())
	}
	if rec := do("Basic a2V5OnNlY3JldA==", "https"); rec.Code != 401 {
		t.Fatalf("through a TLS-terminating proxy: %d %s", rec.Code, rec.Body)
	}
	// Development keeps plain HTTP usable from anywhere (a laptop, a LAN).
	d := newApp(t, nil)
	r := httptest.NewRequest("GET", "/account/key", nil)
	r.Header.Set("Authorization", "Basic a2V5OnNlY3JldA==")
	rec := httptest.NewRecorder()
	d.Handler().ServeHTTP(rec, r)
	if rec.Code != 401 {
		t.Fatalf("development: %d", rec.Code)
	}
}

// TestCredentialsThroughALoopbackProxy serves the production app on a
// real loopback listener behind a proxy on the same host (the usual
// nginx or Caddy in front, BACKEND_TRUSTED_PROXIES=127.0.0.1): what that
// proxy forwards from elsewhere over plain HTTP is not a loopback request.
// An API key, or a password in a sign-in body, is refused with 403
// httpsRequired before it is checked (no authentication failure counted);
// the same requests checked when the proxy says https, or when the
// caller is on the host itself.
func TestCredentialsThroughALoopbackProxy(t *testing.T) {
	a := newApp(t, map[string]string{"BACKEND_ENV": "production", "BACKEND_MAIL": "outbox", "BACKEND_TRUSTED_PROXIES": "127.0.0.1"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	do := func(method, path, body, xff, proto string, key bool) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key {
			req.SetBasicAuth("00000000-0000-0000-0000-000000000000", "nope")
		}
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		return send(t, req)
	}
	const refused = `{"result":"error","error":"httpsRequired"}`
	signin := `{"username":"someone@example.org","password":"a long passphrase"}`
	for _, c := range []struct{ name, method, path, body, xff, proto string }{
		{"an API key forwarded from plain HTTP", "GET", "/account/key", "", "203.0.113.7", "http"},
		{"an API key forwarded, nothing said of TLS", "GET", "/account/key", "", "203.0.113.7", ""},
		{"a password forwarded from plain HTTP", "POST", "/signin", signin, "203.0.113.7", "http"},
		{"a password forwarded, nothing said of TLS", "POST", "/signin", signin, "203.0.113.7", ""},
	} {
		if code, body := do(c.method, c.path, c.body, c.xff, c.proto, c.method == "GET"); code != 403 || body != refused {
			t.Errorf("%s: %d %s", c.name, code, body)
		}
	}
	var b strings.Builder
	a.Metrics.WriteText(&b)
	if strings.Contains(b.String(), "bobbin_auth_failures_total{") {
		t.Fatalf("refused credentials were checked:\n%s", b.String())
	}
	for _, c := range []struct{ name, method, path, body, xff, proto string }{
		{"an API key the proxy got over HTTPS", "GET", "/account/key", "", "203.0.113.7", "https"},
		{"an API key from the host itself", "GET", "/account/key", "", "", ""},
		{"a password the proxy got over HTTPS", "POST", "/signin", signin, "203.0.113.7", "https"},
		{"a password from the host itself", "POST", "/signin", signin, "", ""},
	} {
		if code, body := do(c.method, c.path, c.body, c.xff, c.proto, c.method == "GET"); code == 403 || code == 200 {
			t.Errorf("%s: %d %s, want the credentials checked and refused", c.name, code, body)
		}
	}
	// Signing up carries no credential: it works through such a proxy.
	if code, body := do("POST", "/signup", `{"email":"new@example.org","language":"en"}`, "203.0.113.7", "", false); code != 201 {
		t.Errorf("signup through the proxy: %d %s", code, body)
	}
}

func TestProductionNeverLogsMailLinks(t *testing.T) {
	for _, prod := range []bool{false, true} {
		var logs strings.Builder
		env := map[string]string{}
		if prod {
			env = map[string]string{"BACKEND_ENV": "production", "BACKEND_MAIL": "outbox"}
		}
		a := newAppLog(t, env, &logs)
		link := "https://example.org/signinlink/0f1e2d3c/abcdef0123456789"
		m := mail.Message{To: "someone@example.org", Subject: "Sign in", Text: "Open " + link, Link: link}
		if err := a.Outbox.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		logged := strings.Contains(logs.String(), "abcdef0123456789")
		if logged == prod || !strings.Contains(logs.String(), "mail written to outbox") {
			t.Fatalf("production %v: link logged %v:\n%s", prod, logged, logs.String())
		}
		got, err := mail.ReadOutbox(a.Outbox.Dir())
		if err != nil || len(got) != 1 || !strings.Contains(got[0].Text, link) {
			t.Fatalf("the mail itself must keep its link: %v %+v", err, got)
		}
	}
}

func TestProductionWithoutSMTPRefusesToStart(t *testing.T) {
	_, err := config.FromValues(nil, func(k string) string {
		return map[string]string{"BACKEND_ENV": "production", "BACKEND_ENC_KEY": strings.Repeat("k", 40)}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "BACKEND_SMTP_URL") {
		t.Fatalf("started without a mail server: %v", err)
	}
}

// acmeBundle is a certificate for name and its key as autocert caches
// them (the key's PEM, then the chain's), valid for a year so that no
// renewal is due.
func acmeBundle(t *testing.T, name string, serial int64) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return append(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
}

// TestACMECacheChoice: with BACKEND_TLS_CACHE=db the app's ACME manager
// reads its certificates from the database (and makes no acme folder);
// by default on SQLite it reads them from <data dir>/acme. The ACME URL is
// a closed loopback port: nothing here orders anything.
func TestACMECacheChoice(t *testing.T) {
	const domain = "api.example.com"
	hello := &tls.ClientHelloInfo{ServerName: domain, SupportedProtos: []string{"h2"},
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256},
		SupportedVersions: []uint16{tls.VersionTLS13, tls.VersionTLS12}}
	serial := func(a *App) int64 {
		t.Helper()
		cert, err := a.TLS.TLSConfig().GetCertificate(hello)
		if err != nil {
			t.Fatalf("no certificate from the cache: %v", err)
		}
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return leaf.SerialNumber.Int64()
	}
	env := map[string]string{"BACKEND_TLS_DOMAINS": domain, "BACKEND_ACME_URL": "https://127.0.0.1:1/dir"}

	env["BACKEND_TLS_CACHE"] = "db"
	a := newApp(t, env)
	if err := a.DB.ACME().Put(context.Background(), domain, acmeBundle(t, domain, 7), 0); err != nil {
		t.Fatal(err)
	}
	if n := serial(a); n != 7 {
		t.Fatalf("db cache: serial %d, want 7", n)
	}
	if _, err := os.Stat(filepath.Join(a.Config.DataDir, "acme")); !os.IsNotExist(err) {
		t.Fatalf("the database cache made an acme folder: %v", err)
	}

	delete(env, "BACKEND_TLS_CACHE") // SQLite: the data dir
	a = newApp(t, env)
	if a.Config.TLSCache != "dir" {
		t.Fatalf("default on SQLite: %q", a.Config.TLSCache)
	}
	if err := os.WriteFile(filepath.Join(a.Config.DataDir, "acme", domain), acmeBundle(t, domain, 8), 0o600); err != nil {
		t.Fatal(err)
	}
	if n := serial(a); n != 8 {
		t.Fatalf("dir cache: serial %d, want 8", n)
	}
}
