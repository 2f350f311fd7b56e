package webapp_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/pquerna/otp/totp"

	"bobbin/internal/apitest"
)

// virtualAuthenticator gives the tab Chrome's virtual platform
// authenticator: CTAP2, resident keys, user verification that succeeds.
func (tb *tab) virtualAuthenticator() webauthn.AuthenticatorID {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		tb.t.Fatal(err)
	}
	r, err := chromedp.Call(tb.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		tb.t.Fatal(err)
	}
	return r.AuthenticatorID
}

// A person adds a passkey on the account page (Chrome's virtual
// authenticator answers the browser's create ceremony), signs out, signs
// in with it, and deletes it. The server's relying party is localhost,
// the page's own origin.
func TestJourneyPasskey(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t, apitest.WithLocalhost())
	u := e.NewUser("user")
	tb := newTab(t, e)
	auth := tb.virtualAuthenticator()

	tb.signIn(u.Email, u.Password)
	tb.page("Your account")
	if got := tb.text("#passkey-list"); got != "No passkeys yet." {
		t.Fatalf("passkeys before: %q", got)
	}
	tb.fill("#passkey-name", "Test laptop")
	tb.click("#passkey-form button[type=submit]")
	tb.waitFor(`(document.querySelector('#passkey-list .passkey-name')||{}).textContent === 'Test laptop'`)
	list := e.Do("GET", "/passkeys/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if n := len(list.Get("passkeys").([]any)); n != 1 || list.Str("passkeys.0.name") != "Test laptop" {
		t.Fatalf("passkeys after adding: %s", list.Body)
	}
	creds, err := chromedp.Call(tb.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth})
	if err != nil {
		t.Fatal(err)
	}
	if len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential || creds.Credentials[0].RpID != "localhost" {
		t.Fatalf("authenticator holds %+v", creds.Credentials)
	}

	// Sign out; sign in with the passkey alone (no username, no password).
	tb.click("#signout")
	tb.page("Sign in")
	tb.click("#signin-passkey")
	tb.page("Your account")
	if got := tb.text("#acct-username"); got != u.Username {
		t.Fatalf("signed in as %q, want %q", got, u.Username)
	}
	if e.Do("GET", "/passkeys/key", nil, u.KeyAuth()).Expect(t, 200, "").Get("passkeys.0.lastUsedAt") == nil {
		t.Fatal("the passkey's use is not recorded")
	}
	events := string(e.Do("GET", "/account/audit/key", nil, u.KeyAuth()).Expect(t, 200, "").Body)
	if !strings.Contains(events, `"passkey.added"`) || !strings.Contains(events, `"passkey"`) {
		t.Fatalf("security log: %.400s", events)
	}

	// Delete it: the list and the API agree.
	tb.click(`#passkey-list button[aria-label="Delete passkey Test laptop"]`)
	tb.waitFor(`document.getElementById('passkey-list').textContent === 'No passkeys yet.'`)
	if n := len(e.Do("GET", "/passkeys/key", nil, u.KeyAuth()).Expect(t, 200, "").Get("passkeys").([]any)); n != 0 {
		t.Fatalf("%d passkeys after deleting", n)
	}
	tb.noPageErrors(failedLoad)
}

// A new person signs in with an OpenID Connect provider (mockoidc, on
// loopback): the sign-in page shows its button, the provider sends the
// browser back to /signin/callback/corp, the page finishes the sign-in,
// the consent page comes first (a new account has none), and the account
// page lists the provider, which cannot be unlinked while it is the only
// way in.
func TestJourneyProvider(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	oidc, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { oidc.Shutdown() })
	e := apitest.New(t, apitest.WithLocalhost(),
		apitest.WithEnv("BACKEND_OIDC_PROVIDERS", "corp"),
		apitest.WithEnv("BACKEND_OIDC_CORP_ISSUER", oidc.Issuer()),
		apitest.WithEnv("BACKEND_OIDC_CORP_CLIENT_ID", oidc.ClientID),
		apitest.WithEnv("BACKEND_OIDC_CORP_CLIENT_SECRET", oidc.ClientSecret))
	oidc.QueueUser(&mockoidc.MockUser{Subject: "corp-7", Email: "kim@example.com", EmailVerified: true, PreferredUsername: "kim"})
	tb := newTab(t, e)

	tb.open("/")
	tb.page("Sign in")
	tb.waitFor(`document.querySelector('#signin-provider-corp')`)
	if got := tb.eval(`[...document.querySelectorAll('#method-providers button')].map(b => b.textContent).join('|')`); got != "Sign in with Corp" {
		t.Fatalf("provider buttons: %q", got)
	}
	tb.click("#signin-provider-corp")
	tb.page("Your consent")
	if p := tb.eval(`location.pathname + location.search`); p != "/" {
		t.Fatalf("after the callback the address is %q (the code stays in the history)", p)
	}
	tb.click("#consent-2")
	tb.click("#consent-form button[type=submit]")
	tb.page("Your account")
	if got := tb.text("#acct-email"); got != "kim@example.com" {
		t.Fatalf("account email %q", got)
	}
	if got := tb.text("#provider-list"); !strings.Contains(got, "Corp") || !strings.Contains(got, "kim@example.com") {
		t.Fatalf("linked providers: %q", got)
	}
	tb.click(`#provider-list button[aria-label="Unlink Corp"]`)
	tb.waitFor(`document.getElementById('status').textContent.includes('only way to sign in')`)
	tok := tb.eval(`sessionStorage.getItem('bobbin.token')`)
	acct := e.Do("GET", "/account/jwt", nil, apitest.Bearer(tok)).Expect(t, 200, "")
	if acct.Str("account.username") != "kim" || acct.Str("account.providers.0.provider") != "corp" || acct.Num("account.consent") != 2 {
		t.Fatalf("account after the provider sign-in: %s", acct.Body)
	}

	// An account with two-factor sign-in whose verified email the
	// provider names: the callback asks for the code, then goes round the
	// provider once more with it, and signs in (linking the provider).
	u := e.NewUser("user")
	secret := e.Do("POST", "/account/mfa/key", map[string]any{"mfa": true}, u.KeyAuth()).Expect(t, 200, "").Str("mfa.secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	on := e.Do("POST", "/account/mfa/key", map[string]any{"mfa": true, "secret": secret, "token": code}, u.KeyAuth()).Expect(t, 200, "")
	for range 2 {
		oidc.QueueUser(&mockoidc.MockUser{Subject: "corp-8", Email: u.Email, EmailVerified: true, PreferredUsername: "someone"})
	}
	ut := newTab(t, e)
	ut.open("/#/signin")
	ut.page("Sign in")
	ut.click("#signin-provider-corp")
	ut.page("Signing in with Corp")
	if e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Get("account.providers.0") != nil {
		t.Fatal("linked before the second factor")
	}
	// A scratch code (a TOTP code of this 30 s step would be a replay of
	// the enabling one).
	ut.fill("#oauth-mfa", on.Str("scratchCodes.0"))
	ut.click("#oauth-mfa-form button[type=submit]")
	ut.page("Your account")
	if got := ut.text("#acct-username"); got != u.Username {
		t.Fatalf("signed in as %q, want %q", got, u.Username)
	}
	if got := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Str("account.providers.0.provider"); got != "corp" {
		t.Fatalf("linked provider %q", got)
	}
	ut.noPageErrors(failedLoad)

	// A provider that refuses (the person said no) lands on the page with
	// the reason and a way to try again; nothing is signed in.
	tb.do(chromedp.Navigate(e.URL + "/signin/callback/corp?error=access_denied"))
	tb.page("Signing in with Corp")
	if got := tb.text("main .error"); !strings.Contains(got, "access_denied") {
		t.Fatalf("refusal shown as %q", got)
	}
	tb.noPageErrors(failedLoad)
}

// A curator opens a curated set, edits its names per language, height,
// published state and a measurement; the API answers the new values.
func TestJourneyCuratorEditsSet(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t)
	cur := e.NewUser("curator")
	c := e.Do("POST", "/curated-sets/key", map[string]any{"nameEn": "Model A", "measies": map[string]any{"chest": 900}, "height": 160}, cur.KeyAuth()).Expect(t, 201, "")
	id := c.Str("curatedSet.id")
	tb := newTab(t, e)
	tb.signIn(cur.Email, cur.Password)
	tb.page("Your account")
	tb.click(`a[href="/#/staff/curated"]`)
	tb.page("Curated sets")
	tb.click(fmt.Sprintf(`a.cset-link[href="/#/staff/curated/%s"]`, id))
	tb.page("Model A")
	if got := tb.eval(`document.getElementById('cm-chest').value`); got != "90" {
		t.Fatalf("chest shown as %q cm", got)
	}
	tb.fill("#cset-name-nl", "Model A (nl)")
	tb.fill("#cset-notes-de", "Gemessen im Stehen")
	tb.fill("#cset-height", "172")
	tb.click("#cset-published")
	tb.click("#cset-meta button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent === 'Curated set saved.'`)
	tb.fill("#cm-chest", "95.5")
	tb.fill("#cm-neck", "37")
	tb.click("#cset-measies button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent.startsWith('Measurements saved')`)

	r := e.Do("GET", "/curated-sets/"+id+"/key", nil, cur.KeyAuth()).Expect(t, 200, "")
	if r.Str("curatedSet.nameNl") != "Model A (nl)" || r.Str("curatedSet.notesDe") != "Gemessen im Stehen" || r.Str("curatedSet.nameEn") != "Model A" ||
		r.Num("curatedSet.height") != 172 || r.Get("curatedSet.published") != true ||
		r.Num("curatedSet.measies.chest") != 955 || r.Num("curatedSet.measies.neck") != 370 {
		t.Fatalf("curated set after editing: %s", r.Body)
	}
	// Published: the public list has it now.
	if !strings.Contains(string(e.Do("GET", "/curated-sets", nil, apitest.None).Expect(t, 200, "").Body), "Model A (nl)") {
		t.Fatal("the published set is not in the public list")
	}
	// A height that is not whole centimetres: the form says so, nothing changes.
	tb.fill("#cset-height", "17.5")
	tb.click("#cset-meta button[type=submit]")
	tb.waitFor(`!document.querySelector('#cset-meta .error').hidden`)
	if got := e.Do("GET", "/curated-sets/"+id+"/key", nil, cur.KeyAuth()).Expect(t, 200, "").Num("curatedSet.height"); got != 172 {
		t.Fatalf("height after a refused save: %v", got)
	}
	tb.noPageErrors(failedLoad)
}
