package auth

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIss = "https://backend.example.org"
	testAud = testIss + "/test"
	testTTL = time.Hour
)

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef") // 32 bytes
	otherKey = []byte("fedcba9876543210fedcba9876543210")
	t0       = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

func newTestTokens(t testing.TB) *Tokens {
	t.Helper()
	tk, err := NewTokens(testKey, testIss, testAud, testTTL)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// enc is base64url without padding, as in a JWT.
func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// mac signs a JWT signing input with HMAC using h and key.
func mac(h func() hash.Hash, key []byte, input string) string {
	m := hmac.New(h, key)
	m.Write([]byte(input))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// craft builds a token from raw header and payload JSON, signed with
// HMAC-SHA256 under key (nil key: empty signature).
func craft(header, payload string, key []byte) string {
	input := enc(header) + "." + enc(payload)
	if key == nil {
		return input + "."
	}
	return input + "." + mac(sha256.New, key, input)
}

// claimsJSON returns a valid payload for time t0 with edit applied.
func claimsJSON(edit func(m map[string]any)) string {
	m := map[string]any{
		"_id":      42,
		"username": "jane",
		"role":     "user",
		"status":   1,
		"iss":      testIss,
		"aud":      testAud,
		"iat":      t0.Unix(),
		"exp":      t0.Add(testTTL).Unix(),
		"jti":      "tok-1",
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

const hs256Header = `{"alg":"HS256","typ":"JWT"}`

func TestNewTokens(t *testing.T) {
	tests := []struct {
		name     string
		key      []byte
		iss, aud string
		ttl      time.Duration
		ok       bool
	}{
		{"ok", testKey, testIss, testAud, testTTL, true},
		{"64-byte key", append(append([]byte(nil), testKey...), testKey...), testIss, testAud, testTTL, true},
		{"31-byte key", testKey[:31], testIss, testAud, testTTL, false},
		{"nil key", nil, testIss, testAud, testTTL, false},
		{"empty issuer", testKey, "", testAud, testTTL, false},
		{"empty audience", testKey, testIss, "", testTTL, false},
		{"zero ttl", testKey, testIss, testAud, 0, false},
		{"negative ttl", testKey, testIss, testAud, -time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk, err := NewTokens(tc.key, tc.iss, tc.aud, tc.ttl)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && tk.TTL() != tc.ttl {
				t.Fatalf("TTL = %v", tk.TTL())
			}
		})
	}
}

func TestTokenRoundTrip(t *testing.T) {
	tk := newTestTokens(t)
	now := t0.Add(123456789 * time.Nanosecond)
	s, exp, err := tk.Issue(42, "jane", "admin", 1, "jti-42", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(testTTL); !exp.Equal(want) {
		t.Errorf("expires = %v, want %v", exp, want)
	}
	c, err := tk.Verify(s, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != 42 || c.Username != "jane" || c.Role != "admin" || c.Status != 1 || c.ID != "jti-42" {
		t.Errorf("claims = %+v", c)
	}
	if c.Issuer != testIss || len(c.Audience) != 1 || c.Audience[0] != testAud {
		t.Errorf("iss/aud = %q/%q", c.Issuer, c.Audience)
	}
	if !c.IssuedAt.Equal(t0) || !c.ExpiresAt.Equal(exp) {
		t.Errorf("iat/exp = %v/%v", c.IssuedAt, c.ExpiresAt)
	}

	// Header is exactly alg + typ; the payload carries the compatible claim names.
	parts := strings.Split(s, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	if err := json.Unmarshal(hb, &h); err != nil || len(h) != 2 || h["alg"] != "HS256" || h["typ"] != "JWT" {
		t.Errorf("header = %s", hb)
	}
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var p map[string]any
	if err := json.Unmarshal(pb, &p); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"_id", "username", "role", "status", "iss", "aud", "iat", "exp", "jti"} {
		if _, ok := p[k]; !ok {
			t.Errorf("payload %s lacks %q", pb, k)
		}
	}

	// Another instance (audience) or issuer with the same key refuses it.
	for _, other := range []struct{ iss, aud string }{{testIss, testIss + "/other"}, {"https://evil.example", testAud}} {
		tk2, err := NewTokens(testKey, other.iss, other.aud, testTTL)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tk2.Verify(s, now); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("iss %q aud %q: err = %v", other.iss, other.aud, err)
		}
	}
}

func TestIssueRefusesUnverifiable(t *testing.T) {
	tk := newTestTokens(t)
	if _, _, err := tk.Issue(0, "jane", "user", 1, "j", t0); err == nil {
		t.Error("user id 0 accepted")
	}
	if _, _, err := tk.Issue(-1, "jane", "user", 1, "j", t0); err == nil {
		t.Error("user id -1 accepted")
	}
	if _, _, err := tk.Issue(1, "jane", "user", 1, "", t0); err == nil {
		t.Error("empty jti accepted")
	}
}

func TestTokensCopyKey(t *testing.T) {
	key := append([]byte(nil), testKey...)
	tk, err := NewTokens(key, testIss, testAud, testTTL)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := tk.Issue(1, "a", "user", 1, "j", t0)
	if err != nil {
		t.Fatal(err)
	}
	key[0] ^= 1
	if _, err := tk.Verify(s, t0); err != nil {
		t.Fatal("Tokens shares the caller's key slice")
	}
}

var (
	rsaOnce   sync.Once
	sharedRSA *rsa.PrivateKey
	rsaErr    error
)

// testRSAKey is an attacker's RSA key, generated once.
func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() { sharedRSA, rsaErr = rsa.GenerateKey(rand.Reader, 2048) })
	if rsaErr != nil {
		t.Fatal(rsaErr)
	}
	return sharedRSA
}

func libSigned(t *testing.T, m jwt.SigningMethod, key any) string {
	t.Helper()
	var claims jwt.MapClaims
	if err := json.Unmarshal([]byte(claimsJSON(nil)), &claims); err != nil {
		t.Fatal(err)
	}
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyAttacks(t *testing.T) {
	tk := newTestTokens(t)
	valid, _, err := tk.Issue(42, "jane", "user", 1, "tok-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	vp := strings.Split(valid, ".")
	rsaKey := testRSAKey(t)

	// Tampered payload: _id 42 -> 1, same header and signature.
	pb, _ := base64.RawURLEncoding.DecodeString(vp[1])
	tampered := vp[0] + "." + enc(strings.Replace(string(pb), `"_id":42`, `"_id":1`, 1)) + "." + vp[2]
	if tampered == valid {
		t.Fatal("test setup: payload unchanged")
	}

	// Signature with altered spare bits: a lax base64 decoder reads the same
	// bytes, a strict one does not.
	sig := vp[2]
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", sig[len(sig)-1])
	mall := sig[:len(sig)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last^1])
	a, _ := base64.RawURLEncoding.DecodeString(sig)
	b, _ := base64.RawURLEncoding.DecodeString(mall)
	if !bytes.Equal(a, b) || mall == sig {
		t.Fatal("test setup: malleable signature")
	}

	// A real RS256 token with an attacker's key, and an HS256 token whose
	// "key" is the attacker's public key (algorithm confusion).
	rsToken := libSigned(t, jwt.SigningMethodRS256, rsaKey)
	rsPub := rsaKey.PublicKey.N.Bytes()
	good := claimsJSON(nil)

	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	nested1k := claimsJSON(func(m map[string]any) { m["x"] = json.RawMessage(nest(1000)) })

	type tc struct {
		name  string
		token string
		now   time.Time
		ok    bool
	}
	tests := []tc{
		{"issued", valid, t0, true},
		{"crafted control", craft(hs256Header, good, testKey), t0, true},
		{"crafted no typ", craft(`{"alg":"HS256"}`, good, testKey), t0, true},
		{"crafted typ lower", craft(`{"alg":"HS256","typ":"jwt"}`, good, testKey), t0, true},
		{"crafted aud array", craft(hs256Header, claimsJSON(func(m map[string]any) { m["aud"] = []string{testAud} }), testKey), t0, true},
		{"signed nested 1k", craft(hs256Header, nested1k, testKey), t0, true},

		// structure
		{"empty", "", t0, false},
		{"one segment", "abc", t0, false},
		{"two segments", vp[0] + "." + vp[1], t0, false},
		{"four segments", valid + ".x", t0, false},
		{"trailing dot", valid + ".", t0, false},
		{"stripped signature", vp[0] + "." + vp[1] + ".", t0, false},
		{"literal a.b.", "a.b.", t0, false},
		{"padded signature", valid + "=", t0, false},
		{"space", " " + valid, t0, false},
		{"newline in signature", vp[0] + "." + vp[1] + "." + sig[:10] + "\n" + sig[10:], t0, false},
		{"malleable signature bits", vp[0] + "." + vp[1] + "." + mall, t0, false},
		{"std base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid), t0, valid == strings.NewReplacer("-", "+", "_", "/").Replace(valid)},
		{"header not json", enc("nope") + "." + vp[1] + "." + vp[2], t0, false},
		{"header array", craft(`["HS256"]`, good, testKey), t0, false},
		{"header null", craft(`null`, good, testKey), t0, false},
		{"payload array", craft(hs256Header, `[1]`, testKey), t0, false},
		{"payload null", craft(hs256Header, `null`, testKey), t0, false},
		{"payload number", craft(hs256Header, `1`, testKey), t0, false},
		{"payload trailing garbage", craft(hs256Header, good+"x", testKey), t0, false},

		// algorithms
		{"alg none empty sig", craft(`{"alg":"none","typ":"JWT"}`, good, nil), t0, false},
		{"alg None empty sig", craft(`{"alg":"None","typ":"JWT"}`, good, nil), t0, false},
		{"alg NONE empty sig", craft(`{"alg":"NONE","typ":"JWT"}`, good, nil), t0, false},
		{"alg nOnE empty sig", craft(`{"alg":"nOnE","typ":"JWT"}`, good, nil), t0, false},
		{"alg none signed", craft(`{"alg":"none","typ":"JWT"}`, good, testKey), t0, false},
		{"alg None signed", craft(`{"alg":"None","typ":"JWT"}`, good, testKey), t0, false},
		{"alg NONE signed", craft(`{"alg":"NONE","typ":"JWT"}`, good, testKey), t0, false},
		{"alg nOnE signed", craft(`{"alg":"nOnE","typ":"JWT"}`, good, testKey), t0, false},
		{"alg missing", craft(`{"typ":"JWT"}`, good, testKey), t0, false},
		{"alg empty", craft(`{"alg":"","typ":"JWT"}`, good, testKey), t0, false},
		{"alg null", craft(`{"alg":null,"typ":"JWT"}`, good, testKey), t0, false},
		{"alg lower hs256", craft(`{"alg":"hs256"}`, good, testKey), t0, false},
		{"alg with space", craft(`{"alg":"HS256 "}`, good, testKey), t0, false},
		{"alg array", craft(`{"alg":["HS256"]}`, good, testKey), t0, false},
		{"alg duplicated, last none", craft(`{"alg":"HS256","alg":"none"}`, good, testKey), t0, false},
		{"HS384 same key", libSigned(t, jwt.SigningMethodHS384, testKey), t0, false},
		{"HS512 same key", libSigned(t, jwt.SigningMethodHS512, testKey), t0, false},
		{"HS384 by hand", func() string {
			in := enc(`{"alg":"HS384"}`) + "." + enc(good)
			return in + "." + mac(sha512.New384, testKey, in)
		}(), t0, false},
		{"RS256 label, HMAC signature", craft(`{"alg":"RS256","typ":"JWT"}`, good, testKey), t0, false},
		{"RS256 real", rsToken, t0, false},
		{"HS256 keyed with RSA public key", craft(hs256Header, good, rsPub), t0, false},
		{"ES256 label", craft(`{"alg":"ES256"}`, good, testKey), t0, false},

		// signature and payload
		{"tampered _id", tampered, t0, false},
		{"other key", craft(hs256Header, good, otherKey), t0, false},
		{"empty key", craft(hs256Header, good, []byte{}), t0, false},
		{"signature of another token", vp[0] + "." + enc(claimsJSON(func(m map[string]any) { m["_id"] = 1 })) + "." + vp[2], t0, false},

		// iss and aud
		{"wrong aud", craft(hs256Header, claimsJSON(func(m map[string]any) { m["aud"] = testIss + "/prod" }), testKey), t0, false},
		{"aud is issuer", craft(hs256Header, claimsJSON(func(m map[string]any) { m["aud"] = testIss }), testKey), t0, false},
		{"aud missing", craft(hs256Header, claimsJSON(func(m map[string]any) { delete(m, "aud") }), testKey), t0, false},
		{"aud empty array", craft(hs256Header, claimsJSON(func(m map[string]any) { m["aud"] = []string{} }), testKey), t0, false},
		{"aud case", craft(hs256Header, claimsJSON(func(m map[string]any) { m["aud"] = strings.ToUpper(testAud) }), testKey), t0, false},
		{"aud number", craft(hs256Header, claimsJSON(func(m map[string]any) { m["aud"] = 1 }), testKey), t0, false},
		{"wrong iss", craft(hs256Header, claimsJSON(func(m map[string]any) { m["iss"] = "https://evil.example" }), testKey), t0, false},
		{"iss trailing slash", craft(hs256Header, claimsJSON(func(m map[string]any) { m["iss"] = testIss + "/" }), testKey), t0, false},
		{"iss missing", craft(hs256Header, claimsJSON(func(m map[string]any) { delete(m, "iss") }), testKey), t0, false},

		// times
		{"exp missing", craft(hs256Header, claimsJSON(func(m map[string]any) { delete(m, "exp") }), testKey), t0, false},
		{"exp string", craft(hs256Header, claimsJSON(func(m map[string]any) { m["exp"] = "9999999999" }), testKey), t0, false},
		{"exp string, other case", craft(hs256Header, strings.TrimSuffix(good, "}")+`,"EXP":"9999999999"}`, testKey), t0.Add(2 * testTTL), false},
		{"exp null", craft(hs256Header, claimsJSON(func(m map[string]any) { m["exp"] = nil }), testKey), t0, false},
		{"exp bool", craft(hs256Header, claimsJSON(func(m map[string]any) { m["exp"] = true }), testKey), t0, false},
		{"exp huge", craft(hs256Header, claimsJSON(func(m map[string]any) { m["exp"] = json.RawMessage("1e300") }), testKey), t0, false},
		{"exp too big for float", craft(hs256Header, claimsJSON(func(m map[string]any) { m["exp"] = json.RawMessage("1e999") }), testKey), t0, false},
		{"exp negative", craft(hs256Header, claimsJSON(func(m map[string]any) { m["exp"] = -1 }), testKey), t0, false},
		{"expired 59s ago (leeway)", valid, t0.Add(testTTL + 59*time.Second), true},
		{"expired 60s ago", valid, t0.Add(testTTL + 60*time.Second), false},
		{"expired 61s ago", valid, t0.Add(testTTL + 61*time.Second), false},
		{"expired long ago", valid, t0.Add(365 * 24 * time.Hour), false},
		{"iat string", craft(hs256Header, claimsJSON(func(m map[string]any) { m["iat"] = "1" }), testKey), t0, false},
		{"iat missing", craft(hs256Header, claimsJSON(func(m map[string]any) { delete(m, "iat") }), testKey), t0, false},
		{"iat 59s in future", craft(hs256Header, claimsJSON(func(m map[string]any) { m["iat"] = t0.Unix() + 59 }), testKey), t0, true},
		{"iat 2 min in future", craft(hs256Header, claimsJSON(func(m map[string]any) { m["iat"] = t0.Unix() + 120 }), testKey), t0, false},
		{"token used 2 min before issue", valid, t0.Add(-2 * time.Minute), false},
		{"nbf 2 min in future", craft(hs256Header, claimsJSON(func(m map[string]any) { m["nbf"] = t0.Unix() + 120 }), testKey), t0, false},
		{"nbf string", craft(hs256Header, claimsJSON(func(m map[string]any) { m["nbf"] = "0" }), testKey), t0, false},
		{"nbf past", craft(hs256Header, claimsJSON(func(m map[string]any) { m["nbf"] = t0.Unix() - 10 }), testKey), t0, true},

		// required private claims
		{"jti missing", craft(hs256Header, claimsJSON(func(m map[string]any) { delete(m, "jti") }), testKey), t0, false},
		{"jti empty", craft(hs256Header, claimsJSON(func(m map[string]any) { m["jti"] = "" }), testKey), t0, false},
		{"_id missing", craft(hs256Header, claimsJSON(func(m map[string]any) { delete(m, "_id") }), testKey), t0, false},
		{"_id zero", craft(hs256Header, claimsJSON(func(m map[string]any) { m["_id"] = 0 }), testKey), t0, false},
		{"_id negative", craft(hs256Header, claimsJSON(func(m map[string]any) { m["_id"] = -5 }), testKey), t0, false},
		{"_id string", craft(hs256Header, claimsJSON(func(m map[string]any) { m["_id"] = "42" }), testKey), t0, false},
		{"_id fraction", craft(hs256Header, claimsJSON(func(m map[string]any) { m["_id"] = 42.5 }), testKey), t0, false},
		{"_id overflow", craft(hs256Header, claimsJSON(func(m map[string]any) { m["_id"] = json.RawMessage("9223372036854775808") }), testKey), t0, false},

		// key-naming headers and other extras, even when correctly signed
		{"kid", craft(`{"alg":"HS256","kid":"1"}`, good, testKey), t0, false},
		{"kid empty", craft(`{"alg":"HS256","kid":""}`, good, testKey), t0, false},
		{"crit", craft(`{"alg":"HS256","crit":["exp"]}`, good, testKey), t0, false},
		{"b64 false", craft(`{"alg":"HS256","b64":false,"crit":["b64"]}`, good, testKey), t0, false},
		{"x5c", craft(`{"alg":"HS256","x5c":["MIIB"]}`, good, testKey), t0, false},
		{"cty", craft(`{"alg":"HS256","cty":"JWT"}`, good, testKey), t0, false},
		{"unknown header", craft(`{"alg":"HS256","foo":"bar"}`, good, testKey), t0, false},
		{"ALG upper-case name", craft(`{"ALG":"HS256"}`, good, testKey), t0, false},
		{"typ other", craft(`{"alg":"HS256","typ":"at+jwt"}`, good, testKey), t0, false},
		{"typ number", craft(`{"alg":"HS256","typ":1}`, good, testKey), t0, false},

		// nesting
		{"nested 1k, other key", craft(hs256Header, nested1k, otherKey), t0, false},
		{"nested 10k", craft(hs256Header, claimsJSON(func(m map[string]any) { m["x"] = json.RawMessage(nest(10000)) }), testKey), t0, false},
		{"nested 1k unbalanced", craft(hs256Header, strings.TrimSuffix(good, "}")+`,"x":`+strings.Repeat("[", 1500)+"}", testKey), t0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tk.Verify(tc.token, tc.now)
			if tc.ok {
				if err != nil || c == nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err != ErrInvalidToken || c != nil {
				t.Fatalf("got %+v, %v; want nil, ErrInvalidToken", c, err)
			}
		})
	}
}

// TestVerifyNeverFetchesKeys offers tokens that name a key URL on a local
// server; Verify must reject them all and make no request.
func TestVerifyNeverFetchesKeys(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer srv.Close()

	rsaKey := testRSAKey(t)
	u := srv.URL + "/.well-known/jwks.json"
	jwk := `{"kty":"oct","k":"` + enc(string(otherKey)) + `","jku":"` + u + `"}`
	good := claimsJSON(nil)
	rsSign := func(header string) string {
		in := enc(header) + "." + enc(good)
		d := sha256.Sum256([]byte(in))
		s, err := rsa.SignPKCS1v15(rand.Reader, rsaKey, crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return in + "." + base64.RawURLEncoding.EncodeToString(s)
	}
	tk := newTestTokens(t)
	for name, token := range map[string]string{
		"jku ours":         craft(`{"alg":"HS256","jku":"`+u+`"}`, good, testKey),
		"jku attacker":     craft(`{"alg":"HS256","jku":"`+u+`","kid":"a"}`, good, otherKey),
		"jku RS256":        rsSign(`{"alg":"RS256","jku":"` + u + `","kid":"a"}`),
		"jwk ours":         craft(`{"alg":"HS256","jwk":`+jwk+`}`, good, testKey),
		"jwk attacker":     craft(`{"alg":"HS256","jwk":`+jwk+`}`, good, otherKey),
		"kid url ours":     craft(`{"alg":"HS256","kid":"`+u+`"}`, good, testKey),
		"kid url attacker": craft(`{"alg":"HS256","kid":"`+u+`"}`, good, otherKey),
		"kid path":         craft(`{"alg":"HS256","kid":"../../../../dev/null"}`, good, []byte{}),
		"x5u ours":         craft(`{"alg":"HS256","x5u":"`+u+`"}`, good, testKey),
		"x5u RS256":        rsSign(`{"alg":"RS256","x5u":"` + u + `"}`),
	} {
		if c, err := tk.Verify(token, t0); err != ErrInvalidToken || c != nil {
			t.Errorf("%s: got %+v, %v", name, c, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("key server received %d requests", n)
	}
}

func TestVerifyOversizeIsCheap(t *testing.T) {
	tk := newTestTokens(t)
	valid, _, err := tk.Issue(1, "a", "user", 1, "j", t0)
	if err != nil {
		t.Fatal(err)
	}
	// A validly signed token padded with a large extra claim, just over the limit.
	pad := claimsJSON(func(m map[string]any) { m["pad"] = strings.Repeat("x", MaxTokenLen) })
	over := craft(hs256Header, pad, testKey)
	if len(over) <= MaxTokenLen {
		t.Fatal("test setup")
	}
	huge := strings.Repeat("a", 10<<20) + "." + strings.Repeat("b", 10) + ".c"
	for _, s := range []string{over, huge, valid + strings.Repeat("A", MaxTokenLen)} {
		if _, err := tk.Verify(s, t0); err != ErrInvalidToken {
			t.Fatalf("%d-byte token: %v", len(s), err)
		}
		// Rejected before any decoding: no allocation at all.
		if n := testing.AllocsPerRun(10, func() { _, _ = tk.Verify(s, t0) }); n != 0 {
			t.Errorf("%d-byte token: %v allocations", len(s), n)
		}
	}
	start := time.Now()
	for range 100 {
		_, _ = tk.Verify(huge, t0)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("100 rejections of a 10 MiB token took %v", d)
	}
}

func TestCheckPayloadDeepNesting(t *testing.T) {
	for _, n := range []int{1000, 10000, 100000, 1000000} {
		deep := `{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
		got := checkPayloadJSON([]byte(deep))
		if want := n < 10000; got != want {
			t.Errorf("depth %d: %v, want %v", n, got, want)
		}
		open := `{"exp":` + strings.Repeat(`{"a":`, n)
		if checkPayloadJSON([]byte(open)) {
			t.Errorf("depth %d unterminated: accepted", n)
		}
	}
}

func TestVerifyConcurrent(t *testing.T) {
	tk := newTestTokens(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				s, _, err := tk.Issue(int64(i*100+j+1), "u", "user", 1, "j", t0)
				if err != nil {
					t.Error(err)
					return
				}
				c, err := tk.Verify(s, t0.Add(time.Minute))
				if err != nil || c.UserID != int64(i*100+j+1) {
					t.Errorf("verify: %v %+v", err, c)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzVerify(f *testing.F) {
	tk := newTestTokens(f)
	signed := map[string]bool{}
	for i, jti := range []string{"a", "b"} {
		s, _, err := tk.Issue(int64(i+1), "jane", "user", 1, jti, t0)
		if err != nil {
			f.Fatal(err)
		}
		signed[s] = true
		f.Add(s)
	}
	good := claimsJSON(nil)
	for _, s := range []string{
		"",
		"a.b.",
		"a.b.c",
		craft(`{"alg":"none"}`, good, nil),
		craft(`{"alg":"HS256","kid":"1"}`, good, testKey),
		craft(`{"alg":"HS256"}`, claimsJSON(func(m map[string]any) { m["exp"] = "9999999999" }), testKey),
		craft(`{"alg":"HS256"}`, good, otherKey),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := tk.Verify(s, t0)
		if err == nil {
			if !signed[s] {
				t.Fatalf("verified a token the test did not sign: %q -> %+v", s, c)
			}
			if c == nil || c.UserID <= 0 || c.ID == "" {
				t.Fatalf("bad claims %+v", c)
			}
		} else if err != ErrInvalidToken || c != nil {
			t.Fatalf("got %+v, %v", c, err)
		}
	})
}

// FuzzVerifySigned signs arbitrary header and payload JSON with the real
// key, so the fuzzer gets past the signature and exercises the claim and
// header checks. Whatever verifies must look like a token Issue makes.
func FuzzVerifySigned(f *testing.F) {
	tk := newTestTokens(f)
	f.Add(hs256Header, claimsJSON(nil))
	f.Add(`{"alg":"HS256"}`, claimsJSON(func(m map[string]any) { m["exp"] = "9999999999" }))
	f.Add(`{"alg":"HS256","kid":"x"}`, claimsJSON(nil))
	f.Add(`{"alg":"none"}`, claimsJSON(func(m map[string]any) { m["aud"] = []string{testAud, "x"} }))
	f.Add(`{"alg":"HS256"}`, claimsJSON(func(m map[string]any) { m["EXP"] = 1 }))
	f.Fuzz(func(t *testing.T, header, payload string) {
		c, err := tk.Verify(craft(header, payload, testKey), t0)
		if err != nil {
			if err != ErrInvalidToken || c != nil {
				t.Fatalf("got %+v, %v", c, err)
			}
			return
		}
		var h map[string]any
		if json.Unmarshal([]byte(header), &h) != nil || h["alg"] != "HS256" {
			t.Fatalf("accepted header %q", header)
		}
		for k := range h {
			if k != "alg" && k != "typ" {
				t.Fatalf("accepted header %q", header)
			}
		}
		var p map[string]json.RawMessage
		if json.Unmarshal([]byte(payload), &p) != nil {
			t.Fatalf("accepted payload %q", payload)
		}
		for k, v := range p {
			if (strings.EqualFold(k, "exp") || strings.EqualFold(k, "iat") || strings.EqualFold(k, "nbf")) && !bytes.ContainsAny(v[:1], "0123456789") {
				t.Fatalf("accepted non-numeric %s in %q", k, payload)
			}
		}
		if c.UserID <= 0 || c.ID == "" || c.Issuer != testIss || c.ExpiresAt == nil || c.IssuedAt == nil ||
			!t0.Before(c.ExpiresAt.Add(Leeway)) || c.IssuedAt.After(t0.Add(Leeway)) {
			t.Fatalf("accepted claims %+v from %q", c, payload)
		}
	})
}

// Impersonation tokens carry the admin's id, signed; the user's own do not.
func TestImpersonationClaim(t *testing.T) {
	tk, err := NewTokens([]byte(strings.Repeat("k", 32)), "https://bobbin.test", "https://bobbin.test/x", 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	own, _, err := tk.Issue(5, "jane", "user", 1, "j1", now)
	if err != nil {
		t.Fatal(err)
	}
	imp, exp, err := tk.IssueImpersonation(5, "jane", "user", 1, "j2", 1, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("impersonation token expires %v, want in one hour", exp)
	}
	if c, err := tk.Verify(own, now); err != nil || c.Impersonator != 0 {
		t.Fatalf("own token: %+v %v", c, err)
	}
	if c, err := tk.Verify(imp, now); err != nil || c.Impersonator != 1 || c.UserID != 5 {
		t.Fatalf("impersonation token: %+v %v", c, err)
	}
	if _, _, err := tk.IssueImpersonation(5, "jane", "user", 1, "j3", 5, now, time.Hour); err == nil {
		t.Fatal("a user impersonating themselves")
	}
	if _, _, err := tk.IssueImpersonation(5, "jane", "user", 1, "j3", 0, now, time.Hour); err == nil {
		t.Fatal("an impersonation without an impersonator")
	}
	if _, exp, _ := tk.IssueImpersonation(5, "jane", "user", 1, "j4", 1, now, 30*24*time.Hour); !exp.Equal(now.Add(7 * 24 * time.Hour)) {
		t.Fatalf("impersonation outlives an ordinary token: %v", exp)
	}
	for _, r := range []string{"POST /apikeys", "POST /account/mfa", "POST /signout/all", "GET /account/restrict",
		"DELETE /account", "GET /admin/impersonate/{id}"} {
		if !ImpersonationForbiddenRoute(r) {
			t.Fatalf("%s allowed to an impersonation token", r)
		}
	}
	if ImpersonationForbiddenRoute("PATCH /sets/{id}") || ImpersonationForbiddenRoute("GET /account") {
		t.Fatal("ordinary reads and writes refused")
	}
}
