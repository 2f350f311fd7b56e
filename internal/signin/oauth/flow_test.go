package oauth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

// clock is the server's clock, moved by tests.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time      { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) add(d time.Duration) { c.off.Add(int64(d)) }
func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// fakeGitHub is GitHub's authorise, token, /user and /user/emails
// endpoints, keeping PKCE as GitHub does: the code is bound to the
// challenge, and the token endpoint checks the verifier.
type fakeGitHub struct {
	srv          *httptest.Server
	clientID     string
	clientSecret string

	mu     sync.Mutex
	codes  map[string]string // code -> S256 challenge
	tokens map[string]bool
	User   map[string]any
	Emails []map[string]any
	avatar []byte
	hits   map[string]int
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{clientID: "gh-client", clientSecret: "gh-secret", codes: map[string]string{}, tokens: map[string]bool{}, hits: map[string]int{}}
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	g.avatar = buf.Bytes()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != g.clientID || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "bad authorize request", 400)
			return
		}
		code := "code-" + q.Get("state")[:8] + "-" + time.Now().Format("150405.000000000")
		g.mu.Lock()
		g.codes[code] = q.Get("code_challenge")
		g.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := back.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		g.mu.Lock()
		defer g.mu.Unlock()
		ch, ok := g.codes[r.Form.Get("code")]
		delete(g.codes, r.Form.Get("code"))
		sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
		if !ok || r.Form.Get("client_id") != g.clientID || r.Form.Get("client_secret") != g.clientSecret ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != ch {
			// GitHub answers 200 with an error object.
			json.NewEncoder(w).Encode(map[string]string{"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."})
			return
		}
		tok := "gho_" + r.Form.Get("code")
		g.tokens[tok] = true
		json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "bearer", "scope": "read:user,user:email"})
	})
	authed := func(r *http.Request) bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	}
	mux.HandleFunc("GET /api/user", func(w http.ResponseWriter, r *http.Request) {
		if !authed(r) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		json.NewEncoder(w).Encode(g.User)
	})
	mux.HandleFunc("GET /api/user/emails", func(w http.ResponseWriter, r *http.Request) {
		if !authed(r) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		json.NewEncoder(w).Encode(g.Emails)
	})
	mux.HandleFunc("GET /avatar.png", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.hits["avatar"]++
		g.mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		w.Write(g.avatar)
	})
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	g.SetUser(101, "octocat", "octo@example.com", true)
	return g
}

// SetUser sets who signs in next.
func (g *fakeGitHub) SetUser(id int, login, email string, verified bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.User = map[string]any{"id": id, "login": login, "name": "The Octocat", "avatar_url": g.srv.URL + "/avatar.png", "bio": "I fork things", "email": nil}
	g.Emails = []map[string]any{
		{"email": "other-" + email, "primary": false, "verified": true},
		{"email": email, "primary": true, "verified": verified},
	}
}

// peers are the providers a test's Bobbin is configured with.
type peers struct {
	gh       *fakeGitHub
	google   *mockoidc.MockOIDC
	keycloak *mockoidc.MockOIDC
	clock    *clock
}

func startOIDC(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

func newEnv(t *testing.T, extra ...apitest.Option) (*apitest.Env, *peers) {
	t.Helper()
	p := &peers{gh: newFakeGitHub(t), google: startOIDC(t), keycloak: startOIDC(t), clock: &clock{}}
	opts := []apitest.Option{
		apitest.WithClock(p.clock.now),
		apitest.WithEnv("BACKEND_WEBSITE_URL", "https://site.test"),
		apitest.WithEnv("BACKEND_GITHUB_CLIENT_ID", p.gh.clientID),
		apitest.WithEnv("BACKEND_GITHUB_CLIENT_SECRET", p.gh.clientSecret),
		apitest.WithEnv("BACKEND_GITHUB_URL", p.gh.srv.URL),
		apitest.WithEnv("BACKEND_GITHUB_API_URL", p.gh.srv.URL+"/api"),
		apitest.WithEnv("BACKEND_GOOGLE_CLIENT_ID", p.google.ClientID),
		apitest.WithEnv("BACKEND_GOOGLE_CLIENT_SECRET", p.google.ClientSecret),
		apitest.WithEnv("BACKEND_GOOGLE_ISSUER", p.google.Issuer()),
		apitest.WithEnv("BACKEND_OIDC_PROVIDERS", "keycloak"),
		apitest.WithEnv("BACKEND_OIDC_KEYCLOAK_ISSUER", p.keycloak.Issuer()),
		apitest.WithEnv("BACKEND_OIDC_KEYCLOAK_CLIENT_ID", p.keycloak.ClientID),
		apitest.WithEnv("BACKEND_OIDC_KEYCLOAK_CLIENT_SECRET", p.keycloak.ClientSecret),
	}
	if onPostgres {
		opts = append(opts, apitest.WithPostgres())
	}
	return apitest.New(t, append(opts, extra...)...), p
}

// authorize runs init and the person's visit to the provider: it answers
// the state and code the provider sent back to the website, and the
// authorisation URL.
func authorize(t *testing.T, e *apitest.Env, provider string, tweak func(url.Values)) (state, code string, auth *url.URL) {
	t.Helper()
	r := e.Do("POST", "/signin/oauth/init", map[string]any{"provider": provider, "language": "nl"}, apitest.None).Expect(t, 200, "")
	if r.Str("result") != "success" {
		t.Fatalf("init: %s", r.Body)
	}
	auth, err := url.Parse(r.Str("authUrl"))
	if err != nil {
		t.Fatal(err)
	}
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		t.Fatalf("authUrl lacks PKCE or state: %s", auth)
	}
	if want := "https://site.test/signin/callback/" + provider; q.Get("redirect_uri") != want {
		t.Fatalf("redirect_uri %q, want %q", q.Get("redirect_uri"), want)
	}
	if tweak != nil {
		tweak(q)
		auth.RawQuery = q.Encode()
	}
	res, err := noRedirect().Get(auth.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("provider answered %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if !strings.HasPrefix(back.String(), "https://site.test/signin/callback/"+provider) {
		t.Fatalf("sent back to %s", back)
	}
	return back.Query().Get("state"), back.Query().Get("code"), auth
}

func callback(e *apitest.Env, provider, state, code string) *apitest.Resp {
	return e.Do("POST", "/signin/oauth", map[string]any{"provider": provider, "state": state, "code": code}, apitest.None)
}

func TestInitChecksProviderAndLanguage(t *testing.T) {
	e, _ := newEnv(t)
	e.Do("POST", "/signin/oauth/init", map[string]any{"provider": "facebook", "language": "en"}, apitest.None).Expect(t, 403, "invalidProvider")
	e.Do("POST", "/signin/oauth/init", map[string]any{"language": "en"}, apitest.None).Expect(t, 403, "invalidProvider")
	e.Do("POST", "/signin/oauth/init", map[string]any{"provider": "github", "language": "xx"}, apitest.None).Expect(t, 403, "invalidLanguage")
	r := e.Do("POST", "/signin/oauth/init", map[string]any{"provider": "GitHub"}, apitest.None).Expect(t, 200, "")
	if !strings.HasPrefix(r.Str("authUrl"), e.App.Config.GitHubURL+"/login/oauth/authorize?") {
		t.Fatalf("authUrl %q", r.Str("authUrl"))
	}
	e.Do("POST", "/signin/oauth/init", map[string]any{"provider": 3}, apitest.None).Expect(t, 400, "providerInvalid")
	e.Do("POST", "/signin/oauth", map[string]any{"provider": "nope", "state": "x", "code": "y"}, apitest.None).Expect(t, 403, "invalidProvider")
	e.Do("POST", "/signin/oauth", map[string]any{"provider": "github", "code": "y"}, apitest.None).Expect(t, 403, "stateInvalid")
	e.Do("POST", "/signin/oauth", map[string]any{"provider": "github", "state": "x.y"}, apitest.None).Expect(t, 403, "codeInvalid")
	e.Do("POST", "/signin/oauth", map[string]any{"provider": "github", "state": 7, "code": "y"}, apitest.None).Expect(t, 403, "stateInvalid")
	e.Do("POST", "/signin/oauth", map[string]any{"provider": "github", "state": "x.y", "code": []int{1}}, apitest.None).Expect(t, 403, "codeInvalid")
}

// A new person signs up through each provider: consent 0 answers the
// guest token, which then gives consent; the account is linked and listed.
func TestNewPersonPerProvider(t *testing.T) {
	e, p := newEnv(t)
	p.google.QueueUser(&mockoidc.MockUser{Subject: "g-1", Email: "Gina@Example.com", EmailVerified: true, PreferredUsername: "gina"})
	p.keycloak.QueueUser(&mockoidc.MockUser{Subject: "k-1", Email: "kees@example.com", EmailVerified: true, PreferredUsername: "octocat"})
	for _, c := range []struct{ provider, email, username string }{
		{"github", "octo@example.com", "octocat"},
		{"google", "gina@example.com", "gina"},
		{"keycloak", "kees@example.com", "octocat-2"}, // made unique
	} {
		state, code, _ := authorize(t, e, c.provider, nil)
		r := callback(e, c.provider, state, code).Expect(t, 451, "consentLacking")
		if r.Str("account.email") != c.email || r.Str("account.username") != c.username || r.Str("account.language") != "nl" || r.Num("account.consent") != 0 {
			t.Fatalf("%s: account %s", c.provider, r.Body)
		}
		guest := apitest.Bearer(r.Str("token"))
		e.Do("GET", "/account/jwt", nil, guest).Expect(t, 451, "consentLacking")
		tok := e.Do("PATCH", "/consent/jwt", map[string]any{"consent": 2}, guest).Expect(t, 200, "").Str("token")
		a := e.Do("GET", "/account/jwt", nil, apitest.Bearer(tok)).Expect(t, 200, "")
		if a.Str("account.providers.0.provider") != c.provider || a.Str("account.providers.0.email") != c.email || a.Get("account.providers.1") != nil {
			t.Fatalf("%s: providers %v", c.provider, a.Get("account.providers"))
		}
		events := e.Do("GET", "/account/audit/jwt", nil, apitest.Bearer(tok)).Expect(t, 200, "")
		if !strings.Contains(string(events.Body), `"oauth:`+c.provider+`"`) {
			t.Fatalf("%s: no provider sign-in in the audit log: %s", c.provider, events.Body)
		}
		// A second sign-in finds the same account through the link.
		state, code, _ = authorize(t, e, c.provider, nil)
		if c.provider == "google" {
			p.google.QueueUser(&mockoidc.MockUser{Subject: "g-1", Email: "gina@example.com", EmailVerified: true})
			state, code, _ = authorize(t, e, c.provider, nil)
		}
		if c.provider == "keycloak" {
			p.keycloak.QueueUser(&mockoidc.MockUser{Subject: "k-1", Email: "kees@example.com", EmailVerified: true})
			state, code, _ = authorize(t, e, c.provider, nil)
		}
		again := callback(e, c.provider, state, code).Expect(t, 200, "")
		if again.Num("account.id") != a.Num("account.id") || again.Str("token") == "" {
			t.Fatalf("%s: second sign-in %s", c.provider, again.Body)
		}
	}
	// GitHub's avatar was fetched once and stored as our own image.
	gh := e.Do("GET", "/users/octocat", nil, apitest.None).Expect(t, 200, "")
	if img := gh.Str("profile.img"); !strings.Contains(img, "/images/user-") {
		t.Fatalf("avatar not stored as an image of ours: %q", img)
	}
	if p.gh.hits["avatar"] != 1 {
		t.Fatalf("avatar fetched %d times", p.gh.hits["avatar"])
	}
}

func TestStateIsSingleUseBoundAndShortLived(t *testing.T) {
	e, p := newEnv(t)
	// Replayed.
	state, code, _ := authorize(t, e, "github", nil)
	callback(e, "github", state, code).Expect(t, 451, "consentLacking")
	callback(e, "github", state, code).Expect(t, 403, "stateInvalid")
	// Foreign: a state made for another provider, which stays usable.
	state, code, _ = authorize(t, e, "github", nil)
	callback(e, "keycloak", state, code).Expect(t, 403, "stateInvalid")
	callback(e, "github", state, code).Expect(t, 451, "consentLacking")
	// Forged: an unknown id, a known id with a wrong check.
	state, code, _ = authorize(t, e, "github", nil)
	id, _, _ := strings.Cut(state, ".")
	callback(e, "github", "0f3e7d1c-aaaa-bbbb-cccc-000000000000.x", code).Expect(t, 403, "stateInvalid")
	callback(e, "github", id+".forged", code).Expect(t, 403, "stateInvalid")
	callback(e, "github", id, code).Expect(t, 403, "stateInvalid")
	callback(e, "github", state, code).Expect(t, 451, "consentLacking")
	// Expired: eleven minutes later.
	state, code, _ = authorize(t, e, "github", nil)
	p.clock.add(11 * time.Minute)
	callback(e, "github", state, code).Expect(t, 403, "stateInvalid")
	// A code the provider does not know, with a good state.
	state, _, _ = authorize(t, e, "github", nil)
	callback(e, "github", state, "code-made-up").Expect(t, 403, "codeInvalid")
}

// The PKCE verifier of one state does not redeem the code of another.
func TestCodeOfAnotherStateRefused(t *testing.T) {
	e, _ := newEnv(t)
	_, codeA, _ := authorize(t, e, "github", nil)
	stateB, _, _ := authorize(t, e, "github", nil)
	callback(e, "github", stateB, codeA).Expect(t, 403, "codeInvalid")
}

// tampered signs, with the provider's own key, an ID token whose issuer,
// audience or nonce is not what Bobbin expects.
type tampered struct {
	*mockoidc.MockUser
	iss, aud, nonce string
}

func (u *tampered) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.iss != "" {
		c.Issuer = u.iss
	}
	if u.aud != "" {
		c.Audience = []string{u.aud}
	}
	if u.nonce != "" {
		c.Nonce = u.nonce
	}
	return u.MockUser.Claims(scope, c)
}

func TestIDTokenChecks(t *testing.T) {
	e, p := newEnv(t)
	user := func() *mockoidc.MockUser {
		return &mockoidc.MockUser{Subject: "k-9", Email: "k9@example.com", EmailVerified: true, PreferredUsername: "k9"}
	}
	for name, u := range map[string]*tampered{
		"wrong nonce":    {MockUser: user(), nonce: "not-the-nonce"},
		"another issuer": {MockUser: user(), iss: p.google.Issuer()},
		"another client": {MockUser: user(), aud: p.google.ClientID},
	} {
		p.keycloak.QueueUser(u)
		state, code, _ := authorize(t, e, "keycloak", nil)
		if r := callback(e, "keycloak", state, code); r.Status != 403 || r.Str("error") != "codeInvalid" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// A nonce changed on the way to the provider ends up in the token.
	p.keycloak.QueueUser(user())
	state, code, _ := authorize(t, e, "keycloak", func(q url.Values) { q.Set("nonce", "attacker-chosen") })
	callback(e, "keycloak", state, code).Expect(t, 403, "codeInvalid")
	// Nothing was made by the refused ones; the honest one works.
	p.keycloak.QueueUser(user())
	state, code, _ = authorize(t, e, "keycloak", nil)
	callback(e, "keycloak", state, code).Expect(t, 451, "consentLacking")
}

func TestUnverifiedEmailDoesNotTakeAnAccount(t *testing.T) {
	e, p := newEnv(t)
	victim := e.NewUser("user")
	// GitHub: the primary address is the victim's but unverified.
	p.gh.SetUser(555, "mallory", victim.Email, false)
	state, code, _ := authorize(t, e, "github", nil)
	callback(e, "github", state, code).Expect(t, 403, "emailNotVerified")
	// OIDC: email_verified false.
	p.keycloak.QueueUser(&mockoidc.MockUser{Subject: "m-1", Email: victim.Email, EmailVerified: false, PreferredUsername: "mallory"})
	state, code, _ = authorize(t, e, "keycloak", nil)
	callback(e, "keycloak", state, code).Expect(t, 403, "emailNotVerified")
	a := e.Do("GET", "/account/jwt", nil, victim.JWT()).Expect(t, 200, "")
	if n, _ := a.Get("account.providers").([]any); len(n) != 0 {
		t.Fatalf("the victim's account got linked: %s", a.Body)
	}
	// Verified, the same address links to the existing account (consent 2: 200).
	p.gh.SetUser(556, "victim-gh", victim.Email, true)
	state, code, _ = authorize(t, e, "github", nil)
	r := callback(e, "github", state, code).Expect(t, 200, "")
	if int64(r.Num("account.id")) != victim.ID {
		t.Fatalf("linked to %v, want %d", r.Get("account.id"), victim.ID)
	}
}

func TestUnlink(t *testing.T) {
	e, p := newEnv(t)
	p.gh.SetUser(777, "solo", "solo@example.com", true)
	state, code, _ := authorize(t, e, "github", nil)
	guest := apitest.Bearer(callback(e, "github", state, code).Expect(t, 451, "").Str("token"))
	tok := apitest.Bearer(e.Do("PATCH", "/consent/jwt", map[string]any{"consent": 2}, guest).Expect(t, 200, "").Str("token"))
	// The only way in: refused.
	e.Do("DELETE", "/account/providers/github/jwt", nil, tok).Expect(t, 409, "lastSigninMethod")
	e.Do("DELETE", "/account/providers/google/jwt", nil, tok).Expect(t, 404, "")
	// With a second provider it may go.
	p.google.QueueUser(&mockoidc.MockUser{Subject: "g-solo", Email: "solo@example.com", EmailVerified: true})
	state, code, _ = authorize(t, e, "google", nil)
	callback(e, "google", state, code).Expect(t, 200, "")
	e.Do("DELETE", "/account/providers/github/jwt", nil, tok).Expect(t, 204, "")
	a := e.Do("GET", "/account/jwt", nil, tok).Expect(t, 200, "")
	if a.Str("account.providers.0.provider") != "google" || a.Get("account.providers.1") != nil {
		t.Fatalf("providers after unlink: %v", a.Get("account.providers"))
	}
}

// onPostgres makes newEnv run on PostgreSQL (TestPostgres; tests here
// are not parallel).
var onPostgres bool

// TestPostgres runs the flows again on PostgreSQL when
// BOBBIN_TEST_POSTGRES_URL is set (skipped, with the reason, otherwise).
func TestPostgres(t *testing.T) {
	apitest.AgainOnPostgres(t, &onPostgres, map[string]func(*testing.T){
		"NewPersonPerProvider":                TestNewPersonPerProvider,
		"StateIsSingleUseBoundAndShortLived":  TestStateIsSingleUseBoundAndShortLived,
		"CodeOfAnotherStateRefused":           TestCodeOfAnotherStateRefused,
		"IDTokenChecks":                       TestIDTokenChecks,
		"UnverifiedEmailDoesNotTakeAnAccount": TestUnverifiedEmailDoesNotTakeAnAccount,
		"Unlink":                              TestUnlink,
		"MFAAccountNeedsItsCode":              TestMFAAccountNeedsItsCode,
	})
}

// An account with MFA on needs its code with a provider sign-in too.
func TestMFAAccountNeedsItsCode(t *testing.T) {
	e, p := newEnv(t)
	u := e.NewUser("user")
	e.UpdateUser(u.ID, func(x *store.User) { x.MFAEnabled, x.MFASecret = true, "JBSWY3DPEHPK3PXP" })
	p.gh.SetUser(900, "mfa", u.Email, true)
	state, code, _ := authorize(t, e, "github", nil)
	callback(e, "github", state, code).Expect(t, 403, "mfaTokenRequired")
	state, code, _ = authorize(t, e, "github", nil)
	e.Do("POST", "/signin/oauth", map[string]any{"provider": "github", "state": state, "code": code, "token": "000000"}, apitest.None).Expect(t, 403, "mfaTokenInvalid")
	a := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	if n, _ := a.Get("account.providers").([]any); len(n) != 0 {
		t.Fatalf("linked without the second factor: %s", a.Body)
	}
}

// Starts and failed finishes are limited per address.
func TestLimitedPerAddress(t *testing.T) {
	e, _ := newEnv(t, apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "3"))
	for range 3 {
		e.Do("POST", "/signin/oauth/init", map[string]any{"provider": "github"}, apitest.None).Expect(t, 200, "")
	}
	r := e.Do("POST", "/signin/oauth/init", map[string]any{"provider": "github"}, apitest.None).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	for range 3 {
		callback(e, "github", "forged.state", "code").Expect(t, 403, "stateInvalid")
	}
	callback(e, "github", "forged.state", "code").Expect(t, 429, "tooManyRequests")
}

// A provider's username that looks like an existing one ("rnorgan" for
// "morgan": m and rn share a skeleton) is made unique like a taken one, and the new account holds its
// name's skeleton as a signup's does: nobody can then rename to a
// look-alike of it.
func TestNewPersonLookAlikeUsername(t *testing.T) {
	e, p := newEnv(t)
	owner := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "morgan"}, owner.JWT()).Expect(t, 200, "")
	p.google.QueueUser(&mockoidc.MockUser{Subject: "g-7", Email: "g7@example.com", EmailVerified: true, PreferredUsername: "rnorgan"})
	state, code, _ := authorize(t, e, "google", nil)
	r := callback(e, "google", state, code).Expect(t, 451, "consentLacking")
	if got := r.Str("account.username"); got != "rnorgan-2" {
		t.Fatalf("username %q, want the look-alike made unique (rnorgan-2)", got)
	}
	other := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "morgan-2"}, other.JWT()).Expect(t, 400, "usernameTaken")
}
