package records

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// Statuses of a queued mail. A delivered mail's row is deleted.
const (
	MailQueued = "queued"
	MailFailed = "failed"
)

// QueuedMail is one mail in the queue. To and Body are personal and
// stored encrypted; Body is the rendered message as its producer encodes
// it (the store does not read it).
type QueuedMail struct {
	ID        int64
	Kind      string
	To        string
	Body      string
	Status    string
	Attempts  int
	NextAt    int64 // unix ms: not before
	RetryFrom int64 // unix ms: the retry window starts here
	LastError string
	CreatedAt int64
}

// Enqueue stores m (queued, due at m.NextAt) and sets its id; inside a
// write transaction (its INSERT ... RETURNING reads back the id).
func (st Mail) Enqueue(ctx context.Context, m *QueuedMail) error {
	to, err := st.db.v.Encrypt("mail_queue.to", m.To)
	if err != nil {
		return err
	}
	body, err := st.db.v.Encrypt("mail_queue.body", m.Body)
	if err != nil {
		return err
	}
	if m.RetryFrom == 0 {
		m.RetryFrom = m.CreatedAt
	}
	m.Status = MailQueued
	m.ID, err = insertID(ctx, st.q, "INSERT INTO mail_queue (kind, to_enc, body_enc, status, attempts, next_at, retry_from, created_at) VALUES (?,?,?,?,?,?,?,?)",
		m.Kind, to, body, MailQueued, m.Attempts, m.NextAt, m.RetryFrom, m.CreatedAt)
	return err
}

// Claim takes up to limit queued mails due at now and leases them until
// leaseUntil (their next_at moves there), so that no other worker takes
// them meanwhile and a worker that dies mid-delivery leaves them to be
// taken again once the lease ends. Call it inside a write transaction: on
// PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED, so replicas
// claim different rows without waiting on each other; SQLite has one
// writer, the transaction itself is the lock.
func (st Mail) Claim(ctx context.Context, now, leaseUntil int64, limit int) ([]QueuedMail, error) {
	q := "SELECT id, kind, to_enc, body_enc, status, attempts, next_at, retry_from, last_error, created_at FROM mail_queue WHERE status = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?"
	if st.db.dialect == Postgres {
		q += " FOR UPDATE SKIP LOCKED"
	}
	out, err := st.scan(st.q.Query(ctx, q, MailQueued, now, limit))
	if err != nil {
		return nil, err
	}
	for i := range out {
		if _, err := st.q.Exec(ctx, "UPDATE mail_queue SET next_at = ? WHERE id = ?", leaseUntil, out[i].ID); err != nil {
			return nil, mapErr(err)
		}
		out[i].NextAt = leaseUntil
	}
	return out, nil
}

// Delivered removes a delivered mail.
func (st Mail) Delivered(ctx context.Context, id int64) error {
	_, err := st.q.Exec(ctx, "DELETE FROM mail_queue WHERE id = ?", id)
	return mapErr(err)
}

// Retry records a failed attempt; the mail is due again at nextAt.
func (st Mail) Retry(ctx context.Context, id int64, attempts int, nextAt int64, lastErr string) error {
	_, err := st.q.Exec(ctx, "UPDATE mail_queue SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
		MailQueued, attempts, nextAt, lastErr, id)
	return mapErr(err)
}

// Fail marks a mail failed: no more attempts until an operator retries it.
func (st Mail) Fail(ctx context.Context, id int64, attempts int, lastErr string) error {
	_, err := st.q.Exec(ctx, "UPDATE mail_queue SET status = ?, attempts = ?, last_error = ? WHERE id = ?",
		MailFailed, attempts, lastErr, id)
	return mapErr(err)
}

// Requeue puts mails back in the queue, due at now with a new retry window
// from now: the given ids (failed or queued), or every failed mail when ids
// is empty. It returns how many rows it changed.
func (st Mail) Requeue(ctx context.Context, now int64, ids ...int64) (int64, error) {
	q := "UPDATE mail_queue SET status = ?, next_at = ?, retry_from = ? WHERE "
	args := []any{MailQueued, now, now}
	if len(ids) == 0 {
		q += "status = ?"
		args = append(args, MailFailed)
	} else {
		q += "id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := st.q.Exec(ctx, q, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

// List returns the mails of the queue, oldest first: those of one status,
// or all when status is empty.
func (st Mail) List(ctx context.Context, status string) ([]QueuedMail, error) {
	q := "SELECT id, kind, to_enc, body_enc, status, attempts, next_at, retry_from, last_error, created_at FROM mail_queue"
	var args []any
	if status != "" {
		q += " WHERE status = ?"
		args = append(args, status)
	}
	return st.scan(st.q.Query(ctx, q+" ORDER BY id", args...))
}

// Depth counts the mails waiting for delivery (queued, not failed).
func (st Mail) Depth(ctx context.Context) (int64, error) {
	var n int64
	err := st.q.QueryRow(ctx, "SELECT COUNT(*) FROM mail_queue WHERE status = ?", MailQueued).Scan(&n)
	return n, mapErr(err)
}

func (st Mail) scan(rows *sql.Rows, err error) ([]QueuedMail, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []QueuedMail
	for rows.Next() {
		var m QueuedMail
		var to, body string
		if err := rows.Scan(&m.ID, &m.Kind, &to, &body, &m.Status, &m.Attempts, &m.NextAt, &m.RetryFrom, &m.LastError, &m.CreatedAt); err != nil {
			return nil, mapErr(err)
		}
		if m.To, err = st.db.v.Decrypt("mail_queue.to", to); err != nil {
			return nil, errors.Join(errors.New("store: mail_queue: recipient"), err)
		}
		if m.Body, err = st.db.v.Decrypt("mail_queue.body", body); err != nil {
			return nil, errors.Join(errors.New("store: mail_queue: body"), err)
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}
