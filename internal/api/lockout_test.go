package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// from sends a request as the client at addr (the test server trusts the
// loopback as a proxy, so X-Forwarded-For names the client).
func from(t *testing.T, e *apitest.Env, addr, method, path string, body any, authz string, cookies ...*http.Cookie) *apitest.Resp {
	t.Helper()
	var b string
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		b = string(j)
	}
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	req.Header.Set("X-Forwarded-For", addr)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return e.Send(req)
}

func proxied(t *testing.T, opts ...apitest.Option) *apitest.Env {
	return apitest.New(t, append([]apitest.Option{apitest.WithEnv("BACKEND_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")}, opts...)...)
}

func deviceCookie(t *testing.T, r *apitest.Resp) *http.Cookie {
	t.Helper()
	for _, v := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(v)
		if err == nil && strings.HasPrefix(c.Name, "bobbin_device_") {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Fatalf("device cookie not HttpOnly/SameSite=Strict: %s", v)
			}
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("no device cookie on a successful sign-in: %v", r.Header.Values("Set-Cookie"))
	return nil
}

// Issue 12, lock-out: ten wrong passwords from anywhere made the owner's
// right password answer 429. Now an attacker's 50 failures from one
// address leave the owner's known address, and their browser's device
// cookie on a new network, signing in; a stranger gets the 429.
func TestAttackerCannotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	e := proxied(t)
	u := e.NewUser("user")
	const home, attacker = "198.51.100.7", "203.0.113.5"
	ok := from(t, e, home, "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 200, "")
	cookie := deviceCookie(t, ok)
	limited := 0
	for i := 0; i < 50; i++ {
		r := from(t, e, attacker, "POST", "/signin", map[string]any{"username": u.Username, "password": "wrong password " + strconv.Itoa(i)}, "")
		switch {
		case r.Status == 429:
			limited++
		case r.Status != 401:
			t.Fatalf("failure %d: status %d", i+1, r.Status)
		}
	}
	if limited != 40 {
		t.Fatalf("%d of 50 failures were 429, want the 40 after the 10th", limited)
	}
	// The attacker now holds the right password too: still 429 (unknown source).
	from(t, e, attacker, "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 429, "tooManyRequests")
	// The owner at home: through.
	from(t, e, home, "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 200, "")
	// The owner's browser on a new network: through, by its device cookie.
	from(t, e, "192.0.2.44", "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "", cookie).Expect(t, 200, "")
	// A forged cookie makes the attempt unknown, never trusted.
	forged := &http.Cookie{Name: cookie.Name, Value: cookie.Value[:len(cookie.Value)-2] + "AA"}
	from(t, e, "192.0.2.45", "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "", forged).Expect(t, 429, "tooManyRequests")
}

// A known address is limited per (account, address): someone sharing
// the owner's address gets 10 guesses, and that does not stop the owner's
// other known address.
func TestKnownAddressIsLimitedOnItsOwn(t *testing.T) {
	t.Parallel()
	e := proxied(t, apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "3"))
	u := e.NewUser("user")
	for _, a := range []string{"198.51.100.7", "198.51.100.8"} {
		from(t, e, a, "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 200, "")
	}
	for i := 0; i < 3; i++ {
		from(t, e, "198.51.100.7", "POST", "/signin", map[string]any{"username": u.Username, "password": "wrong"}, "").Expect(t, 401, "signInFailed")
	}
	from(t, e, "198.51.100.7", "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 429, "tooManyRequests")
	from(t, e, "198.51.100.8", "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 200, "")
	// Strangers' limit was not touched by the known address's failures.
	from(t, e, "203.0.113.9", "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 200, "")
}

// Issue 12, lock-out: ten wrong secrets for a known key id made the real
// key answer 429. The secret is checked first; a right key and secret
// always pass, failures are limited per address.
func TestRightKeySecretPassesAfterFailures(t *testing.T) {
	t.Parallel()
	e := proxied(t)
	u := e.NewUser("user")
	for i := 0; i < 50; i++ {
		from(t, e, "203.0.113.5", "GET", "/account/key", nil, basicHeader(u.Key, strings.Repeat("f", 64))).Expect(t, 401, "")
	}
	from(t, e, "198.51.100.7", "GET", "/account/key", nil, basicHeader(u.Key, u.Secret)).Expect(t, 200, "")
	// Even from the guessing address itself.
	from(t, e, "203.0.113.5", "GET", "/account/key", nil, basicHeader(u.Key, u.Secret)).Expect(t, 200, "")
}

func TestKeyFailuresAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	e := proxied(t, apitest.WithEnv("BACKEND_KEY_FAILS_PER_ADDRESS", "5"))
	u := e.NewUser("user")
	for i := 0; i < 5; i++ {
		from(t, e, "203.0.113.5", "GET", "/account/key", nil, basicHeader(u.Key, strings.Repeat("f", 64))).Expect(t, 401, "")
	}
	r := from(t, e, "203.0.113.5", "GET", "/account/key", nil, basicHeader(u.Key, strings.Repeat("e", 64))).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// Another address is not limited; the right secret passes everywhere.
	from(t, e, "203.0.113.6", "GET", "/account/key", nil, basicHeader(u.Key, strings.Repeat("f", 64))).Expect(t, 401, "")
	from(t, e, "203.0.113.5", "GET", "/account/key", nil, basicHeader(u.Key, u.Secret)).Expect(t, 200, "")
}

// A flood of distinct unknown usernames, from many addresses, never
// blocks another user's sign-in (each name is its own key; the table is
// bounded and evicts the flood's own entries; 1,000,000 names in
// internal/throttle).
func TestUsernameFloodBlocksNoOne(t *testing.T) {
	t.Parallel()
	e := proxied(t)
	u := e.NewUser("user")
	for i := 0; i < 300; i++ {
		addr := "203.0." + strconv.Itoa(113+i/250) + "." + strconv.Itoa(i%250+1)
		from(t, e, addr, "POST", "/signin", map[string]any{"username": "ghost" + strconv.Itoa(i), "password": "wrong"}, "").Expect(t, 401, "signInFailed")
	}
	from(t, e, "192.0.2.1", "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "").Expect(t, 200, "")
}
