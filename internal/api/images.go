package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/images"
)

// Images. An object's img is "" (none), an https:// URL kept as given, or
// one of our own image URLs (<BACKEND_URL>/images/<name>). A data: URI of a
// PNG, JPEG or WebP image is stored in the image store under the object's
// owner name ("set-12", "pattern-3", "user-7", "cset-2", "opack-5") and
// replaced by its URL.
//
// Keeping store and rows in step, without orphans:
//   - a write that stores an image does it inside the object's write
//     transaction, after taking the row's lock, so writes to one object
//     are serialised, and calls s.settleImages after the transaction,
//     whether it committed or not;
//   - deleting an object calls s.dropImages(ctx, owner) after the commit;
//   - deleting an account: read s.DB.ImageOwnersOfUser before, then
//     s.dropImages(ctx, owners...) after the commit.

// errNoImageStore is a wiring error (500): the app always sets one.
var errNoImageStore = errors.New("api: no image store configured")

// imageBackend is the configured store with what serving and cleaning
// need; nil when none is configured.
func (s *Server) imageBackend() images.Backend {
	b, _ := s.Images.(images.Backend)
	return b
}

// imageBase is the URL prefix of our images.
func (s *Server) imageBase() string { return s.Config.URL + "/images/" }

// acceptImage checks an img value and returns what to store: "" clears,
// an https:// URL is kept as is, a data: URI is stored for the owner and
// replaced by its URL, and one of our image URLs is kept when it is the
// owner's own and copied to the owner when it is another's.
func (s *Server) acceptImage(ctx context.Context, owner, value string) (string, error) {
	value = strings.TrimSpace(value)
	switch {
	case value == "":
		return "", nil
	case images.IsDataURI(value):
		ct, data, err := images.Decode(value)
		if errors.Is(err, images.ErrTooLarge) {
			return "", apierr.ImgTooLarge
		}
		if err != nil {
			return "", apierr.ImgInvalid
		}
		return s.putImage(ctx, owner, ct, data)
	case strings.HasPrefix(value, s.imageBase()):
		name := strings.TrimPrefix(value, s.imageBase())
		from, _, ok := images.ParseName(name)
		b := s.imageBackend()
		if !ok || b == nil {
			return "", apierr.ImgInvalid
		}
		ct, data, err := b.Get(ctx, name)
		if errors.Is(err, images.ErrNotFound) {
			return "", apierr.ImgInvalid
		}
		if err != nil {
			return "", err
		}
		if from == owner {
			return value, nil
		}
		return s.putImage(ctx, owner, ct, data)
	case strings.HasPrefix(value, "https://") && len(value) <= 2048 && !strings.ContainsAny(value, " \"<>\\\t\r\n"):
		return value, nil
	}
	return "", apierr.ImgInvalid
}

func (s *Server) putImage(ctx context.Context, owner, ct string, data []byte) (string, error) {
	b := s.imageBackend()
	if b == nil {
		return "", errNoImageStore
	}
	u, err := b.Put(ctx, owner, ct, data)
	if errors.Is(err, images.ErrInvalid) {
		return "", apierr.ImgInvalid
	}
	if errors.Is(err, images.ErrTooLarge) {
		return "", apierr.ImgTooLarge
	}
	return u, err
}

// copyImage is acceptImage for cloning: an image that cannot be copied
// (gone, or refused) leaves the clone without one rather than failing it.
func (s *Server) copyImage(ctx context.Context, owner, value string) (string, error) {
	img, err := s.acceptImage(ctx, owner, value)
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return "", nil
	}
	return img, err
}

// cleanupContext outlives the request (a client that leaves must not stop
// the cleanup half way) but not by much.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// settleImages runs after a write that may have stored an image for owner
// (committed or not). It keeps the image the owner's row now names and
// removes the others that are either older than since (the start of the
// write: replaced images, leftovers) or the one this write stored (put;
// it stays when the write committed, as the row then names it). Images
// stored by concurrent writes after since are left to their own settle.
func (s *Server) settleImages(ctx context.Context, owner string, since time.Time, put string) {
	b := s.imageBackend()
	kind, id, ok := images.ParseOwner(owner)
	if b == nil || !ok {
		return
	}
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	cur, err := s.DB.Images().ImgOf(ctx, kind, id)
	if err != nil {
		s.Log.Warn("image settle: reading the owner failed", "owner", owner, "err", err)
		return
	}
	list, err := b.List(ctx, owner)
	if err != nil {
		s.Log.Warn("image settle: listing failed", "owner", owner, "err", err)
		return
	}
	// Stores keep times in milliseconds at least; compare at that grain.
	cut := time.UnixMilli(since.UnixMilli())
	base := s.imageBase()
	for _, img := range list {
		u := base + img.Name
		if u == cur {
			continue
		}
		if img.Created.Before(cut) || u == put {
			if err := b.Delete(ctx, img.Name); err != nil {
				s.Log.Warn("image settle: delete failed", "owner", owner, "err", err)
			}
		}
	}
}

// dropImages removes every image of the owners (objects that are gone).
// Failures are logged: the object is already deleted.
func (s *Server) dropImages(ctx context.Context, owners ...string) {
	b := s.imageBackend()
	if b == nil {
		return
	}
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	for _, o := range owners {
		if err := b.DeleteOwner(ctx, o); err != nil {
			s.Log.Warn("removing images failed", "owner", o, "err", err)
		}
	}
}

// getImage serves a stored image: content-addressed names never change
// content, so it may be cached for good; a strict CSP and nosniff keep a
// crafted file from running as a page.
func (s *Server) getImage(w http.ResponseWriter, r *http.Request) error {
	b := s.imageBackend()
	if b == nil {
		return apierr.NotFound
	}
	name := r.PathValue("name")
	ct, data, err := b.Get(r.Context(), name)
	if errors.Is(err, images.ErrNotFound) {
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
