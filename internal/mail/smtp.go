package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	smtpDialTimeout = 30 * time.Second // connecting, including the TLS handshake
	smtpTimeout     = 2 * time.Minute  // the whole conversation
)

// SMTP is a Mailer that sends through an SMTP server.
type SMTP struct {
	host        string
	port        string
	implicitTLS bool // smtps://
	user, pass  string
	from        string
	envFrom     string      // bare sender address for MAIL FROM
	tlsConfig   *tls.Config // base TLS settings; nil means the defaults (tests set RootCAs)
}

// NewSMTP parses rawURL: smtp://[user[:pass]@]host[:port] (port 587; STARTTLS
// when the server offers it) or smtps://[user[:pass]@]host[:port] (port 465,
// implicit TLS). User and password are URL-unescaped. Errors name the problem
// but never contain the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, errors.New("mail: invalid SMTP URL: " + urlProblem(err))
	}
	s := &SMTP{from: from}
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
	s.port = u.Port()
	if s.port == "" {
		if strings.HasSuffix(u.Host, ":") {
			return nil, errors.New("mail: invalid SMTP URL: empty port")
		}
		s.port = "587"
		if s.implicitTLS {
			s.port = "465"
		}
	} else if n, err := strconv.Atoi(s.port); err != nil || n < 1 || n > 65535 {
		return nil, errors.New("mail: invalid SMTP URL: invalid port (want 1-65535)")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("mail: invalid SMTP URL: unexpected path")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("mail: invalid SMTP URL: unexpected query or fragment")
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

// Send delivers m. The dial and the whole conversation are bounded by ctx and
// by fixed timeouts.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	raw, err := Bytes(s.from, m, time.Now())
	if err != nil {
		return err
	}
	to, err := parseTo(m.To)
	if err != nil {
		return err
	}
	conn, err := s.dial(ctx)
	if err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return fmt.Errorf("mail: smtp connect: %w (%v)", cerr, err)
		}
		return fmt.Errorf("mail: smtp connect: %w", err)
	}
	deadline := time.Now().Add(smtpTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	// A cancelled context interrupts a blocked read or write at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if err := s.converse(conn, to.Address, raw); err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return fmt.Errorf("mail: smtp: %w (%v)", cerr, err)
		}
		return fmt.Errorf("mail: smtp: %w", err)
	}
	return nil
}

// ctxErr is ctx.Err(), also when the connection deadline copied from ctx fired
// a moment before the context noticed.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func (s *SMTP) tlsConf() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.tlsConfig != nil {
		cfg = s.tlsConfig.Clone()
	}
	cfg.ServerName = s.host
	return cfg
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, smtpDialTimeout)
	defer cancel()
	addr := net.JoinHostPort(s.host, s.port)
	d := &net.Dialer{}
	if s.implicitTLS {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConf()}
		return td.DialContext(ctx, "tcp", addr)
	}
	return d.DialContext(ctx, "tcp", addr)
}

func (s *SMTP) converse(conn net.Conn, to string, raw []byte) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConf()); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		}
	}
	if s.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("server offers no AUTH but the SMTP URL has credentials")
		}
		// PlainAuth refuses to send credentials unencrypted except to localhost.
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(s.envFrom); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}
