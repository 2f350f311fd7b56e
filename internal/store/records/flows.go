package records

import "context"

// FlowItem is something a person submitted for the operator: an issue, a
// discussion, a blog or showcase post, a language suggestion.
type FlowItem struct {
	ID        int64
	Kind      string // issue, discussion, pr-blog, pr-showcase, language
	Slug      string // posts: the slug asked for
	UserID    int64  // 0: anonymous
	Title     string
	Text      string
	RemoteURL string // where a forwarder created it, if it did
	CreatedAt int64
}

// Create stores an item (title and text encrypted) and sets its id.
func (st Flows) Create(ctx context.Context, it *FlowItem) error {
	title, err := st.db.v.Encrypt("flow_items.title", it.Title)
	if err != nil {
		return err
	}
	text, err := st.db.v.Encrypt("flow_items.text", it.Text)
	if err != nil {
		return err
	}
	var user any
	if it.UserID != 0 {
		user = it.UserID
	}
	it.ID, err = insertID(ctx, st.q, "INSERT INTO flow_items (kind, slug, user_id, title_enc, text_enc, remote_url, created_at) VALUES (?,?,?,?,?,?,?)",
		it.Kind, it.Slug, user, title, text, it.RemoteURL, it.CreatedAt)
	return err
}

// SlugTaken reports whether a post of this kind already asked for slug.
func (st Flows) SlugTaken(ctx context.Context, kind, slug string) (bool, error) {
	var n int
	err := st.q.QueryRow(ctx, "SELECT COUNT(*) FROM flow_items WHERE kind = ? AND slug = ?", kind, slug).Scan(&n)
	return n > 0, mapErr(err)
}
