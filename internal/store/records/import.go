package records

// This package's part of the writes of `bobbin import freesewing`
// (internal/fsimport): sets, patterns, bookmarks, subscribers, curated sets
// and option packs written as upserts with their upstream ids, the per-row
// digests that make a run resumable, and the sequences set past the highest
// imported id. The accounts' part (users, API keys, the legacy credentials)
// is internal/store/accounts/import.go.

import (
	"context"
	"errors"
	"strings"

	"bobbin/internal/store/engine"
)

var (
	sqlImportSet = engine.Upsert("sets", "id", "user_id", "name_enc", "notes_enc", "public", "imperial", "measies_enc", "img",
		"created_at", "updated_at")
	sqlImportPattern = engine.Upsert("patterns", "id", "user_id", "design", "name_enc", "notes_enc", "public", "settings_enc",
		"data_enc", "img", "created_at", "updated_at")
	sqlImportBookmark   = engine.Upsert("bookmarks", "id", "user_id", "type", "title", "url", "created_at", "updated_at")
	sqlImportCuratedSet = engine.Upsert("curated_sets", append(append(append([]string{"id"}, langCols("name")...),
		langCols("notes")...), "tags", "tags_i18n", "measies", "height", "info", "published", "img", "created_at", "updated_at")...)
	sqlImportOptionPack = engine.Upsert("option_packs", append(append(append([]string{"id", "design"}, langCols("name")...),
		langCols("notes")...), "tags", "tags_i18n", "options", "info", "img", "created_at", "updated_at")...)
)

func langCols(prefix string) []string { return strings.Split(curatedLangColumns(prefix), ", ") }

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
		rows, err := tx.Query(ctx, "SELECT id FROM "+table+" WHERE id IN (?"+strings.Repeat(",?", n-1)+")", ids[:n]...)
		if err != nil {
			return nil, err
		}
		if err := engine.ReadKeys(rows, out); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// ImportSet writes s (open) with its own id.
func (st Import) Set(ctx context.Context, s *Set) error {
	tx := st.q.(*Tx)
	e, err := Sets(st).seal(s)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sqlImportSet, s.ID, s.UserID, e.name, e.notes, s.Public, s.Imperial, e.measies, s.Img, s.CreatedAt, s.UpdatedAt)
	st.allChanged() // an upsert: the row may have had another owner, whose list is not known here
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
	_, err = tx.Exec(ctx, sqlImportPattern, p.ID, p.UserID, p.Design, name, notes, p.Public, settings, data, p.Img, p.CreatedAt, p.UpdatedAt)
	return mapErr(err)
}

// ImportBookmark writes b with its own id.
func (st Import) Bookmark(ctx context.Context, b *Bookmark) error {
	tx := st.q.(*Tx)
	_, err := tx.Exec(ctx, sqlImportBookmark, b.ID, b.UserID, b.Type, b.Title, b.URL, b.CreatedAt, b.UpdatedAt)
	return mapErr(err)
}

// ImportCuratedSet writes c with its own id.
func (st Import) CuratedSet(ctx context.Context, c *CuratedSet) error {
	tx := st.q.(*Tx)
	a, err := c.args()
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sqlImportCuratedSet, append(append([]any{c.ID}, a...), c.CreatedAt, c.UpdatedAt)...)
	return mapErr(err)
}

// ImportOptionPack writes p with its own id.
func (st Import) OptionPack(ctx context.Context, p *OptionPack) error {
	tx := st.q.(*Tx)
	a, err := p.args()
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sqlImportOptionPack, append(append([]any{p.ID}, a...), p.CreatedAt, p.UpdatedAt)...)
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
		rows, err := db.Query(ctx, "SELECT id, digest FROM fsimport_rows WHERE tbl = ? AND id IN (?"+
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
		_, err := tx.Exec(ctx, "INSERT INTO fsimport_rows (tbl, id, digest, imported_at) VALUES (?,?,?,?)"+
			strings.Repeat(",(?,?,?,?)", n-1)+
			" ON CONFLICT (tbl, id) DO UPDATE SET digest = excluded.digest, imported_at = excluded.imported_at", args...)
		if err != nil {
			return err
		}
		ids, digests = ids[n:], digests[n:]
	}
	return nil
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
			if err := tx.QueryRow(ctx, q).Scan(&v); err != nil {
				return err
			}
			continue
		}
		// SQLite raises sqlite_sequence itself on an insert with an explicit
		// id; this makes it explicit, and creates the row if none exists.
		if _, err := tx.Exec(ctx, "UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM "+t+")) WHERE name = ?", t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO sqlite_sequence (name, seq) SELECT ?, (SELECT COALESCE(MAX(id), 0) FROM "+t+
			") WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)", t, t); err != nil {
			return err
		}
	}
	return nil
}
