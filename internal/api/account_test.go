package api_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

func TestAccountReadByBothMethods(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	for _, a := range []apitest.Auth{u.JWT(), u.KeyAuth()} {
		r := e.Do("GET", "/account/"+methodOf(a), nil, a).Expect(t, 200, "")
		for _, f := range []string{"id", "username", "lusername", "email", "bio", "consent", "control", "compare", "imperial",
			"newsletter", "language", "role", "status", "patron", "mfaEnabled", "img", "ihash", "data", "jwtCalls", "keyCalls",
			"lastSeen", "createdAt", "updatedAt"} {
			if _, ok := r.JSON["account"].(map[string]any)[f]; !ok {
				t.Fatalf("account lacks %q: %s", f, r.Body)
			}
		}
		for _, secret := range []string{"password", "mfaSecret", "mfa_secret", "scratch", "ehash"} {
			if strings.Contains(string(r.Body), secret) {
				t.Fatalf("account answer holds %q: %s", secret, r.Body)
			}
		}
		if r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("content type %q", r.Header.Get("Content-Type"))
		}
	}
}

func TestAccountPatch(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	taken := e.NewUser("user")
	bad := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no body", nil, 400, "postBodyMissing"},
		{"consent out of range", map[string]any{"consent": 4}, 400, "consentInvalid"},
		{"consent wrong type", map[string]any{"consent": "yes"}, 400, "consentInvalid"},
		{"control out of range", map[string]any{"control": 6}, 400, "controlInvalid"},
		{"language", map[string]any{"language": "tlh"}, 400, "unsupportedLanguage"},
		{"username too short", map[string]any{"username": "a"}, 400, "usernameTooShort"},
		{"username taken any case", map[string]any{"username": strings.ToUpper(taken.Username)}, 400, "usernameTaken"},
		{"username all digits", map[string]any{"username": "12345"}, 400, "usernameInvalid"},
		{"username with at", map[string]any{"username": "me@x"}, 400, "usernameInvalid"},
		{"password too short", map[string]any{"password": "short", "currentPassword": u.Password}, 400, "passwordTooShort"},
		{"password too long", map[string]any{"password": strings.Repeat("x", 1025), "currentPassword": u.Password}, 400, "passwordTooLong"},
		{"password common", map[string]any{"password": "password", "currentPassword": u.Password}, 400, "passwordTooCommon"},
		{"current password missing", map[string]any{"password": "a fine new password"}, 400, "currentPasswordMissing"},
		{"current password wrong", map[string]any{"password": "a fine new password", "currentPassword": "nope nope"}, 401, "authenticationFailed"},
		{"img not https", map[string]any{"img": "http://example.com/x.png"}, 400, "imgInvalid"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			before := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
			e.Do("PATCH", "/account/jwt", c.body, u.JWT()).Expect(t, c.status, c.code)
			after := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
			if before.Str("account.updatedAt") != after.Str("account.updatedAt") {
				t.Fatal("a refused update wrote something")
			}
		})
	}
	// Several fields at once, by key (level 4 key ≥ writeSome).
	r := e.Do("PATCH", "/account/key", map[string]any{
		"bio": "I sew 🧵", "consent": 3, "control": 5, "compare": false, "imperial": true, "newsletter": true,
		"language": "fr", "username": "Seamstress_1", "data": map[string]any{"a": 1, "b": "two"},
		// Mass assignment: ignored.
		"id": 999, "role": "admin", "status": 1, "ehash": "x", "createdAt": "2000-01-01T00:00:00.000Z", "mfaEnabled": true, "patron": 9,
	}, u.KeyAuth()).Expect(t, 200, "")
	want := map[string]any{"account.bio": "I sew 🧵", "account.consent": 3.0, "account.control": 5.0, "account.compare": false,
		"account.imperial": true, "account.newsletter": true, "account.language": "fr", "account.username": "Seamstress_1",
		"account.lusername": "seamstress_1", "account.data.a": 1.0, "account.data.b": "two", "account.id": float64(u.ID),
		"account.role": "user", "account.mfaEnabled": false, "account.patron": 0.0}
	for k, v := range want {
		if r.Get(k) != v {
			t.Fatalf("%s = %v, want %v; %s", k, r.Get(k), v, r.Body)
		}
	}
	// data merges; null deletes a key.
	r = e.Do("PATCH", "/account/jwt", map[string]any{"data": map[string]any{"a": nil, "c": true}}, u.JWT()).Expect(t, 200, "")
	if r.Get("account.data.a") != nil || r.Get("account.data.b") != "two" || r.Get("account.data.c") != true {
		t.Fatalf("data merge: %s", r.Body)
	}
	// The new username signs in, in any case.
	e.Do("POST", "/signin", map[string]any{"username": "SEAMSTRESS_1", "password": u.Password}, apitest.None).Expect(t, 200, "")
	// A level-3 key may write (writeSome); a level-2 key may not; level-1 reads.
	k3, s3 := e.NewKey(u, 3)
	e.Do("PATCH", "/account/key", map[string]any{"bio": "k3"}, apitest.Basic(k3, s3)).Expect(t, 200, "")
	k2, s2 := e.NewKey(u, 2)
	e.Do("PATCH", "/account/key", map[string]any{"bio": "k2"}, apitest.Basic(k2, s2)).Expect(t, 403, "insufficientAccessLevel")
	e.Do("GET", "/account/key", nil, apitest.Basic(k2, s2)).Expect(t, 200, "")
}

func TestAvailableUsername(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	for _, a := range []apitest.Auth{u.JWT(), u.KeyAuth()} {
		r := e.Do("POST", "/available/username/"+methodOf(a), map[string]any{"username": strings.ToUpper(u.Username)}, a).Expect(t, 200, "")
		if r.Get("available") != false {
			t.Fatalf("taken: %s", r.Body)
		}
		e.Do("POST", "/available/username/"+methodOf(a), map[string]any{"username": "free-name-42"}, a).Expect(t, 404, "notFound")
		e.Do("POST", "/available/username/"+methodOf(a), map[string]any{"username": ""}, a).Expect(t, 400, "usernameMissing")
	}
}

func TestConsentAndGuestWhoami(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"consent": 0}, u.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 451, "consentLacking")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 451, "consentLacking")
	r := e.Do("GET", "/whoami/jwt", nil, u.JWT()).Expect(t, 451, "consentLacking")
	if r.Num("account.id") != float64(u.ID) {
		t.Fatalf("guest whoami should report the account: %s", r.Body)
	}
	e.UpdateUser(u.ID, func(x *store.User) { x.Consent = 1; x.Status = -1 })
	e.Do("GET", "/whoami/jwt", nil, u.JWT()).Expect(t, 403, "accountDisabled")
	e.UpdateUser(u.ID, func(x *store.User) { x.Status = 1 })
	e.Do("GET", "/whoami/jwt", nil, u.JWT()).Expect(t, 200, "")
}

func TestOperationsAndErrorShapes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.Do("GET", "/health", nil, apitest.None).Expect(t, 200, "")
	e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
	e.Do("GET", "/no/such/route", nil, apitest.None).Expect(t, 404, "notFound")
	r := e.Do("DELETE", "/signup", nil, apitest.None).Expect(t, 405, "methodNotAllowed")
	if !strings.Contains(strings.Join(r.Header.Values("Allow"), ","), "POST") {
		t.Fatalf("Allow: %v", r.Header.Values("Allow"))
	}
	// Body over the limit: 413, by declared length and by streaming.
	big := `{"email":"` + strings.Repeat("a", 70<<10) + `@example.com","language":"en"}`
	e.Do("POST", "/signup", big, apitest.None).Expect(t, 413, "bodyTooLarge")
	req, _ := http.NewRequest("POST", e.URL+"/signup", &chunked{s: big})
	req.ContentLength = -1
	e.Send(req).Expect(t, 413, "bodyTooLarge")
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("nosniff missing")
	}
}

type chunked struct {
	s string
	i int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.i >= len(c.s) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 4096)], c.s[c.i:])
	c.i += n
	return n, nil
}

func TestActivityCountersAreWrittenBehind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := apitest.New(t, apitest.WithDataDir(dir), apitest.WithEnv("BACKEND_FLUSH_INTERVAL", "1h"))
	u := e.NewUser("user")
	for i := 0; i < 5; i++ {
		e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
		e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	}
	// Nothing is written per request...
	var calls int64
	db := e.App.DB
	if err := db.QueryRow(context.Background(), "SELECT key_calls FROM users WHERE id = ?", u.ID).Scan(&calls); err != nil || calls != 0 {
		t.Fatalf("key_calls before flush: %d %v", calls, err)
	}
	// ...and nothing is lost on a clean stop.
	e.Close()
	e2 := apitest.New(t, apitest.WithDataDir(dir))
	r := e2.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	if r.Num("account.keyCalls") != 5 || r.Num("account.jwtCalls") < 5 || r.Get("account.lastSeen") == nil {
		t.Fatalf("counters after restart: %s", r.Body)
	}
	k := e2.Do("GET", "/whoami/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if k.Num("apikey.calls") != 5 || k.Get("apikey.lastSeen") == nil {
		t.Fatalf("key counters: %s", k.Body)
	}
}

func TestPersonalFieldsAreEncryptedAtRestAndNeverLogged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := apitest.New(t, apitest.WithDataDir(dir))
	u := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"bio": "my secret bio text"}, u.JWT()).Expect(t, 200, "")
	e.Do("POST", "/apikeys/jwt", map[string]any{"name": "deploy key for laptop", "level": 1, "expiresIn": 60}, u.JWT()).Expect(t, 201, "")
	e.Close()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "bobbin.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var email, bio, name string
	if err := raw.QueryRow("SELECT email_enc, bio_enc FROM users WHERE id = ?", u.ID).Scan(&email, &bio); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow("SELECT name_enc FROM apikeys WHERE user_id = ? AND level = 1", u.ID).Scan(&name); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{email, bio, name} {
		if !strings.HasPrefix(v, "v1:") || strings.Contains(v, "@") || strings.Contains(v, "secret") || strings.Contains(v, "laptop") {
			t.Fatalf("not encrypted: %q", v)
		}
	}
	logs := e.Log.String()
	for _, s := range []string{u.Email, u.Token, u.Secret, u.Password} {
		if strings.Contains(logs, s) {
			t.Fatalf("log holds a secret or personal datum: %q", s[:min(len(s), 12)])
		}
	}
}

func TestSigninWithoutConsentGivesAGuestTokenToFixIt(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"consent": 0}, u.JWT()).Expect(t, 200, "")
	r := e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 451, "consentLacking")
	guest := apitest.Bearer(r.Str("token"))
	if r.Str("token") == "" || r.Num("account.consent") != 0 {
		t.Fatalf("451 answer: %s", r.Body)
	}
	// The token passes the guest routes only.
	e.Do("GET", "/account/jwt", nil, guest).Expect(t, 451, "consentLacking")
	e.Do("POST", "/apikeys/jwt", map[string]any{"name": "x", "level": 1, "expiresIn": 60}, guest).Expect(t, 451, "consentLacking")
	e.Do("GET", "/whoami/jwt", nil, guest).Expect(t, 451, "consentLacking")
	c := e.Do("PATCH", "/consent/jwt", map[string]any{"consent": 2}, guest).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(c.Str("token"))).Expect(t, 200, "")
}

func TestPasswordChangeNeedsUserLevelAndSendsANotice(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	k3, s3 := e.NewKey(u, 3)
	e.Do("PATCH", "/account/key", map[string]any{"password": "another good password", "currentPassword": u.Password}, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")
	e.Do("PATCH", "/account/key", map[string]any{"bio": "writeSome may do this"}, apitest.Basic(k3, s3)).Expect(t, 200, "")
	before := len(e.Outbox())
	e.Do("PATCH", "/account/key", map[string]any{"password": "another good password", "currentPassword": u.Password}, u.KeyAuth()).Expect(t, 200, "")
	m, ok := e.LastMailTo(u.Email)
	if !ok || len(e.Outbox()) != before+1 || m.Headers["X-Bobbin-Kind"][0] != "passwordChanged" {
		t.Fatalf("no password-changed notice: %+v", m.Headers)
	}
}
