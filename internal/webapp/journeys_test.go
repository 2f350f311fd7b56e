package webapp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bobbin/internal/apitest"
)

// The API answers expected errors with 4xx; the browser logs each as
// "Failed to load resource". Those are not page errors.
const failedLoad = "Failed to load resource"

// mailLink waits for the newest mail to addr whose link matches kind
// ("/confirm/signup/") and answers the link's path on the test server.
func mailLink(t *testing.T, e *apitest.Env, addr, kind string) string {
	t.Helper()
	re := regexp.MustCompile(`https?://[^/\s]+(` + regexp.QuoteMeta(kind) + `[^\s"<>]*)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		e.Settle()
		if m, ok := e.LastMailTo(addr); ok {
			if got := re.FindStringSubmatch(m.Text); got != nil {
				return got[1]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s with a %s link", addr, kind)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signIn signs in through the password form.
func (tb *tab) signIn(username, password string) {
	tb.t.Helper()
	tb.open("/#/signin")
	tb.page("Sign in")
	tb.fill("#signin-username", username)
	tb.fill("#signin-password", password)
	tb.click("#signin-form button[type=submit]")
}

// signInMFA signs in through the password form of an account with MFA:
// the form asks for the code, code is given, the account page opens.
func (tb *tab) signInMFA(username, password, code string) {
	tb.t.Helper()
	tb.signIn(username, password)
	tb.waitFor(`!document.querySelector('#signin-mfa').closest('.field').hidden`)
	tb.fill("#signin-mfa", code)
	tb.click("#signin-form button[type=submit]")
	tb.page("Your account")
	if got := tb.text("#acct-mfa"); got != "on" {
		tb.t.Fatalf("account mfa %q", got)
	}
}

// signedIn starts a server with a user of role, signed in on a fresh tab
// (the account page open).
func signedIn(t *testing.T, role string) (*apitest.Env, *apitest.User, *tab) {
	t.Helper()
	needBrowser(t)
	e := apitest.New(t)
	u := e.NewUser(role)
	tb := newTab(t, e)
	tb.signIn(u.Email, u.Password)
	tb.page("Your account")
	return e, u, tb
}

// A person's journey: sign up through the mailed link, set a password,
// sign in, turn MFA on with a code from the shown secret, sign in with a
// scratch code, make an API key and use it from Go, make and edit a set,
// make it public, sign out.
func TestJourneyPerson(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t)
	tb := newTab(t, e)
	email := "sam@example.com"
	pass := "a long passphrase of mine"

	// Sign up; the mail's link lands on a page that confirms on one click.
	tb.open("/")
	tb.page("Sign in")
	tb.click(`a[href="/#/signup"]`)
	tb.page("Sign up")
	tb.fill("#signup-email", email)
	tb.click("#signup-form button[type=submit]")
	tb.waitFor(`document.querySelector('#signup-done h2')`)
	link := mailLink(t, e, email, "/confirm/signup/")
	tb.open(link)
	tb.page("Confirm your account")
	// Opening the link changed nothing: the account is still unconfirmed.
	if r := e.Do("POST", "/signin", map[string]any{"username": email, "password": "x"}, apitest.None); r.Status != 401 {
		t.Fatalf("sign-in before confirming: %d %s", r.Status, r.Body)
	}
	tb.click("#consent-2")
	tb.click("#confirm-form button[type=submit]")
	tb.page("Security")

	// Set a password (the confirmation counts as a fresh sign-in).
	tb.fill("#new-password", pass)
	tb.click("#password-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent.startsWith('Password set')`)
	tb.click("#signout")
	tb.page("Sign in")
	if tok := tb.eval(`sessionStorage.getItem('bobbin.token')`); tok != "null" {
		t.Fatalf("token kept after sign-out: %s", tok)
	}

	// Sign in with the password.
	tb.signIn(email, pass)
	tb.page("Your account")
	if got := tb.text("#acct-email"); got != email {
		t.Fatalf("account email %q", got)
	}
	if c := tb.eval(`document.cookie`); c != "" {
		t.Fatalf("the app set a cookie: %q", c)
	}

	// MFA: the secret shown, a code computed from it, scratch codes shown.
	tb.open("/#/account/security")
	tb.page("Security")
	tb.click("#mfa-start")
	tb.waitFor(`document.querySelector('#mfa-secret') && document.querySelector('img.qr').complete && document.querySelector('img.qr').naturalWidth > 0`)
	secret := tb.text("#mfa-secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tb.fill("#mfa-code", code)
	tb.click("#mfa-confirm-form button[type=submit]")
	tb.waitFor(`document.querySelector('#scratch-codes')`)
	scratch := strings.Fields(tb.text("#scratch-codes"))
	if len(scratch) != 8 {
		t.Fatalf("scratch codes: %q", scratch)
	}
	if got := tb.text("#mfa-state"); got != "on" {
		t.Fatalf("mfa state %q", got)
	}

	// Sign out and in again: the password alone is not enough now; a
	// scratch code completes it (a TOTP code of this same 30 s step would
	// be refused as a replay).
	tb.click("#signout")
	tb.signInMFA(email, pass, scratch[0])

	// An API key: the secret is shown once; it works from Go.
	tb.open("/#/apikeys")
	tb.page("API keys")
	tb.fill("#key-name", "my sync script")
	tb.click("#key-form button[type=submit]")
	tb.waitFor(`document.querySelector('#key-secret')`)
	key, keySecret := tb.text("#key-id"), tb.text("#key-secret")
	req, _ := http.NewRequest("GET", e.URL+"/whoami/key", nil)
	req.SetBasicAuth(key, keySecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var who struct {
		APIKey struct {
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"apikey"`
	}
	err = json.NewDecoder(res.Body).Decode(&who)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || who.APIKey.Key != key || who.APIKey.Name != "my sync script" {
		t.Fatalf("whoami with the key: %d %+v %v", res.StatusCode, who, err)
	}
	tb.waitFor(fmt.Sprintf(`document.querySelector('#keys tr[data-key=%q]')`, key))
	keyAuth := apitest.Basic(key, keySecret)

	// A set: create, enter measurements in the account's units (cm), save.
	tb.open("/#/sets")
	tb.page("Measurement sets")
	tb.fill("#set-name", "Me")
	tb.click("#set-form button[type=submit]")
	tb.page("Me")
	tb.fill("#m-chest", "100")
	tb.fill("#m-neck", "38.5")
	tb.click("#measies-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent.startsWith('Measurements saved')`)
	sets := e.Do("GET", "/sets/key", nil, keyAuth).Expect(t, 200, "")
	setID := sets.Str("sets.0.id")
	if sets.Num("sets.0.measies.chest") != 1000 || sets.Num("sets.0.measies.neck") != 385 {
		t.Fatalf("measurements stored: %s", sets.Body)
	}
	// Edit: change one, clear one.
	tb.fill("#m-chest", "101")
	tb.clear("#m-neck")
	tb.click("#measies-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent === 'Measurements saved (1).'`)
	set := e.Do("GET", "/sets/"+setID+"/key", nil, keyAuth).Expect(t, 200, "")
	if set.Num("set.measies.chest") != 1010 || set.Get("set.measies.neck") != nil {
		t.Fatalf("edited measurements: %s", set.Body)
	}
	// Public, with a link that works without credentials.
	tb.click("#set-public")
	tb.click("#set-meta button[type=submit]")
	tb.waitFor(`document.querySelector('#public-link a')`)
	pub := tb.eval(`document.querySelector('#public-link a').href`)
	if !strings.HasSuffix(pub, "/sets/"+setID+".json") {
		t.Fatalf("public link %q", pub)
	}
	e.Do("GET", strings.TrimPrefix(pub, e.URL), nil, apitest.None).Expect(t, 200, "")

	// Sign out: the token is forgotten and no longer works.
	token := tb.eval(`sessionStorage.getItem('bobbin.token')`)
	tb.click("#signout")
	tb.page("Sign in")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(token)).Expect(t, 401, "")
	tb.noPageErrors(failedLoad)
}

// An admin changes a user's role; the user's next page shows it.
func TestJourneyAdminChangesRole(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t)
	admin := e.NewUser("admin")
	user := e.NewUser("user")
	ut := newTab(t, e)
	ut.signIn(user.Email, user.Password)
	ut.page("Your account")
	if got := ut.text("#role"); got != "user" {
		t.Fatalf("role shown %q", got)
	}
	if ut.eval(`!!document.querySelector('a[href="/#/staff/curated"]')`) != "false" {
		t.Fatal("a user sees the curators' pages")
	}

	// Then the user turns MFA on (through the API) and loses the phone:
	// the admin turns it off along with the role change.
	secret := e.Do("POST", "/account/mfa/key", map[string]any{"mfa": true}, user.KeyAuth()).Expect(t, 200, "").Str("mfa.secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.Do("POST", "/account/mfa/key", map[string]any{"mfa": true, "secret": secret, "token": code}, user.KeyAuth()).Expect(t, 200, "")

	at := newTab(t, e)
	at.signIn(admin.Email, admin.Password)
	at.page("Your account")
	at.click(`a[href="/#/staff/users"]`)
	at.page("Users")
	at.fill("#user-q", user.Email)
	at.click("#user-search button[type=submit]")
	at.click(fmt.Sprintf(`#user-results a[href="/#/staff/users/%d"]`, user.ID))
	at.page(user.Username)
	at.choose("#admin-role", "curator")
	at.click("#admin-mfa-off")
	at.click("#user-admin button[type=submit]")
	at.waitFor(`document.getElementById('user-role').textContent === 'curator'`)
	if r := e.Do("GET", "/account/key", nil, user.KeyAuth()).Expect(t, 200, ""); r.Get("account.mfaEnabled") != false || r.Str("account.role") != "curator" {
		t.Fatalf("after the admin's change: %s", r.Body)
	}

	// The user's next page: role and the curators' menu.
	ut.click(`a[href="/#/sets"]`)
	ut.page("Measurement sets")
	if got := ut.text("#role"); got != "curator" {
		t.Fatalf("role shown after the change %q", got)
	}
	ut.click(`a[href="/#/staff/curated"]`)
	ut.page("Curated sets")
	ut.noPageErrors(failedLoad)
	at.noPageErrors(failedLoad)
}

// Your data: the consent page when consent is lacking, export, restrict
// (another user) and delete.
func TestJourneyYourData(t *testing.T) {
	t.Parallel()
	e, u, tb := signedIn(t, "user")

	// Consent withdrawn elsewhere: every page asks for it first.
	e.Do("PATCH", "/account/key", map[string]any{"consent": 0}, u.KeyAuth()).Expect(t, 200, "")
	tb.open("/#/sets")
	tb.page("Your consent")
	tb.click("#consent-2")
	tb.click("#consent-form button[type=submit]")
	tb.page("Measurement sets")
	if got := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Num("account.consent"); got != 2 {
		t.Fatalf("consent after the page: %v", got)
	}

	// Export: a download of the account's whole document.
	tb.open("/#/account/data")
	tb.page("Your data")
	tb.click("#export-form button[type=submit]")
	tb.waitFor(`document.querySelector('#export-link')`)
	if dl := tb.eval(`document.querySelector('#export-link').download`); dl != "bobbin-export-"+u.Username+".json" {
		t.Fatalf("download name %q", dl)
	}
	doc := tb.eval(`document.querySelector('#export-preview').textContent`)
	if !strings.Contains(doc, `"email": "`+u.Email+`"`) || !strings.Contains(doc, `"apikeys"`) {
		t.Fatalf("export: %.300s", doc)
	}

	// Delete: needs the username typed.
	tb.fill("#delete-form input[name=confirm]", "not me")
	tb.click("#delete-form button[type=submit]")
	tb.waitFor(`!document.querySelector('#delete-form .error').hidden`)
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	tb.fill("#delete-form input[name=confirm]", u.Username)
	tb.click("#delete-form button[type=submit]")
	tb.page("Sign up")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 401, "")

	// Restrict, as another user: signed out, and the account refuses.
	v := e.NewUser("user")
	tb.signIn(v.Email, v.Password)
	tb.page("Your account")
	tb.open("/#/account/data")
	tb.page("Your data")
	tb.click("#restrict-form input[name=sure]")
	tb.click("#restrict-form button[type=submit]")
	tb.page("Sign in")
	if r := e.Do("GET", "/account/key", nil, v.KeyAuth()); r.Status == 200 {
		t.Fatalf("restricted account still answers: %s", r.Body)
	}
	tb.noPageErrors(failedLoad)
}
