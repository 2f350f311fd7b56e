package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// SearchUsers finds accounts for support staff: usernames containing q
// (case-insensitive), the account whose email is exactly q (through its
// keyed hash) and the account whose id is q. At most limit rows, by id.
func (db *DB) SearchUsers(ctx context.Context, q Querier, query string, limit int) ([]*User, error) {
	query = strings.TrimSpace(query)
	like := "%" + adminLikeEscaper.Replace(strings.ToLower(query)) + "%"
	var id int64
	if n, err := strconv.ParseInt(query, 10, 64); err == nil && n > 0 {
		id = n
	}
	rows, err := q.Query(ctx, "SELECT "+userColumns+` FROM users WHERE lusername LIKE ? ESCAPE '\' OR ehash = ? OR id = ?
 ORDER BY id LIMIT ?`, like, db.v.EHash(query), id, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*User{}
	for rows.Next() {
		u, err := db.scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// adminLikeEscaper makes user text literal inside a LIKE pattern (ESCAPE '\').
var adminLikeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// AdminSet is a decrypted measurement-set row, read for support staff.
// (The sets resource has its own store code; this read stays independent
// of it and uses the agreed vault field names.)
type AdminSet struct {
	ID        int64
	UserID    int64
	Name      string
	Notes     string
	Public    bool
	Imperial  bool
	Measies   map[string]any
	Img       string
	CreatedAt int64
	UpdatedAt int64
}

// AdminPattern is a decrypted pattern row, read for support staff.
type AdminPattern struct {
	ID        int64
	UserID    int64
	Design    string
	Name      string
	Notes     string
	Public    bool
	Settings  map[string]any
	Data      map[string]any
	Img       string
	CreatedAt int64
	UpdatedAt int64
}

// adminOpenObject opens an encrypted JSON object; empty means {}.
func (db *DB) adminOpenObject(field, enc string) (map[string]any, error) {
	plain, err := db.v.Decrypt(field, enc)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if plain == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(plain), &out); err != nil {
		return nil, err
	}
	if out == nil { // the JSON text "null"
		out = map[string]any{}
	}
	return out, nil
}

// AdminSetsOfUser lists every set of a user, oldest first.
func (db *DB) AdminSetsOfUser(ctx context.Context, q Querier, userID int64) ([]*AdminSet, error) {
	rows, err := q.Query(ctx, `SELECT id, user_id, name_enc, notes_enc, public, imperial, measies_enc, img, created_at, updated_at
 FROM sets WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*AdminSet{}
	for rows.Next() {
		var s AdminSet
		var name, notes, measies string
		if err := rows.Scan(&s.ID, &s.UserID, &name, &notes, &s.Public, &s.Imperial, &measies, &s.Img, &s.CreatedAt, &s.UpdatedAt); err != nil {
			return nil, err
		}
		if s.Name, err = db.v.Decrypt("sets.name", name); err != nil {
			return nil, err
		}
		if s.Notes, err = db.v.Decrypt("sets.notes", notes); err != nil {
			return nil, err
		}
		if s.Measies, err = db.adminOpenObject("sets.measies", measies); err != nil {
			return nil, err
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// AdminPatternsOfUser lists every pattern of a user, oldest first.
func (db *DB) AdminPatternsOfUser(ctx context.Context, q Querier, userID int64) ([]*AdminPattern, error) {
	rows, err := q.Query(ctx, `SELECT id, user_id, design, name_enc, notes_enc, public, settings_enc, data_enc, img, created_at, updated_at
 FROM patterns WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*AdminPattern{}
	for rows.Next() {
		var p AdminPattern
		var name, notes, settings, data string
		if err := rows.Scan(&p.ID, &p.UserID, &p.Design, &name, &notes, &p.Public, &settings, &data, &p.Img, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, err
		}
		if p.Name, err = db.v.Decrypt("patterns.name", name); err != nil {
			return nil, err
		}
		if p.Notes, err = db.v.Decrypt("patterns.notes", notes); err != nil {
			return nil, err
		}
		if p.Settings, err = db.adminOpenObject("patterns.settings", settings); err != nil {
			return nil, err
		}
		if p.Data, err = db.adminOpenObject("patterns.data", data); err != nil {
			return nil, err
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

// AdminChange is what an admin may change on an account; nil leaves a
// field alone.
type AdminChange struct {
	Role       *string
	Status     *int
	DisableMFA bool // clears the MFA secret, scratch codes and last step too
}

// AdminUpdateUser writes only the fields an admin changes, so it never
// overwrites what the user changed meanwhile.
func (db *DB) AdminUpdateUser(ctx context.Context, q Querier, id int64, c AdminChange, now int64) error {
	if c.Role != nil {
		if err := adminAffect(q.Exec(ctx, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", *c.Role, now, id)); err != nil {
			return err
		}
	}
	if c.Status != nil {
		if err := adminAffect(q.Exec(ctx, "UPDATE users SET status = ?, updated_at = ? WHERE id = ?", *c.Status, now, id)); err != nil {
			return err
		}
	}
	if c.DisableMFA {
		if err := adminAffect(q.Exec(ctx, `UPDATE users SET mfa_enabled = ?, mfa_secret_enc = '', mfa_scratch = '', mfa_last_step = 0,
 updated_at = ? WHERE id = ?`, false, now, id)); err != nil {
			return err
		}
	}
	return nil
}

func adminAffect(res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}
