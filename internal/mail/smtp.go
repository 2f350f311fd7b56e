package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
)

const (
	smtpDialTimeout = 30 * time.Second // connecting, including the TLS handshake
	smtpTimeout     = 2 * time.Minute  // the whole conversation
)

// TLS modes of an smtp:// URL (its starttls query parameter).
const (
	StartTLSRequired      = "required"      // the default: no STARTTLS offered, no mail sent
	StartTLSOpportunistic = "opportunistic" // STARTTLS when offered, else in the clear
	StartTLSNone          = "none"          // never (a relay on the same host)
)

// SMTP is a Mailer that sends through an SMTP server, with the connection,
// TLS and authentication of github.com/wneessen/go-mail. The mail itself
// is the same RFC 5322 rendering the outbox writes (Bytes).
type SMTP struct {
	host        string
	port        int
	implicitTLS bool   // smtps://
	startTLS    string // smtp://: StartTLSRequired, StartTLSOpportunistic or StartTLSNone
	user, pass  string
	from        string
	envFrom     string      // bare sender address for MAIL FROM
	helo        string      // the EHLO name: the public host of BACKEND_URL
	tlsConfig   *tls.Config // base TLS settings; nil means the defaults (tests set RootCAs)
}

// SendError is a failed delivery. Temporary tells a queue whether trying
// again later may succeed: a server that cannot be reached, refuses TLS or
// credentials, or answers 4xx is temporary; a 5xx answer to the sender,
// the recipient or the mail itself, or a mail that cannot be rendered, is
// permanent. The text never holds the password or the recipient.
type SendError struct {
	Temporary bool
	Stage     string // connect, mail, rcpt, data, render
	Code      int    // the server's reply code, when it answered
	Err       error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("mail: smtp %s (%s): %v", e.Stage, kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err, from Send, is worth trying again later.
// Errors that are not a SendError (a cancelled context) are temporary.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}

// NewSMTP parses rawURL:
//
//	smtp://[user[:pass]@]host[:port][?starttls=required|opportunistic|none]
//	smtps://[user[:pass]@]host[:port]
//
// smtp:// defaults to port 587 and requires STARTTLS unless the URL says
// otherwise; smtps:// defaults to port 465 and speaks TLS from the first
// byte. User and password are URL-unescaped; the authentication mechanism
// (CRAM-MD5, PLAIN or LOGIN; PLAIN and LOGIN only over TLS) is chosen from
// the server's offer. helo is the name given in EHLO (the public host of
// BACKEND_URL); empty means "localhost". Errors name the problem but never
// contain the password.
func NewSMTP(rawURL, from, helo string) (*SMTP, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, errors.New("mail: invalid SMTP URL: " + urlProblem(err))
	}
	s := &SMTP{from: from, helo: helo, startTLS: StartTLSRequired}
	if s.helo == "" {
		s.helo = "localhost"
	}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicitTLS = true
	case "":
		return nil, errors.New("mail: invalid SMTP URL: missing scheme (want smtp:// or smtps://)")
	default:
		// The scheme is not echoed: in a mistyped "user:pass@host" it is the user name.
		return nil, errors.New("mail: invalid SMTP URL: unsupported scheme (want smtp:// or smtps://)")
	}
	if u.Opaque != "" {
		return nil, errors.New("mail: invalid SMTP URL: want smtp://host:port or smtps://host:port")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("mail: invalid SMTP URL: missing host")
	}
	if p := u.Port(); p == "" {
		if strings.HasSuffix(u.Host, ":") {
			return nil, errors.New("mail: invalid SMTP URL: empty port")
		}
		s.port = 587
		if s.implicitTLS {
			s.port = 465
		}
	} else if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return nil, errors.New("mail: invalid SMTP URL: invalid port (want 1-65535)")
	} else {
		s.port = n
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("mail: invalid SMTP URL: unexpected path")
	}
	if u.Fragment != "" {
		return nil, errors.New("mail: invalid SMTP URL: unexpected fragment")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("mail: invalid SMTP URL: cannot parse the query")
	}
	for k, v := range q {
		if k != "starttls" || len(v) != 1 {
			return nil, errors.New("mail: invalid SMTP URL: unexpected query (only starttls=required|opportunistic|none)")
		}
		switch v[0] {
		case StartTLSRequired, StartTLSOpportunistic, StartTLSNone:
			s.startTLS = v[0]
		default:
			return nil, errors.New("mail: invalid SMTP URL: starttls must be required, opportunistic or none")
		}
		if s.implicitTLS {
			return nil, errors.New("mail: invalid SMTP URL: starttls does not apply to smtps:// (TLS from the first byte)")
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" && s.pass != "" {
			return nil, errors.New("mail: invalid SMTP URL: password without user")
		}
	}
	f, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	s.envFrom = f.Address
	return s, nil
}

// urlProblem describes a url.Parse failure without echoing any part of the
// URL, since a mistyped URL can put the password anywhere (in "smtp://u:pw/x@h"
// the host is "u:pw").
func urlProblem(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return "cannot parse"
	}
	var esc url.EscapeError
	var host url.InvalidHostError
	switch msg := ue.Err.Error(); {
	case errors.As(ue.Err, &esc):
		return "invalid %-escape"
	case errors.As(ue.Err, &host):
		return "invalid character in host"
	case strings.Contains(msg, "invalid port"):
		return "invalid port"
	case strings.ContainsAny(msg, "\"`"):
		return "cannot parse"
	default:
		return strings.TrimPrefix(msg, "net/url: ")
	}
}

// client builds the go-mail client of one delivery; timeout bounds the
// connection, the greeting and each command until the mail transaction.
func (s *SMTP) client(timeout time.Duration) (*gomail.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.tlsConfig != nil {
		tc = s.tlsConfig.Clone()
	}
	tc.ServerName = s.host
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithHELO(s.helo),
		gomail.WithTLSConfig(tc),
		gomail.WithTimeout(timeout),
	}
	switch {
	case s.implicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.startTLS == StartTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case s.startTLS == StartTLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.user != "" {
		// Chosen from the server's offer: CRAM-MD5, then PLAIN, then LOGIN;
		// PLAIN and LOGIN never over a connection without TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	} else {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	}
	return gomail.NewClient(s.host, opts...)
}

// Send delivers m. The dial and the whole conversation are bounded by ctx
// and by fixed timeouts. A failure is a *SendError that tells temporary
// from permanent (IsTemporary), so a queue can retry the one and give up
// on the other.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	raw, err := Bytes(s.from, m, time.Now())
	if err != nil {
		return &SendError{Stage: "render", Err: err}
	}
	to, err := parseTo(m.To)
	if err != nil {
		return &SendError{Stage: "render", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	// The greeting, EHLO, STARTTLS and AUTH run inside go-mail's dial, which
	// watches ctx only while connecting: its timeout is also ctx's deadline.
	timeout := smtpDialTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), time.Millisecond)
	}
	gc, err := s.client(timeout)
	if err != nil {
		return &SendError{Stage: "connect", Err: err}
	}
	c, err := gc.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return &SendError{Temporary: true, Stage: "connect", Err: fmt.Errorf("%w (%v)", cerr, err)}
		}
		return &SendError{Temporary: true, Stage: "connect", Err: err}
	}
	// A cancelled context interrupts a blocked read or write at once.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	defer c.Close()
	if err := c.UpdateDeadline(smtpTimeout); err != nil {
		return &SendError{Temporary: true, Stage: "connect", Err: err}
	}
	if err := converse(c, s.envFrom, to.Address, raw); err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			err.Temporary = true
			err.Err = fmt.Errorf("%w (%v)", cerr, err.Err)
		}
		return err
	}
	return nil
}

// ctxErr is ctx.Err(), also when a connection deadline copied from ctx
// fired a moment before the context noticed.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// converse runs the mail transaction on a connected, greeted,
// authenticated client.
func converse(c *gosmtp.Client, from, to string, raw []byte) *SendError {
	fail := func(stage string, err error) *SendError {
		se := &SendError{Stage: stage, Err: err, Temporary: true}
		var tpe *textproto.Error
		if errors.As(err, &tpe) {
			se.Code = tpe.Code
			se.Temporary = tpe.Code < 500
		}
		var ne net.Error
		if errors.As(err, &ne) {
			se.Temporary = true
		}
		return se
	}
	if err := c.Mail("<" + from + ">"); err != nil {
		return fail("mail", err)
	}
	if err := c.Rcpt("<" + to + ">"); err != nil {
		// The server's answer may quote the address: keep only the code.
		se := fail("rcpt", err)
		se.Err = fmt.Errorf("the recipient was refused (reply %d)", se.Code)
		return se
	}
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	_ = c.Quit() // the mail was accepted at the end of DATA; a failed QUIT loses nothing
	return nil
}
