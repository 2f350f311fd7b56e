package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is a minimal SMTP server on 127.0.0.1 that records what it receives.
type fakeSMTP struct {
	tlsConf     *tls.Config // for STARTTLS and implicit TLS
	startTLS    bool        // offer STARTTLS
	implicitTLS bool        // speak TLS from the first byte (smtps)
	auth        bool        // offer AUTH PLAIN
	rejectRcpt  bool        // answer 550 to RCPT
	silent      bool        // never greet

	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	got   []smtpSession
}

type smtpSession struct {
	from, rcpt string
	data       string
	tls        bool
	user, pass string
}

func (f *fakeSMTP) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				f.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return ln.Addr().String()
}

func (f *fakeSMTP) sessions() []smtpSession {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]smtpSession(nil), f.got...)
}

func (f *fakeSMTP) serve(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var s smtpSession
	if f.implicitTLS {
		c = tls.Server(c, f.tlsConf)
		s.tls = true
	}
	if f.silent {
		_, _ = io.Copy(io.Discard, c)
		return
	}
	tp := textproto.NewConn(c)
	reply := func(lines ...string) {
		for i, l := range lines {
			sep := " "
			if i < len(lines)-1 {
				sep = "-"
			}
			_ = tp.PrintfLine("%s%s%s", l[:3], sep, l[4:])
		}
	}
	reply("220 fake.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"250 fake.test"}
			if f.startTLS && !s.tls {
				lines = append(lines, "250 STARTTLS")
			}
			if f.auth {
				lines = append(lines, "250 AUTH PLAIN")
			}
			reply(lines...)
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, f.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, s.tls = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if mech != "PLAIN" || err != nil || len(parts) != 3 {
				reply("535 bad auth")
				continue
			}
			s.user, s.pass = parts[1], parts[2]
			reply("235 ok")
		case "MAIL":
			s.from = strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>")
			if i := strings.Index(s.from, ">"); i >= 0 {
				s.from = s.from[:i]
			}
			reply("250 ok")
		case "RCPT":
			if f.rejectRcpt {
				reply("550 no such mailbox")
				continue
			}
			s.rcpt = strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
			reply("250 ok")
		case "DATA":
			reply("354 go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.data = string(data)
			f.mu.Lock()
			f.got = append(f.got, s)
			f.mu.Unlock()
			reply("250 queued")
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

// testTLS makes a self-signed certificate for 127.0.0.1: a server config and
// a client config trusting it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func newSMTP(t *testing.T, rawURL string) *SMTP {
	t.Helper()
	s, err := NewSMTP(rawURL, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkDelivered(t *testing.T, f *fakeSMTP, m Message) smtpSession {
	t.Helper()
	got := f.sessions()
	if len(got) != 1 {
		t.Fatalf("server got %d mails", len(got))
	}
	s := got[0]
	if s.from != testFrom || s.rcpt != testTo {
		t.Errorf("envelope from %q to %q", s.from, s.rcpt)
	}
	r, err := parseMessage([]byte(s.data))
	if err != nil {
		t.Fatalf("DATA does not parse: %v\n%s", err, s.data)
	}
	if r.Subject != m.Subject || r.To != testTo {
		t.Errorf("received %+v", r)
	}
	if !strings.Contains(r.Text, m.Link) || !strings.Contains(r.HTML, m.Link) {
		t.Errorf("link missing from DATA:\n%s", s.data)
	}
	return s
}

func TestSMTPPlain(t *testing.T) {
	f := &fakeSMTP{}
	addr := f.start(t)
	s := newSMTP(t, "smtp://"+addr)
	m := compose(t, KindSignup, "fr", Data{Username: "jane", Link: testLink})
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if sess := checkDelivered(t, f, m); sess.tls || sess.user != "" {
		t.Errorf("session %+v", sess)
	}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	f := &fakeSMTP{tlsConf: serverTLS, startTLS: true, auth: true}
	addr := f.start(t)
	s := newSMTP(t, "smtp://us%40er:p%40ss%3Aw%2Frd@"+addr)
	s.tlsConfig = clientTLS
	m := compose(t, KindNewsletterSub, "uk", Data{Link: testLink, UnsubscribeURL: testUnsub})
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	sess := checkDelivered(t, f, m)
	if !sess.tls || sess.user != "us@er" || sess.pass != "p@ss:w/rd" {
		t.Errorf("tls %v user %q pass %q", sess.tls, sess.user, sess.pass)
	}
	if !strings.Contains(sess.data, "List-Unsubscribe: <"+testUnsub+">") {
		t.Error("List-Unsubscribe missing")
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	f := &fakeSMTP{tlsConf: serverTLS, implicitTLS: true, auth: true}
	addr := f.start(t)
	s := newSMTP(t, "smtps://user:pw@"+addr)
	s.tlsConfig = clientTLS
	m := compose(t, KindSigninLink, "es", Data{Link: testLink})
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if sess := checkDelivered(t, f, m); !sess.tls || sess.user != "user" || sess.pass != "pw" {
		t.Errorf("session %+v", sess)
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	serverTLS, _ := testTLS(t)
	f := &fakeSMTP{tlsConf: serverTLS, startTLS: true}
	addr := f.start(t)
	s := newSMTP(t, "smtp://"+addr) // system roots do not trust the test certificate
	err := s.Send(context.Background(), compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if err == nil || len(f.sessions()) != 0 {
		t.Fatalf("sent over an untrusted TLS connection: %v", err)
	}
}

func TestSMTPCredentialsWithoutAuth(t *testing.T) {
	f := &fakeSMTP{}
	addr := f.start(t)
	s := newSMTP(t, "smtp://user:hunter2@"+addr)
	err := s.Send(context.Background(), compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if err == nil || !strings.Contains(err.Error(), "AUTH") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err %v", err)
	}
}

func TestSMTPRejectedRecipient(t *testing.T) {
	f := &fakeSMTP{rejectRcpt: true}
	addr := f.start(t)
	s := newSMTP(t, "smtp://"+addr)
	err := s.Send(context.Background(), compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), testTo) {
		t.Errorf("error names the recipient: %v", err)
	}
}

func TestSMTPContextBounded(t *testing.T) {
	f := &fakeSMTP{silent: true}
	addr := f.start(t)
	s := newSMTP(t, "smtp://"+addr)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestSMTPCancelledBeforeDial(t *testing.T) {
	s := newSMTP(t, "smtp://127.0.0.1:1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, compose(t, KindSigninLink, "en", Data{Link: testLink})); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestNewSMTP(t *testing.T) {
	good := []struct {
		url, host, port, user, pass string
		implicit                    bool
	}{
		{"smtp://mail.example", "mail.example", "587", "", "", false},
		{"smtps://mail.example", "mail.example", "465", "", "", true},
		{"SMTP://u:p@mail.example:2525/", "mail.example", "2525", "u", "p", false},
		{"smtps://a%40b.c:p%25w%20d@[::1]:4650", "::1", "4650", "a@b.c", "p%w d", true},
		{"smtp://onlyuser@mail.example", "mail.example", "587", "onlyuser", "", false},
	}
	for _, c := range good {
		s, err := NewSMTP(c.url, testFrom)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if s.host != c.host || s.port != c.port || s.user != c.user || s.pass != c.pass || s.implicitTLS != c.implicit {
			t.Errorf("%s: %+v", c.url, s)
		}
	}

	const pw = "Sup3rS3cretPW"
	bad := map[string]string{
		"":                                  "scheme",
		"mail.example:587":                  "",
		"http://u:" + pw + "@mail.example":  "scheme",
		"smtp://u:" + pw + "@":              "host",
		"smtp://u:" + pw + "@:25":           "host",
		"smtp://u:" + pw + "@mail.example:": "port",
		"smtp://u:" + pw + "@host:99999":    "port",
		"smtp://u:" + pw + "@host:0":        "port",
		"smtp://u:" + pw + "@host:abc":      "port",
		"smtp://u:" + pw + "%zz@host":       "",
		"smtp://u:" + pw + "@ho st:25":      "",
		"smtp://u:" + pw + "@host/path":     "path",
		"smtp://u:" + pw + "@host?x=1":      "query",
		"smtp:u:" + pw + "@host":            "",
		"smtp://:" + pw + "@host":           "user",
		"smtp://u:" + pw + "\n@host":        "",
		"smtp://u:" + pw + "/x@host":        "port",
		"smtp://u:" + pw + "#x@host":        "port",
		"smtp://u:" + pw + "?x@host":        "port",
		"smtp://u:99999/" + pw + "@host":    "port",
		"smtp://u:1/" + pw + "@host":        "path",
		"smtp://u:" + pw + "@[::1":          "host",
		pw + ":" + pw + "@host":             "",
	}
	for url, want := range bad {
		_, err := NewSMTP(url, testFrom)
		if err == nil {
			t.Errorf("%q: accepted", url)
			continue
		}
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "S3cret") {
			t.Errorf("%q: error leaks the password: %v", url, err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q does not name %q", url, err, want)
		}
	}
	if _, err := NewSMTP("smtp://mail.example", "not an address"); err == nil {
		t.Error("bad sender accepted")
	}
}
