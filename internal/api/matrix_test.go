package api_test

// The route matrix: every route that (*api.Server).Routes() declares is
// checked here, so a route is covered the day it is added to routes.go.
//
// For every authenticated endpoint (<path>/jwt, <path>/key):
//   - no credentials: 401 authenticationFailed with the method's challenge
//     (Bearer realm="bobbin" / Basic realm="bobbin", charset="UTF-8");
//   - the other method's valid credentials: 401;
//   - a caller one level below the route's minimum: 403
//     insufficientAccessLevel (an API key of level min-1; on /jwt routes a
//     role below the minimum, where one exists), and a key of exactly the
//     minimum is let through;
//   - an expired key, a deleted key, a revoked token: 401; a disabled
//     (status -2) or restricted (-1) account: 403; no consent: 451.
// For every route: an unserved method answers 405 JSON with Allow, an
// unknown path 404 JSON, a body over the route's limit 413 bodyTooLarge
// (with and without Content-Length), and every error answer of a public
// route is JSON.
// For every route with a path parameter: a second user on the first user's
// object gets 403 (JWT and key) while the owner succeeds.
//
// ─── ADDING A RESOURCE: one line per route with a path parameter ───────────
//
// The test FAILS for a route whose path has a {parameter} until that route is
// in ownerFixtures or in notOwned. The key is Route.Verb + " " + Route.Path
// exactly as written in routes.go, without the /jwt or /key suffix.
//
//  1. A route naming an object a user owns: add to ownerFixtures
//
//        "GET /sets/{id}":    created("POST /sets/jwt", `{"name":"matrix"}`, "set.id"),
//        "PATCH /sets/{id}":  withBody(created("POST /sets/jwt", `{"name":"matrix"}`, "set.id"), `{"name":"renamed"}`),
//        "DELETE /sets/{id}": created("POST /sets/jwt", `{"name":"matrix"}`, "set.id"),
//
//     created(createRoute, body, idPath) makes the object with the owner's
//     JWT and reads its id at idPath of the answer (the value of {id}).
//     withBody adds the body sent on the route itself, for routes that
//     validate a body before looking at the object; the owner must get a
//     2xx with it. For another parameter name or a multi-step setup, write
//     a func(e *apitest.Env, owner *apitest.User) map[string]string that
//     returns every path value (and "$body" if needed), like apikeyFixture.
//     A public route may have a fixture too: an anonymous caller must then
//     get 404 on the owner's (private) object.
//
//  2. A route whose parameter names nothing a user owns (admin routes, a
//     confirmation id, a public document, a subscriber hash): add to
//     notOwned with the reason, e.g.
//
//        "PATCH /admin/user/{id}": "admin: level 9 is checked by the level rows",
//
// A key in either table that is no longer a route fails the test too.
// ───────────────────────────────────────────────────────────────────────────

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"bobbin/internal/api"
	"bobbin/internal/apitest"
	"bobbin/internal/auth"
	"bobbin/internal/store"
)

type fixtureFunc = func(e *apitest.Env, owner *apitest.User) map[string]string

// ownerFixtures: route key -> a fixture making an object owned by owner.
var ownerFixtures = map[string]fixtureFunc{
	"GET /apikeys/{id}":    apikeyFixture,
	"DELETE /apikeys/{id}": apikeyFixture,

	"DELETE /images/{id}":       created("POST /images/jwt", `{"img":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAADklEQVR4nGJiAAQAAP//AAYAA/rQWa4AAAAASUVORK5CYII="}`, "imgId"),
	"GET /sets/{id}":            created("POST /sets/jwt", `{"name":"matrix"}`, "set.id"),
	"PATCH /sets/{id}":          withBody(created("POST /sets/jwt", `{"name":"matrix"}`, "set.id"), `{"name":"renamed"}`),
	"DELETE /sets/{id}":         created("POST /sets/jwt", `{"name":"matrix"}`, "set.id"),
	"POST /sets/{id}/clone":     created("POST /sets/jwt", `{"name":"matrix"}`, "set.id"),
	"GET /sets/{file}":          document(created("POST /sets/jwt", `{"name":"matrix"}`, "set.id")),
	"GET /patterns/{id}":        created("POST /patterns/jwt", `{"design":"aaron","name":"matrix"}`, "pattern.id"),
	"PATCH /patterns/{id}":      withBody(created("POST /patterns/jwt", `{"design":"aaron"}`, "pattern.id"), `{"name":"renamed"}`),
	"DELETE /patterns/{id}":     created("POST /patterns/jwt", `{"design":"aaron"}`, "pattern.id"),
	"POST /patterns/{id}/clone": created("POST /patterns/jwt", `{"design":"aaron"}`, "pattern.id"),
	"GET /patterns/{file}":      document(created("POST /patterns/jwt", `{"design":"aaron"}`, "pattern.id")),
	"GET /bookmarks/{id}":       created("POST /bookmarks/jwt", bookmarkBody, "bookmark.id"),
	"PATCH /bookmarks/{id}":     withBody(created("POST /bookmarks/jwt", bookmarkBody, "bookmark.id"), `{"title":"renamed"}`),
	"DELETE /bookmarks/{id}":    created("POST /bookmarks/jwt", bookmarkBody, "bookmark.id"),
}

const bookmarkBody = `{"type":"doc","title":"matrix","url":"https://example.com/doc"}`

// document turns an object fixture into one for its public .json document:
// an anonymous caller must get 404 for the owner's private object.
func document(f fixtureFunc) fixtureFunc {
	return func(e *apitest.Env, owner *apitest.User) map[string]string {
		m := f(e, owner)
		return map[string]string{"file": m["id"] + ".json"}
	}
}

// notOwned: route key -> why its path parameter names nothing a user owns.
var notOwned = map[string]string{
	"POST /curated-sets/from/{id}":         "curator: a suggestion becomes a curated set; the level rows cover it (compat_test)",
	"GET /ocunsub/{ehash}":                 "public: a redirect to the website's unsubscribe page, changes nothing",
	"POST /flows/pr/{type}":                "{type} is blog or showcase, not an object; the post is the caller's own submission (flows_test)",
	"GET /slugs/{type}/{slug}":             "{type} and {slug} name a post slug, which is public by design (flows_test)",
	"POST /confirm/signup/{id}":            "public: the confirmation id is itself the secret (random, 122 bits)",
	"GET /confirmations/{id}/{check}":      "public: the random id and check are the secret",
	"POST /signinlink/{id}/{check}":        "public: the random id and check are the secret",
	"DELETE /subscriber/{ehash}":           "public: the keyed ehash is the capability to unsubscribe (admin_test)",
	"POST /ocunsub/{ehash}":                "public: RFC 8058 one-click unsubscribe, the keyed ehash is the capability",
	"GET /users/{id}":                      "public profile of an active account, by design (account_life_test)",
	"DELETE /account/providers/{provider}": "{provider} names a provider; only the caller's own link is removed (internal/signin/oauth tests)",
	"DELETE /passkeys/{id}":                "only the caller's own passkey is deleted, another's is 404 (internal/signin/passkey tests); passkeys are made by a WebAuthn ceremony, not a JSON create body",
	"GET /images/{name}":                   "public: content-addressed images, public once attached (images_test)",
	"GET /curated-sets/{file}":             "public curated documents: no user owns them; unpublished ones 404 (curated_test)",
	"GET /option-packs/{file}":             "public option-pack documents: no user owns them (curated_test)",
	"GET /curated-sets/{id}":               "curator view: curated sets belong to no user; the level rows cover it",
	"PATCH /curated-sets/{id}":             "curator: curated sets belong to no user; the level rows cover it",
	"DELETE /curated-sets/{id}":            "curator: curated sets belong to no user; the level rows cover it",
	"POST /curated-sets/{id}/clone":        "any level-3 caller may clone a published curated set (curated_test)",
	"PATCH /option-packs/{id}":             "curator: option packs belong to no user; the level rows cover it",
	"DELETE /option-packs/{id}":            "curator: option packs belong to no user; the level rows cover it",
	"DELETE /suggested-sets/{id}":          "curator: suggestions are handled by curators; the level rows cover it",
	"DELETE /suggested-packs/{id}":         "curator: suggestions are handled by curators; the level rows cover it",
	"GET /admin/user/{id}":                 "support: reads any user by design; the level rows cover it",
	"PATCH /admin/user/{id}":               "admin: changes any user by design; the level rows cover it (admin_test)",
	"GET /admin/impersonate/{id}":          "admin: by design; staff targets refused (admin_test)",
	"GET /users/{id}/card":                 "public by design: the card shows what the public profile shows (compat_test)",
}

// bodyKey is the fixture value holding the JSON body to send.
const bodyKey = "$body"

func apikeyFixture(e *apitest.Env, owner *apitest.User) map[string]string {
	key, _ := e.NewKey(owner, 1)
	return map[string]string{"id": key}
}

// created is a fixture that creates an object through createRoute ("POST
// /sets/jwt") with the owner's JWT and answers {"id": <value at idPath>}.
func created(createRoute, body, idPath string) fixtureFunc {
	verb, path, _ := strings.Cut(createRoute, " ")
	return func(e *apitest.Env, owner *apitest.User) map[string]string {
		e.T.Helper()
		r := e.Do(verb, path, body, owner.JWT())
		if r.Status != 200 && r.Status != 201 {
			e.T.Fatalf("fixture %s: %d %s", createRoute, r.Status, r.Body)
		}
		id := r.Str(idPath)
		if id == "" {
			e.T.Fatalf("fixture %s: no %s in %s", createRoute, idPath, r.Body)
		}
		return map[string]string{"id": id}
	}
}

// withBody adds the body sent on the route under test.
func withBody(f fixtureFunc, body string) fixtureFunc {
	return func(e *apitest.Env, owner *apitest.User) map[string]string {
		m := f(e, owner)
		m[bodyKey] = body
		return m
	}
}

var challenges = map[api.Method]string{
	api.MethodJWT: `Bearer realm="bobbin"`,
	api.MethodKey: `Basic realm="bobbin", charset="UTF-8"`,
}

// principals are the callers the matrix uses.
type principals struct {
	e            *apitest.Env
	routes       []api.Route
	owner, other *apitest.User // role user
	admin        *apitest.User
	keyAt        [9]apitest.Auth // admin's keys of level 0..8
	roles        []*apitest.User // curator, bughunter, support: JWT one role below a minimum
	expiredKey   apitest.Auth
	deletedKey   apitest.Auth
	revokedToken apitest.Auth
	disabled     *apitest.User // status -2
	restricted   *apitest.User // status -1
	noConsent    *apitest.User // consent 0
}

func newPrincipals(t *testing.T, e *apitest.Env, clock *testClock) *principals {
	p := &principals{e: e, routes: e.App.Server.Routes()}
	p.owner, p.other, p.admin = e.NewUser("user"), e.NewUser("user"), e.NewUser("admin")
	for l := range p.keyAt {
		k, s := e.NewKey(p.admin, l)
		p.keyAt[l] = apitest.Basic(k, s)
	}
	for _, role := range []string{"curator", "bughunter", "support"} {
		p.roles = append(p.roles, e.NewUser(role))
	}
	// Expired: a one-second key, then the server clock moves on.
	r := e.Do("POST", "/apikeys/jwt", map[string]any{"name": "expiring", "level": 9, "expiresIn": 1}, p.admin.JWT()).Expect(t, 201, "")
	p.expiredKey = apitest.Basic(r.Str("apikey.key"), r.Str("apikey.secret"))
	e.Do("GET", "/whoami/key", nil, p.expiredKey).Expect(t, 200, "")
	clock.Advance(2 * time.Second)
	e.Do("GET", "/whoami/key", nil, p.expiredKey).Expect(t, 401, "authenticationFailed")
	// Deleted: a working key, then DELETE.
	k, s := e.NewKey(p.admin, 9)
	p.deletedKey = apitest.Basic(k, s)
	e.Do("GET", "/whoami/key", nil, p.deletedKey).Expect(t, 200, "")
	e.Do("DELETE", "/apikeys/"+k+"/jwt", nil, p.admin.JWT()).Expect(t, 204, "")
	// Revoked: a second sign-in, signed out.
	r = e.Do("POST", "/signin", map[string]any{"username": p.admin.Email, "password": p.admin.Password}, apitest.None).Expect(t, 200, "")
	p.revokedToken = apitest.Bearer(r.Str("token"))
	e.Do("GET", "/whoami/jwt", nil, p.revokedToken).Expect(t, 200, "")
	e.Do("POST", "/signout/jwt", nil, p.revokedToken).Expect(t, 204, "")
	e.Do("GET", "/whoami/jwt", nil, p.admin.JWT()).Expect(t, 200, "") // the other session lives on
	// Account states, on admins so that the level is never the reason.
	p.disabled, p.restricted, p.noConsent = e.NewUser("admin"), e.NewUser("admin"), e.NewUser("admin")
	setUser(t, e, p.disabled.ID, func(u *store.User) { u.Status = -2 })
	setUser(t, e, p.restricted.ID, func(u *store.User) { u.Status = -1 })
	setUser(t, e, p.noConsent.ID, func(u *store.User) { u.Consent = 0 })
	return p
}

// roleBelow is a user whose role level is the highest below min, or nil.
func (p *principals) roleBelow(min auth.Level) *apitest.User {
	var best *apitest.User
	bestLevel := auth.Level(-1)
	for _, u := range append([]*apitest.User{p.other}, p.roles...) {
		r := p.e.Do("GET", "/whoami/jwt", nil, u.JWT())
		l := auth.Role(r.Str("account.role")).Level()
		if l < min && l > bestLevel {
			best, bestLevel = u, l
		}
	}
	return best
}

func TestRouteMatrix(t *testing.T) {
	t.Parallel()
	clock := newClock()
	e := apitest.New(t, clock.Option(),
		// Refusals are counted by the failure throttles; the matrix makes
		// many on purpose and checks their 401s, not the 429s.
		apitest.WithEnv("BACKEND_KEY_FAILS_PER_KEY", "1000000"),
		apitest.WithEnv("BACKEND_KEY_FAILS_PER_ADDRESS", "1000000"),
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "1000000"),
		apitest.WithEnv("BACKEND_MAILS_PER_ADDRESS", "1000000"))
	routes := e.App.Server.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	checkRegistry(t, routes)
	p := newPrincipals(t, e, clock)
	// The routes are checked side by side on the one server: a check
	// changes nothing a principal shares (refusals, and the calls that
	// succeed act on a fresh caller or an object made for the check),
	// and the throttles count on the frozen test clock, so the order of
	// the checks does not matter.
	for _, rt := range routes {
		t.Run(routeKey(rt), func(t *testing.T) {
			t.Parallel()
			for _, ep := range rt.Endpoints() {
				if authenticated(rt) {
					p.authChecks(t, rt, ep)
				} else {
					p.publicChecks(t, rt, ep)
				}
				p.shapeChecks(t, rt, ep)
			}
			if f := ownerFixtures[routeKey(rt)]; f != nil {
				p.ownership(t, rt, f)
			}
		})
	}
}

// checkRegistry fails for a route with a path parameter that is in
// neither table, and for table keys that are not routes.
func checkRegistry(t *testing.T, routes []api.Route) {
	known := map[string]bool{}
	for _, rt := range routes {
		k := routeKey(rt)
		known[k] = true
		_, fixture := ownerFixtures[k]
		_, skip := notOwned[k]
		switch {
		case fixture && skip:
			t.Errorf("%q is in both ownerFixtures and notOwned; keep one", k)
		case hasParams(rt.Path) && !fixture && !skip:
			first := strings.SplitN(strings.TrimPrefix(rt.Path, "/"), "/", 2)[0]
			t.Errorf(`route %q has a path parameter but no owner fixture: add ONE line to internal/api/matrix_test.go:
    in ownerFixtures:  %q: created("POST /%s/jwt", `+"`{...a valid create body...}`"+`, "%s.id"),
    or in notOwned:    %q: "<why no user owns what the parameter names>",
(see the comment at the top of matrix_test.go)`, k, k, first, strings.TrimSuffix(first, "s"), k)
		}
	}
	for k := range ownerFixtures {
		if !known[k] {
			t.Errorf("ownerFixtures has %q, which is not a route (renamed or removed?)", k)
		}
	}
	for k, why := range notOwned {
		if !known[k] {
			t.Errorf("notOwned has %q, which is not a route (renamed or removed?)", k)
		}
		if strings.TrimSpace(why) == "" {
			t.Errorf("notOwned[%q] needs a reason", k)
		}
	}
}

func (p *principals) authChecks(t *testing.T, rt api.Route, ep api.Endpoint) {
	e := p.e
	path := fillPath(ep.Path, nil)
	what := func(s string) string { return ep.Verb + " " + path + ": " + s }
	send := func(a apitest.Auth) *apitest.Resp { return e.Do(ep.Verb, path, nil, a) }
	challenge := challenges[ep.Method]

	// No credentials.
	r := send(apitest.None)
	expectErr(t, what("no credentials"), r, 401, "authenticationFailed")
	if got := r.Header.Get("WWW-Authenticate"); got != challenge {
		t.Errorf("%s: WWW-Authenticate %q, want %q", what("no credentials"), got, challenge)
	}
	// The other method's valid credentials.
	other := p.admin.JWT()
	if ep.Method == api.MethodJWT {
		other = p.admin.KeyAuth()
	}
	r = send(other)
	expectErr(t, what("the other method's credentials"), r, 401, "authenticationFailed")
	if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, challenge) {
		t.Errorf("%s: WWW-Authenticate %q, want %q...", what("other method"), got, challenge)
	}
	// One level below the minimum.
	if rt.Level >= 1 {
		if ep.Method == api.MethodKey {
			expectErr(t, what(fmt.Sprintf("key of level %d", rt.Level-1)), send(p.keyAt[rt.Level-1]), 403, "insufficientAccessLevel")
		} else if u := p.roleBelow(rt.Level); u != nil {
			expectErr(t, what("role below the minimum"), send(u.JWT()), 403, "insufficientAccessLevel")
		}
	}
	// Dead credentials.
	if ep.Method == api.MethodKey {
		expectErr(t, what("expired key"), send(p.expiredKey), 401, "authenticationFailed")
		expectErr(t, what("deleted key"), send(p.deletedKey), 401, "authenticationFailed")
	} else {
		r = send(p.revokedToken)
		expectErr(t, what("revoked token"), r, 401, "authenticationFailed")
		if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="bobbin", error="invalid_token"` {
			t.Errorf("%s: WWW-Authenticate %q", what("revoked token"), got)
		}
	}
	// Account states.
	expectErr(t, what("disabled account"), send(methodAuth(p.disabled, ep.Method)), 403, "accountBlocked")
	expectErr(t, what("restricted account"), send(methodAuth(p.restricted, ep.Method)), 403, "accountDisabled")
	if rt.Access != api.JWTGuest {
		expectErr(t, what("no consent"), send(methodAuth(p.noConsent, ep.Method)), 451, "consentLacking")
	}
	// A caller of exactly the minimum level gets past authentication.
	fresh := e.NewUser("admin")
	a := fresh.JWT()
	if ep.Method == api.MethodKey {
		a = apitest.Basic(e.NewKey(fresh, int(rt.Level)))
	}
	r = send(a)
	if r.Status == 401 || (!hasParams(rt.Path) && r.Str("error") == "insufficientAccessLevel") {
		t.Errorf("%s: a caller of level %d got %d %s", what("exact level"), rt.Level, r.Status, r.Body)
	}
	checkErrorShape(t, what("exact level"), r)
	// A body over the limit without Content-Length, from a caller who
	// passes authentication, is cut while being read.
	if rt.Req != nil && !hasParams(rt.Path) {
		hdr := "Bearer " + fresh.Token
		if ep.Method == api.MethodKey {
			k, s := e.NewKey(fresh, int(rt.Level))
			hdr = "Basic " + base64.StdEncoding.EncodeToString([]byte(k+":"+s))
		}
		expectErr(t, what("chunked body over the limit"), sized(e, ep.Verb, path, limitOf(rt)+1, true, hdr), 413, "bodyTooLarge")
	}
}

func limitOf(rt api.Route) int64 {
	if rt.Body > 0 {
		return rt.Body
	}
	return api.SmallBody
}

func (p *principals) publicChecks(t *testing.T, rt api.Route, ep api.Endpoint) {
	e := p.e
	path := fillPath(ep.Path, nil)
	what := func(s string) string { return ep.Verb + " " + path + ": " + s }
	if rt.Req != nil {
		r := e.Do(ep.Verb, path, "this is not JSON", apitest.None)
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("%s: got %d %s, want a 4xx", what("not JSON"), r.Status, r.Body)
		}
		checkErrorShape(t, what("not JSON"), r)
		r = e.Do(ep.Verb, path, "[1,2]", apitest.None)
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("%s: got %d %s, want a 4xx", what("JSON array"), r.Status, r.Body)
		}
		checkErrorShape(t, what("JSON array"), r)
		if !hasParams(rt.Path) {
			expectErr(t, what("chunked body over the limit"), sized(e, ep.Verb, path, limitOf(rt)+1, true, ""), 413, "bodyTooLarge")
		}
	}
	if hasParams(rt.Path) {
		for _, v := range []string{"999999999", "0", "-1", "x", "%2e%2e", "00000000-0000-4000-8000-000000000000"} {
			r := e.Do(ep.Verb, fillPath(ep.Path, allParams(rt.Path, v)), nil, apitest.None)
			if r.Status >= 500 {
				t.Errorf("%s: parameter %q answered %d %s", what("bad parameter"), v, r.Status, r.Body)
			}
			checkErrorShape(t, what("bad parameter "+v), r)
		}
	}
}

// allParams gives every wildcard of path the value v.
func allParams(path, v string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(path, "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			m[strings.TrimSuffix(part[1:len(part)-1], "...")] = v
		}
	}
	return m
}

// shapeChecks: 405, 404 and 413 answers of every endpoint are JSON.
func (p *principals) shapeChecks(t *testing.T, rt api.Route, ep api.Endpoint) {
	e := p.e
	path := fillPath(ep.Path, nil)
	what := func(s string) string { return ep.Verb + " " + path + ": " + s }
	served := servedVerbs(p.routes, path)
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if served[m] {
			continue
		}
		r := e.Do(m, path, nil, apitest.None)
		expectErr(t, what(m+" (not served)"), r, 405, "methodNotAllowed")
		if allow := strings.Join(r.Header.Values("Allow"), ", "); !strings.Contains(allow, ep.Verb) {
			t.Errorf("%s: Allow %q lacks %s", what(m+" (not served)"), allow, ep.Verb)
		}
		break
	}
	unknown := "/zz-unknown" + path
	if len(servedVerbs(p.routes, unknown)) == 0 {
		expectErr(t, what("unknown path "+unknown), e.Do(ep.Verb, unknown, nil, apitest.None), 404, "notFound")
	}
	if rt.Req != nil {
		limit := limitOf(rt)
		expectErr(t, what("Content-Length over the limit"), sized(e, ep.Verb, path, limit+1, false, ""), 413, "bodyTooLarge")
		if r := sized(e, ep.Verb, path, limit, false, ""); r.Status == 413 {
			t.Errorf("%s: a body of exactly the limit (%d) answered 413", what("limit"), limit)
		}
	}
}

// ownership: a second user on the owner's object gets 403 by JWT and by
// key; the owner then succeeds on the same object.
func (p *principals) ownership(t *testing.T, rt api.Route, f fixtureFunc) {
	e := p.e
	vals := f(e, p.owner)
	var body any
	if b, ok := vals[bodyKey]; ok {
		body = b
	}
	if rt.Access == api.Public {
		path := fillPath(rt.Path, vals)
		expectErr(t, "anonymous on the owner's object "+path, e.Do(rt.Verb, path, body, apitest.None), 404, "notFound")
		return
	}
	if rt.Level > auth.User {
		t.Errorf("%s: an owner fixture for a level-%d route cannot be checked with a second user of role user; list it in notOwned", routeKey(rt), rt.Level)
		return
	}
	eps := rt.Endpoints()
	for _, ep := range eps {
		path := fillPath(ep.Path, vals)
		expectErr(t, fmt.Sprintf("%s %s: another user (%s)", ep.Verb, path, ep.Method), e.Do(ep.Verb, path, body, methodAuth(p.other, ep.Method)), 403, "insufficientAccessLevel")
	}
	ep := eps[0]
	path := fillPath(ep.Path, vals)
	if r := e.Do(ep.Verb, path, body, methodAuth(p.owner, ep.Method)); r.Status >= 300 {
		t.Errorf("%s %s: the owner got %d %s after the refusals (a broken fixture, or the refused calls changed the object)", ep.Verb, path, r.Status, r.Body)
	}
}

// TestMatrixHelpers keeps the helpers the matrix relies on honest.
func TestMatrixHelpers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"/apikeys/{id}/jwt", "/apikeys/1/jwt", true},
		{"/apikeys/{id}/jwt", "/apikeys/jwt", false},
		{"/apikeys/{id}/jwt", "/apikeys//jwt", false},
		{"/files/{p...}", "/files/a/b", true},
		{"/static/", "/static/x/y", true},
		{"/{$}", "/", true},
		{"/{$}", "/x", false},
		{"/health", "/health/x", false},
	} {
		if got := patternMatches(c.pattern, c.path); got != c.want {
			t.Errorf("patternMatches(%q, %q) = %v", c.pattern, c.path, got)
		}
	}
	if got := fillPath("/a/{id}/b/{rest...}", map[string]string{"id": "7"}); got != "/a/7/b/999999999" {
		t.Errorf("fillPath: %q", got)
	}
	// created and withBody, the one-line fixture builders, on API keys.
	e := apitest.New(t)
	u := e.NewUser("user")
	f := withBody(created("POST /apikeys/jwt", `{"name":"fixture","level":1,"expiresIn":60}`, "apikey.key"), `{"x":1}`)
	vals := f(e, u)
	if vals[bodyKey] != `{"x":1}` {
		t.Errorf("withBody: %v", vals)
	}
	r := e.Do("GET", "/apikeys/"+vals["id"]+"/jwt", nil, u.JWT()).Expect(t, 200, "")
	if r.Str("apikey.name") != "fixture" || r.Num("apikey.userId") != float64(u.ID) {
		t.Errorf("created made %s", r.Body)
	}
}
