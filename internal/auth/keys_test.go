package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var (
	uuidV4Re = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	hex64Re  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func TestNewAPIKeyFormat(t *testing.T) {
	id, secret, err := NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	if !uuidV4Re.MatchString(id) {
		t.Errorf("key id %q is not a lower-case UUID v4", id)
	}
	if !ValidKeyID(id) {
		t.Errorf("ValidKeyID(%q) = false", id)
	}
	if !hex64Re.MatchString(secret) {
		t.Errorf("secret %q is not 64 lower-case hex chars", secret)
	}
}

func TestNewAPIKeyUnique(t *testing.T) {
	const n = 1000
	ids := make(map[string]bool, n)
	secrets := make(map[string]bool, n)
	for range n {
		id, secret, err := NewAPIKey()
		if err != nil {
			t.Fatal(err)
		}
		if !uuidV4Re.MatchString(id) || !hex64Re.MatchString(secret) {
			t.Fatalf("bad key %q / %q", id, secret)
		}
		if ids[id] || secrets[secret] {
			t.Fatalf("repeated key %q or secret %q", id, secret)
		}
		ids[id], secrets[secret] = true, true
	}
}

func testHasher(t *testing.T) *SecretHasher {
	t.Helper()
	h, err := NewSecretHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNewSecretHasherKeyLength(t *testing.T) {
	for _, n := range []int{0, 1, 16, 31} {
		if _, err := NewSecretHasher(make([]byte, n)); err == nil {
			t.Errorf("%d-byte key accepted", n)
		}
	}
	for _, n := range []int{32, 64} {
		if _, err := NewSecretHasher(make([]byte, n)); err != nil {
			t.Errorf("%d-byte key: %v", n, err)
		}
	}
}

func TestSecretHasher(t *testing.T) {
	h := testHasher(t)
	_, secret, err := NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	stored := h.Hash(secret)

	// Hash is HMAC-SHA256 under the server key, deterministic, 32 bytes.
	m := hmac.New(sha256.New, bytes.Repeat([]byte{7}, 32))
	m.Write([]byte(secret))
	if want := m.Sum(nil); !bytes.Equal(stored, want) {
		t.Fatalf("Hash = %x, want HMAC-SHA256 %x", stored, want)
	}
	if !bytes.Equal(h.Hash(secret), stored) {
		t.Fatal("Hash not deterministic")
	}
	if bytes.Contains(stored, []byte(secret)) {
		t.Fatal("hash contains the secret")
	}

	other, err := NewSecretHasher(bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		h      *SecretHasher
		secret string
		stored []byte
		want   bool
	}{
		{"right secret", h, secret, stored, true},
		{"wrong secret", h, secret[:63] + "x", stored, false},
		{"upper-case secret", h, strings.ToUpper(secret), stored, false},
		{"secret with suffix", h, secret + "0", stored, false},
		{"empty secret", h, "", stored, false},
		{"nil stored", h, secret, nil, false},
		{"empty stored", h, secret, []byte{}, false},
		{"short stored", h, secret, stored[:16], false},
		{"long stored", h, secret, append(append([]byte(nil), stored...), 0), false},
		{"other server key", other, secret, stored, false},
		{"empty secret nil stored", h, "", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Equal(tc.secret, tc.stored); got != tc.want {
				t.Fatalf("Equal = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSecretHasherCopiesKey(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	h, err := NewSecretHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	before := h.Hash("s")
	key[0] = 0
	if !bytes.Equal(h.Hash("s"), before) {
		t.Fatal("hasher shares the caller's key slice")
	}
}

func TestValidKeyID(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
		{"", false},
		{"3F2B8C1E-9A4D-4E6F-8B7A-1C2D3E4F5A6B", false},          // upper case
		{"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6", false},           // 35
		{"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6bb", false},         // 37
		{"3f2b8c1e9a4d4e6f8b7a1c2d3e4f5a6b", false},              // no hyphens
		{"{3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b}", false},        // braces
		{"urn:uuid:3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b", false}, // urn
		{"3f2b8c1e-9a4d-4e6f-8b7a_1c2d3e4f5a6b", false},          // wrong separator
		{"3f2b8c1e-9a4d4-e6f-8b7a-1c2d3e4f5a6b", false},          // hyphen moved
		{"3f2b8c1g-9a4d-4e6f-8b7a-1c2d3e4f5a6b", false},          // g
		{"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6 ", false},          // space
		{"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a\u00e9", false},      // 36 bytes, non-ASCII
		{"------------------------------------", false},
	}
	for _, tc := range tests {
		if got := ValidKeyID(tc.s); got != tc.want {
			t.Errorf("ValidKeyID(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// The hasher reuses keyed HMACs: whatever secrets went through one before,
// in whatever order and from however many goroutines, each hash is the
// fresh HMAC of its own secret, and Equal agrees with it.
func TestSecretHasherReuse(t *testing.T) {
	h := testHasher(t)
	want := func(secret string) []byte {
		m := hmac.New(sha256.New, bytes.Repeat([]byte{7}, 32))
		m.Write([]byte(secret))
		return m.Sum(nil)
	}
	secrets := []string{"", "a", strings.Repeat("s", 63), strings.Repeat("long", 100), "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range 200 {
				s := secrets[(g+i)%len(secrets)]
				got := h.Hash(s)
				switch {
				case !bytes.Equal(got, want(s)):
					done <- fmt.Errorf("hash of %q: %x", s, got)
					return
				case !h.Equal(s, got) || h.Equal(s+"x", got) || h.Equal(s, got[:31]):
					done <- fmt.Errorf("Equal disagrees with Hash on %q", s)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
