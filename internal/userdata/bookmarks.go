package userdata

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Bookmark limits.
const (
	maxBookmarkTitle = 200
	maxBookmarkURL   = 2048
)

var bookmarkTypes = map[string]bool{"set": true, "cset": true, "pattern": true, "design": true, "doc": true, "custom": true}

// BookmarkTypes lists the types a bookmark may have, sorted (for the
// OpenAPI description).
func BookmarkTypes() []string { return slices.Sorted(maps.Keys(bookmarkTypes)) }

// Bookmark is the bookmark object of api.md.
type Bookmark struct {
	ID        int64       `json:"id"`
	UserID    int64       `json:"userId"`
	Type      string      `json:"type" enum:"BookmarkType"`
	Title     string      `json:"title"`
	URL       string      `json:"url"`
	CreatedAt httpx.Stamp `json:"createdAt"`
	UpdatedAt httpx.Stamp `json:"updatedAt"`
}

// AsBookmark is the answer object of a stored bookmark.
func AsBookmark(b *store.Bookmark) Bookmark {
	return Bookmark{ID: b.ID, UserID: b.UserID, Type: b.Type, Title: b.Title, URL: b.URL,
		CreatedAt: httpx.Stamp(b.CreatedAt), UpdatedAt: httpx.Stamp(b.UpdatedAt)}
}

// BookmarkRequest is the body of POST (type, title, url) and PATCH (title,
// url; type cannot change and is ignored) /bookmarks.
type BookmarkRequest struct {
	Type  *string `json:"type" enum:"BookmarkType" doc:"Required on create; ignored on update"`
	Title *string `json:"title" doc:"Required on create" example:"My favourite shirt"`
	URL   *string `json:"url" doc:"Required on create" example:"https://freesewing.org/designs/simon"`
}

// BookmarkResponse is {result, bookmark}.
type BookmarkResponse struct {
	httpx.Result
	Bookmark Bookmark `json:"bookmark"`
}

// BookmarksResponse is {result, bookmarks}.
type BookmarksResponse struct {
	httpx.Result
	Bookmarks []Bookmark `json:"bookmarks"`
}

// BookmarkTitle checks a title: trimmed, required, not too long.
func BookmarkTitle(v string) (string, error) {
	return trimmedText(v, maxBookmarkTitle, apierr.BookmarkTitleMissing, apierr.BookmarkTitleTooLong)
}

// BookmarkURL accepts a site path ("/docs/...") or an http(s) URL; other
// schemes (javascript:, data:...) would be a trap in a front end.
func BookmarkURL(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", apierr.BookmarkURLMissing
	}
	if len(v) > maxBookmarkURL {
		return "", apierr.BookmarkURLTooLong
	}
	if strings.ContainsAny(v, " \t\r\n\\\"<>") {
		return "", apierr.BookmarkURLInvalid
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", apierr.BookmarkURLInvalid
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//"):
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
	default:
		return "", apierr.BookmarkURLInvalid
	}
	return v, nil
}

// Bookmarks are the handlers of /bookmarks. Bookmarks are own only,
// whatever the caller's level.
type Bookmarks struct{ d Deps }

// NewBookmarks builds the handlers.
func NewBookmarks(d Deps) *Bookmarks { return &Bookmarks{d} }

// Create is POST /bookmarks.
func (h *Bookmarks) Create(ctx context.Context, in *httpx.In[BookmarkRequest]) (BookmarkResponse, error) {
	req := in.Body
	if req.Type == nil || strings.TrimSpace(*req.Type) == "" {
		return BookmarkResponse{}, apierr.BookmarkTypeMissing
	}
	if !bookmarkTypes[*req.Type] {
		return BookmarkResponse{}, apierr.BookmarkTypeInvalid
	}
	if req.Title == nil {
		return BookmarkResponse{}, apierr.BookmarkTitleMissing
	}
	title, err := BookmarkTitle(*req.Title)
	if err != nil {
		return BookmarkResponse{}, err
	}
	if req.URL == nil {
		return BookmarkResponse{}, apierr.BookmarkURLMissing
	}
	u, err := BookmarkURL(*req.URL)
	if err != nil {
		return BookmarkResponse{}, err
	}
	now := h.d.Now().UnixMilli()
	b := &store.Bookmark{UserID: in.Caller().UserID, Type: *req.Type, Title: title, URL: u, CreatedAt: now, UpdatedAt: now}
	if err := h.d.DB.Write(ctx, func(tx *store.Tx) error { return tx.Bookmarks().Create(ctx, b) }); err != nil {
		return BookmarkResponse{}, err
	}
	return BookmarkResponse{httpx.Created, AsBookmark(b)}, nil
}

// List is GET /bookmarks.
func (h *Bookmarks) List(ctx context.Context, in *httpx.In[httpx.None]) (BookmarksResponse, error) {
	list, err := h.d.DB.Bookmarks().ByUser(ctx, in.Caller().UserID)
	if err != nil {
		return BookmarksResponse{}, err
	}
	return BookmarksResponse{httpx.Success, httpx.List(list, AsBookmark)}, nil
}

// own reads a bookmark of the caller's from bs.
func own[T any](ctx context.Context, in *httpx.In[T], bs store.Bookmarks) (*store.Bookmark, error) {
	id, err := in.PathID("id")
	if err != nil {
		return nil, err
	}
	b, err := bs.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.UserID != in.Caller().UserID {
		return nil, apierr.InsufficientAccessLevel
	}
	return b, nil
}

// Get is GET /bookmarks/{id}.
func (h *Bookmarks) Get(ctx context.Context, in *httpx.In[httpx.None]) (BookmarkResponse, error) {
	b, err := own(ctx, in, h.d.DB.Bookmarks())
	if err != nil {
		return BookmarkResponse{}, err
	}
	return BookmarkResponse{httpx.Success, AsBookmark(b)}, nil
}

// Patch is PATCH /bookmarks/{id}: title and url may change.
func (h *Bookmarks) Patch(ctx context.Context, in *httpx.In[BookmarkRequest]) (BookmarkResponse, error) {
	req := in.Body
	var b *store.Bookmark
	err := h.d.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if b, err = own(ctx, in, tx.Bookmarks()); err != nil {
			return err
		}
		if req.Title != nil {
			if b.Title, err = BookmarkTitle(*req.Title); err != nil {
				return err
			}
		}
		if req.URL != nil {
			if b.URL, err = BookmarkURL(*req.URL); err != nil {
				return err
			}
		}
		b.UpdatedAt = h.d.Now().UnixMilli()
		return tx.Bookmarks().Save(ctx, b)
	})
	if err != nil {
		return BookmarkResponse{}, err
	}
	return BookmarkResponse{httpx.Success, AsBookmark(b)}, nil
}

// Delete is DELETE /bookmarks/{id}.
func (h *Bookmarks) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	return h.d.DB.Write(ctx, func(tx *store.Tx) error {
		b, err := own(ctx, in, tx.Bookmarks())
		if err != nil {
			return err
		}
		return tx.Bookmarks().Delete(ctx, b.ID)
	})
}
