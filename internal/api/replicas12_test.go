package api_test

import (
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// Issue 12, counters per process: across 3 replicas on one PostgreSQL,
// 30 failed sign-ins got through before the 429. Every limit is now
// counted in the database: the 11th failure is 429 wherever the failures
// land, and so is the right password from a stranger's address.
func TestLimitsCountOnceOverThreeReplicas(t *testing.T) {
	t.Parallel()
	key := apitest.WithEnv("BACKEND_ENC_KEY", strings.Repeat("replicas share this root key ", 2))
	first := proxied(t, apitest.WithPostgres(), key)
	url := apitest.WithEnv("BACKEND_DB_URL", first.App.Config.DBURL)
	envs := []*apitest.Env{first, proxied(t, url, key), proxied(t, url, key)}
	u := first.NewUser("user")
	for i := 0; i < 10; i++ {
		from(t, envs[i%3], "203.0.113.5", "POST", "/signin", map[string]any{"username": u.Username, "password": "wrong"}, "").Expect(t, 401, "signInFailed")
	}
	for i, e := range envs {
		r := from(t, e, "203.0.113.6", "POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, "")
		if r.Status != 429 {
			t.Fatalf("replica %d let the 11th attempt through: %d", i, r.Status)
		}
	}
	// Key failures per address: 100 by default, counted once.
	for i := 0; i < 100; i++ {
		from(t, envs[i%3], "203.0.113.7", "GET", "/account/key", nil, basicHeader(u.Key, strings.Repeat("f", 64))).Expect(t, 401, "")
	}
	for i, e := range envs {
		if r := from(t, e, "203.0.113.7", "GET", "/account/key", nil, basicHeader(u.Key, strings.Repeat("f", 64))); r.Status != 429 {
			t.Fatalf("replica %d: key failure 101 answered %d", i, r.Status)
		}
	}
	// Mail: 5 per recipient; 15 signups of one email over 3 replicas.
	sent := 0
	for i := 0; i < 15; i++ {
		r := from(t, envs[i%3], "198.51.100."+string(rune('1'+i%9)), "POST", "/signup", map[string]any{"email": "one@example.com", "language": "en"}, "")
		switch r.Status {
		case 201:
			sent++
		case 429:
		default:
			t.Fatalf("signup %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if sent != 5 {
		t.Fatalf("%d signups of one email answered 201 over 3 replicas, want 5", sent)
	}
}
