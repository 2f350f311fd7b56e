package api_test

import (
	"testing"

	"bobbin/internal/apitest"
)

func TestSmokeSignupToKeyCall(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	r := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if r.Str("account.email") != u.Email {
		t.Fatalf("account: %s", r.Body)
	}
	e.Do("GET", "/whoami/jwt", nil, u.JWT()).Expect(t, 200, "")
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 200, "")
}
