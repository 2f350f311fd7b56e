package api_test

// The attack catalogue, over HTTP against the real app: token attacks (RFC
// 8725, auth.md), Basic header edge cases, several Authorization headers,
// mass assignment (OWASP API3:2023), account enumeration (status, body and
// time), password edge cases, and throttles that X-Forwarded-For cannot
// reset (OWASP API4:2023).

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// ── token crafting ──────────────────────────────────────────────────────

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signJWT signs header.payload with HMAC of the size alg names
// (HS256/HS384/HS512); any other alg gives an empty signature.
func signJWT(alg string, key []byte, header, payload string) string {
	in := b64u([]byte(header)) + "." + b64u([]byte(payload))
	var h func() hash.Hash
	switch alg {
	case "HS256":
		h = sha256.New
	case "HS384":
		h = sha512.New384
	case "HS512":
		h = sha512.New
	default:
		return in + "."
	}
	m := hmac.New(h, key)
	m.Write([]byte(in))
	return in + "." + b64u(m.Sum(nil))
}

// serverSigningKey derives the real token key the way the app does.
func serverSigningKey(t testing.TB, e *apitest.Env) []byte {
	v, err := vault.New(e.App.Config.EncKey)
	if err != nil {
		t.Fatal(err)
	}
	return v.SigningKey()
}

// claimsOf decodes a token's payload.
func claimsOf(t testing.TB, token string) map[string]any {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestTokenAttacks(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u, other := e.NewUser("user"), e.NewUser("user")
	key := serverSigningKey(t, e)
	attackerKey := []byte("attacker-chosen-key-0123456789abcdef")
	real := claimsOf(t, u.Token)
	otherClaims := claimsOf(t, other.Token)
	now := time.Now().Unix()
	hs256 := `{"alg":"HS256","typ":"JWT"}`
	good := func(claims map[string]any) string { return signJWT("HS256", key, hs256, mustJSON(t, claims)) }

	// A listener standing in for an attacker's JWKS / certificate URL.
	var fetched atomic.Int64
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"keys":[{"kty":"oct","kid":"k1","k":%q}]}`, b64u(attackerKey))
	}))
	defer jwks.Close()

	// Controls: the crafting is right, so every refusal below is the
	// server's doing, not a broken test token.
	call := func(token string) *apitest.Resp { return e.Do("GET", "/account/jwt", nil, apitest.Bearer(token)) }
	call(good(real)).Expect(t, 200, "")
	call(good(with(real, "exp", now-30))).Expect(t, 200, "") // within the 60 s leeway
	if r := e.Do("GET", "/account/jwt", nil, apitest.Header("bearer "+u.Token)); r.Status != 200 {
		t.Errorf("lower-case scheme refused: %d", r.Status)
	}

	parts := strings.Split(u.Token, ".")
	headerOf := func(h string) string { return b64u([]byte(h)) }
	nested := strings.Repeat("[", 1400) + strings.Repeat("]", 1400)
	attacks := []struct{ name, token string }{
		{"alg none", signJWT("none", nil, `{"alg":"none","typ":"JWT"}`, mustJSON(t, real))},
		{"alg None", signJWT("None", nil, `{"alg":"None","typ":"JWT"}`, mustJSON(t, real))},
		{"alg NONE", signJWT("NONE", nil, `{"alg":"NONE","typ":"JWT"}`, mustJSON(t, real))},
		{"alg nOnE", signJWT("nOnE", nil, `{"alg":"nOnE","typ":"JWT"}`, mustJSON(t, real))},
		{"alg none, real signature kept", headerOf(`{"alg":"none"}`) + "." + parts[1] + "." + parts[2]},
		{"HS384 with the real key", signJWT("HS384", key, `{"alg":"HS384","typ":"JWT"}`, mustJSON(t, real))},
		{"HS512 with the real key", signJWT("HS512", key, `{"alg":"HS512","typ":"JWT"}`, mustJSON(t, real))},
		{"RS256 header, HMAC body", headerOf(`{"alg":"RS256"}`) + "." + strings.SplitN(good(real), ".", 2)[1]},
		{"alg hs256 (lower case)", signJWT("HS256", key, `{"alg":"hs256"}`, mustJSON(t, real))},
		{"signed with another key", signJWT("HS256", attackerKey, hs256, mustJSON(t, real))},
		{"tampered _id, old signature", parts[0] + "." + b64u([]byte(mustJSON(t, with(real, "_id", other.ID)))) + "." + parts[2]},
		{"tampered role, old signature", parts[0] + "." + b64u([]byte(mustJSON(t, with(real, "role", "admin")))) + "." + parts[2]},
		{"tampered exp, old signature", parts[0] + "." + b64u([]byte(mustJSON(t, with(real, "exp", now+999999)))) + "." + parts[2]},
		{"stripped signature", parts[0] + "." + parts[1] + "."},
		{"two segments", parts[0] + "." + parts[1]},
		{"four segments", u.Token + "." + parts[2]},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2]},
		{"std base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(u.Token) + "+/"},
		{"jwk header (attacker key)", signJWT("HS256", attackerKey, `{"alg":"HS256","jwk":{"kty":"oct","k":"`+b64u(attackerKey)+`"}}`, mustJSON(t, real))},
		{"jwk header (real key)", signJWT("HS256", key, `{"alg":"HS256","jwk":{"kty":"oct","k":"`+b64u(attackerKey)+`"}}`, mustJSON(t, real))},
		{"jku header (attacker key)", signJWT("HS256", attackerKey, `{"alg":"HS256","kid":"k1","jku":"`+jwks.URL+`/jwks.json"}`, mustJSON(t, real))},
		{"jku header (real key)", signJWT("HS256", key, `{"alg":"HS256","jku":"`+jwks.URL+`/jwks.json"}`, mustJSON(t, real))},
		{"x5u header", signJWT("HS256", attackerKey, `{"alg":"HS256","x5u":"`+jwks.URL+`/cert.pem"}`, mustJSON(t, real))},
		{"kid path traversal, empty key", signJWT("HS256", []byte{}, `{"alg":"HS256","kid":"../../../../dev/null"}`, mustJSON(t, real))},
		{"kid injection, real key", signJWT("HS256", key, `{"alg":"HS256","kid":"x' UNION SELECT 'a"}`, mustJSON(t, real))},
		{"crit header", signJWT("HS256", key, `{"alg":"HS256","crit":["exp"]}`, mustJSON(t, real))},
		{"wrong aud", good(with(real, "aud", "http://bobbin.test/another-instance"))},
		{"wrong iss", good(with(real, "iss", "http://evil.test"))},
		{"no aud", good(with(real, "aud", nil))},
		{"no iss", good(with(real, "iss", nil))},
		{"no exp", good(with(real, "exp", nil))},
		{"exp as a string", good(with(real, "exp", fmt.Sprint(now+3600)))},
		{"exp as an object", good(with(real, "exp", map[string]any{"$gt": 0}))},
		{"exp past the leeway", good(with(real, "exp", now-120))},
		{"exp absurdly large", good(with(real, "exp", 1e300))},
		{"iat in the future", good(with(real, "iat", now+600))},
		{"nbf in the future", good(with(real, "nbf", now+600))},
		{"no jti", good(with(real, "jti", nil))},
		{"another user's jti", good(with(real, "jti", otherClaims["jti"]))},
		{"another user's _id, own jti", good(with(real, "_id", other.ID))},
		{"_id as a string", good(with(real, "_id", fmt.Sprint(u.ID)))},
		{"_id zero", good(with(real, "_id", 0))},
		{"payload not an object", signJWT("HS256", key, hs256, `[1,2,3]`)},
		{"deeply nested payload", signJWT("HS256", attackerKey, hs256, `{"a":`+nested+`}`)},
		{"huge token", good(with(real, "pad", strings.Repeat("x", 6000)))},
		{"empty token", ""},
		{"garbage", "not-a-token"},
		{"dots only", ".."},
	}
	type answer struct{ body, challenge string }
	answers := map[answer][]string{}
	for _, a := range attacks {
		start := time.Now()
		r := e.Do("GET", "/account/jwt", nil, apitest.Header("Bearer "+a.token))
		took := time.Since(start)
		expectErr(t, a.name, r, 401, "authenticationFailed")
		ans := answer{string(r.Body), r.Header.Get("WWW-Authenticate")}
		answers[ans] = append(answers[ans], a.name)
		if took > 2*time.Second {
			t.Errorf("%s: took %v", a.name, took)
		}
	}
	if len(answers) != 1 {
		t.Errorf("refusals are told apart by their answers: %v", answers)
	}
	for ans := range answers {
		if ans.challenge != `Bearer realm="bobbin", error="invalid_token"` {
			t.Errorf("challenge %q", ans.challenge)
		}
	}
	if n := fetched.Load(); n != 0 {
		t.Errorf("the server fetched the attacker's jku/x5u URL %d times", n)
	}
	// A token far over the header limits is refused quickly too.
	start := time.Now()
	expectErr(t, "12 KiB token", e.Do("GET", "/account/jwt", nil, apitest.Header("Bearer "+strings.Repeat("A", 12<<10))), 401, "authenticationFailed")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("12 KiB token took %v", d)
	}
	// Tokens are never read from the query string or a form body.
	q := url.Values{"token": {u.Token}, "access_token": {u.Token}, "jwt": {u.Token}}
	expectErr(t, "token in the query", e.Do("GET", "/account/jwt?"+q.Encode(), nil, apitest.None), 401, "authenticationFailed")
	expectErr(t, "token in a form body", raw(e, "PATCH", "/account/jwt", q.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}), 401, "authenticationFailed")

	// With the real key (a leaked key, or our own bug), the role and
	// status in a token still count for nothing: the database decides.
	esc := good(with(real, "role", "admin", "status", 1))
	r := call(esc).Expect(t, 200, "")
	if r.Str("account.role") != "user" {
		t.Errorf("role from the token: %s", r.Body)
	}
	expectErr(t, "key above the real role", e.Do("POST", "/apikeys/jwt", map[string]any{"name": "x", "level": 9, "expiresIn": 60}, apitest.Bearer(esc)), 400, "keyLevelExceedsRoleLevel")
	setUser(t, e, u.ID, func(x *store.User) { x.Status = -2 })
	expectErr(t, "disabled user, token says status 1", call(esc), 403, "accountBlocked")
}

func TestBasicHeaderEdgeCases(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_KEY_FAILS_PER_KEY", "1000"), apitest.WithEnv("BACKEND_KEY_FAILS_PER_ADDRESS", "1000"))
	u := e.NewUser("user")
	k, s := u.Key, u.Secret
	enc := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }
	for _, h := range []string{"Basic " + enc(k+":"+s), "basic " + enc(k+":"+s), "BASIC " + enc(k+":"+s), "bAsIc " + enc(k+":"+s)} {
		e.Do("GET", "/whoami/key", nil, apitest.Header(h)).Expect(t, 200, "")
	}
	unknown := "8f14e45f-ceea-467f-a4e6-6a5c2bb9d3c1"
	bad := []struct{ name, header string }{
		{"two spaces", "Basic  " + enc(k+":"+s)},
		{"tab", "Basic\t" + enc(k+":"+s)},
		{"no space", "Basic" + enc(k+":"+s)},
		{"empty credentials", "Basic "},
		{"scheme only", "Basic"},
		{"no colon", "Basic " + enc(k+s)},
		{"empty key", "Basic " + enc(":"+s)},
		{"empty secret", "Basic " + enc(k+":")},
		{"colon only", "Basic " + enc(":")},
		{"extra colon part", "Basic " + enc(k+":"+s+":x")},
		{"secret with trailing space", "Basic " + enc(k+":"+s+" ")},
		{"key with a space", "Basic " + enc(k+" :"+s)},
		{"upper-case key", "Basic " + enc(strings.ToUpper(k)+":"+s)},
		{"upper-case secret", "Basic " + enc(k+":"+strings.ToUpper(s))},
		{"secret one char short", "Basic " + enc(k+":"+s[:len(s)-1])},
		{"NUL in secret", "Basic " + enc(k+":"+s+"\x00")},
		{"not base64", "Basic " + k + ":" + s},
		{"unpadded base64", "Basic " + strings.TrimRight(enc(k+":"+s+"x"), "=")},
		{"url-safe base64", "Basic " + base64.URLEncoding.EncodeToString([]byte(k+":"+s+"?>"))},
		{"invalid UTF-8", "Basic " + enc(k+":"+s+"\xff")},
		{"unknown key, real secret", "Basic " + enc(unknown+":"+s)},
		{"unknown key, its own secret", "Basic " + enc(unknown+":"+strings.Repeat("a", 64))},
		{"key id SQL", "Basic " + enc("' OR '1'='1:"+s)},
		{"Bearer on a key route", "Bearer " + u.Token},
		{"Digest scheme", "Digest username=\"" + k + "\""},
		{"huge", "Basic " + enc(k+":"+strings.Repeat("s", 9000))},
	}
	bodies := map[string][]string{}
	for _, b := range bad {
		r := e.Do("GET", "/whoami/key", nil, apitest.Header(b.header))
		expectErr(t, b.name, r, 401, "authenticationFailed")
		if got := r.Header.Get("WWW-Authenticate"); got != `Basic realm="bobbin", charset="UTF-8"` {
			t.Errorf("%s: WWW-Authenticate %q", b.name, got)
		}
		bodies[string(r.Body)] = append(bodies[string(r.Body)], b.name)
	}
	if len(bodies) != 1 {
		t.Errorf("Basic refusals are told apart by their bodies: %v", bodies)
	}
	// The key still works after all that (no lock-out below the limit).
	e.Do("GET", "/whoami/key", nil, u.KeyAuth()).Expect(t, 200, "")
}

func TestSeveralAuthorizationHeaders(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	jwt, basic := "Bearer "+u.Token, "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Key+":"+u.Secret))
	for _, path := range []string{"/account/jwt", "/account/key"} {
		for _, hs := range [][]string{{jwt, jwt}, {basic, basic}, {jwt, basic}, {basic, jwt}, {jwt, "Bearer x.y.z"}, {"Bearer x.y.z", jwt}, {basic, "Basic eDp5"}, {"Basic eDp5", basic}} {
			r := raw(e, "GET", path, "", http.Header{"Authorization": hs})
			if r.Status != 400 && r.Status != 401 {
				t.Errorf("%s with %d Authorization headers: %d %s", path, len(hs), r.Status, r.Body)
			}
			checkErrorShape(t, path, r)
		}
		// One header holding two credentials.
		r := raw(e, "GET", path, "", http.Header{"Authorization": {jwt + ", " + basic}})
		expectErr(t, path+" two credentials in one header", r, 401, "authenticationFailed")
	}
}

// ── mass assignment ─────────────────────────────────────────────────────

// massCase is one writable object. write is "VERB /path" as sent (a
// {param} in it is filled by the ownerFixtures entry for that route);
// read reads the object back ({id} from the written object's idField).
type massCase struct {
	name, role, write, body, read, object, idField string
}

// massAssignment: one line per writable object and route. Fields that a
// route legitimately takes must not be in massInjected.
var massAssignment = []massCase{
	{name: "account", write: "PATCH /account/jwt", body: `{"bio":"mass assignment"}`, read: "GET /account/jwt", object: "account"},
	{name: "account by key", write: "PATCH /account/key", body: `{"bio":"mass assignment by key"}`, read: "GET /account/jwt", object: "account"},
	{name: "apikey", write: "POST /apikeys/jwt", body: `{"name":"mass","level":1,"expiresIn":60}`, read: "GET /apikeys/{id}/jwt", object: "apikey", idField: "key"},
	{name: "set", write: "POST /sets/jwt", body: `{"name":"mass"}`, read: "GET /sets/{id}/jwt", object: "set", idField: "id"},
	{name: "set update by key", write: "PATCH /sets/{id}/key", body: `{"name":"mass by key"}`, read: "GET /sets/{id}/jwt", object: "set"},
	{name: "pattern", write: "POST /patterns/jwt", body: `{"design":"aaron"}`, read: "GET /patterns/{id}/jwt", object: "pattern", idField: "id"},
	{name: "pattern update", write: "PATCH /patterns/{id}/jwt", body: `{"name":"mass"}`, read: "GET /patterns/{id}/jwt", object: "pattern"},
	{name: "bookmark", write: "POST /bookmarks/jwt", body: bookmarkBody, read: "GET /bookmarks/{id}/jwt", object: "bookmark", idField: "id"},
	{name: "bookmark update by key", write: "PATCH /bookmarks/{id}/key", body: `{"title":"mass"}`, read: "GET /bookmarks/{id}/jwt", object: "bookmark"},
}

// massInjected are fields no client may set, with values that stand out.
func massInjected(other *apitest.User) map[string]any {
	return map[string]any{
		"id": 987654321, "_id": 987654321, "userId": other.ID, "user_id": other.ID, "owner": other.ID,
		"role": "admin", "status": 7, "ehash": strings.Repeat("0", 64), "ihash": strings.Repeat("0", 64),
		"createdAt": "2001-02-03T04:05:06.789Z", "updatedAt": "2001-02-03T04:05:06.789Z", "lastSeen": "2001-02-03T04:05:06.789Z",
		"mfaEnabled": true, "mfaSecret": "JBSWY3DPEHPK3PXP", "mfa_secret": "JBSWY3DPEHPK3PXP", "mfaScratch": []string{"12345678"},
		"passwordHash": "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA", "hash": "x",
		"secret": strings.Repeat("f", 64), "secretHash": "x", "secret_hash": "x", "key": "00000000-0000-4000-8000-000000000000",
		"jwtCalls": 424242, "keyCalls": 424242, "calls": 424242, "patron": 9, "lusername": "mass-assigned",
		"expiresAt": "2099-01-01T00:00:00.000Z", "initial": "mass@example.com", "published": true,
	}
}

// volatile fields change on their own (activity, the write itself): they
// must only not take the injected value.
var volatile = map[string]bool{"updatedAt": true, "lastSeen": true, "jwtCalls": true, "keyCalls": true, "calls": true}

func TestMassAssignment(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	other := e.NewUser("user")
	for _, c := range massAssignment {
		t.Run(c.name, func(t *testing.T) {
			role := c.role
			if role == "" {
				role = "user"
			}
			u := e.NewUser(role)
			verb, path, _ := strings.Cut(c.write, " ")
			auth := u.JWT()
			if strings.HasSuffix(path, "/key") {
				auth = u.KeyAuth()
			}
			var vals map[string]string
			if strings.Contains(path, "{") {
				routeKey := verb + " " + strings.TrimSuffix(strings.TrimSuffix(path, "/jwt"), "/key")
				f := ownerFixtures[routeKey]
				if f == nil {
					t.Fatalf("%s has a path parameter: it needs an ownerFixtures entry %q", c.write, routeKey)
				}
				vals = f(e, u)
				path = fillPath(path, vals)
			}
			readPath := func(obj map[string]any) string {
				if vals != nil && vals["id"] != "" {
					return fillPath(c.read, vals)
				}
				if c.idField != "" {
					return fillPath(c.read, map[string]string{"id": fmt.Sprint(obj[c.idField])})
				}
				return c.read
			}
			var before map[string]any
			if verb != "POST" {
				rv, rp, _ := strings.Cut(readPath(nil), " ")
				before, _ = e.Do(rv, rp, nil, u.JWT()).Expect(t, 200, "").Get(c.object).(map[string]any)
			}
			dbBefore, err := e.App.DB.Users().ByID(ctxb(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			body := map[string]any{}
			if err := json.Unmarshal([]byte(c.body), &body); err != nil {
				t.Fatal(err)
			}
			injected := massInjected(other)
			for k, v := range injected {
				if _, legit := body[k]; !legit {
					body[k] = v
				}
			}
			r := e.Do(verb, path, body, auth)
			if r.Status >= 300 {
				t.Fatalf("write with extra fields: %d %s (unknown fields must be ignored)", r.Status, r.Body)
			}
			written, _ := r.Get(c.object).(map[string]any)
			if written == nil {
				t.Fatalf("no %q in %s", c.object, r.Body)
			}
			rv, rp, _ := strings.Cut(readPath(written), " ")
			after, _ := e.Do(rv, rp, nil, u.JWT()).Expect(t, 200, "").Get(c.object).(map[string]any)
			for _, obj := range []map[string]any{written, after} {
				for k, v := range injected {
					got, ok := obj[k]
					if !ok {
						continue
					}
					if fmt.Sprint(got) == fmt.Sprint(v) {
						t.Errorf("%s.%s took the client's value %v", c.object, k, v)
					}
					if before != nil && !volatile[k] && fmt.Sprint(got) != fmt.Sprint(before[k]) {
						t.Errorf("%s.%s changed from %v to %v", c.object, k, before[k], got)
					}
				}
				if uid, ok := obj["userId"]; ok && fmt.Sprint(uid) != fmt.Sprint(u.ID) {
					t.Errorf("%s.userId = %v, want the caller %d", c.object, uid, u.ID)
				}
			}
			dbAfter, err := e.App.DB.Users().ByID(ctxb(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if dbAfter.Role != dbBefore.Role || dbAfter.Status != dbBefore.Status || dbAfter.EHash != dbBefore.EHash ||
				dbAfter.IHash != dbBefore.IHash || dbAfter.Password != dbBefore.Password || dbAfter.MFAEnabled != dbBefore.MFAEnabled ||
				dbAfter.MFASecret != dbBefore.MFASecret || len(dbAfter.MFAScratch) != len(dbBefore.MFAScratch) ||
				dbAfter.Patron != dbBefore.Patron || dbAfter.CreatedAt != dbBefore.CreatedAt || dbAfter.Initial != dbBefore.Initial {
				t.Errorf("the caller's protected account fields changed: before %+v after %+v", dbBefore, dbAfter)
			}
		})
	}
	// Nothing landed on the other user either.
	r := e.Do("GET", "/apikeys/jwt", nil, other.JWT()).Expect(t, 200, "")
	if n := len(r.Get("apikeys").([]any)); n != 1 {
		t.Errorf("the other user has %d keys, want only their own 1: %s", n, r.Body)
	}
	expectErr(t, "injected key id", e.Do("GET", "/apikeys/00000000-0000-4000-8000-000000000000/jwt", nil, other.JWT()), 404, "notFound")
	expectErr(t, "injected secret", e.Do("GET", "/whoami/key", nil, apitest.Basic("00000000-0000-4000-8000-000000000000", strings.Repeat("f", 64))), 401, "authenticationFailed")
}

// Signup takes a role only from a test request in test mode; never
// status, consent or ids.
func TestSignupMassAssignment(t *testing.T) {
	t.Parallel()
	for _, testMode := range []string{"false", "true"} {
		t.Run("test mode "+testMode, func(t *testing.T) {
			e := apitest.New(t, apitest.WithEnv("BACKEND_ENABLE_TESTS", testMode))
			email := "mass-signup@example.com"
			body := map[string]any{"email": email, "language": "en", "role": "admin", "status": 1, "consent": 3,
				"id": 1, "username": "chosen", "mfaEnabled": true, "patron": 9}
			if testMode == "false" {
				body["test"] = true // ignored when test mode is off
			}
			r := e.Do("POST", "/signup", body, apitest.None).Expect(t, 201, "")
			if r.Get("confirmation") != nil {
				t.Fatalf("confirmation answered: %s", r.Body)
			}
			u, err := e.App.DB.Users().ByEmail(ctxb(), email)
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != "user" || u.Status != 0 || u.Consent != 0 || u.Username == "chosen" || u.MFAEnabled || u.Patron != 0 {
				t.Errorf("signup took client fields: %+v", u)
			}
		})
	}
}

// ── account enumeration ─────────────────────────────────────────────────

// sameAnswer fails unless two answers have the same status, body (after
// replacing what the request itself echoed) and headers (less Date).
func sameAnswer(t *testing.T, what string, a, b *apitest.Resp, echoA, echoB string) {
	t.Helper()
	ba, bb := string(a.Body), string(b.Body)
	if echoA != "" {
		ba = strings.ReplaceAll(ba, echoA, "<echo>")
		bb = strings.ReplaceAll(bb, echoB, "<echo>")
	}
	if a.Status != b.Status || ba != bb {
		t.Errorf("%s: answers differ:\n  %d %s\n  %d %s", what, a.Status, a.Body, b.Status, b.Body)
	}
	for k := range a.Header {
		if k == "Date" {
			continue
		}
		if !slices.Equal(a.Header[k], b.Header[k]) {
			t.Errorf("%s: header %s differs: %q vs %q", what, k, a.Header[k], b.Header[k])
		}
	}
	for k := range b.Header {
		if _, ok := a.Header[k]; !ok && k != "Date" {
			t.Errorf("%s: header %s only on one answer", what, k)
		}
	}
}

func enumEnv(t *testing.T) *apitest.Env {
	return apitest.New(t,
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "1000000"),
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "1000000"),
		apitest.WithEnv("BACKEND_MAILS_PER_RECIPIENT", "1000000"),
		apitest.WithEnv("BACKEND_MAILS_PER_ADDRESS", "1000000"))
}

func TestAccountEnumerationAnswers(t *testing.T) {
	t.Parallel()
	e := enumEnv(t)
	u := e.NewUser("user")
	// Same-length addresses, so Content-Length cannot differ by length.
	existing := u.Email
	fresh := "x" + existing[1:]
	fresh = strings.Replace(fresh, "@example.com", "@example.org", 1)
	a := e.Do("POST", "/signup", map[string]any{"email": existing, "language": "en"}, apitest.None)
	b := e.Do("POST", "/signup", map[string]any{"email": fresh, "language": "en"}, apitest.None)
	a.Expect(t, 201, "")
	sameAnswer(t, "signup existing vs new", a, b, existing, fresh)
	if _, ok := e.LastMailTo(existing); !ok {
		t.Error("the owner of the existing account got no mail")
	}

	wrong := e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": "wrong password 123"}, apitest.None)
	unknown := e.Do("POST", "/signin", map[string]any{"username": "nobody-at-all@example.com", "password": "wrong password 123"}, apitest.None)
	expectErr(t, "wrong password", wrong, 401, "signInFailed")
	sameAnswer(t, "signin wrong password vs unknown user", wrong, unknown, "", "")
	byName := e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": "wrong password 123"}, apitest.None)
	byNobody := e.Do("POST", "/signin", map[string]any{"username": "nobody-here", "password": "wrong password 123"}, apitest.None)
	sameAnswer(t, "signin by username: wrong password vs unknown", byName, byNobody, "", "")
	// An account without a password yet answers like the rest.
	nopw := e.SignupConfirmed("no-password@example.com", "")
	sameAnswer(t, "signin: no password set vs unknown", e.Do("POST", "/signin", map[string]any{"username": nopw.Email, "password": "wrong password 123"}, apitest.None), unknown, "", "")

	la := e.Do("POST", "/signinlink", map[string]any{"username": u.Email}, apitest.None)
	lb := e.Do("POST", "/signinlink", map[string]any{"username": fresh}, apitest.None)
	la.Expect(t, 200, "")
	if la.Str("result") != "emailSent" {
		t.Errorf("signinlink: %s", la.Body)
	}
	sameAnswer(t, "signinlink known vs unknown", la, lb, "", "")
}

// timingPair measures two requests interleaved in random order, n times
// each, and compares their medians. A real difference shows in every
// round; noise on a loaded machine rarely does, so a round that fails is
// measured again, up to three rounds.
func timingPair(t *testing.T, what string, n int, tolerance float64, a, b func()) {
	t.Helper()
	a()
	b() // warm up caches and statements
	var ratio float64
	var ma, mb time.Duration
	for round := 1; round <= 3; round++ {
		da, db := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			first, second, d1, d2 := a, b, &da, &db
			if rand.IntN(2) == 0 {
				first, second, d1, d2 = b, a, &db, &da
			}
			s := time.Now()
			first()
			*d1 = append(*d1, time.Since(s))
			s = time.Now()
			second()
			*d2 = append(*d2, time.Since(s))
		}
		ma, mb = median(da), median(db)
		ratio = float64(max(ma, mb)) / float64(min(ma, mb))
		t.Logf("%s, round %d: medians %v vs %v (ratio %.2f) over %d interleaved samples", what, round, ma, mb, ratio, 2*n)
		if ratio <= tolerance {
			return
		}
	}
	t.Errorf("%s: medians %v vs %v differ by %.2fx (tolerance %.2fx) in three rounds: the time tells them apart", what, ma, mb, ratio, tolerance)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestAccountEnumerationTiming compares medians over 200 interleaved
// samples per pair. The tests run with apitest.FastHash, so the password
// hash does not drown the rest of the work: what is compared is everything
// else a sign-in does (lookups, writes, mail), which is where a difference
// between a known and an unknown account would hide. Serial (no
// t.Parallel): it compares timings, which other tests running beside it
// would skew.
func TestAccountEnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test skipped in -short mode")
	}
	if raceEnabled {
		t.Skip("timing is compared without the race detector, which slows CPU work far more than I/O and skews the comparison; .ci/run runs this test again without -race")
	}
	e := enumEnv(t)
	u := e.NewUser("user")
	signin := func(name string) func() {
		return func() {
			e.Do("POST", "/signin", map[string]any{"username": name, "password": "wrong password 123"}, apitest.None).Expect(t, 401, "signInFailed")
		}
	}
	timingPair(t, "signin: wrong password vs unknown email", 100, 1.5, signin(u.Email), signin("nobody-at-all@example.com"))
	timingPair(t, "signin: wrong password vs unknown username", 100, 1.5, signin(u.Username), signin("nobody-here"))
	n := 0
	signup := func(email func() string) func() {
		return func() {
			e.Do("POST", "/signup", map[string]any{"email": email(), "language": "en"}, apitest.None).Expect(t, 201, "")
		}
	}
	timingPair(t, "signup: existing vs new email", 100, 1.5, signup(func() string { return u.Email }), signup(func() string {
		n++
		return fmt.Sprintf("new-%d@example.com", n)
	}))
	link := func(name string) func() {
		return func() {
			e.Do("POST", "/signinlink", map[string]any{"username": name}, apitest.None).Expect(t, 200, "")
		}
	}
	timingPair(t, "signinlink: known vs unknown", 100, 1.5, link(u.Email), link("nobody-at-all@example.com"))
}

// ── passwords ───────────────────────────────────────────────────────────

func TestPasswordEdgeCases(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "1000"))
	u := e.NewUser("user")
	current := u.Password
	set := func(pw string) *apitest.Resp {
		return e.Do("PATCH", "/account/jwt", map[string]any{"password": pw, "currentPassword": current}, u.JWT())
	}
	signin := func(pw string) *apitest.Resp {
		return e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": pw}, apitest.None)
	}
	ok := func(name, pw string) {
		t.Helper()
		if r := set(pw); r.Status != 200 {
			t.Fatalf("%s: setting it answered %d %s", name, r.Status, r.Body)
		}
		current = pw
		if r := signin(pw); r.Status != 200 {
			t.Fatalf("%s: signing in with it answered %d %s", name, r.Status, r.Body)
		}
	}
	long := strings.Repeat("abcdefghij", 102) + "klmn" // 1,024 characters
	ok("1,024 characters", long)
	expectErr(t, "1,025 characters", set(long+"o"), 400, "passwordTooLong")
	emoji := strings.Repeat("🧵", 64) // 64 characters, 256 bytes
	ok("64 emoji", emoji)
	expectErr(t, "63 emoji + nothing changed", signin(strings.Repeat("🧵", 63)), 401, "signInFailed")
	expectErr(t, "7 characters", set("abcdefg"), 400, "passwordTooShort")
	ok("8 characters", "Zq7!pL0x")
	expectErr(t, "common password", set("password1"), 400, "passwordTooCommon")
	expectErr(t, "common password, other case", set("PASSWORD1"), 400, "passwordTooCommon")
	// bcrypt keeps 72 bytes; nothing here may be cut.
	for _, n := range []int{72, 73, 100, 1000} {
		prefix := strings.Repeat("p", n)
		ok(fmt.Sprintf("%d-byte prefix + A", n), prefix+"A")
		expectErr(t, fmt.Sprintf("%d-byte prefix + B", n), signin(prefix+"B"), 401, "signInFailed")
		expectErr(t, fmt.Sprintf("%d-byte prefix alone", n), signin(prefix), 401, "signInFailed")
	}
	// Unicode is compared as bytes: no normalisation that would merge two.
	ok("composed é", "caf\u00e9-au-lait-1")
	expectErr(t, "decomposed é", signin("cafe\u0301-au-lait-1"), 401, "signInFailed")
	ok("spaces kept", "  leading and trailing  ")
	expectErr(t, "trimmed", signin("leading and trailing"), 401, "signInFailed")
}

// ── throttling and X-Forwarded-For ──────────────────────────────────────

func TestThrottleIgnoresSpoofedForwardedFor(t *testing.T) {
	t.Parallel()
	e := apitest.New(t,
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "3"),
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "6"))
	u := e.NewUser("user")
	signin := func(name, pw, xff string) *apitest.Resp {
		h := http.Header{}
		if xff != "" {
			h.Set("X-Forwarded-For", xff)
		}
		return raw(e, "POST", "/signin", mustJSON(t, map[string]any{"username": name, "password": pw}), h)
	}
	// Per account: three failures from three "addresses", then even the
	// right password is refused, whatever the header says.
	for i := 1; i <= 3; i++ {
		expectErr(t, "failure", signin(u.Email, "wrong password 123", fmt.Sprintf("203.0.113.%d", i)), 401, "signInFailed")
	}
	r := signin(u.Email, u.Password, "198.51.100.77")
	expectErr(t, "per-account throttle with a new X-Forwarded-For", r, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Per address: the peer is 127.0.0.1 whatever X-Forwarded-For says.
	for i := 1; i <= 3; i++ {
		expectErr(t, "failure", signin(fmt.Sprintf("nobody%d@example.com", i), "wrong password 123", fmt.Sprintf("192.0.2.%d", i)), 401, "signInFailed")
	}
	r = signin("nobody-else@example.com", "wrong password 123", "192.0.2.200")
	expectErr(t, "per-address throttle with a new X-Forwarded-For", r, 429, "tooManyRequests")
	// The audit records the peer, not the claimed address.
	ev, err := e.App.DB.Audit().ByUser(ctxb(), u.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ev {
		if x.Event == "signin.failed" && x.IP != "127.0.0.1" {
			t.Errorf("audit took the spoofed address %q", x.IP)
		}
	}
}

func TestThrottleTrustedProxyUsesForwardedFor(t *testing.T) {
	t.Parallel()
	e := apitest.New(t,
		apitest.WithEnv("BACKEND_TRUSTED_PROXIES", "127.0.0.1"),
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "1000"),
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "3"))
	u := e.NewUser("user")
	signin := func(pw, xff string) *apitest.Resp {
		return raw(e, "POST", "/signin", mustJSON(t, map[string]any{"username": u.Email, "password": pw}), http.Header{"X-Forwarded-For": {xff}})
	}
	for i := 0; i < 3; i++ {
		expectErr(t, "failure", signin("wrong password 123", "198.51.100.1"), 401, "signInFailed")
	}
	expectErr(t, "the forwarded client is throttled", signin(u.Password, "198.51.100.1"), 429, "tooManyRequests")
	// A client hiding behind a forged first hop is still the last untrusted one.
	expectErr(t, "forged extra hop", signin(u.Password, "10.9.9.9, 198.51.100.1"), 429, "tooManyRequests")
	signin(u.Password, "198.51.100.2").Expect(t, 200, "")
	ev, err := e.App.DB.Audit().ByUser(ctxb(), u.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var seen bool
	for _, x := range ev {
		if x.Event == "signin.failed" {
			seen = true
			if x.IP != "198.51.100.1" {
				t.Errorf("audit IP %q, want the forwarded client", x.IP)
			}
		}
	}
	if !seen {
		t.Error("no signin.failed audit event")
	}
}

// ── revocation and secrets in logs ──────────────────────────────────────

// TestRevocationTakesEffectAtOnce: what auth.md says stops a credential
// stops it on the next request, and the level used is the one in the
// database now.
func TestRevocationTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("admin")
	r := e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 200, "")
	second := apitest.Bearer(r.Str("token"))
	e.Do("GET", "/account/jwt", nil, second).Expect(t, 200, "")

	// A password change stops every other token, not the one that made it.
	newPw := "a brand new password 77"
	e.Do("PATCH", "/account/jwt", map[string]any{"password": newPw, "currentPassword": u.Password}, u.JWT()).Expect(t, 200, "")
	expectErr(t, "other token after a password change", e.Do("GET", "/account/jwt", nil, second), 401, "authenticationFailed")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")

	// A lowered role caps keys and tokens at once.
	e.Do("POST", "/apikeys/key", map[string]any{"name": "x", "level": 9, "expiresIn": 60}, u.KeyAuth()).Expect(t, 201, "")
	setUser(t, e, u.ID, func(x *store.User) { x.Role = "user" })
	expectErr(t, "level-9 key after the role became user", e.Do("POST", "/apikeys/key", map[string]any{"name": "x", "level": 5, "expiresIn": 60}, u.KeyAuth()), 400, "keyLevelExceedsRoleLevel")
	expectErr(t, "token after the role became user", e.Do("POST", "/apikeys/jwt", map[string]any{"name": "x", "level": 5, "expiresIn": 60}, u.JWT()), 400, "keyLevelExceedsRoleLevel")
	setUser(t, e, u.ID, func(x *store.User) { x.Role = "blocked" })
	expectErr(t, "key of a blocked role", e.Do("GET", "/account/key", nil, u.KeyAuth()), 403, "accountBlocked")
	expectErr(t, "token of a blocked role", e.Do("GET", "/account/jwt", nil, u.JWT()), 403, "accountBlocked")
	expectErr(t, "sign-in of a blocked role", e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": newPw}, apitest.None), 403, "accountBlocked")
	setUser(t, e, u.ID, func(x *store.User) { x.Role = "user" })

	// Signing out everywhere stops every token; keys are not tokens.
	e.Do("POST", "/signout/all/key", nil, u.KeyAuth()).Expect(t, 204, "")
	expectErr(t, "token after signing out everywhere", e.Do("GET", "/account/jwt", nil, u.JWT()), 401, "authenticationFailed")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")

	// A key may delete itself, and is gone on the next request.
	e.Do("DELETE", "/apikeys/"+u.Key+"/key", nil, u.KeyAuth()).Expect(t, 204, "")
	expectErr(t, "key after deleting itself", e.Do("GET", "/account/key", nil, u.KeyAuth()), 401, "authenticationFailed")
}

// TestSecretsStayOutOfLogs runs sign-ups, sign-ins (good and bad), key
// calls (good and bad) and a password change, then searches everything the
// server logged for the secrets and personal data involved.
func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": "not-the-password-xyz"}, apitest.None).Expect(t, 401, "")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	e.Do("GET", "/account/key", nil, apitest.Basic(u.Key, strings.Repeat("e", 64))).Expect(t, 401, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(u.Token+"x")).Expect(t, 401, "")
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "replacement password 99", "currentPassword": u.Password}, u.JWT()).Expect(t, 200, "")
	e.Do("POST", "/signup", map[string]any{"email": "someone.else@example.com", "language": "en"}, apitest.None).Expect(t, 201, "")
	e.Do("GET", "/apikeys/"+u.Key+"/jwt", nil, u.JWT()).Expect(t, 200, "")
	logs := e.Log.String()
	if !strings.Contains(logs, `"pattern"`) {
		t.Fatalf("no request lines were logged: the check would be empty\n%s", logs)
	}
	for what, secret := range map[string]string{
		"password": u.Password, "wrong password": "not-the-password-xyz", "new password": "replacement password 99",
		"API secret": u.Secret, "token": u.Token, "token signature": strings.Split(u.Token, ".")[2],
		"email": u.Email, "other email": "someone.else@example.com", "key id in a path": "/apikeys/" + u.Key,
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s reached the logs", what)
		}
	}
}
