package images

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"bobbin/internal/apierr"
)

// Service is what the domains use of images: it checks an object's img
// value, stores and copies images under their owner, keeps the store and
// the rows in step, and serves GET /images/{name}.
//
// An object's img is "" (none), an https:// URL kept as given, or one of
// our own image URLs (<BACKEND_URL>/images/<name>). A data: URI of a PNG,
// JPEG or WebP image is stored in the image store under the object's owner
// name ("set-12", "pattern-3", "user-7", "cset-2", "opack-5") and replaced
// by its URL.
//
// Keeping store and rows in step, without orphans:
//   - a write that stores an image does it inside the object's write
//     transaction, after taking the row's lock, so writes to one object
//     are serialised, and calls Settle after the transaction, whether it
//     committed or not;
//   - deleting an object calls Drop(ctx, owner) after the commit;
//   - deleting an account: read the owners of its images before, then
//     Drop(ctx, owners...) after the commit.
type Service struct {
	store Backend // nil when none is configured
	base  string  // URL prefix of our images
	rows  Rows
	log   *slog.Logger
}

// Rows is what the service reads of the objects that name images.
type Rows interface {
	// ImgOf is the img an owner's row names now ("" when none or gone).
	ImgOf(ctx context.Context, kind string, id int64) (string, error)
}

// NewService builds the service over a store (nil: none configured);
// baseURL is the server's public URL.
func NewService(store Backend, baseURL string, rows Rows, log *slog.Logger) *Service {
	return &Service{store: store, base: baseURL + "/images/", rows: rows, log: log}
}

// Base is the URL prefix of our images.
func (s *Service) Base() string { return s.base }

// errNoImageStore is a wiring error (500): the app always sets one.
var errNoImageStore = errors.New("images: no image store configured")

// Accept checks an img value and returns what to store: "" clears,
// an https:// URL is kept as is, a data: URI is stored for the owner and
// replaced by its URL, and one of our image URLs is kept when it is the
// owner's own and copied to the owner when it is another's.
func (s *Service) Accept(ctx context.Context, owner, value string) (string, error) {
	value = strings.TrimSpace(value)
	switch {
	case value == "":
		return "", nil
	case IsDataURI(value):
		ct, data, err := Decode(value)
		if errors.Is(err, ErrTooLarge) {
			return "", apierr.ImgTooLarge
		}
		if err != nil {
			return "", apierr.ImgInvalid
		}
		return s.put(ctx, owner, ct, data)
	case strings.HasPrefix(value, s.base):
		name := strings.TrimPrefix(value, s.base)
		from, _, ok := ParseName(name)
		b := s.store
		if !ok || b == nil {
			return "", apierr.ImgInvalid
		}
		ct, data, err := b.Get(ctx, name)
		if errors.Is(err, ErrNotFound) {
			return "", apierr.ImgInvalid
		}
		if err != nil {
			return "", err
		}
		if from == owner {
			return value, nil
		}
		return s.put(ctx, owner, ct, data)
	case strings.HasPrefix(value, "https://") && len(value) <= 2048 && !strings.ContainsAny(value, " \"<>\\\t\r\n"):
		return value, nil
	}
	return "", apierr.ImgInvalid
}

func (s *Service) put(ctx context.Context, owner, ct string, data []byte) (string, error) {
	b := s.store
	if b == nil {
		return "", errNoImageStore
	}
	u, err := b.Put(ctx, owner, ct, data)
	if errors.Is(err, ErrInvalid) {
		return "", apierr.ImgInvalid
	}
	if errors.Is(err, ErrTooLarge) {
		return "", apierr.ImgTooLarge
	}
	return u, err
}

// Copy is Accept for cloning: an image that cannot be copied
// (gone, or refused) leaves the clone without one rather than failing it.
func (s *Service) Copy(ctx context.Context, owner, value string) (string, error) {
	img, err := s.Accept(ctx, owner, value)
	if _, _, ok := apierr.From(err); ok {
		return "", nil
	}
	return img, err
}

// cleanupContext outlives the request (a client that leaves must not stop
// the cleanup half way) but not by much.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// Settle runs after a write that may have stored an image for owner
// (committed or not). It keeps the image the owner's row now names and
// removes the others that are either older than since (the start of the
// write: replaced images, leftovers) or the one this write stored (put;
// it stays when the write committed, as the row then names it). Images
// stored by concurrent writes after since are left to their own settle.
func (s *Service) Settle(ctx context.Context, owner string, since time.Time, put string) {
	b := s.store
	kind, id, ok := ParseOwner(owner)
	if b == nil || !ok {
		return
	}
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	cur, err := s.rows.ImgOf(ctx, kind, id)
	if err != nil {
		s.log.Warn("image settle: reading the owner failed", "owner", owner, "err", err)
		return
	}
	list, err := b.List(ctx, owner)
	if err != nil {
		s.log.Warn("image settle: listing failed", "owner", owner, "err", err)
		return
	}
	// Stores keep times in milliseconds at least; compare at that grain.
	cut := time.UnixMilli(since.UnixMilli())
	base := s.base
	for _, img := range list {
		u := base + img.Name
		if u == cur {
			continue
		}
		if img.Created.Before(cut) || u == put {
			if err := b.Delete(ctx, img.Name); err != nil {
				s.log.Warn("image settle: delete failed", "owner", owner, "err", err)
			}
		}
	}
}

// Drop removes every image of the owners (objects that are gone).
// Failures are logged: the object is already deleted.
func (s *Service) Drop(ctx context.Context, owners ...string) {
	b := s.store
	if b == nil {
		return
	}
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	for _, o := range owners {
		if err := b.DeleteOwner(ctx, o); err != nil {
			s.log.Warn("removing images failed", "owner", o, "err", err)
		}
	}
}

// Serve serves a stored image: content-addressed names never change
// content, so it may be cached for good; a strict CSP and nosniff keep a
// crafted file from running as a page.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request) error {
	b := s.store
	if b == nil {
		return apierr.NotFound
	}
	name := r.PathValue("name")
	ct, data, err := b.Get(r.Context(), name)
	if errors.Is(err, ErrNotFound) {
		return apierr.NotFound
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("ETag", `"`+strings.TrimSuffix(name[strings.LastIndexByte(name, '-')+1:], "."+ext(name))+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	return nil
}

func ext(name string) string { return name[strings.LastIndexByte(name, '.')+1:] }
