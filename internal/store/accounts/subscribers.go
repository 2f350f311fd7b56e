package accounts

import (
	"context"
)

// Subscriber is a decrypted newsletter subscriber row. EHash is the keyed
// hash of the address (vault.EHash); it is the lookup key and the bearer
// capability of the unsubscribe link.
type Subscriber struct {
	ID        string
	Email     string
	EHash     string
	Language  string
	Active    bool
	CreatedAt int64
	UpdatedAt int64
}

const subscriberColumns = "id, email_enc, ehash, language, active, created_at, updated_at"

func (st Subscribers) scan(row interface{ Scan(...any) error }) (*Subscriber, error) {
	db := st.db
	var s Subscriber
	var email string
	if err := row.Scan(&s.ID, &email, &s.EHash, &s.Language, &s.Active, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	var err error
	if s.Email, err = db.v.Decrypt("subscribers.email", email); err != nil {
		return nil, err
	}
	return &s, nil
}

// CreateSubscriber inserts s; EHash is computed from Email here. An address
// already subscribed is ErrConflict.
func (st Subscribers) Create(ctx context.Context, s *Subscriber) error {
	db, q := st.db, st.q
	s.EHash = db.v.EHash(s.Email)
	enc, err := db.v.Encrypt("subscribers.email", s.Email)
	if err != nil {
		return err
	}
	if s.CreatedAt == 0 {
		s.CreatedAt = Now()
	}
	s.UpdatedAt = s.CreatedAt
	_, err = q.Exec(ctx, "INSERT INTO subscribers (id, email_enc, ehash, language, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
		s.ID, enc, s.EHash, s.Language, s.Active, s.CreatedAt, s.UpdatedAt)
	return mapErr(err)
}

// SubscriberByEHash reads a subscriber by the keyed hash of its address.
func (st Subscribers) ByEHash(ctx context.Context, ehash string) (*Subscriber, error) {
	db, q := st.db, st.q
	return (Subscribers{conn{db, db}}).scan(q.QueryRow(ctx, "SELECT "+subscriberColumns+" FROM subscribers WHERE ehash = ?", ehash))
}

// SubscriberByID reads a subscriber by id.
func (st Subscribers) ByID(ctx context.Context, id string) (*Subscriber, error) {
	db, q := st.db, st.q
	return (Subscribers{conn{db, db}}).scan(q.QueryRow(ctx, "SELECT "+subscriberColumns+" FROM subscribers WHERE id = ?", id))
}

// SetSubscriberLanguage changes the language of a subscriber.
func (st Subscribers) SetLanguage(ctx context.Context, id, language string, now int64) error {
	q := st.q
	res, err := q.Exec(ctx, "UPDATE subscribers SET language = ?, updated_at = ? WHERE id = ?", language, now, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// ActivateSubscriber marks a subscriber confirmed.
func (st Subscribers) Activate(ctx context.Context, id string, now int64) error {
	q := st.q
	res, err := q.Exec(ctx, "UPDATE subscribers SET active = ?, updated_at = ? WHERE id = ?", true, now, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// Unsubscribe removes the subscriber with this ehash (the row and its
// address are deleted, not kept inactive) and clears the newsletter flag of
// the account with the same address, so that no newsletter reaches the
// address by either path. It reports whether a subscriber row existed.
func (st Subscribers) Unsubscribe(ctx context.Context, ehash string, now int64) (bool, error) {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM subscribers WHERE ehash = ?", ehash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if _, err := q.Exec(ctx, "UPDATE users SET newsletter = ?, updated_at = ? WHERE ehash = ? AND newsletter = ?",
		false, now, ehash, true); err != nil {
		return false, err
	}
	st.revokeAll() // the account's newsletter flag (its id is not known here)
	return n > 0, nil
}

// Subscribers lists every subscriber, oldest first.
func (st Subscribers) All(ctx context.Context) ([]*Subscriber, error) {
	db, q := st.db, st.q
	rows, err := q.Query(ctx, "SELECT "+subscriberColumns+" FROM subscribers ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Subscriber{}
	for rows.Next() {
		s, err := (Subscribers{conn{db, db}}).scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
