package courier

import (
	"context"
	"errors"
	"time"

	"bobbin/internal/mail"
	"bobbin/internal/store"
)

// DB is what the queue needs of the database.
type DB interface {
	Mail() store.Mail
	Write(ctx context.Context, fn func(*store.Tx) error) error
}

// Metrics counts deliveries; internal/metrics' Registry is one.
type Metrics interface {
	MailDelivery(result string) // delivered, retry, failed
}

// QueueOptions configure the mail queue and its worker.
type QueueOptions struct {
	DB      DB
	Metrics Metrics // nil: not counted
	// Window is how long a mail is retried before it is marked failed
	// (BACKEND_MAIL_RETRY_WINDOW, a day); Delay the first retry's delay,
	// doubled at each next one up to MaxDelay (an hour).
	Window, Delay, MaxDelay time.Duration
	// Poll is how often the worker looks for due mail besides being woken
	// by a new one (default 1 s): mails queued by other replicas, retries.
	Poll time.Duration
	// Lease is how long a claimed mail is left to its worker (default 5
	// minutes, more than an SMTP conversation may take): a worker that dies
	// mid-delivery leaves its mail to be taken again after it.
	Lease time.Duration
}

type queue struct {
	QueueOptions
	wake chan struct{}
}

// Queue makes c queue its mail in the database and deliver it with its
// mailer from Run; without it (the outbox alone), mail is written at once.
func (c *Courier) Queue(o QueueOptions) {
	if o.Window <= 0 {
		o.Window = 24 * time.Hour
	}
	if o.Delay <= 0 {
		o.Delay = 30 * time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	c.q = &queue{QueueOptions: o, wake: make(chan struct{}, 1)}
}

// Queued reports whether mail goes through the database queue.
func (c *Courier) Queued() bool { return c.q != nil }

// Depth is the number of mails waiting for delivery (for the metric).
func (c *Courier) Depth(ctx context.Context) (int64, error) {
	if c.q == nil {
		return 0, nil
	}
	return c.q.DB.Mail().Depth(ctx)
}

func (q *queue) enqueue(ctx context.Context, tx *store.Tx, kind mail.Kind, m mail.Message) error {
	b, err := encode(m)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	qm := &store.QueuedMail{Kind: string(kind), To: m.To, Body: b, NextAt: now, CreatedAt: now}
	if tx != nil {
		err = tx.Mail().Enqueue(ctx, qm)
	} else {
		err = q.DB.Write(ctx, func(tx *store.Tx) error { return tx.Mail().Enqueue(ctx, qm) })
	}
	if err == nil {
		q.nudge() // inside a transaction it may come before the commit: Poll catches it then
	}
	return err
}

func (q *queue) nudge() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run delivers queued mail until ctx ends: one worker per replica. A mail
// is claimed (leased) in a transaction of its own, sent, then deleted; a
// failed attempt is retried with exponential backoff until the retry
// window ends, when the mail is marked failed. The queue's clock is the
// wall clock, whatever the request clock is.
func (c *Courier) Run(ctx context.Context) {
	if c.q == nil {
		return
	}
	t := time.NewTicker(c.q.Poll)
	defer t.Stop()
	for {
		c.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-c.q.wake:
		case <-t.C:
		}
	}
}

// drain delivers what is due, a few at a time, until nothing is.
func (c *Courier) drain(ctx context.Context) {
	for ctx.Err() == nil {
		var batch []store.QueuedMail
		now := time.Now()
		err := c.q.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			batch, err = tx.Mail().Claim(ctx, now.UnixMilli(), now.Add(c.q.Lease).UnixMilli(), 10)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("mail queue: claim failed; will try again", "err", err)
			}
			return
		}
		if len(batch) == 0 {
			return
		}
		for _, m := range batch {
			c.deliver(ctx, m)
		}
	}
}

// deliver makes one attempt at one claimed mail and records its outcome.
func (c *Courier) deliver(ctx context.Context, qm store.QueuedMail) {
	st := c.q.DB.Mail()
	keep := context.WithoutCancel(ctx) // the outcome is written even while stopping
	msg, err := decode(qm.To, qm.Body)
	if err != nil {
		c.log.Error("mail queue: unreadable mail marked failed", "id", qm.ID, "kind", qm.Kind, "err", err)
		c.count("failed")
		if err := st.Fail(keep, qm.ID, qm.Attempts, "unreadable: "+err.Error()); err != nil {
			c.log.Warn("mail queue: marking failed", "id", qm.ID, "err", err)
		}
		return
	}
	err = c.mailer.Send(ctx, msg)
	now := time.Now()
	if err == nil {
		c.count("delivered")
		if err := st.Delivered(keep, qm.ID); err != nil {
			// The lease runs out and it is sent again: better twice than never.
			c.log.Error("mail queue: delivered but not removed", "id", qm.ID, "err", err)
		}
		return
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Stopping: not an attempt; due again at once for the next start.
		if err := st.Retry(keep, qm.ID, qm.Attempts, now.UnixMilli(), qm.LastError); err != nil {
			c.log.Warn("mail queue: releasing", "id", qm.ID, "err", err)
		}
		return
	}
	attempts := qm.Attempts + 1
	next := now.Add(Backoff(c.q.Delay, c.q.MaxDelay, attempts))
	end := time.UnixMilli(qm.RetryFrom).Add(c.q.Window)
	if !mail.IsTemporary(err) || next.After(end) {
		c.count("failed")
		c.log.Error("mail queue: mail failed, no more attempts (bobbin mail retry)", "id", qm.ID, "kind", qm.Kind, "attempts", attempts, "err", err)
		if err := st.Fail(keep, qm.ID, attempts, err.Error()); err != nil {
			c.log.Warn("mail queue: marking failed", "id", qm.ID, "err", err)
		}
		return
	}
	c.count("retry")
	c.log.Warn("mail queue: delivery failed; will retry", "id", qm.ID, "kind", qm.Kind, "attempts", attempts, "next", next.UTC().Format(time.RFC3339), "err", err)
	if err := st.Retry(keep, qm.ID, attempts, next.UnixMilli(), err.Error()); err != nil {
		c.log.Warn("mail queue: recording the attempt", "id", qm.ID, "err", err)
	}
}

func (c *Courier) count(result string) {
	if c.q.Metrics != nil {
		c.q.Metrics.MailDelivery(result)
	}
}

// Backoff is the delay after the n-th failed attempt (n >= 1): first, then
// doubled each time, never more than max.
func Backoff(first, max time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n; i++ {
		d *= 2
		if d >= max {
			return max
		}
	}
	return min(d, max)
}
