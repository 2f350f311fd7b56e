package api

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/store"
)

// Bookmark limits.
const (
	maxBookmarkTitle = 200
	maxBookmarkURL   = 2048
)

var bookmarkTypes = map[string]bool{"set": true, "cset": true, "pattern": true, "design": true, "doc": true, "custom": true}

// Bookmark is the bookmark object of api.md.
type Bookmark struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"userId"`
	Type      string `json:"type"`
	Title     string `json:"title"`
	URL       string `json:"url"`
	CreatedAt Stamp  `json:"createdAt"`
	UpdatedAt Stamp  `json:"updatedAt"`
}

func asBookmark(b *store.Bookmark) Bookmark {
	return Bookmark{ID: b.ID, UserID: b.UserID, Type: b.Type, Title: b.Title, URL: b.URL,
		CreatedAt: Stamp(b.CreatedAt), UpdatedAt: Stamp(b.UpdatedAt)}
}

// BookmarkRequest is the body of POST (type, title, url) and PATCH (title,
// url; type cannot change and is ignored) /bookmarks.
type BookmarkRequest struct {
	Type  *string `json:"type"`
	Title *string `json:"title"`
	URL   *string `json:"url"`
}

// BookmarkResponse is {result, bookmark}.
type BookmarkResponse struct {
	Result
	Bookmark Bookmark `json:"bookmark"`
}

// BookmarksResponse is {result, bookmarks}.
type BookmarksResponse struct {
	Result
	Bookmarks []Bookmark `json:"bookmarks"`
}

func bookmarkTitle(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", apierr.BookmarkTitleMissing
	}
	if utf8.RuneCountInString(v) > maxBookmarkTitle {
		return "", apierr.BookmarkTitleTooLong
	}
	return v, nil
}

// bookmarkURL accepts a site path ("/docs/...") or an http(s) URL; other
// schemes (javascript:, data:...) would be a trap in a front end.
func bookmarkURL(v string) (string, error) {
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

func (s *Server) createBookmark(w http.ResponseWriter, r *http.Request) error {
	var req BookmarkRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	if req.Type == nil || strings.TrimSpace(*req.Type) == "" {
		return apierr.BookmarkTypeMissing
	}
	if !bookmarkTypes[*req.Type] {
		return apierr.BookmarkTypeInvalid
	}
	if req.Title == nil {
		return apierr.BookmarkTitleMissing
	}
	title, err := bookmarkTitle(*req.Title)
	if err != nil {
		return err
	}
	if req.URL == nil {
		return apierr.BookmarkURLMissing
	}
	u, err := bookmarkURL(*req.URL)
	if err != nil {
		return err
	}
	now := s.Now().UnixMilli()
	b := &store.Bookmark{UserID: caller(r).UserID, Type: *req.Type, Title: title, URL: u, CreatedAt: now, UpdatedAt: now}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.Bookmarks().Create(ctx, b) }); err != nil {
		return err
	}
	return encode(w, http.StatusCreated, BookmarkResponse{created, asBookmark(b)})
}

func (s *Server) listBookmarks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.DB.Bookmarks().ByUser(r.Context(), caller(r).UserID)
	if err != nil {
		return err
	}
	out := asList(list, asBookmark)
	return encode(w, http.StatusOK, BookmarksResponse{success, out})
}

// ownBookmark reads a bookmark of the caller's: bookmarks are own only,
// whatever the caller's level.
func (s *Server) ownBookmark(r *http.Request, q store.Conn) (*store.Bookmark, error) {
	id, err := parseID(r, "id")
	if err != nil {
		return nil, err
	}
	b, err := q.Bookmarks().ByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if b.UserID != caller(r).UserID {
		return nil, apierr.InsufficientAccessLevel
	}
	return b, nil
}

func (s *Server) getBookmark(w http.ResponseWriter, r *http.Request) error {
	b, err := s.ownBookmark(r, s.DB)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, BookmarkResponse{success, asBookmark(b)})
}

func (s *Server) patchBookmark(w http.ResponseWriter, r *http.Request) error {
	var req BookmarkRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	var b *store.Bookmark
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if b, err = s.ownBookmark(r, tx); err != nil {
			return err
		}
		if req.Title != nil {
			if b.Title, err = bookmarkTitle(*req.Title); err != nil {
				return err
			}
		}
		if req.URL != nil {
			if b.URL, err = bookmarkURL(*req.URL); err != nil {
				return err
			}
		}
		b.UpdatedAt = s.Now().UnixMilli()
		return tx.Bookmarks().Save(ctx, b)
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, BookmarkResponse{success, asBookmark(b)})
}

func (s *Server) deleteBookmark(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		b, err := s.ownBookmark(r, tx)
		if err != nil {
			return err
		}
		return tx.Bookmarks().Delete(ctx, b.ID)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
