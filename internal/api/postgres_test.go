package api_test

import (
	"testing"

	"bobbin/internal/apitest"
)

// TestPostgresSignupToKeyCall runs the core flow on PostgreSQL: the same
// SQL, migrations and encryption as on SQLite.
func TestPostgresSignupToKeyCall(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	u := e.NewUser("user")
	r := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if r.Str("account.email") != u.Email || r.Str("account.role") != "user" {
		t.Fatalf("account: %s", r.Body)
	}
	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": "wrong password!"}, apitest.None).Expect(t, 401, "signInFailed")
	e.Do("DELETE", "/apikeys/"+u.Key+"/jwt", nil, u.JWT()).Expect(t, 204, "")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 401, "authenticationFailed")
	e.Do("POST", "/signout/jwt", nil, u.JWT()).Expect(t, 204, "")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
}
