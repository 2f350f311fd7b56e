package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func edKey(t *testing.T, id string, seed byte) EdKey {
	t.Helper()
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return EdKey{ID: id, Private: ed25519.NewKeyFromSeed(s)}
}

func TestEdDSARoundTripAndRotation(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	v1, v2, v3 := edKey(t, "v1", 1), edKey(t, "v2", 2), edKey(t, "v3", 3)
	t1, err := NewEdDSATokens(v1, nil, "https://b", "https://b/i", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := t1.Issue(7, "u", "user", 1, "jti-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := t1.Verify(tok, now); err != nil || c.UserID != 7 {
		t.Fatalf("verify: %v", err)
	}
	// Rotation: v2 signs, v1 still verifies.
	t2, _ := NewEdDSATokens(v2, []EdKey{v1}, "https://b", "https://b/i", time.Hour)
	if _, err := t2.Verify(tok, now); err != nil {
		t.Fatal("rotation signed a v1 holder out")
	}
	tok2, _, _ := t2.Issue(7, "u", "user", 1, "jti-2", now)
	if _, err := t1.Verify(tok2, now); err == nil {
		t.Fatal("v1-only verifier took a v2 token")
	}
	// Two rotations later, v1 is gone.
	t3, _ := NewEdDSATokens(v3, []EdKey{v2}, "https://b", "https://b/i", time.Hour)
	if _, err := t3.Verify(tok, now); err == nil {
		t.Fatal("v1 token accepted after v3")
	}
	if jw := t2.JWKS(); len(jw) != 2 || jw[0].Kid != "v2" || jw[0].Crv != "Ed25519" {
		t.Fatalf("jwks %+v", jw)
	}
	if x, _ := base64.RawURLEncoding.DecodeString(t2.JWKS()[0].X); !ed25519.PublicKey(x).Equal(v2.Private.Public()) {
		t.Fatal("jwks x is not the public key")
	}
}

func TestEdDSARefusals(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	v1 := edKey(t, "v1", 1)
	ed, _ := NewEdDSATokens(v1, nil, "https://b", "https://b/i", time.Hour)
	hs, _ := NewTokens([]byte(strings.Repeat("k", 32)), "https://b", "https://b/i", time.Hour)
	hsTok, _, _ := hs.Issue(1, "u", "user", 1, "j", now)
	edTok, _, _ := ed.Issue(1, "u", "user", 1, "j", now)
	if _, err := ed.Verify(hsTok, now); err == nil {
		t.Fatal("EdDSA mode took an HS256 token")
	}
	if _, err := hs.Verify(edTok, now); err == nil {
		t.Fatal("HS256 mode took an EdDSA token")
	}
	claims := &Claims{UserID: 1, RegisteredClaims: jwt.RegisteredClaims{Issuer: "https://b", Audience: jwt.ClaimStrings{"https://b/i"},
		ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now), ID: "j"}}
	sign := func(kid any, key ed25519.PrivateKey) string {
		tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
		if kid != nil {
			tk.Header["kid"] = kid
		} else {
			delete(tk.Header, "kid")
		}
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	other := edKey(t, "v1", 9)
	for name, tok := range map[string]string{
		"no kid":            sign(nil, v1.Private),
		"unknown kid":       sign("v9", v1.Private),
		"kid not a string":  sign(1, v1.Private),
		"foreign key as v1": sign("v1", other.Private),
		"url as kid":        sign("https://attacker.example/key", v1.Private),
	} {
		if _, err := ed.Verify(tok, now); err == nil {
			t.Fatalf("%s accepted", name)
		}
	}
	if _, err := ed.Verify(sign("v1", v1.Private), now); err != nil {
		t.Fatalf("well-formed token refused: %v", err)
	}
	if len(hs.JWKS()) != 0 {
		t.Fatal("HS256 mode published a key")
	}
}
