package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func hdr(values ...string) http.Header {
	h := http.Header{}
	for _, v := range values {
		h.Add("Authorization", v)
	}
	return h
}

func TestParseAuthorization(t *testing.T) {
	validToken := "eyJhbGciOiJIUzI1NiJ9.eyJfaWQiOjF9.c2ln-_"
	tests := []struct {
		name    string
		h       http.Header
		want    Credentials
		wantErr error
	}{
		// absence and multiplicity
		{"no header", http.Header{}, Credentials{}, ErrNoCredentials},
		{"nil header", nil, Credentials{}, ErrNoCredentials},
		{"other headers only", http.Header{"Cookie": {"a=b"}}, Credentials{}, ErrNoCredentials},
		{"two headers", hdr("Bearer a.b.c", "Bearer d.e.f"), Credentials{}, ErrMultiple},
		{"two headers one empty", hdr("Bearer a.b.c", ""), Credentials{}, ErrMultiple},
		{"bearer and basic", hdr("Bearer a.b.c", "Basic "+b64("k:s")), Credentials{}, ErrMultiple},
		{"empty value", hdr(""), Credentials{}, ErrMalformed},

		// bearer
		{"bearer", hdr("Bearer " + validToken), Credentials{Scheme: SchemeBearer, Token: validToken}, nil},
		{"bearer lower", hdr("bearer x.y.z"), Credentials{Scheme: SchemeBearer, Token: "x.y.z"}, nil},
		{"bearer upper", hdr("BEARER x.y.z"), Credentials{Scheme: SchemeBearer, Token: "x.y.z"}, nil},
		{"bearer mixed", hdr("bEaReR x"), Credentials{Scheme: SchemeBearer, Token: "x"}, nil},
		{"bearer alone", hdr("Bearer"), Credentials{}, ErrMalformed},
		{"bearer space only", hdr("Bearer "), Credentials{}, ErrMalformed},
		{"bearer two spaces", hdr("Bearer  x.y.z"), Credentials{}, ErrMalformed},
		{"bearer tab", hdr("Bearer\tx.y.z"), Credentials{}, ErrMalformed},
		{"bearer space then tab", hdr("Bearer \tx.y.z"), Credentials{}, ErrMalformed},
		{"bearer trailing space", hdr("Bearer x.y.z "), Credentials{}, ErrMalformed},
		{"bearer trailing tab", hdr("Bearer x.y.z\t"), Credentials{}, ErrMalformed},
		{"bearer leading space", hdr(" Bearer x.y.z"), Credentials{}, ErrMalformed},
		{"bearer inner space", hdr("Bearer x.y z"), Credentials{}, ErrMalformed},
		{"bearer comma", hdr("Bearer x.y.z,Bearer a"), Credentials{}, ErrMalformed},
		{"bearer padding", hdr("Bearer x.y.z="), Credentials{}, ErrMalformed},
		{"bearer plus", hdr("Bearer x+y.z"), Credentials{}, ErrMalformed},
		{"bearer slash", hdr("Bearer x/y.z"), Credentials{}, ErrMalformed},
		{"bearer quoted", hdr(`Bearer "x.y.z"`), Credentials{}, ErrMalformed},
		{"bearer newline", hdr("Bearer x.y.z\n"), Credentials{}, ErrMalformed},
		{"bearer NUL", hdr("Bearer x.y\x00.z"), Credentials{}, ErrMalformed},
		{"bearer non-ascii", hdr("Bearer x.ÿ.z"), Credentials{}, ErrMalformed},
		{"bearer max len", hdr("Bearer " + strings.Repeat("a", MaxTokenLen)), Credentials{Scheme: SchemeBearer, Token: strings.Repeat("a", MaxTokenLen)}, nil},
		{"bearer over max len", hdr("Bearer " + strings.Repeat("a", MaxTokenLen+1)), Credentials{}, ErrMalformed},
		{"bearerx scheme", hdr("Bearerx x.y.z"), Credentials{}, ErrMalformed},

		// basic
		{"basic", hdr("Basic " + b64("key:secret")), Credentials{Scheme: SchemeBasic, KeyID: "key", Secret: "secret"}, nil},
		{"basic lower", hdr("basic " + b64("key:secret")), Credentials{Scheme: SchemeBasic, KeyID: "key", Secret: "secret"}, nil},
		{"basic upper", hdr("BASIC " + b64("key:secret")), Credentials{Scheme: SchemeBasic, KeyID: "key", Secret: "secret"}, nil},
		{"basic secret with colons", hdr("Basic " + b64("k:a:b")), Credentials{Scheme: SchemeBasic, KeyID: "k", Secret: "a:b"}, nil},
		{"basic secret trailing colon", hdr("Basic " + b64("k:s:")), Credentials{Scheme: SchemeBasic, KeyID: "k", Secret: "s:"}, nil},
		{"basic utf8", hdr("Basic " + b64("clé:sécret✓")), Credentials{Scheme: SchemeBasic, KeyID: "clé", Secret: "sécret✓"}, nil},
		{"basic inner space kept", hdr("Basic " + b64("k:a b")), Credentials{Scheme: SchemeBasic, KeyID: "k", Secret: "a b"}, nil},
		{"basic alone", hdr("Basic"), Credentials{}, ErrMalformed},
		{"basic space only", hdr("Basic "), Credentials{}, ErrMalformed},
		{"basic no colon", hdr("Basic " + b64("keysecret")), Credentials{}, ErrMalformed},
		{"basic empty key", hdr("Basic " + b64(":secret")), Credentials{}, ErrMalformed},
		{"basic empty secret", hdr("Basic " + b64("key:")), Credentials{}, ErrMalformed},
		{"basic only colon", hdr("Basic " + b64(":")), Credentials{}, ErrMalformed},
		{"basic empty decoded", hdr("Basic " + b64("")), Credentials{}, ErrMalformed},
		{"basic two spaces", hdr("Basic  " + b64("k:s")), Credentials{}, ErrMalformed},
		{"basic tab", hdr("Basic\t" + b64("k:s")), Credentials{}, ErrMalformed},
		{"basic trailing space", hdr("Basic " + b64("k:s") + " "), Credentials{}, ErrMalformed},
		{"basic invalid base64", hdr("Basic !!!!"), Credentials{}, ErrMalformed},
		{"basic unpadded", hdr("Basic " + strings.TrimRight(b64("key:secret1"), "=")), Credentials{}, ErrMalformed},
		{"basic std alphabet", hdr("Basic azo+Pj4/"), Credentials{Scheme: SchemeBasic, KeyID: "k", Secret: ">>>?"}, nil},
		{"basic url alphabet", hdr("Basic azo-Pj4_"), Credentials{}, ErrMalformed},
		{"basic canonical", hdr("Basic azpzcw=="), Credentials{Scheme: SchemeBasic, KeyID: "k", Secret: "ss"}, nil},
		{"basic non-zero padding bits", hdr("Basic azpzcx=="), Credentials{}, ErrMalformed}, // lax decoding would give "k:ss"
		{"basic embedded newline", hdr("Basic " + b64("key:se")[:4] + "\n" + b64("key:se")[4:]), Credentials{}, ErrMalformed},
		{"basic non-utf8", hdr("Basic " + b64("k:\xff\xfe")), Credentials{}, ErrMalformed},
		{"basic NUL", hdr("Basic " + b64("k:s\x00")), Credentials{}, ErrMalformed},
		{"basic newline in secret", hdr("Basic " + b64("k:s\ns")), Credentials{}, ErrMalformed},
		{"basic DEL", hdr("Basic " + b64("k\x7f:s")), Credentials{}, ErrMalformed},
		{"basic C1 control", hdr("Basic " + b64("k:s\u0085")), Credentials{}, ErrMalformed},

		// other schemes
		{"digest", hdr("Digest x"), Credentials{}, ErrMalformed},
		{"token scheme", hdr("Token x.y.z"), Credentials{}, ErrMalformed},
		{"no scheme", hdr("x.y.z"), Credentials{}, ErrMalformed},
		{"bare base64", hdr(b64("k:s")), Credentials{}, ErrMalformed},

		// size
		{"header over 8 KiB", hdr("Basic " + b64("k:"+strings.Repeat("s", 8<<10))), Credentials{}, ErrMalformed},
		{"header 8 KiB exactly", hdr("Basic " + strings.Repeat("A", 8<<10-len("Basic "))), Credentials{}, ErrMalformed}, // size ok, content bad
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAuthorization(tc.h)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseAuthorizationBasicSizes(t *testing.T) {
	// The largest Basic header that fits in 8 KiB is accepted, one more
	// credential byte is not.
	fits := func(n int) http.Header { return hdr("Basic " + b64("k:"+strings.Repeat("s", n))) }
	n := (8<<10-len("Basic "))/4*3 - len("k:")
	if l := len(fits(n).Get("Authorization")); l > 8<<10 {
		t.Fatalf("test setup: %d bytes", l)
	}
	if _, err := ParseAuthorization(fits(n)); err != nil {
		t.Fatalf("%d-byte secret: %v", n, err)
	}
	if _, err := ParseAuthorization(fits(n + 3)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("%d-byte secret: %v, want ErrMalformed", n+3, err)
	}
}

func TestParseAuthorizationCanonicalKey(t *testing.T) {
	// net/http canonicalises header names; both spellings reach Values.
	h := http.Header{}
	h.Add("authorization", "Bearer a.b.c")
	if c, err := ParseAuthorization(h); err != nil || c.Token != "a.b.c" {
		t.Fatalf("got %+v, %v", c, err)
	}
	h.Add("AUTHORIZATION", "Bearer a.b.c")
	if _, err := ParseAuthorization(h); !errors.Is(err, ErrMultiple) {
		t.Fatalf("got %v, want ErrMultiple", err)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"Bearer a.b.c",
		"bearer eyJhbGciOiJIUzI1NiJ9.eyJfaWQiOjF9.c2ln",
		"Basic " + b64("key:secret"),
		"Basic " + b64("k:a:b"),
		"Basic " + b64(":s"),
		"Basic a2V5",
		"Digest x",
		"Bearer  x",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c, err := ParseAuthorization(hdr(v))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("single header gave %v", err)
			}
			if c != (Credentials{}) {
				t.Fatalf("error with non-zero credentials %+v", c)
			}
			return
		}
		if len(v) > 8<<10 {
			t.Fatalf("accepted %d-byte header", len(v))
		}
		switch c.Scheme {
		case SchemeBearer:
			if c.Token == "" || len(c.Token) > MaxTokenLen || !isTokenChars(c.Token) || c.KeyID != "" || c.Secret != "" {
				t.Fatalf("bad bearer credentials %+v", c)
			}
			if !strings.EqualFold(v[:7], "Bearer ") || v[7:] != c.Token {
				t.Fatalf("token %q not the header's %q", c.Token, v)
			}
		case SchemeBasic:
			if c.KeyID == "" || c.Secret == "" || strings.Contains(c.KeyID, ":") || c.Token != "" {
				t.Fatalf("bad basic credentials %+v", c)
			}
			both := c.KeyID + ":" + c.Secret
			if !utf8.ValidString(both) || strings.IndexFunc(both, unicode.IsControl) >= 0 {
				t.Fatalf("bad characters in %+v", c)
			}
			if !strings.EqualFold(v[:6], "Basic ") || v[6:] != b64(both) {
				t.Fatalf("credentials %+v do not re-encode to %q", c, v)
			}
		default:
			t.Fatalf("unknown scheme %d", c.Scheme)
		}
	})
}
