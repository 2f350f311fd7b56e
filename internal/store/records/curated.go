package records

import (
	"bobbin/internal/store/engine"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
)

// CuratedLangs are the languages of curated names and notes, in the order
// of the name_* and notes_* columns.
var CuratedLangs = [6]string{"de", "en", "es", "fr", "nl", "uk"}

// CuratedLangIndex is the position of a language in CuratedLangs, or -1.
func CuratedLangIndex(lang string) int {
	for i, l := range CuratedLangs {
		if l == lang {
			return i
		}
	}
	return -1
}

// curatedLangColumns lists prefix_de, prefix_en... in CuratedLangs order.
func curatedLangColumns(prefix string) string {
	cols := make([]string, len(CuratedLangs))
	for i, l := range CuratedLangs {
		cols[i] = prefix + "_" + l
	}
	return strings.Join(cols, ", ")
}

// Curated sets and option packs are published material, not personal data:
// they are stored in clear (auth.md "Data at rest" does not name them).
// Both tables hold names, notes and tags in every language beside one
// JSON column (measies, options): they are read and written by the same
// steps (curatedTable below).

// scanner is a row or rows, before Scan.
type scanner interface{ Scan(...any) error }

// curatedTable is one of the two tables of curated material, of rows T.
type curatedTable[T any] struct {
	table, columns string // columns: id first, created_at and updated_at last
	scan           func(scanner) (*T, error)
	args           func(*T) ([]any, error)                // the writable columns' values, in columns order after id and before created_at
	stamps         func(*T) (id, created, updated *int64) // where the row keeps them
}

// create inserts v and sets its ID and timestamps.
func (t curatedTable[T]) create(ctx context.Context, q engine.Querier, v *T) error {
	a, err := t.args(v)
	if err != nil {
		return err
	}
	id, created, updated := t.stamps(v)
	if *created == 0 {
		*created = Now()
	}
	*updated = *created
	cols := strings.TrimPrefix(t.columns, "id, ")
	newID, err := insertID(ctx, q, "INSERT INTO "+t.table+" ("+cols+") VALUES ("+curatedMarks(len(a)+2)+")",
		append(a, *created, *updated)...)
	if err != nil {
		return err
	}
	*id = newID
	return nil
}

// byID reads one row.
func (t curatedTable[T]) byID(ctx context.Context, q engine.Querier, id int64) (*T, error) {
	return t.scan(q.QueryRow(ctx, "SELECT "+t.columns+" FROM "+t.table+" WHERE id = ?", id))
}

// list reads the rows (where they match where, when given) by id.
func (t curatedTable[T]) list(ctx context.Context, q engine.Querier, where string, args ...any) ([]*T, error) {
	rows, err := q.Query(ctx, "SELECT "+t.columns+" FROM "+t.table+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := t.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// save writes every writable column of v and stamps its update time.
func (t curatedTable[T]) save(ctx context.Context, q engine.Querier, v *T) error {
	a, err := t.args(v)
	if err != nil {
		return err
	}
	id, created, updated := t.stamps(v)
	*updated = max(Now(), *created)
	cols := strings.Split(strings.TrimPrefix(t.columns, "id, "), ", ")
	cols = cols[:len(cols)-2] // created_at, updated_at
	res, err := q.Exec(ctx, "UPDATE "+t.table+" SET "+strings.Join(cols, " = ?, ")+" = ?, updated_at = ? WHERE id = ?",
		append(a, *updated, *id)...)
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

// delete removes a row; ErrNotFound when it is gone.
func (t curatedTable[T]) delete(ctx context.Context, q engine.Querier, id int64) error {
	res, err := q.Exec(ctx, "DELETE FROM "+t.table+" WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// langDests appends the destinations of the name and notes columns.
func langDests(dst []any, name, notes *[6]string) []any {
	for i := range name {
		dst = append(dst, &name[i])
	}
	for i := range notes {
		dst = append(dst, &notes[i])
	}
	return dst
}

// langArgs appends the values of the name and notes columns.
func langArgs(a []any, name, notes *[6]string) []any {
	for _, n := range name {
		a = append(a, n)
	}
	for _, n := range notes {
		a = append(a, n)
	}
	return a
}

// decodeCurated reads the tag columns into tags and the JSON column text
// into m, an empty map when there is none.
func decodeCurated[V any](tags *[6][]string, flat, i18n, text string, m *map[string]V) error {
	var err error
	if *tags, err = decodeTags(flat, i18n); err != nil {
		return err
	}
	if err := curatedUnmarshal(text, m); err != nil {
		return err
	}
	if *m == nil {
		*m = map[string]V{}
	}
	return nil
}

// encodeCurated is the values of the tag columns and of the JSON column
// holding m (an empty map when m is nil, which it then becomes).
func encodeCurated[V any](tags [6][]string, m *map[string]V) (flat, i18n, text string, err error) {
	if *m == nil {
		*m = map[string]V{}
	}
	if flat, i18n, err = encodeTags(tags); err != nil {
		return "", "", "", err
	}
	text, err = curatedJSON(*m)
	return flat, i18n, text, err
}

// CuratedSet is a curated measurements set row.
type CuratedSet struct {
	ID        int64
	Name      [6]string   // by CuratedLangs
	Notes     [6]string   // by CuratedLangs
	Tags      [6][]string // by CuratedLangs
	Measies   map[string]float64
	Height    int64
	Info      string
	Published bool
	Img       string
	CreatedAt int64
	UpdatedAt int64
}

var csets = curatedTable[CuratedSet]{table: "curated_sets",
	columns: "id, " + curatedLangColumns("name") + ", " + curatedLangColumns("notes") +
		", tags, tags_i18n, measies, height, info, published, img, created_at, updated_at",
	scan: scanCuratedSet, args: (*CuratedSet).args,
	stamps: func(c *CuratedSet) (id, created, updated *int64) { return &c.ID, &c.CreatedAt, &c.UpdatedAt }}

func scanCuratedSet(row scanner) (*CuratedSet, error) {
	var c CuratedSet
	var tags, tagsI18n, measies string
	dst := langDests([]any{&c.ID}, &c.Name, &c.Notes)
	dst = append(dst, &tags, &tagsI18n, &measies, &c.Height, &c.Info, &c.Published, &c.Img, &c.CreatedAt, &c.UpdatedAt)
	if err := row.Scan(dst...); err != nil {
		return nil, mapErr(err)
	}
	if err := decodeCurated(&c.Tags, tags, tagsI18n, measies, &c.Measies); err != nil {
		return nil, err
	}
	return &c, nil
}

// curatedUnmarshal decodes JSON text; empty text leaves v alone.
func curatedUnmarshal(text string, v any) error {
	if text == "" {
		return nil
	}
	return json.Unmarshal([]byte(text), v)
}

// curatedJSON encodes v as JSON text for a TEXT column.
func curatedJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// Tags are kept in two columns: tags_i18n holds every language's list as
// an object ({"de":[...],"en":[...],...}); tags keeps the English list,
// which is what rows written before per-language tags hold and what a
// replica of an older version reads during a rolling upgrade.

// decodeTags reads the two tag columns; a row without tags_i18n (written
// before it existed) has its old list as the English tags.
func decodeTags(flat, i18n string) ([6][]string, error) {
	var out [6][]string
	var byLang map[string][]string
	if err := curatedUnmarshal(i18n, &byLang); err != nil {
		return out, err
	}
	if len(byLang) == 0 {
		var old []string
		if err := curatedUnmarshal(flat, &old); err != nil {
			return out, err
		}
		byLang = map[string][]string{"en": old}
	}
	for i, l := range CuratedLangs {
		out[i] = byLang[l]
		if out[i] == nil {
			out[i] = []string{}
		}
	}
	return out, nil
}

// encodeTags is the two tag columns' values of t.
func encodeTags(t [6][]string) (flat, i18n string, err error) {
	byLang := make(map[string][]string, len(CuratedLangs))
	for i, l := range CuratedLangs {
		byLang[l] = t[i]
		if t[i] == nil {
			byLang[l] = []string{}
		}
	}
	if flat, err = curatedJSON(byLang["en"]); err != nil {
		return "", "", err
	}
	i18n, err = curatedJSON(byLang)
	return flat, i18n, err
}

// args are the writable columns' values, in csets.columns order after id
// and before created_at.
func (c *CuratedSet) args() ([]any, error) {
	tags, tagsI18n, measies, err := encodeCurated(c.Tags, &c.Measies)
	if err != nil {
		return nil, err
	}
	a := langArgs(nil, &c.Name, &c.Notes)
	return append(a, tags, tagsI18n, measies, c.Height, c.Info, c.Published, c.Img), nil
}

// CreateSet inserts c and sets its ID and timestamps.
func (st Curated) CreateSet(ctx context.Context, c *CuratedSet) error {
	return csets.create(ctx, st.q, c)
}

// SetByID reads one curated set.
func (st Curated) SetByID(ctx context.Context, id int64) (*CuratedSet, error) {
	return csets.byID(ctx, st.q, id)
}

// Sets lists curated sets by id; only published ones when publishedOnly.
func (st Curated) Sets(ctx context.Context, publishedOnly bool) ([]*CuratedSet, error) {
	if publishedOnly {
		return csets.list(ctx, st.q, " WHERE published = ?", true)
	}
	return csets.list(ctx, st.q, "")
}

// SaveSet writes every writable column of c and stamps UpdatedAt.
func (st Curated) SaveSet(ctx context.Context, c *CuratedSet) error { return csets.save(ctx, st.q, c) }

// DeleteSet removes a curated set; ErrNotFound when it is gone.
func (st Curated) DeleteSet(ctx context.Context, id int64) error { return csets.delete(ctx, st.q, id) }

// OptionPack is an option pack row.
type OptionPack struct {
	ID        int64
	Design    string
	Name      [6]string   // by CuratedLangs
	Notes     [6]string   // by CuratedLangs
	Tags      [6][]string // by CuratedLangs
	Options   map[string]any
	Info      string
	Img       string
	CreatedAt int64
	UpdatedAt int64
}

var opacks = curatedTable[OptionPack]{table: "option_packs",
	columns: "id, design, " + curatedLangColumns("name") + ", " + curatedLangColumns("notes") +
		", tags, tags_i18n, options, info, img, created_at, updated_at",
	scan: scanOptionPack, args: (*OptionPack).args,
	stamps: func(p *OptionPack) (id, created, updated *int64) { return &p.ID, &p.CreatedAt, &p.UpdatedAt }}

func scanOptionPack(row scanner) (*OptionPack, error) {
	var p OptionPack
	var tags, tagsI18n, options string
	dst := langDests([]any{&p.ID, &p.Design}, &p.Name, &p.Notes)
	dst = append(dst, &tags, &tagsI18n, &options, &p.Info, &p.Img, &p.CreatedAt, &p.UpdatedAt)
	if err := row.Scan(dst...); err != nil {
		return nil, mapErr(err)
	}
	if err := decodeCurated(&p.Tags, tags, tagsI18n, options, &p.Options); err != nil {
		return nil, err
	}
	return &p, nil
}

// args are the writable columns' values, in opacks.columns order after id
// and before created_at.
func (p *OptionPack) args() ([]any, error) {
	tags, tagsI18n, options, err := encodeCurated(p.Tags, &p.Options)
	if err != nil {
		return nil, err
	}
	a := langArgs([]any{p.Design}, &p.Name, &p.Notes)
	return append(a, tags, tagsI18n, options, p.Info, p.Img), nil
}

// CreatePack inserts p and sets its ID and timestamps.
func (st Curated) CreatePack(ctx context.Context, p *OptionPack) error {
	return opacks.create(ctx, st.q, p)
}

// PackByID reads one option pack.
func (st Curated) PackByID(ctx context.Context, id int64) (*OptionPack, error) {
	return opacks.byID(ctx, st.q, id)
}

// Packs lists every option pack by id.
func (st Curated) Packs(ctx context.Context) ([]*OptionPack, error) {
	return opacks.list(ctx, st.q, "")
}

// SavePack writes every writable column of p and stamps UpdatedAt.
func (st Curated) SavePack(ctx context.Context, p *OptionPack) error {
	return opacks.save(ctx, st.q, p)
}

// DeletePack removes an option pack; ErrNotFound when it is gone.
func (st Curated) DeletePack(ctx context.Context, id int64) error {
	return opacks.delete(ctx, st.q, id)
}

// Suggestion types.
const (
	SuggestCuratedSet = "cset"
	SuggestOptionPack = "opack"
)

// Suggestion is a user's proposal for a curated set or option pack. Its
// data (names, notes, measurements) is personal and stored encrypted.
type Suggestion struct {
	ID        string // UUID
	Type      string // SuggestCuratedSet or SuggestOptionPack
	UserID    int64  // 0 when the user is gone
	Data      map[string]any
	CreatedAt int64
}

// CreateSuggestion stores s; ID is set by the caller.
func (st Curated) CreateSuggestion(ctx context.Context, s *Suggestion) error {
	db, q := st.db, st.q
	plain, err := curatedJSON(s.Data)
	if err != nil {
		return err
	}
	enc, err := db.v.Encrypt("suggestions.data", plain)
	if err != nil {
		return err
	}
	if s.CreatedAt == 0 {
		s.CreatedAt = Now()
	}
	_, err = q.Exec(ctx, "INSERT INTO suggestions (id, type, user_id, data_enc, created_at) VALUES (?,?,?,?,?)",
		s.ID, s.Type, s.UserID, enc, s.CreatedAt)
	return mapErr(err)
}

// suggestionColumns are read into a suggestionRow.
const suggestionColumns = "id, type, user_id, data_enc, created_at"

// suggestionRow is a suggestions row as read, before its data is opened.
type suggestionRow struct {
	s   Suggestion
	uid sql.NullInt64
	enc string
}

func (r *suggestionRow) dest() []any {
	return []any{&r.s.ID, &r.s.Type, &r.uid, &r.enc, &r.s.CreatedAt}
}

// open decrypts and decodes the row's data.
func (r *suggestionRow) open(db *DB) (*Suggestion, error) {
	s := &r.s
	s.UserID = r.uid.Int64
	plain, err := db.v.Decrypt("suggestions.data", r.enc)
	if err != nil {
		return nil, err
	}
	if err := curatedUnmarshal(plain, &s.Data); err != nil {
		return nil, err
	}
	if s.Data == nil {
		s.Data = map[string]any{}
	}
	return s, nil
}

// Suggestions lists the suggestions of one type, oldest first.
func (st Curated) Suggestions(ctx context.Context, typ string) ([]*Suggestion, error) {
	db, q := st.db, st.q
	rows, err := q.Query(ctx, "SELECT "+suggestionColumns+" FROM suggestions WHERE type = ? ORDER BY created_at, id", typ)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Suggestion{}
	for rows.Next() {
		var r suggestionRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, err
		}
		s, err := r.open(db)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SuggestionByID reads one suggestion of a type; ErrNotFound when none.
func (st Curated) SuggestionByID(ctx context.Context, typ, id string) (*Suggestion, error) {
	db, q := st.db, st.q
	var r suggestionRow
	err := q.QueryRow(ctx, "SELECT "+suggestionColumns+" FROM suggestions WHERE id = ? AND type = ?", id, typ).Scan(r.dest()...)
	if err != nil {
		return nil, mapErr(err)
	}
	return r.open(db)
}

// DeleteSuggestion removes a suggestion of one type; ErrNotFound when no
// such suggestion exists.
func (st Curated) DeleteSuggestion(ctx context.Context, typ, id string) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM suggestions WHERE id = ? AND type = ?", id, typ)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// curatedMarks is "?,?,...,?" with n marks.
func curatedMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
