package images

import (
	"context"
	"errors"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/throttle"
)

// Uploads are the routes that store an image on its own, as upstream's
// flows did: POST /images/(jwt|key) for a signed-in user (kept under
// upload-<user id>, which they may delete again), and POST /images for
// anonymous support requests (kept under support-1, smaller, throttled per
// client address).
type Uploads struct {
	svc  *Service
	anon *throttle.Limiter
	now  func() time.Time
}

// Limits of anonymous uploads.
const (
	AnonMaxBytes   = 1 << 20 // decoded image bytes
	anonPerAddress = 10
	anonWindow     = time.Hour
)

// UploadOwner is the owner of a user's uploads.
func UploadOwner(userID int64) string { return "upload-" + httpx.Itoa(userID) }

// supportOwner keeps the anonymous support uploads.
const supportOwner = "support-1"

// NewUploads builds the upload routes over the service.
func NewUploads(svc *Service, now func() time.Time) *Uploads {
	return &Uploads{svc: svc, anon: throttle.New(anonPerAddress, anonWindow), now: now}
}

// Sweep drops expired throttle entries.
func (u *Uploads) Sweep(now time.Time) { u.anon.Sweep(now) }

// UploadRequest is the body of POST /images: img, a data: URI of a PNG,
// JPEG or WebP image. Upstream's type, subId and slug (the name it gave
// the image) are accepted and not needed: names are content-addressed.
type UploadRequest struct {
	Img *string `json:"img"`
}

// UploadResponse is 201 {result, image, imgId}: the image's URL, and its
// name, which DELETE /images/{id} takes.
type UploadResponse struct {
	httpx.Result
	Image string `json:"image"`
	ImgID string `json:"imgId"`
}

// Upload is POST /images/(jwt|key): at most MaxBytes.
func (u *Uploads) Upload(ctx context.Context, in *httpx.In[UploadRequest]) (UploadResponse, error) {
	return u.store(ctx, UploadOwner(in.Caller().UserID), in.Body.Img, MaxBytes)
}

// UploadAnon is POST /images: at most AnonMaxBytes, throttled per address.
func (u *Uploads) UploadAnon(ctx context.Context, in *httpx.In[UploadRequest]) (UploadResponse, error) {
	if ok, d := u.anon.Take(httpx.IP(ctx), u.now()); !ok {
		return UploadResponse{}, apierr.TooManyRequests.Retry(d)
	}
	return u.store(ctx, supportOwner, in.Body.Img, AnonMaxBytes)
}

func (u *Uploads) store(ctx context.Context, owner string, img *string, max int) (UploadResponse, error) {
	if img == nil || strings.TrimSpace(*img) == "" {
		return UploadResponse{}, apierr.ImgOrURLMissing
	}
	ct, data, err := Decode(strings.TrimSpace(*img))
	if errors.Is(err, ErrTooLarge) || (err == nil && len(data) > max) {
		return UploadResponse{}, apierr.ImgTooLarge
	}
	if err != nil {
		return UploadResponse{}, apierr.ImgInvalid
	}
	url, err := u.svc.put(ctx, owner, ct, data)
	if err != nil {
		return UploadResponse{}, err
	}
	return UploadResponse{httpx.Created, url, strings.TrimPrefix(url, u.svc.base)}, nil
}

// Delete is DELETE /images/{id}/(jwt|key): {id} is an image name (imgId);
// only one's own uploads (images of sets, patterns and accounts go with
// their object): another's is 403, none 404.
func (u *Uploads) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	name := in.Path("id")
	owner, _, ok := ParseName(name)
	b := u.svc.store
	if !ok || b == nil {
		return apierr.NotFound
	}
	if _, _, err := b.Get(ctx, name); errors.Is(err, ErrNotFound) {
		return apierr.NotFound
	} else if err != nil {
		return err
	}
	if owner != UploadOwner(in.Caller().UserID) {
		return apierr.InsufficientAccessLevel
	}
	return b.Delete(ctx, name)
}
