package records

import (
	"context"
	"encoding/json"

	"bobbin/internal/store/engine"
)

// Set is a measurement set. Rows read one at a time come back sealed
// (personal fields still encrypted) so that the API decrypts them only for
// a caller allowed to see them: see OpenSet.
type Set struct {
	ID       int64
	UserID   int64
	Name     string
	Notes    string
	Public   bool
	Imperial bool
	Measies  map[string]float64
	// MeasiesJSON is the stored measies as written (json.Marshal of the
	// map: sorted keys, canonical numbers), set instead of Measies by the
	// reads that only show them (ByUser, OpenView), so they pass through
	// undecoded.
	MeasiesJSON json.RawMessage
	Img         string
	CreatedAt   int64
	UpdatedAt   int64

	sealed *sealedSet // non-nil until opened
}

// sealedSet is what a set holds until it is opened: its encrypted fields,
// or (read from the set-row cache) the cached row, already decrypted.
type sealedSet struct {
	name, notes, measies string
	plain                *setRow
}

const setColumns = "id, user_id, name_enc, notes_enc, public, imperial, measies_enc, img, created_at, updated_at"

const sqlSetByID = "SELECT " + setColumns + " FROM sets WHERE id = ?"

func scanSet(row interface{ Scan(...any) error }) (*Set, error) {
	var s Set
	var e sealedSet
	if err := row.Scan(&s.ID, &s.UserID, &e.name, &e.notes, &s.Public, &s.Imperial, &e.measies, &s.Img, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	s.sealed = &e
	return &s, nil
}

// OpenSet decrypts a sealed set in place (a no-op when already open).
func (st Sets) Open(s *Set) error { return st.open(s, false) }

// OpenView decrypts a sealed set for showing only: its measies stay the
// stored JSON (MeasiesJSON, passed through by the answer), Measies nil.
func (st Sets) OpenView(s *Set) error { return st.open(s, true) }

// open decrypts; with view the measies stay the stored JSON (MeasiesJSON).
func (st Sets) open(s *Set, view bool) error {
	e := s.sealed
	if e == nil {
		return nil
	}
	r := e.plain
	if r == nil {
		var err error
		if r, err = st.openRow(s); err != nil {
			return err
		}
	}
	s.Name, s.Notes = r.name, r.notes
	if view {
		s.MeasiesJSON, s.sealed = r.measies[:len(r.measies):len(r.measies)], nil
		return nil
	}
	s.Measies = map[string]float64{}
	if err := json.Unmarshal(r.measies, &s.Measies); err != nil {
		return err
	}
	s.sealed = nil
	return nil
}

// openRow decrypts a sealed set read from the database into a row.
func (st Sets) openRow(s *Set) (*setRow, error) {
	v, e := st.db.v, s.sealed
	r := &setRow{id: s.ID, userID: s.UserID, public: s.Public, imperial: s.Imperial, img: s.Img,
		createdAt: s.CreatedAt, updatedAt: s.UpdatedAt}
	var err error
	if r.name, err = v.Decrypt("sets.name", e.name); err != nil {
		return nil, err
	}
	if r.notes, err = v.Decrypt("sets.notes", e.notes); err != nil {
		return nil, err
	}
	m, err := v.Decrypt("sets.measies", e.measies)
	if err != nil {
		return nil, err
	}
	if m == "" {
		m = "{}"
	}
	r.measies = json.RawMessage(m)
	return r, nil
}

func (st Sets) seal(s *Set) (sealedSet, error) {
	db := st.db
	var e sealedSet
	var err error
	if e.name, err = db.v.Encrypt("sets.name", s.Name); err != nil {
		return e, err
	}
	if e.notes, err = db.v.Encrypt("sets.notes", s.Notes); err != nil {
		return e, err
	}
	if s.Measies == nil {
		s.Measies = map[string]float64{}
	}
	b, err := json.Marshal(s.Measies)
	if err != nil {
		return e, err
	}
	e.measies, err = db.v.Encrypt("sets.measies", string(b))
	return e, err
}

// CreateSet inserts s (open) and sets s.ID. CreatedAt and UpdatedAt are
// the caller's; zero means now.
func (st Sets) Create(ctx context.Context, s *Set) error {
	db, q := st.db, st.q
	e, err := (Sets{conn{db, db}}).seal(s)
	if err != nil {
		return err
	}
	if s.CreatedAt == 0 {
		s.CreatedAt = Now()
	}
	if s.UpdatedAt == 0 {
		s.UpdatedAt = s.CreatedAt
	}
	id, err := insertID(ctx, q, "INSERT INTO sets (user_id, name_enc, notes_enc, public, imperial, measies_enc, img, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
		s.UserID, e.name, e.notes, s.Public, s.Imperial, e.measies, s.Img, s.CreatedAt, s.UpdatedAt)
	if err != nil {
		return err
	}
	s.ID = id
	st.setChanged(id, s.UserID)
	return nil
}

// SaveSet writes every mutable field of an open set. Its UserID must be
// the stored owner's (the set was read first), or nothing is written and
// the answer is ErrNotFound: the owner's cached list is the one made stale.
func (st Sets) Save(ctx context.Context, s *Set) error {
	db, q := st.db, st.q
	e, err := (Sets{conn{db, db}}).seal(s)
	if err != nil {
		return err
	}
	const save = "UPDATE sets SET name_enc=?, notes_enc=?, public=?, imperial=?, measies_enc=?, img=?, updated_at=? WHERE id=? AND user_id=?"
	args := []any{e.name, e.notes, s.Public, s.Imperial, e.measies, s.Img, s.UpdatedAt, s.ID, s.UserID}
	st.setChanged(s.ID, s.UserID)
	if t, ok := q.(*Tx); ok && t.DeferLocked(s.ID, save, args...) {
		// The row is locked by this transaction (ByIDLocked): the update
		// affects it, so it goes with the COMMIT (engine/pgtx.go).
		return nil
	}
	res, err := q.Exec(ctx, save, args...)
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

// LockSet takes the row's write lock for the rest of the transaction (a
// no-op update: portable, and on SQLite the transaction already holds the
// database), so a read-modify-write such as a measies merge never loses a
// concurrent update. ErrNotFound when the set does not exist.
func (st Sets) Lock(ctx context.Context, id int64) error {
	q := st.q
	res, err := q.Exec(ctx, "UPDATE sets SET updated_at = updated_at WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// ByIDLocked reads one set, sealed, inside a write transaction, and holds
// it for the rest of the transaction (Lock and ByID in one statement), so
// a read-modify-write such as a measies merge never loses a concurrent
// update. On PostgreSQL it is SELECT ... FOR UPDATE, sent with BEGIN; on
// SQLite the write transaction already holds the database.
func (st Sets) ByIDLocked(ctx context.Context, id int64) (*Set, error) {
	if t, ok := st.q.(*Tx); ok {
		if row, ok := t.LockedRow(ctx, id, "SELECT "+setColumns+" FROM sets WHERE id = ? FOR UPDATE", id); ok {
			return scanSet(row)
		}
	}
	return st.ByID(ctx, id)
}

// SetByID reads one set, sealed: outside a transaction from the set-row
// cache when it holds it (setcache.go), inside one from the database.
func (st Sets) ByID(ctx context.Context, id int64) (*Set, error) {
	if _, inTx := st.q.(*Tx); !inTx && st.db.sets != nil {
		return st.db.sets.set(ctx, st, id)
	}
	return scanSet(st.q.QueryRow(ctx, sqlSetByID, id))
}

// SetsByUser lists a user's sets, open, oldest first: outside a
// transaction from the set-row cache when it holds them. Their
// MeasiesJSON may be shared with the cache: never change it.
func (st Sets) ByUser(ctx context.Context, userID int64) ([]*Set, error) {
	if _, inTx := st.q.(*Tx); !inTx && st.db.sets != nil {
		return st.db.sets.list(ctx, st, userID)
	}
	rows, err := st.readList(ctx, st.q, userID)
	if err != nil {
		return nil, err
	}
	return openSets(rows), nil
}

// readList reads and opens a user's sets on q.
func (st Sets) readList(ctx context.Context, q engine.Querier, userID int64) ([]*setRow, error) {
	rows, err := q.Query(ctx, "SELECT "+setColumns+" FROM sets WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*setRow{}
	for rows.Next() {
		s, err := scanSet(rows)
		if err != nil {
			return nil, err
		}
		r, err := st.openRow(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteSet removes a set; ErrNotFound when it was already gone. Outside a
// transaction it runs in one of its own.
func (st Sets) Delete(ctx context.Context, id int64) error {
	if _, inTx := st.q.(*Tx); !inTx {
		return st.db.Write(ctx, func(tx *Tx) error { return st.db.In(tx).Sets().Delete(ctx, id) })
	}
	var owner int64
	err := mapErr(st.q.QueryRow(ctx, "DELETE FROM sets WHERE id = ? RETURNING user_id", id).Scan(&owner))
	if err == nil {
		st.setChanged(id, owner)
	}
	return err
}
