package auth

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type legacyFixture struct {
	Secret    string `json:"secret"`
	Token     string `json:"token"`
	LongLived string `json:"longLived"`
	Claims    struct {
		ID       int64  `json:"_id"`
		Username string `json:"username"`
		Aud      string `json:"aud"`
		Iss      string `json:"iss"`
		Iat      int64  `json:"iat"`
		Exp      int64  `json:"exp"`
	} `json:"claims"`
}

func loadLegacy(t *testing.T) legacyFixture {
	b, err := os.ReadFile("../fsimport/testdata/legacy-jwt.json")
	if err != nil {
		t.Fatal(err)
	}
	var f legacyFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLegacyTokenFromUpstream(t *testing.T) {
	f := loadLegacy(t)
	c := f.Claims
	during := time.Unix(c.Iat+3600, 0)
	lt, err := NewLegacyTokens(f.Secret, c.Iss, c.Aud, time.Unix(c.Iat+60, 0))
	if err != nil {
		t.Fatal(err)
	}
	got, err := lt.Verify(f.Token, during)
	if err != nil {
		t.Fatalf("upstream token refused: %v", err)
	}
	if got.UserID != c.ID || got.Username != c.Username || got.Role != "user" || got.Status != 1 {
		t.Fatalf("claims %+v", got)
	}
	// The long-lived token too, years later.
	if _, err := lt.Verify(f.LongLived, time.Unix(c.Iat, 0).AddDate(10, 0, 0)); err != nil {
		t.Fatalf("long-lived token refused: %v", err)
	}

	refuse := func(name string, l *LegacyTokens, tok string, now time.Time) {
		t.Helper()
		if _, err := l.Verify(tok, now); err != ErrInvalidToken {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
	refuse("after exp", lt, f.Token, time.Unix(c.Exp+120, 0))
	wrongSecret, _ := NewLegacyTokens(f.Secret+"x", c.Iss, c.Aud, time.Unix(c.Iat+60, 0))
	refuse("wrong secret", wrongSecret, f.Token, during)
	wrongAud, _ := NewLegacyTokens(f.Secret, c.Iss, "https://elsewhere/x", time.Unix(c.Iat+60, 0))
	refuse("wrong audience", wrongAud, f.Token, during)
	wrongIss, _ := NewLegacyTokens(f.Secret, "elsewhere.org", c.Aud, time.Unix(c.Iat+60, 0))
	refuse("wrong issuer", wrongIss, f.Token, during)
	issuedAfter, _ := NewLegacyTokens(f.Secret, c.Iss, c.Aud, time.Unix(c.Iat-120, 0))
	refuse("issued after the import", issuedAfter, f.Token, during)

	parts := strings.Split(f.Token, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	refuse("alg none", lt, none+"."+parts[1]+".", during)
	refuse("alg none with signature", lt, none+"."+parts[1]+"."+parts[2], during)
	kid := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"x"}`))
	refuse("extra header", lt, kid+"."+parts[1]+"."+parts[2], during)
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"_id":17`, `"_id":18`, 1)))
	refuse("tampered payload", lt, parts[0]+"."+tampered+"."+parts[2], during)

	// Signed with the right secret, but without exp, or with _id 0.
	sign := func(claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(f.Secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"_id": 17, "aud": c.Aud, "iss": c.Iss, "iat": c.Iat, "exp": c.Exp}
	}
	if _, err := lt.Verify(sign(base()), during); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	noExp := base()
	delete(noExp, "exp")
	refuse("no exp", lt, sign(noExp), during)
	noIat := base()
	delete(noIat, "iat")
	refuse("no iat", lt, sign(noIat), during)
	zero := base()
	zero["_id"] = 0
	refuse("no user", lt, sign(zero), during)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, base()).SignedString([]byte(f.Secret))
	refuse("HS512", lt, hs512, during)

	if _, err := NewLegacyTokens("", c.Iss, c.Aud, time.Now()); err == nil {
		t.Error("empty secret accepted")
	}
	var nilTokens *LegacyTokens
	refuse("nil verifier", nilTokens, f.Token, during)
}
