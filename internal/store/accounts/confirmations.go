package accounts

import (
	"context"
	"crypto/subtle"
	"encoding/json"
)

// Confirmation types.
const (
	ConfirmSignup      = "signup"
	ConfirmSigninLink  = "signinlink"
	ConfirmEmailChange = "emailchange"
	ConfirmNewsletter  = "newsletter"
	ConfirmOAuth       = "oauth-init"       // an OAuth state: provider, language, PKCE verifier, nonce
	ConfirmPasskey     = "passkey-ceremony" // a WebAuthn ceremony's session data
)

// Confirmation is a pending, single-use action identified by a random id
// and proven by a random check (stored only as a keyed hash).
type Confirmation struct {
	ID        string
	Type      string
	UserID    int64 // 0 when none
	Data      map[string]any
	CheckHash string
	CreatedAt int64
	ExpiresAt int64
}

// CreateConfirmation stores c. The caller sets ID, CheckHash and ExpiresAt.
func (st Confirmations) Create(ctx context.Context, c *Confirmation) error {
	db, q := st.db, st.q
	if c.Data == nil {
		c.Data = map[string]any{}
	}
	raw, err := json.Marshal(c.Data)
	if err != nil {
		return err
	}
	enc, err := db.v.Encrypt("confirmations.data", string(raw))
	if err != nil {
		return err
	}
	if c.CreatedAt == 0 {
		c.CreatedAt = Now()
	}
	var uid any
	if c.UserID != 0 {
		uid = c.UserID
	}
	_, err = q.Exec(ctx, "INSERT INTO confirmations (id, type, user_id, data_enc, check_hash, created_at, expires_at) VALUES (?,?,?,?,?,?,?)",
		c.ID, c.Type, uid, enc, c.CheckHash, c.CreatedAt, c.ExpiresAt)
	return mapErr(err)
}

// ConfirmationByID reads a live (unexpired) confirmation.
func (st Confirmations) ByID(ctx context.Context, id string, now int64) (*Confirmation, error) {
	db, q := st.db, st.q
	var c Confirmation
	var uid *int64
	var enc string
	err := q.QueryRow(ctx, "SELECT id, type, user_id, data_enc, check_hash, created_at, expires_at FROM confirmations WHERE id = ? AND expires_at > ?",
		id, now).Scan(&c.ID, &c.Type, &uid, &enc, &c.CheckHash, &c.CreatedAt, &c.ExpiresAt)
	if err != nil {
		return nil, mapErr(err)
	}
	if uid != nil {
		c.UserID = *uid
	}
	plain, err := db.v.Decrypt("confirmations.data", enc)
	if err != nil {
		return nil, err
	}
	c.Data = map[string]any{}
	if plain != "" {
		if err := json.Unmarshal([]byte(plain), &c.Data); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// CheckMatches compares a presented check with the stored hash in constant time.
func (st Confirmations) CheckMatches(c *Confirmation, check string) bool {
	db := st.db
	return subtle.ConstantTimeCompare([]byte(db.v.Check(check)), []byte(c.CheckHash)) == 1
}

// UseConfirmation deletes a confirmation; ErrNotFound when another request
// used it first, so a link works exactly once.
func (st Confirmations) Use(ctx context.Context, id string) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM confirmations WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// DeleteConfirmations removes a user's pending confirmations of the given types.
func (st Confirmations) Delete(ctx context.Context, userID int64, types ...string) error {
	q := st.q
	for _, t := range types {
		if _, err := q.Exec(ctx, "DELETE FROM confirmations WHERE user_id = ? AND type = ?", userID, t); err != nil {
			return err
		}
	}
	return nil
}
