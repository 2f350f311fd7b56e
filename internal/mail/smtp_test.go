package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strconv"
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
	auth        bool        // offer AUTH PLAIN (when mechs is empty)
	mechs       string      // the AUTH mechanisms offered, e.g. "CRAM-MD5 PLAIN LOGIN"
	user, pass  string      // the account the server knows (AUTH checks it when set)
	authTLSOnly bool        // offer AUTH only after STARTTLS, as real servers do
	rejectRcpt  bool        // answer 550 to RCPT
	tempRcpt    bool        // answer 451 to RCPT
	silent      bool        // never greet

	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	got   []smtpSession
}

type smtpSession struct {
	helo       string
	from, rcpt string
	data       string
	tls        bool
	user, pass string
	mech       string
}

func (f *fakeSMTP) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return f.listenOn(t, ln)
}

func (f *fakeSMTP) listenOn(t *testing.T, ln net.Listener) string {
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
			s.helo = arg
			lines := []string{"250 fake.test"}
			if f.startTLS && !s.tls {
				lines = append(lines, "250 STARTTLS")
			}
			mechs := f.mechs
			if mechs == "" && f.auth {
				mechs = "PLAIN"
			}
			if mechs != "" && (s.tls || !f.authTLSOnly) {
				lines = append(lines, "250 AUTH "+mechs)
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
			user, pass, ok := f.authenticate(tp, mech, resp)
			if !ok || (f.user != "" && (user != f.user || pass != f.pass)) {
				reply("535 5.7.8 authentication failed")
				continue
			}
			s.user, s.pass, s.mech = user, pass, mech
			reply("235 ok")
		case "MAIL":
			s.from = strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>")
			if i := strings.Index(s.from, ">"); i >= 0 {
				s.from = s.from[:i]
			}
			reply("250 ok")
		case "RCPT":
			if f.rejectRcpt {
				reply("550 no such mailbox " + arg)
				continue
			}
			if f.tempRcpt {
				reply("451 try again later")
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

// authenticate runs one AUTH exchange of mech (PLAIN, LOGIN or CRAM-MD5)
// and returns the user and password (for CRAM-MD5, the password is
// checked against f.pass through the digest and returned when it matches).
func (f *fakeSMTP) authenticate(tp *textproto.Conn, mech, initial string) (user, pass string, ok bool) {
	ask := func(prompt string) (string, bool) {
		_ = tp.PrintfLine("334 %s", base64.StdEncoding.EncodeToString([]byte(prompt)))
		line, err := tp.ReadLine()
		if err != nil || line == "*" {
			return "", false
		}
		b, err := base64.StdEncoding.DecodeString(line)
		return string(b), err == nil
	}
	switch mech {
	case "PLAIN":
		var b []byte
		var err error
		if initial == "" {
			var v string
			if v, ok = ask(""); !ok {
				return "", "", false
			}
			b = []byte(v)
		} else if b, err = base64.StdEncoding.DecodeString(initial); err != nil {
			return "", "", false
		}
		parts := strings.Split(string(b), "\x00")
		if len(parts) != 3 {
			return "", "", false
		}
		return parts[1], parts[2], true
	case "LOGIN":
		if user, ok = ask("Username:"); !ok {
			return "", "", false
		}
		if pass, ok = ask("Password:"); !ok {
			return "", "", false
		}
		return user, pass, true
	case "CRAM-MD5":
		challenge := "<1896.697170952@fake.test>"
		resp, ok := ask(challenge)
		if !ok {
			return "", "", false
		}
		user, digest, ok := strings.Cut(resp, " ")
		mac := hmac.New(md5.New, []byte(f.pass))
		mac.Write([]byte(challenge))
		if !ok || digest != hex.EncodeToString(mac.Sum(nil)) {
			return "", "", false
		}
		return user, f.pass, true
	}
	return "", "", false
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
	s, err := NewSMTP(rawURL, testFrom, "api.example.org")
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

func TestSMTPRequiresSTARTTLSUnlessTheURLSaysOtherwise(t *testing.T) {
	f := &fakeSMTP{} // offers no STARTTLS
	addr := f.start(t)
	m := compose(t, KindSignup, "fr", Data{Username: "jane", Link: testLink})
	err := newSMTP(t, "smtp://"+addr).Send(context.Background(), m)
	if err == nil || !IsTemporary(err) || !strings.Contains(err.Error(), "STARTTLS") || len(f.sessions()) != 0 {
		t.Fatalf("sent without TLS by default: %v", err)
	}
	for _, mode := range []string{"none", "opportunistic"} {
		if err := newSMTP(t, "smtp://"+addr+"?starttls="+mode).Send(context.Background(), m); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
	got := f.sessions()
	if len(got) != 2 || got[0].tls || got[1].tls || got[0].helo != "api.example.org" {
		t.Fatalf("sessions %+v", got)
	}
}

func TestSMTPOpportunisticUsesTLSWhenOffered(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	f := &fakeSMTP{tlsConf: serverTLS, startTLS: true}
	addr := f.start(t)
	s := newSMTP(t, "smtp://"+addr+"?starttls=opportunistic")
	s.tlsConfig = clientTLS
	m := compose(t, KindSigninLink, "en", Data{Link: testLink})
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if sess := checkDelivered(t, f, m); !sess.tls {
		t.Fatal("opportunistic did not use the offered STARTTLS")
	}
}

// TestSMTPAuthChosenByTheServerOffer runs the three mechanisms against a
// server that checks the credentials, over STARTTLS with a test CA, and
// checks the EHLO name is the public host.
func TestSMTPAuthChosenByTheServerOffer(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	for _, c := range []struct{ offer, want string }{
		{"PLAIN", "PLAIN"},
		{"LOGIN", "LOGIN"},
		{"CRAM-MD5", "CRAM-MD5"},
		{"LOGIN PLAIN CRAM-MD5", "CRAM-MD5"},
		{"LOGIN PLAIN", "PLAIN"},
	} {
		f := &fakeSMTP{tlsConf: serverTLS, startTLS: true, mechs: c.offer, authTLSOnly: true, user: "us@er", pass: "p@ss:w/rd"}
		addr := f.start(t)
		s := newSMTP(t, "smtp://us%40er:p%40ss%3Aw%2Frd@"+addr)
		s.tlsConfig = clientTLS
		m := compose(t, KindNewsletterSub, "uk", Data{Link: testLink, UnsubscribeURL: testUnsub})
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatalf("offer %q: %v", c.offer, err)
		}
		sess := checkDelivered(t, f, m)
		if !sess.tls || sess.user != "us@er" || sess.pass != "p@ss:w/rd" || sess.mech != c.want || sess.helo != "api.example.org" {
			t.Errorf("offer %q: tls %v user %q mech %q helo %q", c.offer, sess.tls, sess.user, sess.mech, sess.helo)
		}
		if !strings.Contains(sess.data, "List-Unsubscribe: <"+testUnsub+">") {
			t.Error("List-Unsubscribe missing")
		}
	}
	// A wrong password is refused by the server; the error never holds it.
	f := &fakeSMTP{tlsConf: serverTLS, startTLS: true, mechs: "PLAIN", user: "u", pass: "right-one"}
	addr := f.start(t)
	s := newSMTP(t, "smtp://u:hunter2-wrong@"+addr)
	s.tlsConfig = clientTLS
	err := s.Send(context.Background(), compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if err == nil || strings.Contains(err.Error(), "hunter2") || len(f.sessions()) != 0 || !IsTemporary(err) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestSMTPNeverSendsAPasswordInTheClear(t *testing.T) {
	f := &fakeSMTP{mechs: "PLAIN LOGIN"}
	addr := f.start(t)
	err := newSMTP(t, "smtp://user:hunter2@"+addr+"?starttls=none").Send(context.Background(), compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if err == nil || len(f.sessions()) != 0 || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("PLAIN/LOGIN over a clear connection: %v", err)
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
	if err == nil || len(f.sessions()) != 0 || !IsTemporary(err) {
		t.Fatalf("sent over an untrusted TLS connection: %v", err)
	}
}

func TestSMTPCredentialsWithoutAuth(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	f := &fakeSMTP{tlsConf: serverTLS, startTLS: true}
	addr := f.start(t)
	s := newSMTP(t, "smtp://user:hunter2@"+addr)
	s.tlsConfig = clientTLS
	err := s.Send(context.Background(), compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if err == nil || !strings.Contains(err.Error(), "AUTH") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err %v", err)
	}
}

// TestSMTPFailuresTellTemporaryFromPermanent is what a queue worker needs:
// a refused recipient is given up on, a 451 or a server that is down is
// tried again, and works once the server is up.
func TestSMTPFailuresTellTemporaryFromPermanent(t *testing.T) {
	m := compose(t, KindSigninLink, "en", Data{Link: testLink})
	f := &fakeSMTP{rejectRcpt: true}
	addr := f.start(t)
	err := newSMTP(t, "smtp://"+addr+"?starttls=none").Send(context.Background(), m)
	var se *SendError
	if !errors.As(err, &se) || se.Temporary || se.Code != 550 || se.Stage != "rcpt" || IsTemporary(err) {
		t.Fatalf("550: %v", err)
	}
	if strings.Contains(err.Error(), testTo) {
		t.Errorf("error names the recipient: %v", err)
	}
	f = &fakeSMTP{tempRcpt: true}
	addr = f.start(t)
	if err := newSMTP(t, "smtp://"+addr+"?starttls=none").Send(context.Background(), m); !IsTemporary(err) || !errors.As(err, &se) || se.Code != 451 {
		t.Fatalf("451: %v", err)
	}
	if IsTemporary(&SendError{Stage: "render", Err: errors.New("x")}) {
		t.Fatal("a mail that cannot be rendered is not worth retrying")
	}

	// Down: nothing listens on the port. Then up on the same port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().String()
	ln.Close()
	s := newSMTP(t, "smtp://"+port+"?starttls=none")
	if err := s.Send(context.Background(), m); err == nil || !IsTemporary(err) {
		t.Fatalf("server down: %v", err)
	}
	up := &fakeSMTP{}
	l2, err := net.Listen("tcp", port)
	if err != nil {
		t.Skipf("port %s taken again before the server came up: %v", port, err)
	}
	up.listenOn(t, l2)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("server up: %v", err)
	}
	checkDelivered(t, up, m)
}

func TestSMTPContextBounded(t *testing.T) {
	f := &fakeSMTP{silent: true}
	addr := f.start(t)
	s := newSMTP(t, "smtp://"+addr)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.Send(ctx, compose(t, KindSigninLink, "en", Data{Link: testLink}))
	if !errors.Is(err, context.DeadlineExceeded) || !IsTemporary(err) {
		t.Fatalf("err %v", err)
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
		s, err := NewSMTP(c.url, testFrom, "")
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if s.host != c.host || strconv.Itoa(s.port) != c.port || s.user != c.user || s.pass != c.pass || s.implicitTLS != c.implicit {
			t.Errorf("%s: %+v", c.url, s)
		}
	}

	const pw = "Sup3rS3cretPW"
	bad := map[string]string{
		"":                                        "scheme",
		"mail.example:587":                        "",
		"http://u:" + pw + "@mail.example":        "scheme",
		"smtp://u:" + pw + "@":                    "host",
		"smtp://u:" + pw + "@:25":                 "host",
		"smtp://u:" + pw + "@mail.example:":       "port",
		"smtp://u:" + pw + "@host:99999":          "port",
		"smtp://u:" + pw + "@host:0":              "port",
		"smtp://u:" + pw + "@host:abc":            "port",
		"smtp://u:" + pw + "%zz@host":             "",
		"smtp://u:" + pw + "@ho st:25":            "",
		"smtp://u:" + pw + "@host/path":           "path",
		"smtp://u:" + pw + "@host?x=1":            "query",
		"smtp://u:" + pw + "@host?starttls=maybe": "starttls",
		"smtps://u:" + pw + "@host?starttls=none": "smtps",
		"smtp:u:" + pw + "@host":                  "",
		"smtp://:" + pw + "@host":                 "user",
		"smtp://u:" + pw + "\n@host":              "",
		"smtp://u:" + pw + "/x@host":              "port",
		"smtp://u:" + pw + "#x@host":              "port",
		"smtp://u:" + pw + "?x@host":              "port",
		"smtp://u:99999/" + pw + "@host":          "port",
		"smtp://u:1/" + pw + "@host":              "path",
		"smtp://u:" + pw + "@[::1":                "host",
		pw + ":" + pw + "@host":                   "",
	}
	for url, want := range bad {
		_, err := NewSMTP(url, testFrom, "")
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
	if _, err := NewSMTP("smtp://mail.example", "not an address", ""); err == nil {
		t.Error("bad sender accepted")
	}
}
