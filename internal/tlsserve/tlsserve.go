// Package tlsserve serves Bobbin over HTTPS: certificates from PEM files
// (read again when the files change, without a restart) or obtained and
// renewed by ACME (golang.org/x/crypto/acme/autocert, kept in the data
// dir, or in the database for replicas sharing PostgreSQL), HTTP/2, a
// plain-HTTP handler that answers ACME HTTP-01 challenges and redirects
// everything else to HTTPS, Strict-Transport-Security on
// HTTPS answers, and the production rule of auth.md (Transport):
// credentials over plain HTTP are refused with 403 httpsRequired before
// they are checked.
package tlsserve

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
)

// Options selects where certificates come from: CertFile and KeyFile, or
// Domains by ACME. Exactly one of the two.
type Options struct {
	CertFile, KeyFile string

	Domains    []string
	ACMEURL    string         // ACME directory; empty: Let's Encrypt
	ACMEEmail  string         // contact for the ACME account (optional)
	CacheDir   string         // where ACME keeps accounts and certificates (with no Cache)
	Cache      autocert.Cache // instead of CacheDir: another store (NewDBCache, shared by replicas)
	HTTPClient *http.Client   // for the ACME directory (tests trust a test CA with it)

	// PublicURL is the https:// base the plain-HTTP listener redirects to.
	PublicURL string
	Log       *slog.Logger
}

// Server is the TLS side of one Bobbin: a tls.Config for the HTTPS
// listener and the handler of the plain-HTTP listener.
type Server struct {
	tlsConfig *tls.Config
	manager   *autocert.Manager // nil with certificate files
	files     *FileCert         // nil with ACME
	base      *url.URL
	log       *slog.Logger
}

// New prepares HTTPS from opts. With files, the pair is read at once, so
// a bad file stops the start with a clear error.
func New(opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{log: opts.Log}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || u.Host == "" {
			return nil, errors.New("tls: the public URL is not a URL")
		}
		u.Scheme, u.Path, u.RawQuery = "https", strings.TrimRight(u.Path, "/"), ""
		s.base = u
	}
	haveFiles := opts.CertFile != "" || opts.KeyFile != ""
	switch {
	case haveFiles && len(opts.Domains) > 0:
		return nil, errors.New("tls: give certificate files or domains for ACME, not both")
	case haveFiles:
		if opts.CertFile == "" || opts.KeyFile == "" {
			return nil, errors.New("tls: a certificate file needs its key file, and a key its certificate")
		}
		fc, err := NewFileCert(opts.CertFile, opts.KeyFile, opts.Log)
		if err != nil {
			return nil, err
		}
		s.files = fc
		s.tlsConfig = &tls.Config{GetCertificate: fc.GetCertificate}
	case len(opts.Domains) > 0:
		cache := opts.Cache
		if cache == nil {
			if opts.CacheDir == "" {
				return nil, errors.New("tls: ACME needs a folder or a database for its certificates")
			}
			if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
				return nil, fmt.Errorf("tls: %v", err)
			}
			cache = autocert.DirCache(opts.CacheDir)
		}
		dir := opts.ACMEURL
		if dir == "" {
			dir = acme.LetsEncryptURL
		}
		s.manager = &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			Cache:      cache,
			HostPolicy: autocert.HostWhitelist(opts.Domains...),
			Email:      opts.ACMEEmail,
			Client:     &acme.Client{DirectoryURL: dir, HTTPClient: opts.HTTPClient, UserAgent: "bobbin"},
		}
		s.tlsConfig = s.manager.TLSConfig() // adds acme-tls/1 for TLS-ALPN-01
	default:
		return nil, errors.New("tls: no certificate files and no domains")
	}
	s.tlsConfig.MinVersion = tls.VersionTLS12
	s.tlsConfig.NextProtos = appendMissing(s.tlsConfig.NextProtos, "h2", "http/1.1")
	return s, nil
}

func appendMissing(list []string, want ...string) []string {
next:
	for _, w := range want {
		for _, have := range list {
			if have == w {
				continue next
			}
		}
		list = append(list, w)
	}
	return list
}

// TLSConfig is the configuration of the HTTPS listener (HTTP/2 offered).
func (s *Server) TLSConfig() *tls.Config { return s.tlsConfig }

// HTTPHandler is the plain-HTTP listener's handler: ACME HTTP-01
// challenges (with ACME), and a permanent redirect to HTTPS for
// everything else (GET and HEAD). A request with credentials (an
// Authorization header), or of another method (a client would resend its
// body, and perhaps its secrets, in the clear), gets 403 httpsRequired
// instead, as the API's plain-HTTP refusal. Every answer carries
// Strict-Transport-Security (browsers heed it only over HTTPS; it is
// there for the clients that read it anywhere).
func (s *Server) HTTPHandler() http.Handler {
	redirect := http.HandlerFunc(s.redirect)
	if s.manager == nil {
		return plainHSTS(redirect)
	}
	acmeHandler := s.manager.HTTPHandler(redirect)
	return plainHSTS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			// The host policy compares names: drop a port from Host.
			if h, _, err := net.SplitHostPort(r.Host); err == nil {
				r = r.Clone(r.Context())
				r.Host = h
			}
		}
		acmeHandler.ServeHTTP(w, r)
	}))
}

func plainHSTS(next http.Handler) http.Handler {
	v := []string{HSTSValue}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Strict-Transport-Security"] = v
		next.ServeHTTP(w, r)
	})
}

func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || len(r.Header.Values("Authorization")) > 0 {
		refuse(w)
		return
	}
	var target string
	if s.base != nil { // never built from the Host header: no open redirect
		target = s.base.String() + r.URL.RequestURI()
	} else {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		target = "https://" + host + r.URL.RequestURI()
	}
	w.Header().Set("Location", target)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusMovedPermanently)
}

// HSTSValue is the Strict-Transport-Security of every HTTPS answer: two
// years, no includeSubDomains (the API's host says nothing of its
// siblings').
const HSTSValue = "max-age=63072000"

// HSTS adds Strict-Transport-Security to answers given over TLS.
func HSTS(next http.Handler) http.Handler {
	v := []string{HSTSValue}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header()["Strict-Transport-Security"] = v
		}
		next.ServeHTTP(w, r)
	})
}

// RequireHTTPS refuses, with 403 httpsRequired, a request that carries
// credentials over plain HTTP: an Authorization header, or a body that
// secretInBody says holds a secret (a password, a sign-in link's check;
// nil: none does). Refused unless the client is on the loopback, or the
// request came through a trusted proxy whose X-Forwarded-Proto (its last
// value) says https. The client is the socket peer, or, behind trusted
// proxies, the address they forwarded (httpx.ClientAddr): a proxy on the
// loopback that forwards a request it got in plain HTTP from elsewhere
// does not make it a loopback request. It runs before the credentials
// are checked, so they never count as a failed attempt and are never
// compared. Wrap the API with it in production.
func RequireHTTPS(trusted []netip.Prefix, secretInBody func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil && carriesCredentials(r, secretInBody) && !secureEnough(r, trusted) {
			refuse(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func carriesCredentials(r *http.Request, secretInBody func(*http.Request) bool) bool {
	return len(r.Header.Values("Authorization")) > 0 || (secretInBody != nil && secretInBody(r))
}

// refuse answers 403 httpsRequired.
func refuse(w http.ResponseWriter) {
	writeError(w, apierr.HTTPSRequired.Status(), apierr.HTTPSRequired.Name())
}

// secureEnough reports whether a plain-HTTP request may carry
// credentials: it came from the loopback (directly, or forwarded by
// trusted proxies from the loopback), or a trusted proxy said it got it
// over HTTPS.
func secureEnough(r *http.Request, trusted []netip.Prefix) bool {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	if httpx.Trusted(peer.Addr().Unmap(), trusted) && lastForwardedProto(r.Header) == "https" {
		return true
	}
	client, ok := httpx.ClientAddr(r, trusted)
	return ok && client.IsLoopback()
}

// lastForwardedProto is the value the nearest proxy added.
func lastForwardedProto(h http.Header) string {
	vals := h.Values("X-Forwarded-Proto")
	if len(vals) == 0 {
		return ""
	}
	parts := strings.Split(vals[len(vals)-1], ",")
	return strings.ToLower(strings.TrimSpace(parts[len(parts)-1]))
}

func writeError(w http.ResponseWriter, status int, code string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, `{"result":"error","error":"`+code+`"}`)
}

// FileCert serves a certificate and key from PEM files and reads them
// again when either file's modification time or size changes (checked at
// most once per CheckEvery, at a handshake). A pair that fails to load
// (a half-written renewal) leaves the previous one in service.
type FileCert struct {
	certFile, keyFile string
	log               *slog.Logger
	CheckEvery        time.Duration

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   [2]fileStamp
	checked time.Time
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// NewFileCert loads the pair once; an error names the file.
func NewFileCert(certFile, keyFile string, log *slog.Logger) (*FileCert, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f := &FileCert{certFile: certFile, keyFile: keyFile, log: log, CheckEvery: time.Second}
	st, err := f.stamps()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %s and %s: %v", filepath.Base(certFile), filepath.Base(keyFile), err)
	}
	f.cert, f.stamp, f.checked = &cert, st, time.Now()
	return f, nil
}

func (f *FileCert) stamps() ([2]fileStamp, error) {
	var st [2]fileStamp
	for i, p := range []string{f.certFile, f.keyFile} {
		fi, err := os.Stat(p)
		if err != nil {
			return st, fmt.Errorf("tls: %v", err)
		}
		st[i] = fileStamp{fi.ModTime(), fi.Size()}
	}
	return st, nil
}

// GetCertificate is the tls.Config hook.
func (f *FileCert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now := time.Now(); now.Sub(f.checked) >= f.CheckEvery {
		f.checked = now
		if st, err := f.stamps(); err == nil && st != f.stamp {
			cert, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
			if err != nil {
				f.log.Warn("the certificate files changed but do not load; serving the previous certificate", "err", err.Error())
			} else {
				f.cert, f.stamp = &cert, st
				f.log.Info("certificate reloaded from its files")
			}
		}
	}
	return f.cert, nil
}
