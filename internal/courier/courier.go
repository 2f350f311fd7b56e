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
	recipient *throttle.Limiter
	address   *throttle.Limiter
	log       *slog.Logger
	now       func() time.Time
}

// Limits are the mail limits.
type Limits struct {
	PerRecipient, PerAddress int
	Window                   time.Duration
}

// New builds a courier. ehash is the keyed email hash that names a
// recipient in the limiter (never the address itself).
func New(mailer mail.Mailer, outbox *mail.Outbox, ehash func(string) string, l Limits, log *slog.Logger, now func() time.Time) *Courier {
	return &Courier{mailer: mailer, outbox: outbox, ehash: ehash,
		recipient: throttle.New(l.PerRecipient, l.Window), address: throttle.New(l.PerAddress, l.Window),
		log: log, now: now}
}

// Allowed applies the mail limits per client address (of the request in
// ctx) and per recipient: 429 with Retry-After over either.
func (c *Courier) Allowed(ctx context.Context, recipient string) error {
	now := c.now()
	if ok, d := c.address.Take(httpx.IP(ctx), now); !ok {
		return apierr.TooManyRequests.Retry(d)
	}
	if ok, d := c.recipient.Take(c.ehash(recipient), now); !ok {
		return apierr.TooManyRequests.Retry(d)
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

// Sweep drops expired limiter entries.
func (c *Courier) Sweep(now time.Time) {
	c.recipient.Sweep(now)
	c.address.Sweep(now)
}
