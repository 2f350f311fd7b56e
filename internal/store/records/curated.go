package records

import (
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

var csetColumns = "id, " + curatedLangColumns("name") + ", " + curatedLangColumns("notes") +
	", tags, tags_i18n, measies, height, info, published, img, created_at, updated_at"

func scanCuratedSet(row interface{ Scan(...any) error }) (*CuratedSet, error) {
	var c CuratedSet
	var tags, tagsI18n, measies string
	dst := []any{&c.ID}
	for i := range c.Name {
		dst = append(dst, &c.Name[i])
	}
	for i := range c.Notes {
		dst = append(dst, &c.Notes[i])
	}
	dst = append(dst, &tags, &tagsI18n, &measies, &c.Height, &c.Info, &c.Published, &c.Img, &c.CreatedAt, &c.UpdatedAt)
	if err := row.Scan(dst...); err != nil {
		return nil, mapErr(err)
	}
	var err error
	if c.Tags, err = decodeTags(tags, tagsI18n); err != nil {
		return nil, err
	}
	if err := curatedUnmarshal(measies, &c.Measies); err != nil {
		return nil, err
	}
	if c.Measies == nil {
		c.Measies = map[string]float64{}
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

// args are the writable columns' values, in csetColumns order after id
// and before created_at.
func (c *CuratedSet) args() ([]any, error) {
	if c.Measies == nil {
		c.Measies = map[string]float64{}
	}
	tags, tagsI18n, err := encodeTags(c.Tags)
	if err != nil {
		return nil, err
	}
	measies, err := curatedJSON(c.Measies)
	if err != nil {
		return nil, err
	}
	var a []any
	for _, n := range c.Name {
		a = append(a, n)
	}
	for _, n := range c.Notes {
		a = append(a, n)
	}
	return append(a, tags, tagsI18n, measies, c.Height, c.Info, c.Published, c.Img), nil
}

// CreateCuratedSet inserts c and sets its ID and timestamps.
func (st Curated) CreateSet(ctx context.Context, c *CuratedSet) error {
	q := st.q
	a, err := c.args()
	if err != nil {
		return err
	}
	if c.CreatedAt == 0 {
		c.CreatedAt = Now()
	}
	c.UpdatedAt = c.CreatedAt
	cols := strings.TrimPrefix(csetColumns, "id, ")
	id, err := insertID(ctx, q, "INSERT INTO curated_sets ("+cols+") VALUES ("+curatedMarks(len(a)+2)+")",
		append(a, c.CreatedAt, c.UpdatedAt)...)
	if err != nil {
		return err
	}
	c.ID = id
	return nil
}

// CuratedSetByID reads one curated set.
func (st Curated) SetByID(ctx context.Context, id int64) (*CuratedSet, error) {
	q := st.q
	return scanCuratedSet(q.QueryRow(ctx, "SELECT "+csetColumns+" FROM curated_sets WHERE id = ?", id))
}

// CuratedSets lists curated sets by id; only published ones when
// publishedOnly.
func (st Curated) Sets(ctx context.Context, publishedOnly bool) ([]*CuratedSet, error) {
	q := st.q
	var rows *sql.Rows
	var err error
	if publishedOnly {
		rows, err = q.Query(ctx, "SELECT "+csetColumns+" FROM curated_sets WHERE published = ? ORDER BY id", true)
	} else {
		rows, err = q.Query(ctx, "SELECT "+csetColumns+" FROM curated_sets ORDER BY id")
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*CuratedSet{}
	for rows.Next() {
		c, err := scanCuratedSet(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCuratedSet writes every writable column of c and stamps UpdatedAt.
func (st Curated) SaveSet(ctx context.Context, c *CuratedSet) error {
	q := st.q
	a, err := c.args()
	if err != nil {
		return err
	}
	c.UpdatedAt = max(Now(), c.CreatedAt)
	cols := strings.Split(strings.TrimPrefix(csetColumns, "id, "), ", ")
	cols = cols[:len(cols)-2] // created_at, updated_at
	res, err := q.Exec(ctx, "UPDATE curated_sets SET "+strings.Join(cols, " = ?, ")+" = ?, updated_at = ? WHERE id = ?",
		append(a, c.UpdatedAt, c.ID)...)
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

// DeleteCuratedSet removes a curated set; ErrNotFound when it is gone.
func (st Curated) DeleteSet(ctx context.Context, id int64) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM curated_sets WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

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

var opackColumns = "id, design, " + curatedLangColumns("name") + ", " + curatedLangColumns("notes") +
	", tags, tags_i18n, options, info, img, created_at, updated_at"

func scanOptionPack(row interface{ Scan(...any) error }) (*OptionPack, error) {
	var p OptionPack
	var tags, tagsI18n, options string
	dst := []any{&p.ID, &p.Design}
	for i := range p.Name {
		dst = append(dst, &p.Name[i])
	}
	for i := range p.Notes {
		dst = append(dst, &p.Notes[i])
	}
	dst = append(dst, &tags, &tagsI18n, &options, &p.Info, &p.Img, &p.CreatedAt, &p.UpdatedAt)
	if err := row.Scan(dst...); err != nil {
		return nil, mapErr(err)
	}
	var err error
	if p.Tags, err = decodeTags(tags, tagsI18n); err != nil {
		return nil, err
	}
	if err := curatedUnmarshal(options, &p.Options); err != nil {
		return nil, err
	}
	if p.Options == nil {
		p.Options = map[string]any{}
	}
	return &p, nil
}

func (p *OptionPack) args() ([]any, error) {
	if p.Options == nil {
		p.Options = map[string]any{}
	}
	tags, tagsI18n, err := encodeTags(p.Tags)
	if err != nil {
		return nil, err
	}
	options, err := curatedJSON(p.Options)
	if err != nil {
		return nil, err
	}
	a := []any{p.Design}
	for _, n := range p.Name {
		a = append(a, n)
	}
	for _, n := range p.Notes {
		a = append(a, n)
	}
	return append(a, tags, tagsI18n, options, p.Info, p.Img), nil
}

// CreateOptionPack inserts p and sets its ID and timestamps.
func (st Curated) CreatePack(ctx context.Context, p *OptionPack) error {
	q := st.q
	a, err := p.args()
	if err != nil {
		return err
	}
	if p.CreatedAt == 0 {
		p.CreatedAt = Now()
	}
	p.UpdatedAt = p.CreatedAt
	cols := strings.TrimPrefix(opackColumns, "id, ")
	id, err := insertID(ctx, q, "INSERT INTO option_packs ("+cols+") VALUES ("+curatedMarks(len(a)+2)+")",
		append(a, p.CreatedAt, p.UpdatedAt)...)
	if err != nil {
		return err
	}
	p.ID = id
	return nil
}

// OptionPackByID reads one option pack.
func (st Curated) PackByID(ctx context.Context, id int64) (*OptionPack, error) {
	q := st.q
	return scanOptionPack(q.QueryRow(ctx, "SELECT "+opackColumns+" FROM option_packs WHERE id = ?", id))
}

// OptionPacks lists every option pack by id.
func (st Curated) Packs(ctx context.Context) ([]*OptionPack, error) {
	q := st.q
	rows, err := q.Query(ctx, "SELECT "+opackColumns+" FROM option_packs ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*OptionPack{}
	for rows.Next() {
		p, err := scanOptionPack(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveOptionPack writes every writable column of p and stamps UpdatedAt.
func (st Curated) SavePack(ctx context.Context, p *OptionPack) error {
	q := st.q
	a, err := p.args()
	if err != nil {
		return err
	}
	p.UpdatedAt = max(Now(), p.CreatedAt)
	cols := strings.Split(strings.TrimPrefix(opackColumns, "id, "), ", ")
	cols = cols[:len(cols)-2]
	res, err := q.Exec(ctx, "UPDATE option_packs SET "+strings.Join(cols, " = ?, ")+" = ?, updated_at = ? WHERE id = ?",
		append(a, p.UpdatedAt, p.ID)...)
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

// DeleteOptionPack removes an option pack; ErrNotFound when it is gone.
func (st Curated) DeletePack(ctx context.Context, id int64) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM option_packs WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
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

// Suggestions lists the suggestions of one type, oldest first.
func (st Curated) Suggestions(ctx context.Context, typ string) ([]*Suggestion, error) {
	db, q := st.db, st.q
	rows, err := q.Query(ctx, "SELECT id, type, user_id, data_enc, created_at FROM suggestions WHERE type = ? ORDER BY created_at, id", typ)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Suggestion{}
	for rows.Next() {
		var s Suggestion
		var uid sql.NullInt64
		var enc string
		if err := rows.Scan(&s.ID, &s.Type, &uid, &enc, &s.CreatedAt); err != nil {
			return nil, err
		}
		s.UserID = uid.Int64
		plain, err := db.v.Decrypt("suggestions.data", enc)
		if err != nil {
			return nil, err
		}
		if err := curatedUnmarshal(plain, &s.Data); err != nil {
			return nil, err
		}
		if s.Data == nil {
			s.Data = map[string]any{}
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// SuggestionByID reads one suggestion of a type; ErrNotFound when none.
func (st Curated) SuggestionByID(ctx context.Context, typ, id string) (*Suggestion, error) {
	db, q := st.db, st.q
	var s Suggestion
	var uid sql.NullInt64
	var enc string
	err := q.QueryRow(ctx, "SELECT id, type, user_id, data_enc, created_at FROM suggestions WHERE id = ? AND type = ?", id, typ).
		Scan(&s.ID, &s.Type, &uid, &enc, &s.CreatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	s.UserID = uid.Int64
	plain, err := db.v.Decrypt("suggestions.data", enc)
	if err != nil {
		return nil, err
	}
	if err := curatedUnmarshal(plain, &s.Data); err != nil {
		return nil, err
	}
	if s.Data == nil {
		s.Data = map[string]any{}
	}
	return &s, nil
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
