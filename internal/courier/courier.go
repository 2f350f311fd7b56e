// Package courier sends the mails that requests cause: it applies the mail
// limits (per recipient and per client address, so the server cannot be
// used to flood an inbox), renders each mail from its template, and hands
// it to the configured sender; a test request's mail always goes to the
// outbox, never over SMTP.
package courier

import (
	"context"
	"log/slog"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/mail"
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

// Send renders and sends a mail. Test requests always go to the outbox,
// never over SMTP. A failure is logged and not answered: answering it
// would tell a caller whether an account exists.
func (c *Courier) Send(ctx context.Context, test bool, kind mail.Kind, lang, to string, d mail.Data) {
	m, err := mail.Compose(kind, lang, to, d)
	if err != nil {
		c.log.Error("mail compose failed", "kind", string(kind), "err", err)
		return
	}
	var sender mail.Mailer = c.mailer
	if test && c.outbox != nil {
		sender = c.outbox
	}
	if err := sender.Send(ctx, m); err != nil {
		c.log.Error("mail send failed", "kind", string(kind), "err", err)
	}
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
