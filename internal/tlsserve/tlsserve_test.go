package tlsserve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pca "github.com/letsencrypt/pebble/v2/ca"
	pdb "github.com/letsencrypt/pebble/v2/db"
	pva "github.com/letsencrypt/pebble/v2/va"
	pwfe "github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"

	"bobbin/internal/store"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Bobbin test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert, key, pool}
}

// issue writes a leaf certificate for localhost and 127.0.0.1 with the
// given serial, and its key, as PEM files.
func (ca *testCA) issue(t *testing.T, serial int64, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// serveTLS serves h over TLS with s's configuration on a loopback port,
// as the app does (http.Server.ServeTLS, so HTTP/2 is set up).
func serveTLS(t *testing.T, s *Server, ln net.Listener, h http.Handler) {
	t.Helper()
	hs := &http.Server{Handler: HSTS(h), TLSConfig: s.TLSConfig(), ErrorLog: log.New(io.Discard, "", 0)}
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close() })
}

func hello(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello "+r.Proto) }

// client is a real TLS client trusting roots, dialing addr whatever the
// URL's host, with HTTP/2 on as a browser has it.
func client(roots *x509.CertPool, addr string) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

func TestCertificateFilesHTTP2HSTSAndReload(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, 100, certFile, keyFile)
	s, err := New(Options{CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	s.files.CheckEvery = 0 // look at the files at every handshake
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveTLS(t, s, ln, http.HandlerFunc(hello))

	get := func() (*http.Response, string) {
		t.Helper()
		c := client(ca.pool, ln.Addr().String()) // a new connection: a new handshake
		defer c.CloseIdleConnections()
		res, err := c.Get("https://localhost/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get()
	if res.ProtoMajor != 2 || body != "hello HTTP/2.0" {
		t.Fatalf("not HTTP/2: %s %q", res.Proto, body)
	}
	if res.Header.Get("Strict-Transport-Security") != HSTSValue {
		t.Fatalf("HSTS: %q", res.Header.Get("Strict-Transport-Security"))
	}
	if n := res.TLS.PeerCertificates[0].SerialNumber.Int64(); n != 100 {
		t.Fatalf("serial %d", n)
	}

	// Renewed in place: the next handshake serves the new pair, no restart.
	ca.issue(t, 200, certFile, keyFile)
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(certFile, later, later)
	os.Chtimes(keyFile, later, later)
	if res, _ := get(); res.TLS.PeerCertificates[0].SerialNumber.Int64() != 200 {
		t.Fatalf("not reloaded: serial %d", res.TLS.PeerCertificates[0].SerialNumber)
	}

	// A broken renewal leaves the last good pair in service.
	os.WriteFile(keyFile, []byte("not a key"), 0o600)
	evenLater := later.Add(2 * time.Second)
	os.Chtimes(keyFile, evenLater, evenLater)
	if res, _ := get(); res.TLS.PeerCertificates[0].SerialNumber.Int64() != 200 {
		t.Fatalf("a broken pair replaced a good one: serial %d", res.TLS.PeerCertificates[0].SerialNumber)
	}

	// A client that does not trust the CA is refused by its own check.
	if _, err := client(x509.NewCertPool(), ln.Addr().String()).Get("https://localhost/"); err == nil {
		t.Fatal("an untrusting client connected")
	}
}

func TestBadOptionsAreRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	ca.issue(t, 1, certFile, keyFile)
	os.WriteFile(filepath.Join(dir, "bad.pem"), []byte("junk"), 0o600)
	for name, o := range map[string]Options{
		"nothing":             {},
		"cert without key":    {CertFile: certFile},
		"missing file":        {CertFile: filepath.Join(dir, "nope.pem"), KeyFile: keyFile},
		"junk key":            {CertFile: certFile, KeyFile: filepath.Join(dir, "bad.pem")},
		"files and domains":   {CertFile: certFile, KeyFile: keyFile, Domains: []string{"a.example"}},
		"domains but nowhere": {Domains: []string{"a.example"}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPlainHTTPRedirects(t *testing.T) {
	s := &Server{}
	s.base, _ = url.Parse("https://api.example.org:8443")
	h := s.HTTPHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://evil.example/account/jwt?x=1", nil))
	if rec.Code != 301 || rec.Header().Get("Location") != "https://api.example.org:8443/account/jwt?x=1" {
		t.Fatalf("redirect: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if got := rec.Header().Get("Strict-Transport-Security"); got != HSTSValue {
		t.Errorf("redirect without HSTS: %q", got)
	}
	withKey := httptest.NewRequest("GET", "http://api.example.org/account/key", nil)
	withKey.Header.Set("Authorization", "Basic a2V5OnNlY3JldA==")
	for name, r := range map[string]*http.Request{
		"POST":             httptest.NewRequest("POST", "http://api.example.org/signin", strings.NewReader("{}")),
		"GET with a key":   withKey,
		"DELETE, no creds": httptest.NewRequest("DELETE", "http://api.example.org/sets/1", nil),
	} {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 403 || rec.Body.String() != `{"result":"error","error":"httpsRequired"}` || rec.Header().Get("Location") != "" {
			t.Errorf("%s over plain HTTP: %d %s (Location %q)", name, rec.Code, rec.Body, rec.Header().Get("Location"))
		}
		if got := rec.Header().Get("Strict-Transport-Security"); got != HSTSValue {
			t.Errorf("%s: refusal without HSTS: %q", name, got)
		}
	}
}

func TestRequireHTTPS(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	signin := func(r *http.Request) bool { return r.Method == "POST" && r.URL.Path == "/signin" }
	h := RequireHTTPS(proxies, signin, next)
	for _, c := range []struct {
		name   string
		remote string
		auth   bool
		path   string // default GET /account/key; "POST /signin" carries a password in its body
		proto  []string
		xff    string
		tls    bool
		want   int
	}{
		{"credentials from the internet over plain HTTP", "203.0.113.7:5000", true, "", nil, "", false, 403},
		{"no credentials: nothing to protect", "203.0.113.7:5000", false, "", nil, "", false, 204},
		{"a password in the body", "203.0.113.7:5000", false, "POST /signin", nil, "", false, 403},
		{"a password in the body over TLS", "203.0.113.7:5000", false, "POST /signin", nil, "", true, 204},
		{"a password in the body from the loopback", "127.0.0.1:5000", false, "POST /signin", nil, "", false, 204},
		{"over TLS", "203.0.113.7:5000", true, "", nil, "", true, 204},
		{"loopback", "127.0.0.1:5000", true, "", nil, "", false, 204},
		{"IPv6 loopback", "[::1]:5000", true, "", nil, "", false, 204},
		{"IPv6 loopback (not a trusted proxy), forwarded", "[::1]:5000", true, "", []string{"http"}, "203.0.113.7", false, 204},
		{"trusted proxy that terminated TLS", "10.1.2.3:5000", true, "", []string{"https"}, "203.0.113.7", false, 204},
		{"trusted proxy, plain HTTP", "10.1.2.3:5000", true, "", []string{"http"}, "", false, 403},
		{"trusted proxy, no header", "10.1.2.3:5000", true, "", nil, "", false, 403},
		{"trusted proxy, last hop says http", "10.1.2.3:5000", true, "", []string{"https, http"}, "", false, 403},
		{"untrusted peer claiming https", "203.0.113.7:5000", true, "", []string{"https"}, "", false, 403},
		{"trusted proxy on the loopback, plain HTTP from the internet", "127.0.0.1:5000", true, "", []string{"http"}, "203.0.113.7", false, 403},
		{"trusted proxy on the loopback, no proto, from the internet", "127.0.0.1:5000", true, "", nil, "203.0.113.7", false, 403},
		{"trusted proxy on the loopback, password from the internet", "127.0.0.1:5000", false, "POST /signin", nil, "203.0.113.7", false, 403},
		{"trusted proxy on the loopback that terminated TLS", "127.0.0.1:5000", true, "", []string{"https"}, "203.0.113.7", false, 204},
		{"trusted proxy on the loopback, a local client", "127.0.0.1:5000", true, "", []string{"http"}, "127.0.0.1", false, 204},
	} {
		method, path := "GET", "/account/key"
		if c.path != "" {
			method, path, _ = strings.Cut(c.path, " ")
		}
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = c.remote
		if c.auth {
			r.Header.Set("Authorization", "Basic a2V5OnNlY3JldA==")
		}
		for _, p := range c.proto {
			r.Header.Add("X-Forwarded-Proto", p)
		}
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
		if c.want == 403 && rec.Body.String() != `{"result":"error","error":"httpsRequired"}` {
			t.Errorf("%s: body %s", c.name, rec.Body)
		}
	}
}

// dnsServer answers every A question with 127.0.0.1 (and no AAAA), so the
// ACME test server's validation of a made-up domain reaches this process.
func dnsServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Net: "tcp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(127, 0, 0, 1)})
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// pebble is Pebble, Let's Encrypt's ACME test server, run in the test
// process on loopback for one test.
type pebble struct {
	dirURL string         // its ACME directory
	client *http.Client   // trusts its HTTPS listener
	roots  *x509.CertPool // trusts the certificates it issues
	orders atomic.Int32   // new orders it was asked for
}

// startPebble starts Pebble with its validation authority pointed at this
// test's listeners through a DNS server of the test's own: HTTP-01 at
// httpPort, TLS-ALPN-01 at alpnPort (a closed port makes an order fall
// back to HTTP-01).
func startPebble(t *testing.T, httpPort, alpnPort int) *pebble {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	plog := log.New(io.Discard, "", 0)
	if testing.Verbose() {
		plog = log.New(os.Stderr, "pebble ", log.Lmicroseconds)
	}
	db := pdb.NewMemoryStore()
	authority := pca.New(plog, db, "", "ecdsa", 0, 1, map[string]pca.Profile{"default": {Description: "default"}})
	validator := pva.New(plog, httpPort, alpnPort, false, dnsServer(t), db)
	front := pwfe.New(plog, db, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	p := &pebble{}
	var newOrder atomic.Value // the path of the directory's newOrder URL
	newOrder.Store("")
	h := front.Handler()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == newOrder.Load().(string) {
			p.orders.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.dirURL, p.client = srv.URL+pwfe.DirectoryPath, srv.Client()
	res, err := p.client.Get(p.dirURL)
	if err != nil {
		t.Fatal(err)
	}
	var dir struct{ NewOrder string }
	err = json.NewDecoder(res.Body).Decode(&dir)
	res.Body.Close()
	u, _ := url.Parse(dir.NewOrder)
	if err != nil || u == nil || u.Path == "" {
		t.Fatalf("Pebble's directory: %v %q", err, dir.NewOrder)
	}
	newOrder.Store(u.Path)
	p.roots = x509.NewCertPool()
	p.roots.AddCert(authority.GetRootCert(0).Cert)
	return p
}

// TestACMEWithPebble gets a certificate from Pebble, Let's Encrypt's ACME
// test server, run in this process on loopback. Its validation authority
// is pointed at this test's listeners (through a DNS server of the test's
// own), TLS-ALPN-01 at a closed port so that the order falls back to
// HTTP-01 on the plain-HTTP listener; the certificate lands in the cache
// folder, and a real client trusting Pebble's root connects over HTTP/2.
func TestACMEWithPebble(t *testing.T) {
	if testing.Short() {
		t.Skip("ACME issuance with an in-process Pebble: skipped in -short")
	}
	httpsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := port(closed)
	closed.Close()

	ps := startPebble(t, port(httpLn), closedPort)

	const domain = "bobbin.test"
	cache := filepath.Join(t.TempDir(), "acme")
	s, err := New(Options{
		Domains: []string{domain}, ACMEURL: ps.dirURL, CacheDir: cache,
		HTTPClient: ps.client, PublicURL: "https://" + domain + ":" + strconv.Itoa(port(httpsLn)),
	})
	if err != nil {
		t.Fatal(err)
	}
	var challenges atomic.Int32
	plain := s.HTTPHandler()
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			challenges.Add(1)
		}
		plain.ServeHTTP(w, r)
	})}
	go hs.Serve(httpLn)
	defer hs.Close()
	serveTLS(t, s, httpsLn, http.HandlerFunc(hello))

	c := client(ps.roots, httpsLn.Addr().String())
	res, err := c.Get("https://" + domain + "/")
	if err != nil {
		t.Fatalf("HTTPS with the ACME certificate: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 || string(body) != "hello HTTP/2.0" || res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("answer: %s %q %q", res.Proto, body, res.Header.Get("Strict-Transport-Security"))
	}
	leaf := res.TLS.PeerCertificates[0]
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != domain {
		t.Fatalf("certificate for %v", leaf.DNSNames)
	}
	if challenges.Load() == 0 {
		t.Fatal("the plain-HTTP listener never answered an HTTP-01 challenge")
	}
	if _, err := os.Stat(filepath.Join(cache, domain)); err != nil {
		t.Fatalf("certificate not kept in the data dir: %v", err)
	}

	// The plain listener redirects everything else to the public URL.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r2, err := noFollow.Get("http://" + httpLn.Addr().String() + "/account/jwt")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 301 || r2.Header.Get("Location") != "https://"+domain+":"+strconv.Itoa(port(httpsLn))+"/account/jwt" {
		t.Fatalf("redirect: %d %q", r2.StatusCode, r2.Header.Get("Location"))
	}

	// A restart finds the certificate in the cache: no new issuance.
	s2, err := New(Options{Domains: []string{domain}, ACMEURL: "https://127.0.0.1:1/dir", CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := s2.TLSConfig().GetCertificate(&tls.ClientHelloInfo{ServerName: domain, SupportedProtos: []string{"h2"},
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256},
		SupportedVersions: []uint16{tls.VersionTLS13, tls.VersionTLS12}})
	if err != nil || cert.Leaf == nil && len(cert.Certificate) == 0 {
		t.Fatalf("cached certificate not served after a restart: %v", err)
	}
}

// TestACMEReplicasShareTheDatabaseCache runs two tlsserve instances, as two
// replicas would, each on its own handle of one database (a SQLite file,
// and PostgreSQL when configured) with the same root secret, both with
// the database cache and both able to order from the same Pebble.
//
// Pebble validates HTTP-01 at replica B's plain-HTTP listener only, while
// the first handshake, and so the order, is replica A's: the challenge
// succeeds only if B answers with the token A put in the shared cache.
// Then B's first handshake serves A's certificate (same serial) and
// Pebble is asked for no new order. At rest the cache holds the account
// key and the certificate encrypted. (autocert deletes a token in a
// goroutine of its own once the order is done, so that is not checked.)
func TestACMEReplicasShareTheDatabaseCache(t *testing.T) {
	if testing.Short() {
		t.Skip("ACME issuance with an in-process Pebble: skipped in -short")
	}
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dbURL := sharedDatabase(t, dialect)
			root := strings.Repeat("r", 32)
			dbA := openDB(t, dbURL, root, true)
			dbB := openDB(t, dbURL, root, false)

			listen := func() net.Listener {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				return ln
			}
			httpsA, httpsB, httpB := listen(), listen(), listen()
			closed := listen()
			closedPort := port(closed)
			closed.Close()
			ps := startPebble(t, port(httpB), closedPort)

			const domain = "bobbin.test"
			replica := func(db *store.DB, httpsLn net.Listener) *Server {
				s, err := New(Options{
					Domains: []string{domain}, ACMEURL: ps.dirURL, HTTPClient: ps.client,
					Cache: NewDBCache(db, nil), PublicURL: "https://" + domain + ":" + strconv.Itoa(port(httpsLn)),
				})
				if err != nil {
					t.Fatal(err)
				}
				serveTLS(t, s, httpsLn, http.HandlerFunc(hello))
				return s
			}
			a := replica(dbA, httpsA)
			a.HTTPHandler() // A offers HTTP-01 but has no plain listener of its own
			b := replica(dbB, httpsB)
			var atB, inTable atomic.Int32
			plainB := b.HTTPHandler()
			hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
					atB.Add(1)
					// The token B is asked for is in the shared table, put there by A.
					var n int
					if dbB.QueryRow(r.Context(), "SELECT COUNT(*) FROM acme_cache WHERE k = ?", path.Base(r.URL.Path)+"+http-01").Scan(&n) == nil && n == 1 {
						inTable.Add(1)
					}
				}
				plainB.ServeHTTP(w, r)
			})}
			go hs.Serve(httpB)
			t.Cleanup(func() { hs.Close() })

			get := func(ln net.Listener) *x509.Certificate {
				t.Helper()
				c := client(ps.roots, ln.Addr().String())
				defer c.CloseIdleConnections()
				res, err := c.Get("https://" + domain + "/")
				if err != nil {
					t.Fatalf("HTTPS at %s: %v", ln.Addr(), err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if string(body) != "hello HTTP/2.0" {
					t.Fatalf("answer %q", body)
				}
				return res.TLS.PeerCertificates[0]
			}
			leafA := get(httpsA)
			orders := ps.orders.Load()
			if orders == 0 {
				t.Fatal("Pebble counted no order: the order counter is blind")
			}
			if atB.Load() == 0 || inTable.Load() == 0 {
				t.Fatalf("replica B's plain listener answered %d HTTP-01 challenges, %d of them with a token in the table", atB.Load(), inTable.Load())
			}

			leafB := get(httpsB)
			if leafB.SerialNumber.Cmp(leafA.SerialNumber) != 0 {
				t.Fatalf("replica B serves serial %s, replica A %s", leafB.SerialNumber, leafA.SerialNumber)
			}
			if n := ps.orders.Load(); n != orders {
				t.Fatalf("replica B ordered again: %d orders, %d before", n, orders)
			}

			for _, k := range []string{"acme_account+key", domain} {
				var enc string
				if err := dbA.QueryRow(ctx, "SELECT data_enc FROM acme_cache WHERE k = ?", k).Scan(&enc); err != nil {
					t.Fatalf("%s not in the database cache: %v", k, err)
				}
				if strings.Contains(enc, "PRIVATE KEY") || strings.Contains(enc, "CERTIFICATE") {
					t.Fatalf("%s stored in the clear", k)
				}
			}
		})
	}
}
