package records

import (
	"context"
	"errors"
	"strconv"
)

// ImageInfo names a stored image and when it was (last) stored.
type ImageInfo struct {
	Name      string
	CreatedAt int64 // Unix ms
}

// PutImage stores an image in the images table. Storing a name that
// exists (the same owner and bytes: names are content-addressed) only
// refreshes its time, so a re-upload counts as new for the image sweep.
// It writes outside any transaction (on PostgreSQL, its own connection).
func (st Images) Put(ctx context.Context, name, owner, contentType string, data []byte, at int64) error {
	db := st.db
	_, err := db.Exec(ctx, `INSERT INTO images (name, owner, content_type, data, created_at) VALUES (?,?,?,?,?)
 ON CONFLICT (name) DO UPDATE SET created_at = excluded.created_at`, name, owner, contentType, data, at)
	return mapErr(err)
}

// ImageByName reads an image's type and bytes.
func (st Images) ByName(ctx context.Context, name string) (string, []byte, error) {
	db := st.db
	var ct string
	var data []byte
	err := db.QueryRow(ctx, "SELECT content_type, data FROM images WHERE name = ?", name).Scan(&ct, &data)
	return ct, data, mapErr(err)
}

// ImagesByOwner lists an owner's images.
func (st Images) ByOwner(ctx context.Context, owner string) ([]ImageInfo, error) {
	db := st.db
	rows, err := db.Query(ctx, "SELECT name, created_at FROM images WHERE owner = ? ORDER BY name", owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImageInfo
	for rows.Next() {
		var i ImageInfo
		if err := rows.Scan(&i.Name, &i.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// DeleteImage removes one image; gone already is not an error.
func (st Images) Delete(ctx context.Context, name string) error {
	db := st.db
	_, err := db.Exec(ctx, "DELETE FROM images WHERE name = ?", name)
	return err
}

// DeleteImagesByOwner removes every image of an owner.
func (st Images) DeleteByOwner(ctx context.Context, owner string) error {
	db := st.db
	_, err := db.Exec(ctx, "DELETE FROM images WHERE owner = ?", owner)
	return err
}

// imgTables maps an image owner kind to the table holding its img column.
var imgTables = map[string]string{
	"user": "users", "set": "sets", "pattern": "patterns", "cset": "curated_sets", "opack": "option_packs",
}

// ErrUnknownKind is returned for an owner kind with no table.
var ErrUnknownKind = errors.New("store: unknown image owner kind")

// ImgOf reads the committed img value of an image owner ("" when the row
// does not exist).
func (st Images) ImgOf(ctx context.Context, kind string, id int64) (string, error) {
	db := st.db
	table, ok := imgTables[kind]
	if !ok {
		return "", ErrUnknownKind
	}
	var img string
	err := db.QueryRow(ctx, "SELECT img FROM "+table+" WHERE id = ?", id).Scan(&img)
	if err = mapErr(err); err == ErrNotFound {
		return "", nil
	}
	return img, err
}

// ImageOwnersOfUser lists every image owner that goes with a user's
// account: the account itself, its uploads and each of its sets and patterns. Read it
// before deleting the account (the rows cascade away).
func (st Images) OwnersOfUser(ctx context.Context, userID int64) ([]string, error) {
	q := st.q
	out := []string{"user-" + strconv.FormatInt(userID, 10), "upload-" + strconv.FormatInt(userID, 10)}
	for _, k := range []struct{ kind, table string }{{"set", "sets"}, {"pattern", "patterns"}} {
		rows, err := q.Query(ctx, "SELECT id FROM "+k.table+" WHERE user_id = ? ORDER BY id", userID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, k.kind+"-"+strconv.FormatInt(id, 10))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
