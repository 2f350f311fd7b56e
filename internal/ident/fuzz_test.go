package ident

import (
	"strings"
	"testing"
	"unicode"
)

// Any input: no panic; an accepted username is stable (preparing its own
// forms again gives the same key and skeleton) and its skeleton is the one
// Skeleton computes, which the backfill and signup must agree on.
func FuzzUsername(f *testing.F) {
	for _, s := range []string{"admin", "ａｄｍｉｎ", "\u0430dmin", "adm\u0131n", "\u212Bdmin", "Jose\u0301", "ad\u200Bmin", "\xff", "ßtraße"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := Username(raw)
		sk := Skeleton(raw)
		if err != nil {
			return
		}
		if sk != n.Skeleton {
			t.Fatalf("%q: Skeleton %q, Username %q", raw, sk, n.Skeleton)
		}
		for _, again := range []string{n.Display, n.Key} {
			m, err := Username(again)
			if err != nil || m.Key != n.Key || m.Skeleton != n.Skeleton {
				t.Fatalf("%q -> %q: %+v %v, was %+v", raw, again, m, err, n)
			}
		}
	})
}

// Any input: no panic; an accepted email holds no invisible character,
// has no space at either end, fits 254 octets and is accepted unchanged.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"jane@example.com", " jane@example.com\u200B", "jane@[127.0.0.1]", "a@b.c", "\u202Ejane@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := Email(raw)
		if err != nil {
			return
		}
		if len(e) > MaxEmail || strings.TrimSpace(e) != e || strings.IndexFunc(e, func(r rune) bool {
			return invisible(r) || unicode.Is(unicode.Cf, r)
		}) >= 0 {
			t.Fatalf("accepted %q", e)
		}
		if again, err := Email(e); err != nil || again != e {
			t.Fatalf("%q -> %q, again %q %v", raw, e, again, err)
		}
	})
}
