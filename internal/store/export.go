package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Read-only queries for the account export. They read the sets, patterns
// and bookmarks tables directly (the resources' own readers live with those
// resources) and decrypt with the agreed field names.

// ExportSet is one measurements set, decrypted. Measies is the stored JSON
// object, passed through unchanged.
type ExportSet struct {
	ID        int64
	UserID    int64
	Name      string
	Notes     string
	Public    bool
	Imperial  bool
	Measies   json.RawMessage
	Img       string
	CreatedAt int64
	UpdatedAt int64
}

// ExportPattern is one pattern, decrypted. Settings and Data are the stored
// JSON objects, passed through unchanged.
type ExportPattern struct {
	ID        int64
	UserID    int64
	Design    string
	Name      string
	Notes     string
	Public    bool
	Settings  json.RawMessage
	Data      json.RawMessage
	Img       string
	CreatedAt int64
	UpdatedAt int64
}

// ExportBookmark is one bookmark (bookmarks are not encrypted).
type ExportBookmark struct {
	ID        int64
	UserID    int64
	Type      string
	Title     string
	URL       string
	CreatedAt int64
	UpdatedAt int64
}

// decryptJSON decrypts a field holding JSON text; empty or null is {}.
func (db *DB) decryptJSON(field, value string) (json.RawMessage, error) {
	plain, err := db.v.Decrypt(field, value)
	if err != nil {
		return nil, err
	}
	if plain == "" || plain == "null" {
		return json.RawMessage("{}"), nil
	}
	if !json.Valid([]byte(plain)) {
		return nil, fmt.Errorf("store: %s holds invalid JSON", field)
	}
	return json.RawMessage(plain), nil
}

// ExportSets lists every set of a user, oldest first.
func (db *DB) ExportSets(ctx context.Context, q Querier, userID int64) ([]ExportSet, error) {
	rows, err := q.Query(ctx, `SELECT id, user_id, name_enc, notes_enc, public, imperial, measies_enc, img, created_at, updated_at
 FROM sets WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ExportSet{}
	for rows.Next() {
		var s ExportSet
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
		if s.Measies, err = db.decryptJSON("sets.measies", measies); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ExportPatterns lists every pattern of a user, oldest first.
func (db *DB) ExportPatterns(ctx context.Context, q Querier, userID int64) ([]ExportPattern, error) {
	rows, err := q.Query(ctx, `SELECT id, user_id, design, name_enc, notes_enc, public, settings_enc, data_enc, img, created_at, updated_at
 FROM patterns WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ExportPattern{}
	for rows.Next() {
		var p ExportPattern
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
		if p.Settings, err = db.decryptJSON("patterns.settings", settings); err != nil {
			return nil, err
		}
		if p.Data, err = db.decryptJSON("patterns.data", data); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ExportBookmarks lists every bookmark of a user, oldest first.
func (db *DB) ExportBookmarks(ctx context.Context, q Querier, userID int64) ([]ExportBookmark, error) {
	rows, err := q.Query(ctx, `SELECT id, user_id, type, title, url, created_at, updated_at
 FROM bookmarks WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ExportBookmark{}
	for rows.Next() {
		var b ExportBookmark
		if err := rows.Scan(&b.ID, &b.UserID, &b.Type, &b.Title, &b.URL, &b.CreatedAt, &b.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
