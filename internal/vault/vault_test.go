package vault

import (
	"strings"
	"testing"
)

func newVault(t *testing.T, root string) *Vault {
	t.Helper()
	v, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEncryptRoundTripAndBinding(t *testing.T) {
	v := newVault(t, strings.Repeat("k", 32))
	for _, plain := range []string{"", "a", "jane@example.com", strings.Repeat("🧵", 500)} {
		enc, err := v.Encrypt("users.email", plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) > 4 && strings.Contains(enc, plain) {
			t.Fatalf("ciphertext contains plaintext")
		}
		got, err := v.Decrypt("users.email", enc)
		if err != nil || got != plain {
			t.Fatalf("round trip: %q %v", got, err)
		}
		if _, err := v.Decrypt("users.bio", enc); err == nil {
			t.Fatal("value moved to another column decrypted")
		}
	}
	a, _ := v.Encrypt("f", "same")
	b, _ := v.Encrypt("f", "same")
	if a == b {
		t.Fatal("nonce reused: equal ciphertexts")
	}
}

func TestDecryptRejectsForeignAndTampered(t *testing.T) {
	v := newVault(t, strings.Repeat("k", 32))
	other := newVault(t, strings.Repeat("o", 32))
	enc, _ := v.Encrypt("f", "secret")
	if _, err := other.Decrypt("f", enc); err == nil {
		t.Fatal("other key decrypted")
	}
	tampered := enc[:len(enc)-2] + "AA"
	if tampered == enc {
		tampered = enc[:len(enc)-2] + "BB"
	}
	for _, bad := range []string{"plain", "v1:", "v1:!!!", "v1:AAAA", tampered} {
		if _, err := v.Decrypt("f", bad); err == nil {
			t.Fatalf("decrypted %q", bad)
		}
	}
}

func TestEHashNormalizesAndIsKeyed(t *testing.T) {
	v := newVault(t, strings.Repeat("k", 32))
	other := newVault(t, strings.Repeat("o", 32))
	if v.EHash(" Jane@Example.COM ") != v.EHash("jane@example.com") {
		t.Fatal("ehash not normalized")
	}
	if v.EHash("jane@example.com") == other.EHash("jane@example.com") {
		t.Fatal("ehash not keyed")
	}
	if len(v.EHash("x")) != 64 {
		t.Fatal("ehash length")
	}
}

func TestNewRejectsShortRoot(t *testing.T) {
	if _, err := New(strings.Repeat("k", 31)); err == nil {
		t.Fatal("short root accepted")
	}
}

func TestDerivedKeysDiffer(t *testing.T) {
	v := newVault(t, strings.Repeat("k", 32))
	if string(v.SigningKey()) == string(v.SecretKey()) || len(v.SigningKey()) != 32 {
		t.Fatal("derived keys must be distinct 32-byte keys")
	}
}
