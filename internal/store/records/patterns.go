package records

import (
	"context"
	"database/sql"
	"encoding/json"
)

// Pattern is a saved pattern. Like Set, rows read one at a time come back
// sealed; OpenPattern decrypts.
type Pattern struct {
	ID        int64
	UserID    int64
	Design    string
	Name      string
	Notes     string
	Public    bool
	Settings  map[string]any
	Data      map[string]any
	Img       string
	SetID     int64 // the set it was made for; 0: none (NULL)
	CsetID    int64 // the curated set it was made for; 0: none (NULL)
	CreatedAt int64
	UpdatedAt int64

	sealed *sealedPattern
}

type sealedPattern struct{ name, notes, settings, data string }

const patternColumns = "id, user_id, design, name_enc, notes_enc, public, settings_enc, data_enc, img, set_id, cset_id, created_at, updated_at"

func scanPattern(row interface{ Scan(...any) error }) (*Pattern, error) {
	var p Pattern
	var e sealedPattern
	var set, cset sql.NullInt64
	if err := row.Scan(&p.ID, &p.UserID, &p.Design, &e.name, &e.notes, &p.Public, &e.settings, &e.data, &p.Img, &set, &cset, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	p.SetID, p.CsetID = set.Int64, cset.Int64
	p.sealed = &e
	return &p, nil
}

func openObject(db *DB, field, sealed string) (map[string]any, error) {
	plain, err := db.v.Decrypt(field, sealed)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if plain != "" {
		if err := json.Unmarshal([]byte(plain), &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sealObject(db *DB, field string, m map[string]any) (string, error) {
	if m == nil {
		m = map[string]any{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return db.v.Encrypt(field, string(b))
}

// OpenPattern decrypts a sealed pattern in place (a no-op when open).
func (st Patterns) Open(p *Pattern) error {
	db := st.db
	e := p.sealed
	if e == nil {
		return nil
	}
	var err error
	if p.Name, err = db.v.Decrypt("patterns.name", e.name); err != nil {
		return err
	}
	if p.Notes, err = db.v.Decrypt("patterns.notes", e.notes); err != nil {
		return err
	}
	if p.Settings, err = openObject(db, "patterns.settings", e.settings); err != nil {
		return err
	}
	if p.Data, err = openObject(db, "patterns.data", e.data); err != nil {
		return err
	}
	p.sealed = nil
	return nil
}

func (st Patterns) seal(p *Pattern) (sealedPattern, error) {
	db := st.db
	var e sealedPattern
	var err error
	if e.name, err = db.v.Encrypt("patterns.name", p.Name); err != nil {
		return e, err
	}
	if e.notes, err = db.v.Encrypt("patterns.notes", p.Notes); err != nil {
		return e, err
	}
	if e.settings, err = sealObject(db, "patterns.settings", p.Settings); err != nil {
		return e, err
	}
	e.data, err = sealObject(db, "patterns.data", p.Data)
	return e, err
}

// CreatePattern inserts p (open) and sets p.ID.
func (st Patterns) Create(ctx context.Context, p *Pattern) error {
	db, q := st.db, st.q
	e, err := (Patterns{conn{db, db}}).seal(p)
	if err != nil {
		return err
	}
	if p.CreatedAt == 0 {
		p.CreatedAt = Now()
	}
	if p.UpdatedAt == 0 {
		p.UpdatedAt = p.CreatedAt
	}
	id, err := insertID(ctx, q, `INSERT INTO patterns (user_id, design, name_enc, notes_enc, public, settings_enc, data_enc, img, set_id, cset_id, created_at, updated_at)
 VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, p.UserID, p.Design, e.name, e.notes, p.Public, e.settings, e.data, p.Img,
		nullID(p.SetID), nullID(p.CsetID), p.CreatedAt, p.UpdatedAt)
	if err != nil {
		return err
	}
	p.ID = id
	return nil
}

// nullID is an optional reference: NULL for 0.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// SavePattern writes every mutable field of an open pattern (not design,
// set or curated set: they never change).
func (st Patterns) Save(ctx context.Context, p *Pattern) error {
	db, q := st.db, st.q
	e, err := (Patterns{conn{db, db}}).seal(p)
	if err != nil {
		return err
	}
	res, err := q.Exec(ctx, "UPDATE patterns SET name_enc=?, notes_enc=?, public=?, settings_enc=?, data_enc=?, img=?, updated_at=? WHERE id=?",
		e.name, e.notes, p.Public, e.settings, e.data, p.Img, p.UpdatedAt, p.ID)
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

// LockPattern takes the row's write lock for the transaction (see LockSet).
func (st Patterns) Lock(ctx context.Context, id int64) error {
	q := st.q
	res, err := q.Exec(ctx, "UPDATE patterns SET updated_at = updated_at WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// PatternByID reads one pattern, sealed.
func (st Patterns) ByID(ctx context.Context, id int64) (*Pattern, error) {
	q := st.q
	return scanPattern(q.QueryRow(ctx, "SELECT "+patternColumns+" FROM patterns WHERE id = ?", id))
}

// PatternsByUser lists a user's patterns, open, oldest first.
func (st Patterns) ByUser(ctx context.Context, userID int64) ([]*Pattern, error) {
	db, q := st.db, st.q
	rows, err := q.Query(ctx, "SELECT "+patternColumns+" FROM patterns WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Pattern{}
	for rows.Next() {
		p, err := scanPattern(rows)
		if err != nil {
			return nil, err
		}
		if err := (Patterns{conn{db, db}}).Open(p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePattern removes a pattern; ErrNotFound when it was already gone.
func (st Patterns) Delete(ctx context.Context, id int64) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM patterns WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}
