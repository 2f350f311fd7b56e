package courier_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/courier"
	"bobbin/internal/store"
)

// smtpServer is a small SMTP server on loopback: plain text (the URL says
// starttls=none), no authentication; it records each mail's recipient and
// data, and answers MAIL FROM with reject when set (a permanent failure).
type smtpServer struct {
	mu     sync.Mutex
	got    []received
	reject string // e.g. "550 5.7.1 no"
	ln     net.Listener
	wg     sync.WaitGroup
}

type received struct{ to, data string }

// freeAddr is a loopback address nobody listens on: the server is down.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// up starts the server on addr (taking a down server's address).
func (s *smtpServer) up(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); defer c.Close(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
}

func (s *smtpServer) serve(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(l string) { c.Write([]byte(l + "\r\n")) }
	say("220 test ESMTP")
	var to string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			if s.reject != "" {
				say(s.reject)
				continue
			}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			to = strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.got = append(s.got, received{to, b.String()})
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default: // RSET, NOOP
			say("250 ok")
		}
	}
}

func (s *smtpServer) mails() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// eventually waits for cond (the worker runs on its own), failing after a
// generous bound; it asserts an outcome, not a duration.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func queue(t *testing.T, e *apitest.Env) []store.QueuedMail {
	t.Helper()
	ms, err := e.App.DB.Mail().List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func smtpEnv(t *testing.T, addr, dir string, extra ...apitest.Option) *apitest.Env {
	opts := append([]apitest.Option{
		apitest.WithDataDir(dir),
		apitest.WithEnv("BACKEND_SMTP_URL", "smtp://"+addr+"?starttls=none"),
		apitest.WithEnv("BACKEND_MAIL_FROM", "bobbin@example.com"),
		apitest.WithEnv("BACKEND_MAIL_RETRY_DELAY", "20ms"),
	}, extra...)
	return apitest.New(t, opts...)
}

func signup(t *testing.T, e *apitest.Env, email string) {
	t.Helper()
	e.Do("POST", "/signup", map[string]any{"email": email, "language": "en"}, apitest.Auth{}).Expect(t, 201, "")
}

// SMTP down: the request still answers and its mail waits in the queue
// (retried); the app restarts; SMTP comes up: the mail is delivered once,
// and nothing is left or sent twice.
func TestMailSurvivesAnOutageAndARestart(t *testing.T) {
	addr, dir := freeAddr(t), t.TempDir()
	e := smtpEnv(t, addr, dir)
	signup(t, e, "down@example.com")
	newsletter := e.Do("POST", "/subscriber", map[string]any{"email": "news@example.com", "language": "en"}, apitest.Auth{})
	newsletter.Expect(t, 200, "")
	eventually(t, "a failed attempt recorded", func() bool {
		ms := queue(t, e)
		return len(ms) == 2 && ms[0].Attempts >= 1 && ms[1].Attempts >= 1
	})
	for _, m := range queue(t, e) {
		if m.Status != store.MailQueued || m.LastError == "" {
			t.Fatalf("after a failed attempt: %+v", m)
		}
		if strings.Contains(m.LastError, m.To) {
			t.Fatalf("the error names the recipient: %q", m.LastError)
		}
	}
	if len(e.Outbox()) != 0 {
		t.Fatalf("SMTP mail written to the outbox: %d", len(e.Outbox()))
	}
	// The recipient is encrypted at rest.
	var raw string
	if err := e.App.DB.QueryRow(context.Background(), "SELECT to_enc FROM mail_queue LIMIT 1").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "example.com") {
		t.Fatalf("recipient stored in the clear: %q", raw)
	}
	e.Close()

	srv := &smtpServer{}
	srv.up(t, addr)
	e2 := smtpEnv(t, addr, dir)
	eventually(t, "the queue drained after the restart", func() bool { return len(queue(t, e2)) == 0 })
	e2.Close()
	got := srv.mails()
	if len(got) != 2 {
		t.Fatalf("delivered %d mails, want 2 (each once): %+v", len(got), got)
	}
	tos := got[0].to + " " + got[1].to
	if !strings.Contains(tos, "down@example.com") || !strings.Contains(tos, "news@example.com") {
		t.Fatalf("delivered to %s", tos)
	}
	for _, m := range got {
		if !strings.Contains(m.data, "Subject:") || !strings.Contains(m.data, "http://") {
			t.Fatalf("delivered mail without its subject or link:\n%s", m.data)
		}
	}
}

// SMTP up: a mail is delivered and counted.
func TestMailDeliveredWhenSMTPIsUp(t *testing.T) {
	addr := freeAddr(t)
	srv := &smtpServer{}
	srv.up(t, addr)
	e := smtpEnv(t, addr, t.TempDir())
	signup(t, e, "up@example.com")
	eventually(t, "delivered", func() bool { return len(srv.mails()) == 1 && len(queue(t, e)) == 0 })
	if got := srv.mails()[0].to; got != "up@example.com" {
		t.Fatalf("delivered to %q", got)
	}
	var b strings.Builder
	if err := e.App.Metrics.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `bobbin_mail_deliveries_total{result="delivered"} 1`) ||
		!strings.Contains(b.String(), "bobbin_mail_queue_depth 0") {
		t.Fatalf("metrics:\n%s", grep(b.String(), "bobbin_mail"))
	}
	// A mail sent after the answer (a sign-in link), outside any
	// transaction, goes through the queue too.
	e.Do("POST", "/signinlink", map[string]any{"username": "up@example.com"}, apitest.Auth{}).Expect(t, 200, "")
	e.Settle()
	eventually(t, "the sign-in link delivered", func() bool { return len(srv.mails()) == 2 && len(queue(t, e)) == 0 })
	if m := srv.mails()[1]; m.to != "up@example.com" || !strings.Contains(m.data, "signin") {
		t.Fatalf("sign-in link mail: %+v", m)
	}
	// A test request's mail still goes to the outbox, never the queue.
	e.Do("POST", "/signup", map[string]any{"email": "t@example.com", "language": "en", "test": true}, apitest.Auth{}).Expect(t, 201, "")
	if _, ok := e.LastMailTo("t@example.com"); !ok || len(queue(t, e)) != 0 {
		t.Fatalf("test-mode mail: in outbox %v, queue %d", ok, len(queue(t, e)))
	}
}

// SMTP down for longer than the retry window: the mail is marked failed,
// counted, and `bobbin mail retry` (Requeue) sends it once SMTP is back.
func TestMailFailsAfterTheRetryWindowAndCanBeRetried(t *testing.T) {
	addr := freeAddr(t)
	e := smtpEnv(t, addr, t.TempDir(), apitest.WithEnv("BACKEND_MAIL_RETRY_WINDOW", "200ms"))
	signup(t, e, "late@example.com")
	eventually(t, "marked failed", func() bool {
		ms := queue(t, e)
		return len(ms) == 1 && ms[0].Status == store.MailFailed
	})
	m := queue(t, e)[0]
	if m.Attempts < 2 {
		t.Fatalf("failed after %d attempts; want retries first", m.Attempts)
	}
	var b strings.Builder
	e.App.Metrics.WriteText(&b)
	for _, want := range []string{`bobbin_mail_deliveries_total{result="failed"} 1`, `bobbin_mail_deliveries_total{result="retry"}`, "bobbin_mail_queue_depth 0"} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("metrics lack %s:\n%s", want, grep(b.String(), "bobbin_mail"))
		}
	}
	srv := &smtpServer{}
	srv.up(t, addr)
	if n, err := e.App.DB.Mail().Requeue(context.Background(), time.Now().UnixMilli()); err != nil || n != 1 {
		t.Fatalf("requeue: %d %v", n, err)
	}
	eventually(t, "delivered after the retry", func() bool { return len(srv.mails()) == 1 && len(queue(t, e)) == 0 })
}

// A server that rejects the mail for good (5xx): failed at the first
// attempt, not retried for a day.
func TestMailRejectedIsFailedAtOnce(t *testing.T) {
	addr := freeAddr(t)
	srv := &smtpServer{reject: "550 5.7.1 sender refused"}
	srv.up(t, addr)
	e := smtpEnv(t, addr, t.TempDir())
	signup(t, e, "no@example.com")
	eventually(t, "marked failed", func() bool {
		ms := queue(t, e)
		return len(ms) == 1 && ms[0].Status == store.MailFailed
	})
	if m := queue(t, e)[0]; m.Attempts != 1 || !strings.Contains(m.LastError, "550") {
		t.Fatalf("rejected mail: %+v", m)
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {8, time.Hour}, {40, time.Hour}} {
		if got := courier.Backoff(30*time.Second, time.Hour, c.n); got != c.want {
			t.Errorf("Backoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
