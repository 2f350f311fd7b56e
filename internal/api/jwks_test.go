package api_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// TestEdDSAModeIsVerifiableWithThePublishedKeyAndRotates checks the
// EdDSA signing mode end to end: a third party verifies a token with the
// key from /jwks.json, and raising the key version signs nobody out.
func TestEdDSAModeIsVerifiableWithThePublishedKeyAndRotates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := apitest.New(t, apitest.WithDataDir(dir), apitest.WithEnv("BACKEND_JWT_ALG", "EdDSA"))
	u := e.NewUser("user")
	var set struct {
		Keys []struct{ Kid, Crv, X, Alg string } `json:"keys"`
	}
	if err := json.Unmarshal(e.Do("GET", "/jwks.json", nil, apitest.None).Expect(t, 200, "").Body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks: %v %+v", err, set)
	}
	parts := strings.Split(u.Token, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(hdr), `"alg":"EdDSA"`) || !strings.Contains(string(hdr), `"kid":"v1"`) {
		t.Fatalf("header %s", hdr)
	}
	pub, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if set.Keys[0].Kid != "v1" || !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		t.Fatal("the published key does not verify the token")
	}
	e.Close()
	// Rotate: version 2 signs, version 1 tokens still work.
	e2 := apitest.New(t, apitest.WithDataDir(dir), apitest.WithEnv("BACKEND_JWT_ALG", "EdDSA"), apitest.WithEnv("BACKEND_JWT_KEY_VERSION", "2"))
	e2.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	fresh := e2.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 200, "").Str("token")
	h2, _ := base64.RawURLEncoding.DecodeString(strings.Split(fresh, ".")[0])
	if !strings.Contains(string(h2), `"kid":"v2"`) {
		t.Fatalf("rotated header %s", h2)
	}
	e2.Close()
	// Two versions on, the v1 token is done; the v2 one lives.
	e3 := apitest.New(t, apitest.WithDataDir(dir), apitest.WithEnv("BACKEND_JWT_ALG", "EdDSA"), apitest.WithEnv("BACKEND_JWT_KEY_VERSION", "3"))
	e3.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	e3.Do("GET", "/account/jwt", nil, apitest.Bearer(fresh)).Expect(t, 200, "")
	// HS256 (the default) publishes nothing.
	e4 := apitest.New(t)
	if r := e4.Do("GET", "/jwks.json", nil, apitest.None).Expect(t, 200, ""); !strings.Contains(string(r.Body), `"keys":[]`) {
		t.Fatalf("hs256 jwks: %s", r.Body)
	}
}
