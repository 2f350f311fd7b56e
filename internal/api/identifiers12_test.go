package api_test

import (
	"testing"

	"bobbin/internal/apitest"
)

// Issue 12, look-alike identities: with `admin` taken, fullwidth,
// Cyrillic, dotless-i and Angstrom-sign variants were accepted as new
// usernames, and emails with a zero-width space or an IP literal made
// accounts.
func TestLookAlikeUsernamesAndOddEmailsAreRefused(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	owner := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "admin"}, owner.JWT()).Expect(t, 200, "")
	other := e.NewUser("user")
	for _, name := range []string{"admin", "ADMIN", "ａｄｍｉｎ", "\u0430dmin", "adm\u0131n", "\u212Bdmin"} {
		r := e.Do("PATCH", "/account/jwt", map[string]any{"username": name}, other.JWT())
		if r.Status != 400 || (r.Str("error") != "usernameTaken" && r.Str("error") != "usernameInvalid") {
			t.Errorf("username %q beside admin: %d %s", name, r.Status, r.Body)
		}
		// And the availability check says so.
		e.Do("POST", "/available/username/jwt", map[string]any{"username": name}, other.JWT()).Expect(t, 200, "")
	}
	// Another account's automatic name, spelled with look-alike digits.
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "user-1o"}, other.JWT()).Expect(t, 400, "usernameTaken")
	// Characters the profile refuses.
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "ad\u200bmin"}, other.JWT()).Expect(t, 400, "usernameInvalid")
	// The owner may re-case their own name.
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "Admin"}, owner.JWT()).Expect(t, 200, "")
	if u := e.Do("GET", "/account/jwt", nil, other.JWT()).Expect(t, 200, ""); u.Str("account.username") != other.Username {
		t.Fatalf("a refused rename wrote: %s", u.Body)
	}

	for _, email := range []string{"jane@example.com\u200b", "ja\u200dne@example.com", "jane@[192.0.2.1]", "jane@192.0.2.1", "jane@\u202eexample.com"} {
		e.Do("POST", "/signup", map[string]any{"email": email, "language": "en"}, apitest.None).Expect(t, 400, "emailInvalid")
		e.Do("PATCH", "/account/jwt", map[string]any{"email": email}, other.JWT()).Expect(t, 400, "emailInvalid")
	}
	// NFC: a decomposed é and the composed one are one address.
	e.Do("POST", "/signup", map[string]any{"email": "jose\u0301@example.com", "language": "en"}, apitest.None).Expect(t, 201, "")
	if r := e.Do("POST", "/signup", map[string]any{"email": "jos\u00e9@example.com", "language": "en"}, apitest.None).Expect(t, 201, ""); r.Str("email") != "jos\u00e9@example.com" {
		t.Fatalf("signup email not NFC: %q", r.Str("email"))
	}
}
