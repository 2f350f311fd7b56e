package auth

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func deviceCookies(t *testing.T, key string) *DeviceCookies {
	t.Helper()
	d, err := NewDeviceCookies([]byte(strings.Repeat(key, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func requestWith(c *http.Cookie) *http.Request {
	r := httptest.NewRequest("POST", "/signin", nil)
	r.AddCookie(c)
	return r
}

func TestDeviceCookieRoundTrip(t *testing.T) {
	d := deviceCookies(t, "k")
	now := time.Unix(1_800_000_000, 0)
	c, err := d.Issue(42, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "bobbin_device_42" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode ||
		c.Path != "/" || c.MaxAge != int(DefaultDeviceMaxAge/time.Second) {
		t.Fatalf("attributes: %+v", c)
	}
	// The header a browser sends back parses and verifies.
	nonce, ok := d.Verify(requestWith(c), 42, now.Add(time.Hour))
	if !ok || len(nonce) != 32 {
		t.Fatalf("verify: %q %v", nonce, ok)
	}
	c2, _ := d.Issue(42, now)
	if n2, _ := d.VerifyValue(c2.Value, 42, now); n2 == nonce {
		t.Fatal("two cookies share a nonce: devices would share a limit")
	}
}

func TestDeviceCookieRefusals(t *testing.T) {
	d := deviceCookies(t, "k")
	now := time.Unix(1_800_000_000, 0)
	c, _ := d.Issue(42, now)
	payload, sig, _ := strings.Cut(c.Value, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	raw[8] ^= 1 // user id 42 -> 43, MAC unchanged
	otherUser := base64.RawURLEncoding.EncodeToString(raw) + "." + sig
	forOther, _ := d.Issue(43, now)
	stranger := deviceCookies(t, "x")
	foreign, _ := stranger.Issue(42, now)
	for _, tc := range []struct {
		name, value string
		user        int64
		at          time.Time
	}{
		{"another account's cookie", forOther.Value, 42, now},
		{"user id edited", otherUser, 43, now},
		{"signed with another key", foreign.Value, 42, now},
		{"MAC flipped", payload + "." + flip(sig), 42, now},
		{"MAC truncated", payload + "." + sig[:20], 42, now},
		{"no MAC", payload, 42, now},
		{"empty", "", 42, now},
		{"padded base64", payload + "=." + sig, 42, now},
		{"oversized", strings.Repeat("A", 4096) + "." + sig, 42, now},
		{"expired", c.Value, 42, now.Add(DefaultDeviceMaxAge + time.Second)},
		{"issued in the future", c.Value, 42, now.Add(-2 * time.Minute)},
		{"no user", c.Value, 0, now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n, ok := d.VerifyValue(tc.value, tc.user, tc.at); ok && tc.user > 0 {
				t.Fatalf("accepted: %q", n)
			}
			if tc.user <= 0 {
				if _, ok := d.Verify(requestWith(c), tc.user, tc.at); ok {
					t.Fatal("accepted for no user")
				}
			}
		})
	}
	// Still valid one second before the end and a minute of skew ahead.
	if _, ok := d.VerifyValue(c.Value, 42, now.Add(DefaultDeviceMaxAge)); !ok {
		t.Fatal("refused on its last day")
	}
	if _, ok := d.VerifyValue(c.Value, 42, now.Add(-time.Minute)); !ok {
		t.Fatal("refused within a minute of clock skew")
	}
	if _, ok := d.Verify(httptest.NewRequest("POST", "/signin", nil), 42, now); ok {
		t.Fatal("accepted without a cookie")
	}
	if _, err := NewDeviceCookies([]byte("short")); err == nil {
		t.Fatal("a short key accepted")
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

// Any cookie value: no panic; and a cookie the server issued, changed in
// any one byte, is refused (base64 is decoded strictly, so no two texts
// carry one payload and MAC).
func FuzzDeviceCookie(f *testing.F) {
	d, err := NewDeviceCookies([]byte(strings.Repeat("k", 32)))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	f.Add("", 0, byte(1))
	f.Add("a.b", 43, byte(0x20))
	f.Add("AQAAAAAAAAAqAAAAAGtJ0gAtkyTddEQsDU_L90xFtlh0.rtr64sAx-0Nqd_BDWv90zbo6c8Q0h9az_NkqMnw2HUQ", 87, byte(3))
	f.Fuzz(func(t *testing.T, v string, at int, x byte) {
		d.VerifyValue(v, 42, now)
		c, err := d.Issue(42, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := d.VerifyValue(c.Value, 42, now); !ok {
			t.Fatal("own cookie refused")
		}
		if x == 0 || at < 0 {
			return
		}
		b := []byte(c.Value)
		b[at%len(b)] ^= x
		if _, ok := d.VerifyValue(string(b), 42, now); ok {
			t.Fatalf("changed cookie %q accepted", b)
		}
	})
}
