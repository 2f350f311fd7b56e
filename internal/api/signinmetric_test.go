package api_test

import (
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// A failed password sign-in is counted in the metrics (method signin),
// and a right one is not.
func TestFailedSigninIsCounted(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	const line = `bobbin_auth_failures_total{method="signin",reason="signInFailed"} `
	count := func() string {
		body := string(e.Do("GET", "/metrics", nil, apitest.None).Expect(t, 200, "").Body)
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, line) {
				return strings.TrimPrefix(l, line)
			}
		}
		return "0"
	}
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 200, "")
	if got := count(); got != "0" {
		t.Fatalf("a right sign-in counted as a failure: %s", got)
	}
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": "not the password at all"}, apitest.None).Expect(t, 401, "signInFailed")
	e.Do("POST", "/signin", map[string]any{"username": "nobody@example.com", "password": "not the password at all"}, apitest.None).Expect(t, 401, "signInFailed")
	if got := count(); got != "2" {
		t.Fatalf("failed sign-ins counted %s, want 2", got)
	}
}
