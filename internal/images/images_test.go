package images

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bobbin/internal/store"
	"bobbin/internal/vault"
)

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 3)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func webpBytes() []byte {
	body := append([]byte("WEBPVP8L"), make([]byte, 16)...)
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

func uri(ct string, b []byte) string {
	return "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(b)
}

func TestSniffAndDecode(t *testing.T) {
	p, j, w := pngBytes(t, 4, 3), jpegBytes(t), webpBytes()
	for _, c := range []struct {
		uri  string
		ct   string
		err  error
		data []byte
	}{
		{uri(PNG, p), PNG, nil, p},
		{"DATA:Image/PNG;base64," + base64.StdEncoding.EncodeToString(p), PNG, nil, p},
		{uri("image/jpg", j), JPEG, nil, j},
		{uri(JPEG, j), JPEG, nil, j},
		{uri(WebP, w), WebP, nil, w},
		{"data:image/png;name=a.png;base64," + base64.RawStdEncoding.EncodeToString(p), PNG, nil, p},
		{uri(JPEG, p), "", ErrInvalid, nil}, // declared type disagrees with the bytes
		{uri(PNG, []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")), "", ErrInvalid, nil},
		{uri("image/svg+xml", []byte("<svg/>")), "", ErrInvalid, nil},
		{uri("image/gif", []byte("GIF89a......")), "", ErrInvalid, nil},
		{uri("text/html", []byte("<script>")), "", ErrInvalid, nil},
		{"data:image/png," + string(p), "", ErrInvalid, nil}, // not base64
		{"data:image/png;base64,!!!", "", ErrInvalid, nil},
		{"data:image/png;base64", "", ErrInvalid, nil},
		{uri(PNG, p[:20]), "", ErrInvalid, nil}, // truncated header
		{uri(PNG, pngBytes(t, MaxSide+1, 1)), "", ErrInvalid, nil},
		{uri(PNG, append(append([]byte{}, p...), make([]byte, MaxBytes)...)), "", ErrTooLarge, nil},
		{"https://example.com/a.png", "", ErrInvalid, nil},
	} {
		ct, data, err := Decode(c.uri)
		if !errors.Is(err, c.err) || ct != c.ct || (c.data != nil && !bytes.Equal(data, c.data)) {
			short := c.uri
			if len(short) > 60 {
				short = short[:60]
			}
			t.Errorf("Decode(%s...) = %q, %d bytes, %v; want %q, %v", short, ct, len(data), err, c.ct, c.err)
		}
	}
}

func TestNames(t *testing.T) {
	p := pngBytes(t, 2, 2)
	n := Name("set-12", PNG, p)
	if !strings.HasPrefix(n, "set-12-") || !strings.HasSuffix(n, ".png") {
		t.Fatalf("name %s", n)
	}
	if n != Name("set-12", PNG, p) || n == Name("set-13", PNG, p) {
		t.Fatal("names must be stable per owner and differ between owners")
	}
	owner, ct, ok := ParseName(n)
	if !ok || owner != "set-12" || ct != PNG {
		t.Fatalf("ParseName(%s) = %s %s %v", n, owner, ct, ok)
	}
	for _, bad := range []string{"", "../x", "set-12-" + strings.Repeat("a", 32) + ".svg", "set-0-" + strings.Repeat("a", 32) + ".png",
		"foo-1-" + strings.Repeat("a", 32) + ".png", "set-1-" + strings.Repeat("A", 32) + ".png", n + "/"} {
		if _, _, ok := ParseName(bad); ok {
			t.Errorf("ParseName(%q) ok", bad)
		}
	}
	for _, o := range []string{"user-1", "set-99", "pattern-3", "cset-4", "opack-5", "upload-7", "support-1"} {
		if _, _, ok := ParseOwner(o); !ok {
			t.Errorf("owner %s refused", o)
		}
	}
	for _, o := range []string{"set-", "set-0", "set-01", "admin-1", "set-1/..", "set-*"} {
		if _, _, ok := ParseOwner(o); ok {
			t.Errorf("owner %s accepted", o)
		}
	}
}

// backends runs the same checks on both stores.
func TestBackends(t *testing.T) {
	ctx := context.Background()
	fs, err := NewFileStore(filepath.Join(t.TempDir(), "images"), "https://b.test/images/")
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), v)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]Backend{"file": fs, "db": NewDBStore(db, "https://b.test/images/")} {
		t.Run(name, func(t *testing.T) {
			p := pngBytes(t, 2, 2)
			u, err := b.Put(ctx, "set-1", PNG, p)
			if err != nil || !strings.HasPrefix(u, "https://b.test/images/set-1-") {
				t.Fatalf("Put = %s, %v", u, err)
			}
			img := strings.TrimPrefix(u, "https://b.test/images/")
			ct, got, err := b.Get(ctx, img)
			if err != nil || ct != PNG || !bytes.Equal(got, p) {
				t.Fatalf("Get = %s, %d bytes, %v", ct, len(got), err)
			}
			list, _ := b.List(ctx, "set-1")
			if len(list) != 1 || list[0].Name != img || time.Since(list[0].Created) > time.Minute {
				t.Fatalf("List = %v", list)
			}
			// Same bytes, same name: no second copy.
			if u2, err := b.Put(ctx, "set-1", PNG, p); err != nil || u2 != u {
				t.Fatalf("re-Put = %s, %v", u2, err)
			}
			if _, err := b.Put(ctx, "set-12", JPEG, jpegBytes(t)); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Put(ctx, "set-1", JPEG, p); !errors.Is(err, ErrInvalid) {
				t.Fatalf("mislabelled bytes stored: %v", err)
			}
			if _, err := b.Put(ctx, "../etc", PNG, p); !errors.Is(err, ErrOwner) {
				t.Fatalf("bad owner: %v", err)
			}
			if err := b.DeleteOwner(ctx, "set-1"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.Get(ctx, img); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after DeleteOwner: %v", err)
			}
			// set-12 is another owner even though it starts with "set-1".
			if l, _ := b.List(ctx, "set-12"); len(l) != 1 {
				t.Fatalf("set-12 images: %v", l)
			}
			if err := b.Delete(ctx, "set-12-nope"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.Get(ctx, "../../etc/passwd"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("traversal: %v", err)
			}
		})
	}
}
