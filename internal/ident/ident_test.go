package ident

import (
	"errors"
	"strings"
	"testing"

	"bobbin/internal/apierr"
)

// The look-alikes of issue 12: every one was accepted beside `admin`.
func TestLookAlikeUsernamesShareOneSkeleton(t *testing.T) {
	admin, err := Username("admin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, raw string }{
		{"fullwidth", "ａｄｍｉｎ"},
		{"Cyrillic а", "\u0430dmin"},
		{"dotless i", "adm\u0131n"},
		{"Kelvin-style Angstrom sign U+212B", "\u212Bdmin"},
		{"precomposed Å", "\u00C5dmin"},
		{"upper case", "ADMIN"},
		{"Greek alpha", "\u03B1dmin"},
		{"dotted capital I", "adm\u0130n"},
		{"rn for m", "adrnin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Username(tc.raw)
			if err != nil {
				t.Fatalf("%q refused: %v", tc.raw, err)
			}
			if n.Skeleton != admin.Skeleton {
				t.Fatalf("%q: skeleton %q, admin's is %q", tc.raw, n.Skeleton, admin.Skeleton)
			}
			if Skeleton(tc.raw) != n.Skeleton {
				t.Fatalf("Skeleton(%q) = %q, Username gave %q", tc.raw, Skeleton(tc.raw), n.Skeleton)
			}
		})
	}
}

func TestDistinctUsernamesKeepDistinctSkeletons(t *testing.T) {
	seen := map[string]string{}
	for _, raw := range []string{"admin", "admins", "jane", "joe", "sewist", "seamstress_1", "seamstress_2", "user-42", "tailor.made"} {
		n, err := Username(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if other, ok := seen[n.Skeleton]; ok {
			t.Fatalf("%q and %q collide on %q", raw, other, n.Skeleton)
		}
		seen[n.Skeleton] = raw
	}
}

func TestUsernamePreparation(t *testing.T) {
	for _, tc := range []struct {
		raw, display, key string
	}{
		{"Jane_Doe", "Jane_Doe", "jane_doe"},
		{"ｊａｎｅ", "jane", "jane"},                 // width-mapped
		{"\u212Bsa", "\u00C5sa", "\u00E5sa"},     // NFC: the Angstrom sign becomes Å
		{"Jose\u0301", "Jos\u00E9", "jos\u00E9"}, // NFC composes the accent
	} {
		n, err := Username(tc.raw)
		if err != nil {
			t.Fatalf("%q: %v", tc.raw, err)
		}
		if n.Display != tc.display || n.Key != tc.key {
			t.Fatalf("%q: got display %q key %q, want %q %q", tc.raw, n.Display, n.Key, tc.display, tc.key)
		}
	}
}

func TestUsernameRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      apierr.Code
	}{
		{"zero-width space", "ad\u200Bmin", apierr.UsernameInvalid},
		{"bidi override", "\u202Eadmin", apierr.UsernameInvalid},
		{"space", "jane doe", apierr.UsernameInvalid},
		{"compatibility ligature", "\uFB00oo", apierr.UsernameInvalid},
		{"at sign", "jane@home", apierr.UsernameInvalid},
		{"all digits", "12345", apierr.UsernameInvalid},
		{"fullwidth digits", "１２３", apierr.UsernameInvalid},
		{"control", "jane\x00", apierr.UsernameInvalid},
		{"invalid UTF-8", "jane\xff", apierr.UsernameInvalid},
		{"empty", "", apierr.UsernameTooShort},
		{"one character", "j", apierr.UsernameTooShort},
		{"too long", strings.Repeat("a", MaxUsername+1), apierr.UsernameTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Username(tc.raw)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%q: got %v, want %v", tc.raw, err, tc.want)
			}
		})
	}
	if _, err := Username(strings.Repeat("a", MaxUsername)); err != nil {
		t.Fatalf("64 characters refused: %v", err)
	}
}

// A stored username the profile refuses today still gets a skeleton, and
// one that a look-alike shares.
func TestSkeletonOfLegacyNames(t *testing.T) {
	if Skeleton("ad\u200Bmin") == "" || Skeleton("\uFB00oo") != Skeleton("ffoo") {
		t.Fatalf("legacy skeletons: %q %q %q", Skeleton("ad\u200Bmin"), Skeleton("\uFB00oo"), Skeleton("ffoo"))
	}
	if Skeleton("\xffjane") == Skeleton("jane") {
		t.Fatal("invalid UTF-8 vanished into another name's skeleton")
	}
}

func TestEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".test" // 255 octets
	for _, tc := range []struct {
		name, raw, want string
		err             apierr.Code
	}{
		{"plain", "jane@example.com", "jane@example.com", 0},
		{"trimmed", "  jane@example.com\t", "jane@example.com", 0},
		{"case kept (ehash lower-cases)", "Jane@Example.com", "Jane@Example.com", 0},
		{"NFC", "jose\u0301@example.com", "jos\u00E9@example.com", 0},
		{"UTF-8 local part", "jürgen@example.de", "jürgen@example.de", 0},
		{"254 octets", long[1:], long[1:], 0},
		{"empty", "  ", "", apierr.EmailMissing},
		{"trailing zero-width space", "jane@example.com\u200B", "", apierr.EmailInvalid},
		{"zero-width joiner inside", "ja\u200Dne@example.com", "", apierr.EmailInvalid},
		{"bidi override", "jane@\u202Eexample.com", "", apierr.EmailInvalid},
		{"bidi isolate", "\u2066jane@example.com", "", apierr.EmailInvalid},
		{"soft hyphen", "ja\u00ADne@example.com", "", apierr.EmailInvalid},
		{"BOM", "\uFEFFjane@example.com", "", apierr.EmailInvalid},
		{"no-break space", "jane\u00A0@example.com", "", apierr.EmailInvalid},
		{"control", "jane\x07@example.com", "", apierr.EmailInvalid},
		{"newline inside", "jane@exa\nmple.com", "", apierr.EmailInvalid},
		{"variation selector", "jane\uFE0F@example.com", "", apierr.EmailInvalid},
		{"private use", "jane\uE000@example.com", "", apierr.EmailInvalid},
		{"IPv4 literal", "jane@[127.0.0.1]", "", apierr.EmailInvalid},
		{"IPv6 literal", "jane@[IPv6:::1]", "", apierr.EmailInvalid},
		{"bare IPv4 domain", "jane@192.168.1.10", "", apierr.EmailInvalid},
		{"255 octets", long, "", apierr.EmailInvalid},
		{"local part over 64", strings.Repeat("a", 65) + "@example.com", "", apierr.EmailInvalid},
		{"display name", "Jane <jane@example.com>", "", apierr.EmailInvalid},
		{"no domain dot", "jane@localhost", "", apierr.EmailInvalid},
		{"trailing dot", "jane@example.com.", "", apierr.EmailInvalid},
		{"no at", "jane.example.com", "", apierr.EmailInvalid},
		{"invalid UTF-8", "jane\xff@example.com", "", apierr.EmailInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Email(tc.raw)
			if tc.err != 0 {
				if !errors.Is(err, tc.err) {
					t.Fatalf("%q: got %q, %v; want %v", tc.raw, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("%q: got %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
}

func BenchmarkUsername(b *testing.B) {
	for b.Loop() {
		Username("ａｄｍｉｎ_Seamstress")
	}
}

// A chosen name cannot take the skeleton a future signup's automatic name
// will need: Automatic says whose it is.
func TestAutomaticNames(t *testing.T) {
	if n := AutoUsername(10); n.Display != "user-10" || n.Key != "user-10" {
		t.Fatalf("AutoUsername(10) = %+v", n)
	}
	for _, tc := range []struct {
		raw string
		id  int64
		ok  bool
	}{
		{"user-10", 10, true},
		{"User-1O", 10, true},      // capital O for 0
		{"user-lo", 10, true},      // l for 1, o for 0
		{"us\u0435r-10", 10, true}, // Cyrillic е
		{"user-9223372036854775807", 9223372036854775807, true},
		{"user-05", 0, false}, // no account is named so
		{"user-0", 0, false},
		{"user-", 0, false},
		{"user-10a", 0, false},
		{"user_10", 0, false},
		{"jane", 0, false},
		{"user-99999999999999999999", 0, false},
	} {
		n, err := Username(tc.raw)
		if err != nil {
			if tc.raw == "user-" {
				continue
			}
			t.Fatalf("%q: %v", tc.raw, err)
		}
		id, ok := n.Automatic()
		if id != tc.id || ok != tc.ok {
			t.Fatalf("%q: Automatic() = %d %v, want %d %v", tc.raw, id, ok, tc.id, tc.ok)
		}
		if ok && AutoUsername(id).Skeleton != n.Skeleton {
			t.Fatalf("%q: skeleton %q differs from user %d's automatic name", tc.raw, n.Skeleton, id)
		}
	}
}
