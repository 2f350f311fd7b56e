package api_test

import (
	"testing"

	"bobbin/internal/apitest"
)

// Issue 12, impersonation that outlives itself: with an admin's one-hour
// impersonation token one could create a year-long API key or change the
// email. Those actions (and the others auth.md lists) answer 403
// impersonationForbidden, before anything is written; ordinary reads and
// writes still work.
func TestImpersonationCannotTakeTheAccount(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	admin := e.NewUser("admin")
	target := e.NewUser("user")
	imp := apitest.Bearer(e.Do("GET", "/admin/impersonate/"+uid(target)+"/jwt", nil, admin.JWT()).Expect(t, 200, "").Str("token"))
	keysBefore := len(e.Do("GET", "/apikeys/jwt", nil, target.JWT()).Expect(t, 200, "").Get("apikeys").([]any))

	e.Do("GET", "/account/jwt", nil, imp).Expect(t, 200, "")
	e.Do("PATCH", "/account/jwt", map[string]any{"bio": "set by support"}, imp).Expect(t, 200, "")

	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/apikeys/jwt", map[string]any{"name": "year", "level": 4, "expiresIn": 365 * 24 * 3600}},
		{"PATCH", "/account/jwt", map[string]any{"email": "taken-over@example.com"}},
		{"PATCH", "/account/jwt", map[string]any{"bio": "not written", "password": "a new password 123"}},
		{"PATCH", "/account/jwt", map[string]any{"username": "takenover"}},
		{"POST", "/account/mfa/jwt", map[string]any{"mfa": true}},
		{"POST", "/signout/all/jwt", nil},
		{"GET", "/account/restrict/jwt", nil},
		{"DELETE", "/account/jwt", nil},
	} {
		e.Do(c.method, c.path, c.body, imp).Expect(t, 403, "impersonationForbidden")
	}
	a := e.Do("GET", "/account/jwt", nil, target.JWT()).Expect(t, 200, "")
	if a.Str("account.email") != target.Email || a.Str("account.username") != target.Username || a.Str("account.bio") != "set by support" {
		t.Fatalf("a refused request wrote: %s", a.Body)
	}
	if n := len(e.Do("GET", "/apikeys/jwt", nil, target.JWT()).Expect(t, 200, "").Get("apikeys").([]any)); n != keysBefore {
		t.Fatalf("keys %d → %d: the impersonation token made one", keysBefore, n)
	}
	// The owner's password still signs in; the owner's own token may do all of it.
	e.Do("POST", "/signin", map[string]any{"username": target.Username, "password": target.Password}, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/apikeys/jwt", map[string]any{"name": "own", "level": 4, "expiresIn": 3600}, target.JWT()).Expect(t, 201, "")
}
