package records

import "context"

// Bookmark is a user's bookmark. Bookmarks are not personal data in the
// sense of auth.md and are stored in clear.
type Bookmark struct {
	ID        int64
	UserID    int64
	Type      string
	Title     string
	URL       string
	CreatedAt int64
	UpdatedAt int64
}

const bookmarkColumns = "id, user_id, type, title, url, created_at, updated_at"

func scanBookmark(row interface{ Scan(...any) error }) (*Bookmark, error) {
	var b Bookmark
	if err := row.Scan(&b.ID, &b.UserID, &b.Type, &b.Title, &b.URL, &b.CreatedAt, &b.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	return &b, nil
}

// CreateBookmark inserts b and sets b.ID.
func (st Bookmarks) Create(ctx context.Context, b *Bookmark) error {
	q := st.q
	if b.CreatedAt == 0 {
		b.CreatedAt = Now()
	}
	if b.UpdatedAt == 0 {
		b.UpdatedAt = b.CreatedAt
	}
	id, err := insertID(ctx, q, "INSERT INTO bookmarks (user_id, type, title, url, created_at, updated_at) VALUES (?,?,?,?,?,?)",
		b.UserID, b.Type, b.Title, b.URL, b.CreatedAt, b.UpdatedAt)
	if err != nil {
		return err
	}
	b.ID = id
	return nil
}

// SaveBookmark writes title, url and updatedAt.
func (st Bookmarks) Save(ctx context.Context, b *Bookmark) error {
	q := st.q
	res, err := q.Exec(ctx, "UPDATE bookmarks SET title=?, url=?, updated_at=? WHERE id=?", b.Title, b.URL, b.UpdatedAt, b.ID)
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

// BookmarkByID reads one bookmark.
func (st Bookmarks) ByID(ctx context.Context, id int64) (*Bookmark, error) {
	q := st.q
	return scanBookmark(q.QueryRow(ctx, "SELECT "+bookmarkColumns+" FROM bookmarks WHERE id = ?", id))
}

// BookmarksByUser lists a user's bookmarks, oldest first.
func (st Bookmarks) ByUser(ctx context.Context, userID int64) ([]*Bookmark, error) {
	q := st.q
	rows, err := q.Query(ctx, "SELECT "+bookmarkColumns+" FROM bookmarks WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Bookmark{}
	for rows.Next() {
		b, err := scanBookmark(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// DeleteBookmark removes a bookmark; ErrNotFound when it was already gone.
func (st Bookmarks) Delete(ctx context.Context, id int64) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM bookmarks WHERE id = ?", id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}
