package store

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
	"errors"
	"strconv"
	"strings"
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

// upsert builds INSERT ... ON CONFLICT (id) DO UPDATE for both engines.
func upsert(table string, cols ...string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (")
	for i := range cols {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("?")
	}
	b.WriteString(") ON CONFLICT (id) DO UPDATE SET ")
	for i, c := range cols[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

var (
	sqlImportUser = upsert("users", "id", "username", "lusername", "email_enc", "ehash", "initial_enc", "ihash", "bio_enc",
		"data_enc", "consent", "control", "compare", "imperial", "newsletter", "language", "role", "status", "patron",
		"password", "mfa_enabled", "mfa_secret_enc", "img", "jwt_calls", "key_calls", "last_seen", "created_at", "updated_at")
	sqlImportKey = upsert("apikeys", "id", "user_id", "name_enc", "level", "secret_hash", "legacy_secret", "expires_at",
		"created_at", "last_seen", "calls")
	sqlImportSet = upsert("sets", "id", "user_id", "name_enc", "notes_enc", "public", "imperial", "measies_enc", "img",
		"created_at", "updated_at")
	sqlImportPattern = upsert("patterns", "id", "user_id", "design", "name_enc", "notes_enc", "public", "settings_enc",
		"data_enc", "img", "created_at", "updated_at")
	sqlImportBookmark   = upsert("bookmarks", "id", "user_id", "type", "title", "url", "created_at", "updated_at")
	sqlImportSubscriber = upsert("subscribers", "id", "email_enc", "ehash", "language", "active", "created_at", "updated_at")
	sqlImportCuratedSet = upsert("curated_sets", append(append(append([]string{"id"}, langCols("name")...),
		langCols("notes")...), "tags", "tags_i18n", "measies", "height", "info", "published", "img", "created_at", "updated_at")...)
	sqlImportOptionPack = upsert("option_packs", append(append(append([]string{"id", "design"}, langCols("name")...),
		langCols("notes")...), "tags", "tags_i18n", "options", "info", "img", "created_at", "updated_at")...)
)

func langCols(prefix string) []string { return strings.Split(curatedLangColumns(prefix), ", ") }

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
	_, err = tx.exec(ctx, sqlImportUser, u.ID, u.Username, strings.ToLower(u.Username), e.email, u.EHash, e.initial,
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
	rows, err := tx.query(ctx, "SELECT id, lusername, ehash FROM users WHERE id = ? OR lusername = ? OR ehash = ?",
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
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM fsimport_rows WHERE tbl = 'users' AND id = ?",
			strconv.FormatInt(id, 10)).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return "id belongs to an account made in Bobbin", nil
		}
	}
	return "", nil
}

// importTables are the tables ImportIDTaken may name.
var importTables = map[string]bool{"apikeys": true, "sets": true, "patterns": true, "bookmarks": true,
	"curated_sets": true, "option_packs": true, "subscribers": true}

// ImportIDsTaken returns which of ids exist in table (one of the tables
// the import writes besides users), in one query per 500 ids.
func (st Import) IDsTaken(ctx context.Context, table string, ids []any) (map[string]bool, error) {
	tx := st.q.(*Tx)
	if !importTables[table] {
		return nil, errors.New("store: not an import table: " + table)
	}
	out := map[string]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := tx.query(ctx, "SELECT id FROM "+table+" WHERE id IN (?"+strings.Repeat(",?", n-1)+")", ids[:n]...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
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
		err = tx.queryRow(ctx, "SELECT secret_hash, legacy_secret FROM apikeys WHERE id = ?", k.ID).Scan(&cur, &curLegacy)
		if err == nil && !IsLegacyKeyHash(cur) && curLegacy == "" {
			hash, legacy = cur, "" // upgraded at its first use: Bobbin's hash stays
		} else if err = mapErr(err); err != nil && err != ErrNotFound {
			return err
		}
	}
	_, err = tx.exec(ctx, sqlImportKey, k.ID, k.UserID, name, k.Level, hash, legacy, k.ExpiresAt, k.CreatedAt, k.LastSeen, k.Calls)
	invalidate(db, tx, false, credStripe(k.ID))
	return mapErr(err)
}

// ImportSet writes s (open) with its own id.
func (st Import) Set(ctx context.Context, s *Set) error {
	tx := st.q.(*Tx)
	e, err := tx.Sets().seal(s)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, sqlImportSet, s.ID, s.UserID, e.name, e.notes, s.Public, s.Imperial, e.measies, s.Img, s.CreatedAt, s.UpdatedAt)
	return mapErr(err)
}

// ImportPattern writes p (open) with its own id.
func (st Import) Pattern(ctx context.Context, p *Pattern) error {
	db, tx := st.db, st.q.(*Tx)
	name, err := db.v.Encrypt("patterns.name", p.Name)
	if err != nil {
		return err
	}
	notes, err := db.v.Encrypt("patterns.notes", p.Notes)
	if err != nil {
		return err
	}
	settings, err := sealObject(db, "patterns.settings", p.Settings)
	if err != nil {
		return err
	}
	data, err := sealObject(db, "patterns.data", p.Data)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, sqlImportPattern, p.ID, p.UserID, p.Design, name, notes, p.Public, settings, data, p.Img, p.CreatedAt, p.UpdatedAt)
	return mapErr(err)
}

// ImportBookmark writes b with its own id.
func (st Import) Bookmark(ctx context.Context, b *Bookmark) error {
	tx := st.q.(*Tx)
	_, err := tx.exec(ctx, sqlImportBookmark, b.ID, b.UserID, b.Type, b.Title, b.URL, b.CreatedAt, b.UpdatedAt)
	return mapErr(err)
}

// ImportSubscriber writes s with its own id; EHash is computed here. An
// address another subscriber row holds is ErrConflict.
func (st Import) Subscriber(ctx context.Context, s *Subscriber) error {
	db, tx := st.db, st.q.(*Tx)
	s.EHash = db.v.EHash(s.Email)
	var other string
	err := tx.queryRow(ctx, "SELECT id FROM subscribers WHERE ehash = ?", s.EHash).Scan(&other)
	if err == nil && other != s.ID {
		return ErrConflict
	}
	enc, err := db.v.Encrypt("subscribers.email", s.Email)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, sqlImportSubscriber, s.ID, enc, s.EHash, s.Language, s.Active, s.CreatedAt, s.UpdatedAt)
	return mapErr(err)
}

// ImportCuratedSet writes c with its own id.
func (st Import) CuratedSet(ctx context.Context, c *CuratedSet) error {
	tx := st.q.(*Tx)
	a, err := c.args()
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, sqlImportCuratedSet, append(append([]any{c.ID}, a...), c.CreatedAt, c.UpdatedAt)...)
	return mapErr(err)
}

// ImportOptionPack writes p with its own id.
func (st Import) OptionPack(ctx context.Context, p *OptionPack) error {
	tx := st.q.(*Tx)
	a, err := p.args()
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, sqlImportOptionPack, append(append([]any{p.ID}, a...), p.CreatedAt, p.UpdatedAt)...)
	return mapErr(err)
}

// ImportDigests returns the digests recorded for ids of an upstream table
// (ids not imported yet are absent).
func (st Import) Digests(ctx context.Context, tbl string, ids []string) (map[string]string, error) {
	db := st.db
	out := make(map[string]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{tbl}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := db.query(ctx, "SELECT id, digest FROM fsimport_rows WHERE tbl = ? AND id IN (?"+
			strings.Repeat(",?", n-1)+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, d string
			if err := rows.Scan(&id, &d); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// ImportMarks records that upstream rows (ids[i], with digests[i]) were
// written, in one statement per 250 rows.
func (st Import) Marks(ctx context.Context, tbl string, ids, digests []string) error {
	tx := st.q.(*Tx)
	now := Now()
	for len(ids) > 0 {
		n := min(len(ids), 250)
		args := make([]any, 0, 4*n)
		for i := range n {
			args = append(args, tbl, ids[i], digests[i], now)
		}
		_, err := tx.exec(ctx, "INSERT INTO fsimport_rows (tbl, id, digest, imported_at) VALUES (?,?,?,?)"+
			strings.Repeat(",(?,?,?,?)", n-1)+
			" ON CONFLICT (tbl, id) DO UPDATE SET digest = excluded.digest, imported_at = excluded.imported_at", args...)
		if err != nil {
			return err
		}
		ids, digests = ids[n:], digests[n:]
	}
	return nil
}

// ImportLegacySessions gives every imported user, once, the session that
// stands for their upstream sign-in tokens (LegacySessionID), and moves the
// expiry of those still there to until (Unix ms). A session revoked since
// (sign-out everywhere, a lowered role...) is not made again: each user
// gets one at most once, recorded in fsimport_rows as "legacy-session".
func (st Import) LegacySessions(ctx context.Context, until int64) error {
	db, tx := st.db, st.q.(*Tx)
	now := Now()
	if _, err := tx.exec(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at)
 SELECT 'fsimport-legacy-' || r.id, u.id, ?, ? FROM fsimport_rows r JOIN users u ON u.id = CAST(r.id AS BIGINT)
 WHERE r.tbl = 'users' AND NOT EXISTS (SELECT 1 FROM fsimport_rows m WHERE m.tbl = 'legacy-session' AND m.id = r.id)
 ON CONFLICT (id) DO NOTHING`, now, until); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO fsimport_rows (tbl, id, digest, imported_at)
 SELECT 'legacy-session', r.id, '', ? FROM fsimport_rows r
 WHERE r.tbl = 'users' AND NOT EXISTS (SELECT 1 FROM fsimport_rows m WHERE m.tbl = 'legacy-session' AND m.id = r.id)`, now); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "UPDATE sessions SET expires_at = ? WHERE id LIKE 'fsimport-legacy-%' AND expires_at < ?", until, until)
	invalidate(db, tx, true) // sessions of users not known here
	return err
}

// PendingMigrations lists the migrations not applied yet (all of them for
// a database never migrated). It writes nothing.
func (db *DB) PendingMigrations(ctx context.Context) ([]string, error) {
	list, err := db.Migrations()
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	rows, err := db.query(ctx, "SELECT version FROM schema_migrations")
	if err == nil {
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, err
			}
			done[v] = true
		}
		rows.Close()
	}
	var out []string
	for _, m := range list {
		if !done[m.Version] {
			out = append(out, m.Name)
		}
	}
	return out, nil
}

// ImportSequences moves every id sequence of a table the import writes past
// its highest id, so that rows made in Bobbin never reuse an imported id.
func (st Import) Sequences(ctx context.Context) error {
	db, tx := st.db, st.q.(*Tx)
	for _, t := range []string{"users", "sets", "patterns", "bookmarks", "curated_sets", "option_packs"} {
		var q string
		if db.dialect == Postgres {
			q = "SELECT setval(pg_get_serial_sequence('" + t + "', 'id'), COALESCE((SELECT MAX(id) FROM " + t + "), 0) + 1, false)"
			var v int64
			if err := tx.queryRow(ctx, q).Scan(&v); err != nil {
				return err
			}
			continue
		}
		// SQLite raises sqlite_sequence itself on an insert with an explicit
		// id; this makes it explicit, and creates the row if none exists.
		if _, err := tx.exec(ctx, "UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM "+t+")) WHERE name = ?", t); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO sqlite_sequence (name, seq) SELECT ?, (SELECT COALESCE(MAX(id), 0) FROM "+t+
			") WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)", t, t); err != nil {
			return err
		}
	}
	return nil
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
		_, err := tx.exec(ctx, "DELETE FROM meta WHERE k = ?", legacyJWTMeta)
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
	_, err = tx.exec(ctx, "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", legacyJWTMeta, v)
	return err
}

// LegacyJWTSettings reads the legacy token settings; nil when there are none.
func (st Import) LegacyJWTSettings(ctx context.Context) (*LegacyJWT, error) {
	db := st.db
	var v string
	err := db.queryRow(ctx, "SELECT v FROM meta WHERE k = ?", legacyJWTMeta).Scan(&v)
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
	err := db.queryRow(ctx, "SELECT legacy_secret FROM apikeys WHERE id = ?", id).Scan(&s)
	return s, mapErr(err)
}

// UpgradeLegacyKey replaces upstream's hash of a key's secret with Bobbin's
// keyed hash, once: only while legacy_secret still holds legacy.
func (st Import) UpgradeLegacyKey(ctx context.Context, id, legacy string, hash []byte) error {
	db := st.db
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "UPDATE apikeys SET secret_hash = ?, legacy_secret = '' WHERE id = ? AND legacy_secret = ?", hash, id, legacy)
		invalidate(db, tx, false, credStripe(id)) // the cached key holds the old hash
		return err
	})
}
