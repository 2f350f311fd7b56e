// Package images checks uploaded images and keeps them: in files under
// <data dir>/images/ (FileStore, for SQLite installs) or in the database's
// images table (DBStore, for PostgreSQL installs, so replicas share them).
//
// Only PNG, JPEG and WebP are accepted, recognised by their bytes (the type
// a client declares must agree). Names are content-addressed per owner,
// <owner>-<32 hex>.<ext>, so a URL always means the same bytes and can be
// cached forever, and an owner's images can be found and removed by name.
package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxBytes is the largest image accepted, decoded.
const MaxBytes = 5 << 20

// MaxSide is the largest width or height accepted (PNG and JPEG headers).
const MaxSide = 16384

// The image types accepted.
const (
	PNG  = "image/png"
	JPEG = "image/jpeg"
	WebP = "image/webp"
)

var extensions = map[string]string{PNG: "png", JPEG: "jpg", WebP: "webp"}
var types = map[string]string{"png": PNG, "jpg": JPEG, "webp": WebP}

// Errors of Decode and Put.
var (
	ErrInvalid  = errors.New("images: not a PNG, JPEG or WebP data: URI")
	ErrTooLarge = errors.New("images: image too large")
	ErrOwner    = errors.New("images: invalid owner")
	ErrNotFound = errors.New("images: not found")
)

// Info names a stored image and when it was (last) stored.
type Info struct {
	Name    string
	Created time.Time
}

// Backend is what Bobbin needs of an image store.
type Backend interface {
	// Put stores an image for an owner and returns its public URL.
	Put(ctx context.Context, owner, contentType string, data []byte) (string, error)
	// DeleteOwner removes every image of an owner.
	DeleteOwner(ctx context.Context, owner string) error
	// Get reads an image by name: ErrNotFound when there is none.
	Get(ctx context.Context, name string) (contentType string, data []byte, err error)
	// List names an owner's images.
	List(ctx context.Context, owner string) ([]Info, error)
	// Delete removes one image; a missing one is not an error.
	Delete(ctx context.Context, name string) error
}

// Owners: an object's image (user, set, pattern, cset, opack and the
// object's id), a user's uploads (upload-<user id>) and the anonymous
// support uploads (support-1).
var ownerRE = regexp.MustCompile(`^(user|set|pattern|cset|opack|upload|support)-([1-9][0-9]{0,17})$`)
var nameRE = regexp.MustCompile(`^((?:user|set|pattern|cset|opack|upload|support)-[1-9][0-9]{0,17})-[0-9a-f]{32}\.(png|jpg|webp)$`)

// ParseOwner splits an owner ("set-12") into kind and id.
func ParseOwner(owner string) (kind string, id int64, ok bool) {
	m := ownerRE.FindStringSubmatch(owner)
	if m == nil {
		return "", 0, false
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	return m[1], id, err == nil
}

// ParseName checks an image name and returns its owner and content type.
func ParseName(name string) (owner, contentType string, ok bool) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return "", "", false
	}
	return m[1], types[m[2]], true
}

// Name is the content-addressed name of an owner's image.
func Name(owner, contentType string, data []byte) string {
	h := sha256.New()
	h.Write([]byte(owner))
	h.Write([]byte{0})
	h.Write(data)
	return owner + "-" + hex.EncodeToString(h.Sum(nil)[:16]) + "." + extensions[contentType]
}

// check validates the arguments of Put and returns the name.
func check(owner, contentType string, data []byte) (string, error) {
	if _, _, ok := ParseOwner(owner); !ok {
		return "", ErrOwner
	}
	if len(data) > MaxBytes {
		return "", ErrTooLarge
	}
	if Sniff(data) != contentType || contentType == "" {
		return "", ErrInvalid
	}
	return Name(owner, contentType, data), nil
}

// IsDataURI reports whether v looks like a data: URI.
func IsDataURI(v string) bool {
	return len(v) >= 5 && strings.EqualFold(v[:5], "data:")
}

// Decode reads a base64 data: URI of a PNG, JPEG or WebP image. The
// declared type must be one of those and agree with the bytes.
func Decode(uri string) (contentType string, data []byte, err error) {
	if !IsDataURI(uri) {
		return "", nil, ErrInvalid
	}
	meta, payload, ok := strings.Cut(uri[5:], ",")
	if !ok {
		return "", nil, ErrInvalid
	}
	params := strings.Split(meta, ";")
	declared := strings.ToLower(strings.TrimSpace(params[0]))
	if declared == "image/jpg" {
		declared = JPEG
	}
	if _, ok := extensions[declared]; !ok {
		return "", nil, ErrInvalid
	}
	if !strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64") {
		return "", nil, ErrInvalid
	}
	payload = strings.TrimSpace(payload)
	if base64.StdEncoding.DecodedLen(len(payload)) > MaxBytes+3 {
		return "", nil, ErrTooLarge
	}
	data, err = base64.StdEncoding.DecodeString(payload)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(payload); err != nil {
			return "", nil, ErrInvalid
		}
	}
	if len(data) > MaxBytes {
		return "", nil, ErrTooLarge
	}
	if got := Sniff(data); got == "" || got != declared {
		return "", nil, ErrInvalid
	}
	return declared, data, nil
}

// Sniff recognises PNG, JPEG and WebP by their bytes and, for PNG and JPEG,
// a readable header of sane dimensions. It returns "" for anything else.
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		if saneConfig(png.DecodeConfig(bytes.NewReader(b))) {
			return PNG
		}
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		if saneConfig(jpeg.DecodeConfig(bytes.NewReader(b))) {
			return JPEG
		}
	case len(b) >= 20 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		// RIFF size covers the file after the first 8 bytes; the first
		// chunk is one of the three WebP kinds.
		size := binary.LittleEndian.Uint32(b[4:8])
		chunk := string(b[12:16])
		if int64(size)+8 <= int64(len(b)) && size >= 12 && (chunk == "VP8 " || chunk == "VP8L" || chunk == "VP8X") {
			return WebP
		}
	}
	return ""
}

func saneConfig(c image.Config, err error) bool {
	return err == nil && c.Width > 0 && c.Height > 0 && c.Width <= MaxSide && c.Height <= MaxSide
}
