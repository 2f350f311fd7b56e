package webapp_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"bobbin/internal/apitest"
)

// clipboard lets the tab's copy buttons write the system clipboard and
// the test read it: the clipboard permissions granted to the server's
// origin in this tab's browser context, and the page kept focused (tabs
// run side by side; the clipboard refuses a page without focus).
func (tb *tab) clipboard() {
	tb.t.Helper()
	bctx := chromedp.FromContext(tb.ctx).BrowserContextID
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(tb.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true}, Setting: cdpbrowser.PermissionSettingGranted,
			Origin: tb.base, BrowserContextID: bctx})
		if err != nil {
			tb.t.Fatal(err)
		}
	}
	if _, err := chromedp.Call(tb.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		tb.t.Fatal(err)
	}
}

// copied clicks a copy button and answers what it put on the clipboard.
func (tb *tab) copied(sel string) string {
	tb.t.Helper()
	tb.click(sel)
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q).textContent === 'Copied'`, sel))
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("reading the clipboard: %v", err)
	}
	return s
}

// The account page and the security page, each form once: profile,
// language, units (and a set's measurements in inches), newsletter;
// password with the current one; MFA off with a scratch code; the
// security log; sign out everywhere.
func TestJourneyAccountSettings(t *testing.T) {
	t.Parallel()
	e, u, tb := signedIn(t, "user")

	// Profile.
	tb.fill("#profile-form input[name=username]", "sam-sews")
	tb.fill("#profile-form textarea[name=bio]", "I sew shirts.")
	tb.click("#profile-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent === 'Profile saved.'`)
	tb.page("Your account") // drawn again with the new name
	tb.waitFor(`document.getElementById('acct-username').textContent === 'sam-sews' && document.getElementById('who').textContent.startsWith('sam-sews')`)
	a := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if a.Str("account.username") != "sam-sews" || a.Str("account.bio") != "I sew shirts." {
		t.Fatalf("profile after saving: %s", a.Body)
	}

	// Preferences: Dutch, inches, the newsletter.
	tb.choose("#pref-language", "nl")
	tb.choose("#pref-units", "imperial")
	tb.click("#pref-newsletter")
	tb.click("#prefs-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent === 'Preferences saved.'`)
	a = e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if a.Str("account.language") != "nl" || a.Get("account.imperial") != true || a.Get("account.newsletter") != true {
		t.Fatalf("preferences after saving: %s", a.Body)
	}

	// A set now takes inches (stored as mm) and shows them again.
	tb.open("/#/sets")
	tb.page("Measurement sets")
	tb.fill("#set-name", "Me")
	tb.click("#set-form button[type=submit]")
	tb.page("Me")
	if got := tb.text(`label[for="m-chest"]`); got != "Chest (inch)" {
		t.Fatalf("label %q", got)
	}
	tb.fill("#m-chest", "40")
	tb.click("#measies-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent.startsWith('Measurements saved')`)
	set := e.Do("GET", "/sets/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if set.Num("sets.0.measies.chest") != 1016 {
		t.Fatalf("40 inches stored as %v mm: %s", set.Get("sets.0.measies.chest"), set.Body)
	}
	tb.open("/#/sets")
	tb.page("Measurement sets")
	tb.open("/#/sets/" + set.Str("sets.0.id"))
	tb.page("Me")
	if got := tb.eval(`document.getElementById('m-chest').value`); got != "40" {
		t.Fatalf("chest shown as %q inches", got)
	}

	// Password, with the current one.
	newPass := "another long passphrase"
	tb.open("/#/account/security")
	tb.page("Security")
	tb.fill("#new-password", newPass)
	tb.fill("#current-password", u.Password)
	tb.click("#password-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent.startsWith('Password set')`)
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 401, "signInFailed")
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": newPass}, apitest.None).Expect(t, 200, "")

	// MFA on (through the API), then off on the page with a scratch code.
	secret := e.Do("POST", "/account/mfa/key", map[string]any{"mfa": true}, u.KeyAuth()).Expect(t, 200, "").Str("mfa.secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	scratch := e.Do("POST", "/account/mfa/key", map[string]any{"mfa": true, "secret": secret, "token": code}, u.KeyAuth()).Expect(t, 200, "").Str("scratchCodes.0")
	// Sign in with the password and a code from the app: the next step's
	// (this step's code turned MFA on and is not taken twice).
	tb.click("#signout")
	tb.page("Sign in")
	next, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	tb.signInMFA(u.Email, newPass, next)
	tb.open("/#/account/security")
	tb.page("Security")
	tb.waitFor(`document.getElementById('mfa-state').textContent === 'on'`)
	tb.fill("#mfa-off-form input[name=password]", newPass)
	tb.fill("#mfa-off-form input[name=token]", scratch)
	tb.click("#mfa-off-form button[type=submit]")
	tb.waitFor(`document.getElementById('mfa-state').textContent === 'off'`)
	if e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Get("account.mfaEnabled") != false {
		t.Fatal("MFA still on after the page turned it off")
	}

	// Consent, on the data page: the research use as well.
	tb.open("/#/account/data")
	tb.page("Your data")
	tb.click("#c3")
	tb.click("#consent-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent === 'Consent saved.'`)
	if got := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Num("account.consent"); got != 3 {
		t.Fatalf("consent after the data page: %v", got)
	}

	// The security log: the page shows the account's events, newest first.
	e.Settle() // events written behind the answers are in
	tb.open("/#/account")
	tb.page("Your account")
	tb.open("/#/account/security")
	tb.page("Security")
	events := e.Do("GET", "/account/audit/key", nil, u.KeyAuth()).Expect(t, 200, "")
	list, _ := events.Get("events").([]any)
	if len(list) == 0 {
		t.Fatalf("no events: %s", events.Body)
	}
	if rows := tb.eval(`document.querySelectorAll('#audit tbody tr').length`); rows != fmt.Sprint(len(list)) {
		t.Fatalf("the log shows %s rows, the API has %d events", rows, len(list))
	}
	if first := tb.text("#audit tbody tr td:nth-child(2)"); first != events.Str("events.0.event") {
		t.Fatalf("newest event shown %q, the API's %q", first, events.Str("events.0.event"))
	}
	if log := tb.text("#audit"); !strings.Contains(log, "mfa") {
		t.Fatalf("the log lacks the MFA changes: %.400s", log)
	}

	// Sign out everywhere: this tab's token and another session's fail.
	other := e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": newPass}, apitest.None).Expect(t, 200, "").Str("token")
	mine := tb.eval(`sessionStorage.getItem('bobbin.token')`)
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(other)).Expect(t, 200, "")
	tb.click("#signout-all")
	tb.page("Sign in")
	if got := tb.text("#status"); got != "Signed out on every device." {
		t.Fatalf("status %q", got)
	}
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(other)).Expect(t, 401, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(mine)).Expect(t, 401, "")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "") // API keys keep working, as the page says
	tb.noPageErrors(failedLoad)
}

// API keys (level and expiry chosen, the secret copied, last use shown,
// delete), a set's public link copied and the set deleted, and a
// pattern's whole life: create, edit, settings, public link, delete.
func TestJourneyKeysSetsPatterns(t *testing.T) {
	t.Parallel()
	e, u, tb := signedIn(t, "user")
	tb.clipboard()

	// A key: levels offered up to the user's own (4), level 2, one day.
	tb.open("/#/apikeys")
	tb.page("API keys")
	if got := tb.eval(`[...document.querySelectorAll('#key-level option')].map(o => o.value).join(',')`); got != "0,1,2,3,4" {
		t.Fatalf("levels offered to a user: %s", got)
	}
	tb.fill("#key-name", "backup")
	tb.choose("#key-level", "2")
	tb.choose("#key-expiry", "86400")
	tb.click("#key-form button[type=submit]")
	tb.waitFor(`document.querySelector('#key-secret')`)
	key := tb.text("#key-id")
	secret := tb.copied("#copy-secret")
	if secret != tb.text("#key-secret") {
		t.Fatalf("copied %q, shown %q", secret, tb.text("#key-secret"))
	}
	keys := e.Do("GET", "/apikeys/key", nil, u.KeyAuth()).Expect(t, 200, "")
	var made map[string]any
	for _, k := range keys.Get("apikeys").([]any) {
		if m := k.(map[string]any); m["key"] == key {
			made = m
		}
	}
	if made == nil || made["level"] != float64(2) || made["name"] != "backup" {
		t.Fatalf("key %s in the list: %s", key, keys.Body)
	}
	exp, err1 := time.Parse(time.RFC3339, made["expiresAt"].(string))
	created, err2 := time.Parse(time.RFC3339, made["createdAt"].(string))
	if err1 != nil || err2 != nil || exp.Sub(created).Round(time.Hour) != 24*time.Hour {
		t.Fatalf("key expires %v after it was made", exp.Sub(created))
	}
	// Used once from Go: the list shows the call and its time.
	e.Do("GET", "/whoami/key", nil, apitest.Basic(key, secret)).Expect(t, 200, "")
	if err := e.App.Activity.Flush(context.Background()); err != nil { // counters are written behind, every few seconds
		t.Fatal(err)
	}
	tb.open("/#/account")
	tb.page("Your account")
	tb.open("/#/apikeys")
	tb.page("API keys")
	if tb.eval(`document.body.textContent.includes(`+strconv.Quote(secret)+`)`) != "false" {
		t.Fatal("the secret is shown again")
	}
	row := fmt.Sprintf(`#keys tr[data-key=%q]`, key)
	if calls, last := tb.text(row+" td:nth-child(5)"), tb.text(row+" td:nth-child(4)"); calls != "1" || last == "never" {
		t.Fatalf("after one use the list says calls %q, last used %q", calls, last)
	}
	if got := tb.text(`#keys tr:not([data-key="` + key + `"]) td:nth-child(4)`); got == "" {
		t.Fatal("the other key's last use is empty")
	}
	tb.click(`#keys button[aria-label="Delete key backup"]`)
	tb.waitFor(fmt.Sprintf(`!document.querySelector(%q)`, row))
	e.Do("GET", "/whoami/key", nil, apitest.Basic(key, secret)).Expect(t, 401, "")

	// A set made public: the link is copied and works; then deleted.
	id := e.Do("POST", "/sets/key", map[string]any{"name": "Sam"}, u.KeyAuth()).Expect(t, 201, "").Str("set.id")
	tb.open("/#/sets")
	tb.page("Measurement sets")
	tb.click(`#set-list a[href="/#/sets/` + id + `"]`)
	tb.page("Sam")
	tb.click("#set-public")
	tb.click("#set-meta button[type=submit]")
	tb.waitFor(`document.querySelector('#public-link a')`)
	link := tb.copied("#public-link button")
	if link != e.URL+"/sets/"+id+".json" {
		t.Fatalf("copied link %q", link)
	}
	e.Do("GET", "/sets/"+id+".json", nil, apitest.None).Expect(t, 200, "")
	tb.click("#set-delete")
	tb.page("Measurement sets")
	if got := tb.text("#status"); got != "Set deleted." { // said before the list opened, and kept
		t.Fatalf("status after deleting %q", got)
	}
	e.Do("GET", "/sets/"+id+"/key", nil, u.KeyAuth()).Expect(t, 404, "")

	// A pattern: create, rename, settings as JSON (bad JSON refused in
	// the form), public with its link, delete.
	tb.open("/#/patterns")
	tb.page("Patterns")
	tb.fill("#pattern-design", "aaron")
	tb.fill("#pattern-name", "Tee")
	tb.click("#pattern-form button[type=submit]")
	tb.page("Tee")
	pid := e.Do("GET", "/patterns/key", nil, u.KeyAuth()).Expect(t, 200, "").Str("patterns.0.id")
	tb.fill("#pattern-meta textarea[name=settings]", `{"sa": 10, "options": {`)
	tb.click("#pattern-meta button[type=submit]")
	tb.waitFor(`document.querySelector('#pattern-meta .error').textContent === 'Settings are not valid JSON.'`)
	tb.fill("#pattern-meta input[name=name]", "Summer tee")
	tb.fill("#pattern-meta textarea[name=settings]", `{"sa": 10}`)
	tb.click("#pattern-meta input[name=public]")
	tb.click("#pattern-meta button[type=submit]")
	tb.waitFor(`document.querySelector('#public-link a')`)
	p := e.Do("GET", "/patterns/"+pid+"/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if p.Str("pattern.name") != "Summer tee" || p.Num("pattern.settings.sa") != 10 || p.Get("pattern.public") != true || p.Str("pattern.design") != "aaron" {
		t.Fatalf("pattern after saving: %s", p.Body)
	}
	if link := tb.copied("#public-link button"); link != e.URL+"/patterns/"+pid+".json" {
		t.Fatalf("copied link %q", link)
	}
	e.Do("GET", "/patterns/"+pid+".json", nil, apitest.None).Expect(t, 200, "")
	tb.open("/#/patterns")
	tb.page("Patterns")
	if got := tb.text("#pattern-list"); !strings.Contains(got, "Summer tee") || !strings.Contains(got, "public") {
		t.Fatalf("pattern list: %q", got)
	}
	tb.click(`#pattern-list a[href="/#/patterns/` + pid + `"]`)
	tb.page("Summer tee")
	tb.click("#pattern-delete")
	tb.page("Patterns")
	e.Do("GET", "/patterns/"+pid+"/key", nil, u.KeyAuth()).Expect(t, 404, "")
	tb.noPageErrors(failedLoad)
}
