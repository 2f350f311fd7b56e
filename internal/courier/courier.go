// Package courier sends the mails that requests cause: it applies the mail
// limits (per recipient and per client address, so the server cannot be
// used to flood an inbox), renders each mail from its template, and queues
// it in the database (the mail_queue outbox table, in the transaction of
// the change that causes it when there is one) for its worker to deliver
// over SMTP with retries. A test request's mail, and every mail when no
// SMTP server is configured, goes to the outbox files directly.
package courier

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/mail"
	"bobbin/internal/store"
	"bobbin/internal/throttle"
)

// Courier sends mail for the domains.
type Courier struct {
	mailer    mail.Mailer  // SMTP when configured, else the outbox
	outbox    *mail.Outbox // where test-mode mail always goes
	ehash     func(email string) string
	recipient throttle.Counter
	address   throttle.Counter
	log       *slog.Logger
	now       func() time.Time

	q *queue // nil: no queue, the mailer is called at once (the outbox)
}

// Limits are the mail limits.
type Limits struct {
	PerRecipient, PerAddress int
	Window                   time.Duration
	// Recipient and Address, when set, count the limits instead of
	// in-process limiters (the database's, with several replicas).
	Recipient, Address throttle.Counter
}

// New builds a courier. ehash is the keyed email hash that names a
// recipient in the limiter (never the address itself).
func New(mailer mail.Mailer, outbox *mail.Outbox, ehash func(string) string, l Limits, log *slog.Logger, now func() time.Time) *Courier {
	c := &Courier{mailer: mailer, outbox: outbox, ehash: ehash, recipient: l.Recipient, address: l.Address, log: log, now: now}
	if c.recipient == nil {
		c.recipient = throttle.New(l.PerRecipient, l.Window)
	}
	if c.address == nil {
		c.address = throttle.New(l.PerAddress, l.Window)
	}
	return c
}

// Allowed applies the mail limits per client address (of the request in
// ctx) and per recipient: 429 with Retry-After over either.
func (c *Courier) Allowed(ctx context.Context, recipient string) error {
	now := c.now()
	for _, l := range [...]struct {
		c   throttle.Counter
		key string
	}{{c.address, httpx.IP(ctx)}, {c.recipient, c.ehash(recipient)}} {
		ok, d, err := l.c.Allow(ctx, l.key, now)
		if err != nil {
			return err
		}
		if !ok {
			return apierr.TooManyRequests.Retry(d)
		}
	}
	return nil
}

// Send renders a mail and queues it (a write of its own), or writes it to
// the outbox when it is a test request's or no queue is set. A failure is
// logged and not answered: answering it would tell a caller whether an
// account exists.
func (c *Courier) Send(ctx context.Context, test bool, kind mail.Kind, lang, to string, d mail.Data) {
	if err := c.send(ctx, nil, test, kind, lang, to, d); err != nil {
		c.log.Error("mail not queued", "kind", string(kind), "err", err)
	}
}

// SendIn is Send inside the transaction of the change that causes the
// mail: the mail is queued if and only if the change commits. Its error
// (the queue could not be written) fails the transaction, so that a change
// is never kept without its mail.
func (c *Courier) SendIn(ctx context.Context, tx *store.Tx, test bool, kind mail.Kind, lang, to string, d mail.Data) error {
	return c.send(ctx, tx, test, kind, lang, to, d)
}

func (c *Courier) send(ctx context.Context, tx *store.Tx, test bool, kind mail.Kind, lang, to string, d mail.Data) error {
	m, err := mail.Compose(kind, lang, to, d)
	if err != nil {
		c.log.Error("mail compose failed", "kind", string(kind), "err", err)
		return nil // a template fault: nothing to retry, nothing to roll back for
	}
	if c.q == nil || (test && c.outbox != nil) {
		var sender mail.Mailer = c.mailer
		if test && c.outbox != nil {
			sender = c.outbox
		}
		if err := sender.Send(ctx, m); err != nil {
			c.log.Error("mail send failed", "kind", string(kind), "err", err)
		}
		return nil
	}
	return c.q.enqueue(ctx, tx, kind, m)
}

// Sweep drops expired entries of the in-process limiters (the server
// sweeps the database's).
func (c *Courier) Sweep(now time.Time) {
	for _, l := range []throttle.Counter{c.recipient, c.address} {
		if m, ok := l.(*throttle.Limiter); ok {
			m.Sweep(now)
		}
	}
}

// body is what the queue keeps of a message besides its recipient.
type body struct {
	Subject string            `json:"subject"`
	Text    string            `json:"text"`
	HTML    string            `json:"html,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Link    string            `json:"link,omitempty"`
}

func encode(m mail.Message) (string, error) {
	b, err := json.Marshal(body{Subject: m.Subject, Text: m.Text, HTML: m.HTML, Headers: m.Headers, Link: m.Link})
	return string(b), err
}

func decode(to, s string) (mail.Message, error) {
	var b body
	err := json.Unmarshal([]byte(s), &b)
	return mail.Message{To: to, Subject: b.Subject, Text: b.Text, HTML: b.HTML, Headers: b.Headers, Link: b.Link}, err
}
