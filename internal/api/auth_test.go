package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

func TestSigninIdentifiersAndErrors(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	for _, ident := range []string{u.Username, strings.ToUpper(u.Username), u.Email, strings.ToUpper(u.Email), strconv.FormatInt(u.ID, 10)} {
		r := e.Do("POST", "/signin", map[string]any{"username": ident, "password": u.Password}, apitest.None).Expect(t, 200, "")
		if r.Str("result") != "success" || r.Str("token") == "" || r.Num("account.id") != float64(u.ID) {
			t.Fatalf("signin as %q: %s", ident, r.Body)
		}
		if r.Get("account.password") != nil || strings.Contains(string(r.Body), "argon2") {
			t.Fatal("password hash in the answer")
		}
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no body", nil, 400, "postBodyMissing"},
		{"username missing", map[string]any{"password": "x"}, 400, "usernameMissing"},
		{"password missing", map[string]any{"username": u.Username}, 400, "passwordMissing"},
		{"wrong password", map[string]any{"username": u.Username, "password": "not the password"}, 401, "signInFailed"},
		{"unknown user", map[string]any{"username": "nobody-here", "password": "not the password"}, 401, "signInFailed"},
		{"unknown email", map[string]any{"username": "nobody@example.com", "password": "not the password"}, 401, "signInFailed"},
		{"unknown id", map[string]any{"username": "999999", "password": "not the password"}, 401, "signInFailed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.Do("POST", "/signin", c.body, apitest.None).Expect(t, c.status, c.code)
		})
	}
	// A user who never set a password cannot sign in with one.
	np := e.SignupConfirmed("nopass@example.com", "")
	e.Do("POST", "/signin", map[string]any{"username": np.Email, "password": ""}, apitest.None).Expect(t, 400, "passwordMissing")
	e.Do("POST", "/signin", map[string]any{"username": np.Email, "password": "anything at all"}, apitest.None).Expect(t, 401, "signInFailed")
}

func TestSigninTellsAccountStateOnlyWithTheRightPassword(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	cases := []struct {
		name   string
		change func(u *store.User)
		status int
		code   string
	}{
		{"blocked role", func(u *store.User) { u.Role = "blocked" }, 403, "accountBlocked"},
		{"disabled by admin", func(u *store.User) { u.Status = -2 }, 403, "accountBlocked"},
		{"restricted", func(u *store.User) { u.Status = -1 }, 403, "statusLacking"},
		{"unconfirmed", func(u *store.User) { u.Status = 0 }, 403, "statusLacking"},
		{"no consent", func(u *store.User) { u.Consent = 0 }, 451, "consentLacking"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := e.NewUser("user")
			e.UpdateUser(u.ID, c.change)
			e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": "wrong password"}, apitest.None).Expect(t, 401, "signInFailed")
			e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, c.status, c.code)
		})
	}
}

func TestSigninThrottlePerAccountAndAddress(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "3"), apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "6"))
	u := e.NewUser("user")
	v := e.NewUser("user")
	for i := 0; i < 3; i++ {
		e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": "wrong password"}, apitest.None).Expect(t, 401, "signInFailed")
	}
	// Over the limit: 429 whatever the credentials, and under any identifier.
	for _, ident := range []string{u.Username, u.Email, strconv.FormatInt(u.ID, 10)} {
		r := e.Do("POST", "/signin", map[string]any{"username": ident, "password": u.Password}, apitest.None).Expect(t, 429, "tooManyRequests")
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	}
	// Another account still signs in...
	e.Do("POST", "/signin", map[string]any{"username": v.Username, "password": v.Password}, apitest.None).Expect(t, 200, "")
	// ...until the address has failed 6 times in all.
	for i := 0; i < 3; i++ {
		e.Do("POST", "/signin", map[string]any{"username": "ghost" + strconv.Itoa(i), "password": "wrong password"}, apitest.None).Expect(t, 401, "signInFailed")
	}
	e.Do("POST", "/signin", map[string]any{"username": v.Username, "password": v.Password}, apitest.None).Expect(t, 429, "tooManyRequests")
	// A spoofed X-Forwarded-For from an untrusted peer changes nothing.
	req, _ := http.NewRequest("POST", e.URL+"/signin", strings.NewReader(`{"username":"`+v.Username+`","password":"`+v.Password+`"}`))
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if r := e.Send(req); r.Status != 429 {
		t.Fatalf("X-Forwarded-For reset the throttle: %d", r.Status)
	}
}

func TestThrottleWindowEnds(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	e := apitest.New(t, apitest.WithClock(clock), apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "2"))
	u := e.NewUser("user")
	for i := 0; i < 2; i++ {
		e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": "wrong password"}, apitest.None).Expect(t, 401, "")
	}
	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 429, "")
	now.Add(int64(15*time.Minute + time.Second))
	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 200, "")
}

func TestJWTRouteFailures(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	cases := []struct {
		name      string
		auth      apitest.Auth
		challenge string
	}{
		{"no header", apitest.None, `Bearer realm="bobbin"`},
		{"garbage token", apitest.Bearer("not.a.token"), `Bearer realm="bobbin", error="invalid_token"`},
		{"basic on jwt route", u.KeyAuth(), `Bearer realm="bobbin", error="invalid_token"`},
		{"two spaces", apitest.Header("Bearer  " + u.Token), `Bearer realm="bobbin", error="invalid_token"`},
		{"token in wrong scheme", apitest.Header("Token " + u.Token), `Bearer realm="bobbin", error="invalid_token"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do("GET", "/account/jwt", nil, c.auth).Expect(t, 401, "authenticationFailed")
			if got := r.Header.Get("WWW-Authenticate"); got != c.challenge {
				t.Fatalf("challenge %q, want %q", got, c.challenge)
			}
		})
	}
	// The scheme word is case-insensitive.
	e.Do("GET", "/account/jwt", nil, apitest.Header("bEARER "+u.Token)).Expect(t, 200, "")
	// A token in the query string is never read.
	e.Do("GET", "/account/jwt?token="+u.Token, nil, apitest.None).Expect(t, 401, "authenticationFailed")
	// Two Authorization headers are refused.
	req, _ := http.NewRequest("GET", e.URL+"/account/jwt", nil)
	req.Header.Add("Authorization", "Bearer "+u.Token)
	req.Header.Add("Authorization", "Bearer "+u.Token)
	if r := e.Send(req); r.Status != 401 && r.Status != 400 {
		t.Fatalf("two headers: %d", r.Status)
	}
}

func TestKeyRouteFailuresLookAlike(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	unknown := "7c0a4f3e-1b2d-4c5e-8f90-123456789abc"
	cases := []struct {
		name string
		auth apitest.Auth
	}{
		{"no header", apitest.None},
		{"bearer on key route", u.JWT()},
		{"wrong secret", apitest.Basic(u.Key, strings.Repeat("0", 64))},
		{"unknown key", apitest.Basic(unknown, u.Secret)},
		{"not a uuid", apitest.Basic("key", u.Secret)},
		{"empty secret", apitest.Basic(u.Key, "")},
		{"empty key", apitest.Basic("", u.Secret)},
		{"no colon", apitest.Header("Basic " + "bm9jb2xvbg==")},
		{"bad base64", apitest.Header("Basic !!!")},
	}
	var bodies []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do("GET", "/account/key", nil, c.auth).Expect(t, 401, "authenticationFailed")
			if got := r.Header.Get("WWW-Authenticate"); got != `Basic realm="bobbin", charset="UTF-8"` {
				t.Fatalf("challenge %q", got)
			}
			bodies = append(bodies, string(r.Body))
		})
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("failure bodies differ: %q vs %q", b, bodies[0])
		}
	}
	e.Do("GET", "/account/key", nil, apitest.Header("basic "+strings.TrimPrefix(basicHeader(u.Key, u.Secret), "Basic "))).Expect(t, 200, "")
}

func basicHeader(k, s string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(k, s)
	return req.Header.Get("Authorization")
}

func TestKeyThrottleBlocksEvenTheRightSecret(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_KEY_FAILS_PER_KEY", "3"))
	u := e.NewUser("user")
	for i := 0; i < 3; i++ {
		e.Do("GET", "/account/key", nil, apitest.Basic(u.Key, strings.Repeat("f", 64))).Expect(t, 401, "")
	}
	r := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// The user's token is not affected.
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	second := e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 200, "").Str("token")
	third := e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 200, "").Str("token")

	// Sign-out revokes that token only.
	e.Do("POST", "/signout/jwt", nil, apitest.Bearer(second)).Expect(t, 204, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(second)).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(third)).Expect(t, 200, "")

	// A password change revokes every other token, not the one that made it.
	newPw := "a brand new password 42"
	e.Do("PATCH", "/account/jwt", map[string]any{"password": newPw, "currentPassword": u.Password}, u.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(third)).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 401, "signInFailed")
	fourth := e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": newPw}, apitest.None).Expect(t, 200, "").Str("token")

	// Sign-out everywhere, by key: every token stops; keys go on.
	e.Do("POST", "/signout/all/key", nil, u.KeyAuth()).Expect(t, 204, "")
	for _, tok := range []string{u.Token, fourth} {
		e.Do("GET", "/account/jwt", nil, apitest.Bearer(tok)).Expect(t, 401, "authenticationFailed")
	}
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")

	// Disabling the account stops keys and tokens at once.
	fifth := e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": newPw}, apitest.None).Expect(t, 200, "").Str("token")
	e.UpdateUser(u.ID, func(x *store.User) { x.Status = -2 })
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 403, "accountBlocked")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(fifth)).Expect(t, 403, "accountBlocked")
	e.UpdateUser(u.ID, func(x *store.User) { x.Status = -1 })
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(fifth)).Expect(t, 403, "accountDisabled")
	e.UpdateUser(u.ID, func(x *store.User) { x.Status = 1; x.Role = "blocked" })
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 403, "accountBlocked")
}

func TestRoleAndStatusComeFromTheDatabaseNotTheToken(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	admin := e.NewUser("admin")
	// An admin key of level 9; the role is then lowered to user (4).
	e.UpdateUser(admin.ID, func(u *store.User) { u.Role = "user" })
	r := e.Do("POST", "/apikeys/key", map[string]any{"name": "x", "level": 5, "expiresIn": 60}, admin.KeyAuth()).Expect(t, 400, "keyLevelExceedsRoleLevel")
	_ = r
	r = e.Do("GET", "/whoami/jwt", nil, admin.JWT()).Expect(t, 200, "")
	if r.Str("account.role") != "user" {
		t.Fatalf("role from token: %s", r.Body)
	}
}

func TestTokensSurviveARestartAndExpire(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e1 := apitest.New(t, apitest.WithDataDir(dir))
	u := e1.NewUser("user")
	e1.Close()
	e2 := apitest.New(t, apitest.WithDataDir(dir))
	e2.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	e2.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	e2.Close()
	// Eight days later the 7-day token has expired, and the one-hour key too.
	later := func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	e3 := apitest.New(t, apitest.WithDataDir(dir), apitest.WithClock(later))
	e3.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	e3.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 401, "authenticationFailed")
}

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	other := e.NewUser("user")
	apitest.Run(t, e, []apitest.Scenario{
		{Name: "no body", Method: "POST", URL: "/apikeys/jwt", Body: nil, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
		{Name: "name missing", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"level": 1, "expiresIn": 60}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "nameMissing"},
		{Name: "level missing", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "expiresIn": 60}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "levelMissing"},
		{Name: "level not numeric", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": "high", "expiresIn": 60}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "levelNotNumeric"},
		{Name: "level too high", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": 10, "expiresIn": 60}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "invalidLevel"},
		{Name: "level negative", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": -1, "expiresIn": 60}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "invalidLevel"},
		{Name: "level fraction", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": 1.5, "expiresIn": 60}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "invalidLevel"},
		{Name: "expires missing", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": 1}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "expiresInMissing"},
		{Name: "expires not numeric", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": 1, "expiresIn": "soon"}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "expiresIsNotNumeric"},
		{Name: "expires above a year", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": 1, "expiresIn": 31536001}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "expiresIsHigherThanMaximum"},
		{Name: "expires zero", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": 1, "expiresIn": 0}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "expiresIsLowerThanMinimum"},
		{Name: "above role level", Method: "POST", URL: "/apikeys/jwt", Body: map[string]any{"name": "k", "level": 5, "expiresIn": 60}, Auth: u.JWT(), ExpectedStatus: 400, ExpectedError: "keyLevelExceedsRoleLevel"},
	})
	// Level 0 is valid (upstream refused it); it authenticates only.
	r := e.Do("POST", "/apikeys/jwt", map[string]any{"name": "probe", "level": 0, "expiresIn": "31536000"}, u.JWT()).Expect(t, 201, "")
	k0, s0 := r.Str("apikey.key"), r.Str("apikey.secret")
	if r.Str("result") != "created" || len(k0) != 36 || len(s0) != 64 || r.Num("apikey.level") != 0 || r.Num("apikey.userId") != float64(u.ID) {
		t.Fatalf("create answer: %s", r.Body)
	}
	exp, err := time.Parse("2006-01-02T15:04:05.000Z", r.Str("apikey.expiresAt"))
	if err != nil || time.Until(exp) < 364*24*time.Hour || time.Until(exp) > 366*24*time.Hour {
		t.Fatalf("expiresAt %q", r.Str("apikey.expiresAt"))
	}
	e.Do("GET", "/whoami/key", nil, apitest.Basic(k0, s0)).Expect(t, 200, "")
	e.Do("GET", "/account/key", nil, apitest.Basic(k0, s0)).Expect(t, 403, "insufficientAccessLevel")
	// whoami/key names the key in use, without its secret.
	w := e.Do("GET", "/whoami/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if w.Str("apikey.key") != u.Key || w.Get("apikey.secret") != nil {
		t.Fatalf("whoami/key: %s", w.Body)
	}
	// List, by both methods, never with secrets.
	for _, a := range []apitest.Auth{u.JWT(), u.KeyAuth()} {
		l := e.Do("GET", "/apikeys/"+methodOf(a), nil, a).Expect(t, 200, "")
		list, _ := l.Get("apikeys").([]any)
		if len(list) != 2 || strings.Contains(string(l.Body), s0) || strings.Contains(string(l.Body), "secret") {
			t.Fatalf("list: %s", l.Body)
		}
	}
	// Read: own, other's (403), missing (404).
	e.Do("GET", "/apikeys/"+k0+"/key", nil, u.KeyAuth()).Expect(t, 200, "")
	e.Do("GET", "/apikeys/"+k0+"/jwt", nil, other.JWT()).Expect(t, 403, "insufficientAccessLevel")
	e.Do("GET", "/apikeys/"+k0+"/key", nil, other.KeyAuth()).Expect(t, 403, "insufficientAccessLevel")
	e.Do("GET", "/apikeys/00000000-0000-4000-8000-000000000000/jwt", nil, u.JWT()).Expect(t, 404, "notFound")
	e.Do("DELETE", "/apikeys/"+k0+"/jwt", nil, other.JWT()).Expect(t, 403, "insufficientAccessLevel")
	// Support reads any key; only admin deletes another's.
	support := e.NewUser("support")
	e.Do("GET", "/apikeys/"+k0+"/jwt", nil, support.JWT()).Expect(t, 200, "")
	e.Do("DELETE", "/apikeys/"+k0+"/jwt", nil, support.JWT()).Expect(t, 403, "insufficientAccessLevel")
	// Delete stops the key at once; a key may delete itself.
	e.Do("DELETE", "/apikeys/"+k0+"/jwt", nil, u.JWT()).Expect(t, 204, "")
	e.Do("GET", "/whoami/key", nil, apitest.Basic(k0, s0)).Expect(t, 401, "authenticationFailed")
	e.Do("DELETE", "/apikeys/"+k0+"/jwt", nil, u.JWT()).Expect(t, 404, "notFound")
	e.Do("DELETE", "/apikeys/"+u.Key+"/key", nil, u.KeyAuth()).Expect(t, 204, "")
	e.Do("GET", "/whoami/key", nil, u.KeyAuth()).Expect(t, 401, "authenticationFailed")
}

func methodOf(a apitest.Auth) string {
	if strings.HasPrefix(authHeader(a), "Bearer") {
		return "jwt"
	}
	return "key"
}

func authHeader(a apitest.Auth) string {
	req, _ := http.NewRequest("GET", "/", nil)
	apitest.Apply(req, a)
	return req.Header.Get("Authorization")
}

func TestKeyLevelIsCappedByTheOwnersCurrentRole(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	cur := e.NewUser("curator")
	k, s := e.NewKey(cur, 5)
	e.Do("POST", "/apikeys/key", map[string]any{"name": "x", "level": 5, "expiresIn": 60}, apitest.Basic(k, s)).Expect(t, 201, "")
	e.UpdateUser(cur.ID, func(u *store.User) { u.Role = "user" })
	e.Do("POST", "/apikeys/key", map[string]any{"name": "x", "level": 5, "expiresIn": 60}, apitest.Basic(k, s)).Expect(t, 400, "keyLevelExceedsRoleLevel")
	// A level-3 key cannot mint a level-4 key.
	k3, s3 := e.NewKey(cur, 3)
	e.Do("POST", "/apikeys/key", map[string]any{"name": "x", "level": 1, "expiresIn": 60}, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")
}

func TestParallelDeletesOfOneKeyGiveOne204(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	k, _ := e.NewKey(u, 1)
	var ok, missing atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch r := e.Do("DELETE", "/apikeys/"+k+"/jwt", nil, u.JWT()); r.Status {
			case 204:
				ok.Add(1)
			case 404:
				missing.Add(1)
			default:
				t.Errorf("delete: %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || missing.Load() != 19 {
		t.Fatalf("204s: %d, 404s: %d", ok.Load(), missing.Load())
	}
}
