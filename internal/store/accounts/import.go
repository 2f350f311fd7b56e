package accounts

// Writes of `bobbin import freesewing` (internal/fsimport): rows that keep
// their upstream ids, written as upserts so that a second run updates what
// changed; the per-row digests that make a run resumable; the sequences set
// past the highest imported id; and the two legacy credentials that keep
// upstream's clients working (API-key secrets hashed upstream's way, and
// sign-in tokens signed with upstream's secret). Migration 0020_import adds
// the columns and the table used here.

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"bobbin/internal/store/engine"
)

// LegacyKeyMarker is stored in secret_hash of a key imported with
// upstream's hash of its secret (in legacy_secret). It is not 32 bytes, so
// no secret's HMAC ever equals it.
var LegacyKeyMarker = []byte("fsimport:legacy")

// IsLegacyKeyHash reports whether a stored secret hash is LegacyKeyMarker.
func IsLegacyKeyHash(h []byte) bool { return bytes.Equal(h, LegacyKeyMarker) }

// LegacySessionID is the session row that stands for every sign-in token
// upstream issued to a user (they carry no jti). Deleting it — sign-out
// everywhere, a password change from another session, a lowered role,
// disabling or reactivating the account — ends them all.
func LegacySessionID(userID int64) string { return "fsimport-legacy-" + strconv.FormatInt(userID, 10) }

var (
	sqlImportUser = engine.Upsert("users", "id", "username", "lusername", "email_enc", "ehash", "initial_enc", "ihash", "bio_enc",
		"data_enc", "consent", "control", "compare", "imperial", "newsletter", "language", "role", "status", "patron",
		"password", "mfa_enabled", "mfa_secret_enc", "img", "jwt_calls", "key_calls", "last_seen", "created_at", "updated_at")
	sqlImportKey = engine.Upsert("apikeys", "id", "user_id", "name_enc", "level", "secret_hash", "legacy_secret", "expires_at",
		"created_at", "last_seen", "calls")
	sqlImportSubscriber = engine.Upsert("subscribers", "id", "email_enc", "ehash", "language", "active", "created_at", "updated_at")
)

// ImportUser writes u with its own id (insert, or update of a row this
// import wrote before). EHash and IHash are computed Bobbin's way from
// Email and Initial. The MFA scratch codes and last step, which upstream
// does not have, are left as they are.
func (st Import) User(ctx context.Context, u *User) error {
	db, tx := st.db, st.q.(*Tx)
	u.EHash = db.v.EHash(u.Email)
	if u.Initial == "" {
		u.Initial = u.Email
	}
	u.IHash = db.v.EHash(u.Initial)
	e, err := tx.Users().enc(u)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sqlImportUser, u.ID, u.Username, strings.ToLower(u.Username), e.email, u.EHash, e.initial,
		u.IHash, e.bio, e.data, u.Consent, u.Control, u.Compare, u.Imperial, u.Newsletter, u.Language, u.Role, u.Status,
		u.Patron, u.Password, u.MFAEnabled, e.secret, u.Img, u.JWTCalls, u.KeyCalls, u.LastSeen, u.CreatedAt, u.UpdatedAt)
	invalidate(db, tx, false, userStripe(u.ID)) // an update may change role, status, consent
	return mapErr(err)
}

// ImportUserClash names why user id cannot take lusername and the email
// hash of email, or "" when it can: another account holds the name or the
// address, or the id belongs to an account this import did not write.
func (st Import) UserClash(ctx context.Context, id int64, username, email string) (string, error) {
	db, tx := st.db, st.q.(*Tx)
	rows, err := tx.Query(ctx, "SELECT id, lusername, ehash FROM users WHERE id = ? OR lusername = ? OR ehash = ?",
		id, strings.ToLower(username), db.v.EHash(email))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	reason := ""
	sameID := false
	for rows.Next() {
		var other int64
		var lname, ehash string
		if err := rows.Scan(&other, &lname, &ehash); err != nil {
			return "", err
		}
		switch {
		case other == id:
			sameID = true
		case lname == strings.ToLower(username):
			reason = "username collides with another account (user " + strconv.FormatInt(other, 10) + ")"
		default:
			reason = "email is another account's (user " + strconv.FormatInt(other, 10) + ")"
		}
	}
	if err := rows.Err(); err != nil || reason != "" {
		return reason, err
	}
	if sameID {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM fsimport_rows WHERE tbl = 'users' AND id = ?",
			strconv.FormatInt(id, 10)).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return "id belongs to an account made in Bobbin", nil
		}
	}
	return "", nil
}

// ImportKey writes k with its own id and upstream's hash of its secret in
// legacy_secret (secret_hash holds LegacyKeyMarker until the first use).
// A key whose first use already happened keeps Bobbin's hash (isNew
// false: an earlier run wrote the key, so it is looked at).
func (st Import) Key(ctx context.Context, k *APIKey, legacySecret string, isNew bool) error {
	db, tx := st.db, st.q.(*Tx)
	name, err := db.v.Encrypt("apikeys.name", k.Name)
	if err != nil {
		return err
	}
	hash, legacy := LegacyKeyMarker, legacySecret
	if !isNew {
		var cur []byte
		var curLegacy string
		err = tx.QueryRow(ctx, "SELECT secret_hash, legacy_secret FROM apikeys WHERE id = ?", k.ID).Scan(&cur, &curLegacy)
		if err == nil && !IsLegacyKeyHash(cur) && curLegacy == "" {
			hash, legacy = cur, "" // upgraded at its first use: Bobbin's hash stays
		} else if err = mapErr(err); err != nil && err != ErrNotFound {
			return err
		}
	}
	_, err = tx.Exec(ctx, sqlImportKey, k.ID, k.UserID, name, k.Level, hash, legacy, k.ExpiresAt, k.CreatedAt, k.LastSeen, k.Calls)
	invalidate(db, tx, false, credStripe(k.ID))
	return mapErr(err)
}

// ImportSubscriber writes s with its own id; EHash is computed here. An
// address another subscriber row holds is ErrConflict.
func (st Import) Subscriber(ctx context.Context, s *Subscriber) error {
	db, tx := st.db, st.q.(*Tx)
	s.EHash = db.v.EHash(s.Email)
	var other string
	err := tx.QueryRow(ctx, "SELECT id FROM subscribers WHERE ehash = ?", s.EHash).Scan(&other)
	if err == nil && other != s.ID {
		return ErrConflict
	}
	enc, err := db.v.Encrypt("subscribers.email", s.Email)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sqlImportSubscriber, s.ID, enc, s.EHash, s.Language, s.Active, s.CreatedAt, s.UpdatedAt)
	return mapErr(err)
}

// ImportLegacySessions gives every imported user, once, the session that
// stands for their upstream sign-in tokens (LegacySessionID), and moves the
// expiry of those still there to until (Unix ms). A session revoked since
// (sign-out everywhere, a lowered role...) is not made again: each user
// gets one at most once, recorded in fsimport_rows as "legacy-session".
func (st Import) LegacySessions(ctx context.Context, until int64) error {
	db, tx := st.db, st.q.(*Tx)
	now := Now()
	if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at)
 SELECT 'fsimport-legacy-' || r.id, u.id, ?, ? FROM fsimport_rows r JOIN users u ON u.id = CAST(r.id AS BIGINT)
 WHERE r.tbl = 'users' AND NOT EXISTS (SELECT 1 FROM fsimport_rows m WHERE m.tbl = 'legacy-session' AND m.id = r.id)
 ON CONFLICT (id) DO NOTHING`, now, until); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO fsimport_rows (tbl, id, digest, imported_at)
 SELECT 'legacy-session', r.id, '', ? FROM fsimport_rows r
 WHERE r.tbl = 'users' AND NOT EXISTS (SELECT 1 FROM fsimport_rows m WHERE m.tbl = 'legacy-session' AND m.id = r.id)`, now); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE sessions SET expires_at = ? WHERE id LIKE 'fsimport-legacy-%' AND expires_at < ?", until, until)
	invalidate(db, tx, true) // sessions of users not known here
	return err
}

// LegacyJWT is what the server needs to accept upstream's sign-in tokens.
// It is stored encrypted in meta.
type LegacyJWT struct {
	Secret       string `json:"secret"`
	Issuer       string `json:"issuer"`
	Audience     string `json:"audience"`
	IssuedBefore int64  `json:"issuedBefore"` // Unix seconds: tokens issued later are refused
}

const legacyJWTMeta = "fsimport.jwt"

// SetLegacyJWT stores (or, with nil, removes) the legacy token settings.
func (st Import) SetLegacyJWT(ctx context.Context, l *LegacyJWT) error {
	db, tx := st.db, st.q.(*Tx)
	if l == nil {
		_, err := tx.Exec(ctx, "DELETE FROM meta WHERE k = ?", legacyJWTMeta)
		return err
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	v, err := db.v.Encrypt("meta."+legacyJWTMeta, string(b))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", legacyJWTMeta, v)
	return err
}

// LegacyJWTSettings reads the legacy token settings; nil when there are none.
func (st Import) LegacyJWTSettings(ctx context.Context) (*LegacyJWT, error) {
	db := st.db
	var v string
	err := db.QueryRow(ctx, "SELECT v FROM meta WHERE k = ?", legacyJWTMeta).Scan(&v)
	if err = mapErr(err); err == ErrNotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	plain, err := db.v.Decrypt("meta."+legacyJWTMeta, v)
	if err != nil {
		return nil, err
	}
	var l LegacyJWT
	if err := json.Unmarshal([]byte(plain), &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// LegacyKeySecret reads upstream's hash of a key's secret ("" when the key
// has Bobbin's hash already).
func (st Import) LegacyKeySecret(ctx context.Context, id string) (string, error) {
	db := st.db
	var s string
	err := db.QueryRow(ctx, "SELECT legacy_secret FROM apikeys WHERE id = ?", id).Scan(&s)
	return s, mapErr(err)
}

// UpgradeLegacyKey replaces upstream's hash of a key's secret with Bobbin's
// keyed hash, once: only while legacy_secret still holds legacy.
func (st Import) UpgradeLegacyKey(ctx context.Context, id, legacy string, hash []byte) error {
	db := st.db
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "UPDATE apikeys SET secret_hash = ?, legacy_secret = '' WHERE id = ? AND legacy_secret = ?", hash, id, legacy)
		invalidate(db, tx, false, credStripe(id)) // the cached key holds the old hash
		return err
	})
}
