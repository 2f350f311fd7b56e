package api_test

// Issue 10: what a FreeSewing v3 client expects, as api.md and auth.md now
// say, through the real handler for both methods, on SQLite and (when
// BOBBIN_TEST_POSTGRES_URL is set) on PostgreSQL.

import (
	"bytes"
	"crypto/rand"
	"image"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"bobbin/internal/apitest"
)

// onBoth runs fn against a fresh server on SQLite and, beside it, on PostgreSQL
// (skipped with the reason when no PostgreSQL is configured).
func onBoth(t *testing.T, fn func(t *testing.T, e *apitest.Env)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, apitest.New(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, apitest.New(t, apitest.WithPostgres())) })
}

func TestCompatPatternCarriesSet(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		owner := e.NewUser("user")
		other := e.NewUser("user")
		cur := e.NewUser("curator")
		s := e.Do("POST", "/sets/jwt", map[string]any{"name": "Me", "measies": map[string]any{"chest": 1000}}, owner.JWT()).Expect(t, 201, "")
		setID := s.Num("set.id")
		private := e.Do("POST", "/sets/jwt", map[string]any{"name": "Other's"}, other.JWT()).Expect(t, 201, "")
		public := e.Do("POST", "/sets/jwt", map[string]any{"name": "Shared", "public": true}, other.JWT()).Expect(t, 201, "")
		cs := e.Do("POST", "/curated-sets/jwt", map[string]any{"nameEn": "Curated", "published": true,
			"measies": map[string]any{"waist": 800}}, cur.JWT()).Expect(t, 201, "")
		csID := cs.Num("curatedSet.id")
		hidden := e.Do("POST", "/curated-sets/jwt", map[string]any{"nameEn": "Draft"}, cur.JWT()).Expect(t, 201, "")

		for _, m := range dataMethods {
			a := m.as(owner)
			// A set of one's own: setId and the set object (with measies on a read).
			r := e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "aaron", "set": setID, "settings": map[string]any{}}, a).Expect(t, 201, "")
			if r.Num("pattern.setId") != setID || r.Get("pattern.csetId") != nil || r.Str("pattern.set.name") != "Me" ||
				r.Num("pattern.set.measies.chest") != 1000 || r.Get("pattern.cset") != nil {
				t.Fatalf("%s: created with set: %s", m.name, r.Body)
			}
			pid := dataID(r.Num("pattern.id"))
			g := e.Do("GET", "/patterns/"+pid+"/"+m.name, nil, a).Expect(t, 200, "")
			if g.Num("pattern.setId") != setID || g.Num("pattern.set.id") != setID || g.Num("pattern.set.measies.chest") != 1000 {
				t.Fatalf("%s: read: %s", m.name, g.Body)
			}
			// PATCH never changes them.
			p := e.Do("PATCH", "/patterns/"+pid+"/"+m.name, map[string]any{"set": public.Num("set.id"), "cset": csID, "name": "x"}, a).Expect(t, 200, "")
			if p.Num("pattern.setId") != setID || p.Get("pattern.csetId") != nil || p.Str("pattern.name") != "x" {
				t.Fatalf("%s: patch changed the set: %s", m.name, p.Body)
			}
			// A lists leaves measurements out.
			l := e.Do("GET", "/patterns/"+m.name, nil, a).Expect(t, 200, "")
			first := l.Get("patterns").([]any)[0].(map[string]any)
			if set, ok := first["set"].(map[string]any); !ok || set["name"] != "Me" {
				t.Fatalf("%s: list: %s", m.name, l.Body)
			} else if _, has := set["measies"]; has {
				t.Fatalf("%s: list holds measies: %s", m.name, l.Body)
			}

			// A published curated set.
			c := e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "cset": csID}, a).Expect(t, 201, "")
			if c.Num("pattern.csetId") != csID || c.Get("pattern.setId") != nil || c.Str("pattern.cset.nameEn") != "Curated" ||
				c.Get("pattern.set") != nil {
				t.Fatalf("%s: created with cset: %s", m.name, c.Body)
			}
			// Someone else's public set may be used; the object comes with it.
			pub := e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "set": public.Num("set.id")}, a).Expect(t, 201, "")
			if pub.Str("pattern.set.name") != "Shared" {
				t.Fatalf("%s: public set: %s", m.name, pub.Body)
			}
			// Neither stays valid (null).
			n := e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella"}, a).Expect(t, 201, "")
			if n.Get("pattern.setId") != nil || n.Get("pattern.csetId") != nil || n.Get("pattern.set") != nil || n.Get("pattern.cset") != nil {
				t.Fatalf("%s: no set: %s", m.name, n.Body)
			}
			if _, ok := n.Get("pattern").(map[string]any)["setId"]; !ok {
				t.Fatalf("%s: setId absent instead of null: %s", m.name, n.Body)
			}

			// Wrong types, forbidden and missing ones.
			for _, v := range []any{"1", true, map[string]any{}, 1.5} {
				e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "set": v}, a).Expect(t, 400, "setNotNumeric")
				e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "cset": v}, a).Expect(t, 400, "csetNotNumeric")
			}
			e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "set": private.Num("set.id")}, a).Expect(t, 403, "insufficientAccessLevel")
			e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "set": 99999}, a).Expect(t, 404, "notFound")
			e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "cset": 99999}, a).Expect(t, 404, "notFound")
			e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "bella", "cset": hidden.Num("curatedSet.id")}, a).Expect(t, 404, "notFound")
		}
		// Nothing was written by the refused requests: 4 patterns per method.
		l := e.Do("GET", "/patterns/jwt", nil, owner.JWT()).Expect(t, 200, "")
		if got := len(l.Get("patterns").([]any)); got != 8 {
			t.Fatalf("%d patterns, want 8", got)
		}
		// A clone names the same set, and answers 200 success (as upstream).
		pid := dataID(l.Get("patterns").([]any)[0].(map[string]any)["id"].(float64))
		e.Do("PATCH", "/patterns/"+pid+"/jwt", map[string]any{"public": true}, owner.JWT()).Expect(t, 200, "")
		for _, m := range dataMethods {
			cl := e.Do("POST", "/patterns/"+pid+"/clone/"+m.name, nil, m.as(other)).Expect(t, 200, "")
			if cl.Str("result") != "success" || cl.Num("pattern.setId") != setID || cl.Get("pattern.set") != nil {
				// other may not read owner's private set: setId only.
				t.Fatalf("%s: clone: %s", m.name, cl.Body)
			}
		}
		// Deleting the set leaves the pattern, without it.
		e.Do("DELETE", "/sets/"+dataID(setID)+"/jwt", nil, owner.JWT()).Expect(t, 204, "")
		g := e.Do("GET", "/patterns/"+pid+"/jwt", nil, owner.JWT()).Expect(t, 200, "")
		if g.Get("pattern.setId") != nil || g.Get("pattern.set") != nil {
			t.Fatalf("after the set's deletion: %s", g.Body)
		}
	})
}

func TestCompatAccountFields(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		u := e.NewUser("user")
		for _, m := range dataMethods {
			a := m.as(u)
			r := e.Do("GET", "/account/"+m.name, nil, a).Expect(t, 200, "")
			if r.Str("account.initial") != u.Email || r.Str("account.passwordType") != "v3" || (m.name == "jwt" && r.Str("account.github") != "") ||
				r.Str("account.ihash") == "" {
				t.Fatalf("%s: account: %s", m.name, r.Body)
			}
			// github: a free string, "@name" kept as "name" (as upstream), at most 100 characters.
			r = e.Do("PATCH", "/account/"+m.name, map[string]any{"github": "@sew-" + m.name}, a).Expect(t, 200, "")
			if r.Str("account.github") != "sew-"+m.name {
				t.Fatalf("%s: github: %s", m.name, r.Body)
			}
			if got := e.Do("GET", "/account/"+m.name, nil, a).Expect(t, 200, "").Str("account.github"); got != "sew-"+m.name {
				t.Fatalf("%s: github read back %q", m.name, got)
			}
			long := make([]byte, 101)
			for i := range long {
				long[i] = 'g'
			}
			e.Do("PATCH", "/account/"+m.name, map[string]any{"github": string(long)}, a).Expect(t, 400, "githubTooLong")
			e.Do("PATCH", "/account/"+m.name, map[string]any{"github": 5}, a).Expect(t, 400, "githubInvalid")
			e.Do("PATCH", "/account/"+m.name, map[string]any{"github": "a\u200bb"}, a).Expect(t, 400, "githubInvalid")
		}
		// The initial email stays after an email change is started.
		p := e.Do("GET", "/users/"+u.Username, nil, apitest.None).Expect(t, 200, "")
		if p.Str("profile.ihash") == "" || p.Get("profile.email") != nil || p.Get("profile.initial") != nil {
			t.Fatalf("profile: %s", p.Body)
		}
	})
}

func TestCompatSigninByID(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		u := e.NewUser("user")
		for _, name := range []any{u.ID, float64(u.ID), strconv.FormatInt(u.ID, 10)} {
			r := e.Do("POST", "/signin", map[string]any{"username": name, "password": u.Password}, apitest.None).Expect(t, 200, "")
			if int64(r.Num("account.id")) != u.ID || r.Str("token") == "" {
				t.Fatalf("sign-in by %v: %s", name, r.Body)
			}
			// The token works on both methods' routes as any sign-in token does.
			e.Do("GET", "/account/jwt", nil, apitest.Bearer(r.Str("token"))).Expect(t, 200, "")
		}
		e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
		e.Do("POST", "/signin", map[string]any{"username": 999999, "password": u.Password}, apitest.None).Expect(t, 401, "signInFailed")
		for _, bad := range []any{1.5, -1, 0, true, map[string]any{}} {
			e.Do("POST", "/signin", map[string]any{"username": bad, "password": u.Password}, apitest.None).Expect(t, 400, "usernameInvalid")
		}
	})
}

func TestCompatYAMLDocuments(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_SITE_NAME", "Bobbin Test Site"))
	u := e.NewUser("user")
	for _, m := range dataMethods {
		s := e.Do("POST", "/sets/"+m.name, map[string]any{"name": "S", "public": true}, m.as(u)).Expect(t, 201, "")
		p := e.Do("POST", "/patterns/"+m.name, map[string]any{"design": "aaron", "public": true}, m.as(u)).Expect(t, 201, "")
		for _, path := range []string{"/sets/" + dataID(s.Num("set.id")), "/patterns/" + dataID(p.Num("pattern.id"))} {
			y := e.Do("GET", path+".yaml", nil, apitest.None).Expect(t, 200, "")
			if ct := y.Header.Get("Content-Type"); ct != "text/yaml; charset=utf-8" {
				t.Fatalf("%s.yaml: content type %q", path, ct)
			}
			if !strings.Contains(string(y.Body), "author: Bobbin Test Site") {
				t.Fatalf("%s.yaml: %s", path, y.Body)
			}
			j := e.Do("GET", path+".json", nil, apitest.None).Expect(t, 200, "")
			if j.Str("author") != "Bobbin Test Site" || j.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("%s.json: %s", path, j.Body)
			}
		}
	}
	// Curated sets and option packs too; an option pack names its provider, as upstream.
	cur := e.NewUser("curator")
	for _, m := range dataMethods {
		cs := e.Do("POST", "/curated-sets/"+m.name, map[string]any{"nameEn": "C", "published": true}, m.as(cur)).Expect(t, 201, "")
		op := e.Do("POST", "/option-packs/"+m.name, map[string]any{"nameEn": "O", "design": "aaron"}, m.as(cur)).Expect(t, 201, "")
		for _, path := range []string{"/curated-sets/" + dataID(cs.Num("curatedSet.id")), "/option-packs/" + dataID(op.Num("optionPack.id"))} {
			y := e.Do("GET", path+".yaml", nil, apitest.None).Expect(t, 200, "")
			if y.Header.Get("Content-Type") != "text/yaml; charset=utf-8" || !strings.Contains(string(y.Body), "author: Bobbin Test Site") {
				t.Fatalf("%s.yaml: %s %s", path, y.Header.Get("Content-Type"), y.Body)
			}
		}
		j := e.Do("GET", "/option-packs/"+dataID(op.Num("optionPack.id"))+".json", nil, apitest.None).Expect(t, 200, "")
		if j.Str("provider") != "Bobbin Test Site" || j.Str("author") != "Bobbin Test Site" {
			t.Fatalf("option pack document: %s", j.Body)
		}
		for _, list := range []string{"/curated-sets.yaml", "/option-packs.yaml"} {
			if ct := e.Do("GET", list, nil, apitest.None).Expect(t, 200, "").Header.Get("Content-Type"); ct != "text/yaml; charset=utf-8" {
				t.Fatalf("%s: %q", list, ct)
			}
		}
	}
}

// auth.md: a password change needs currentPassword, except with a sign-in
// token whose sign-in is at most 15 minutes old; API keys always need it.
func TestCompatPasswordChangeFreshSignin(t *testing.T) {
	t.Parallel()
	e, clock := acctEnv(t)
	u := e.NewUser("user") // its token comes from the signup confirmation, just now
	e.Do("PATCH", "/account/key", map[string]any{"password": "a brand new password 1"}, u.KeyAuth()).Expect(t, 400, "currentPasswordMissing")
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 1"}, u.JWT()).Expect(t, 200, "")
	// A wrong current password still fails, fresh or not.
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 2", "currentPassword": "wrong wrong"}, u.JWT()).
		Expect(t, 401, "authenticationFailed")
	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": "a brand new password 1"}, apitest.None).Expect(t, 200, "")

	s := e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": "a brand new password 1"}, apitest.None).Expect(t, 200, "")
	tok := apitest.Bearer(s.Str("token"))
	clock.Advance(14 * time.Minute)
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 2"}, tok).Expect(t, 200, "")
	clock.Advance(2 * time.Minute) // 16 minutes after the sign-in
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 3"}, tok).Expect(t, 400, "currentPasswordMissing")
	// A consent change answers a new token, no fresher a sign-in than the old one.
	c := e.Do("PATCH", "/consent/jwt", map[string]any{"consent": 2}, tok).Expect(t, 200, "")
	tok2 := apitest.Bearer(c.Str("token"))
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 3"}, tok2).Expect(t, 400, "currentPasswordMissing")
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 3", "currentPassword": "a brand new password 2"}, tok2).
		Expect(t, 200, "")
	// A sign-in link counts as a sign-in too.
	id, check := acctRequestLink(t, e, u.Username, u)
	l := e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 200, "")
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 4"}, apitest.Bearer(l.Str("token"))).Expect(t, 200, "")
	e.Do("PATCH", "/account/key", map[string]any{"password": "a brand new password 5"}, u.KeyAuth()).Expect(t, 400, "currentPasswordMissing")
}

// noisePNG is a real PNG of about w*h*4 bytes that does not compress.
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	if _, err := rand.Read(img.Pix); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCompatImageUploads(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		u := e.NewUser("user")
		other := e.NewUser("user")
		for i, m := range dataMethods {
			r := e.Do("POST", "/images/"+m.name, map[string]any{"img": dataURI("image/png", testPNG(t, uint8(i))),
				"type": "showcase", "subId": "main", "slug": "x"}, m.as(u)).Expect(t, 201, "")
			url, id := r.Str("image"), r.Str("imgId")
			if r.Str("result") != "created" || !strings.HasSuffix(url, "/images/"+id) || !strings.HasPrefix(id, "upload-") {
				t.Fatalf("%s: upload: %s", m.name, r.Body)
			}
			g := e.Do("GET", "/images/"+id, nil, apitest.None).Expect(t, 200, "")
			if g.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("%s: served as %q", m.name, g.Header.Get("Content-Type"))
			}
			// The image can be named as an object's img (it is copied to the object).
			s := e.Do("POST", "/sets/"+m.name, map[string]any{"name": "pic", "img": url}, m.as(u)).Expect(t, 201, "")
			if s.Str("set.img") == "" {
				t.Fatalf("%s: set with the uploaded image: %s", m.name, s.Body)
			}
			// Own uploads only.
			e.Do("DELETE", "/images/"+id+"/"+m.name, nil, m.as(other)).Expect(t, 403, "insufficientAccessLevel")
			setImg := s.Str("set.img")[strings.LastIndex(s.Str("set.img"), "/")+1:]
			e.Do("DELETE", "/images/"+setImg+"/"+m.name, nil, m.as(u)).Expect(t, 403, "insufficientAccessLevel")
			e.Do("DELETE", "/images/"+id+"/"+m.name, nil, m.as(u)).Expect(t, 204, "")
			e.Do("GET", "/images/"+id, nil, apitest.None).Expect(t, 404, "notFound")
			e.Do("DELETE", "/images/"+id+"/"+m.name, nil, m.as(u)).Expect(t, 404, "notFound")
			e.Do("DELETE", "/images/not-an-image/"+m.name, nil, m.as(u)).Expect(t, 404, "notFound")
			// Bad bodies.
			e.Do("POST", "/images/"+m.name, map[string]any{"type": "blog"}, m.as(u)).Expect(t, 400, "imgOrUrlMissing")
			e.Do("POST", "/images/"+m.name, map[string]any{"img": "data:image/png;base64,AAAA"}, m.as(u)).Expect(t, 400, "imgInvalid")
			e.Do("POST", "/images/"+m.name, map[string]any{"img": 5}, m.as(u)).Expect(t, 400, "imgInvalid")
		}
		e.Do("POST", "/images", map[string]any{"img": dataURI("image/png", testPNG(t, 9))}, apitest.None).Expect(t, 201, "")
		// Anonymous: at most 1 MiB (the signed-in route takes it).
		big := dataURI("image/png", noisePNG(t, 560, 560))
		e.Do("POST", "/images", map[string]any{"img": big}, apitest.None).Expect(t, 400, "imgTooLarge")
		e.Do("POST", "/images/key", map[string]any{"img": big}, u.KeyAuth()).Expect(t, 201, "")
	})
}

func TestCompatAnonymousUploadThrottle(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	img := map[string]any{"img": dataURI("image/png", testPNG(t, 1))}
	for i := 0; i < 10; i++ {
		e.Do("POST", "/images", img, apitest.None).Expect(t, 201, "")
	}
	r := e.Do("POST", "/images", img, apitest.None).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Signed-in uploads are not counted against the address.
	u := e.NewUser("user")
	e.Do("POST", "/images/jwt", img, u.JWT()).Expect(t, 201, "")
}

func TestCompatCardAndUserCount(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		n := e.Do("GET", "/info/users", nil, apitest.None).Expect(t, 200, "")
		if n.Num("users") != 0 {
			t.Fatalf("users: %s", n.Body)
		}
		u := e.NewUser("user")
		e.NewUser("user")
		if got := e.Do("GET", "/info/users", nil, apitest.None).Expect(t, 200, "").Num("users"); got != 2 {
			t.Fatalf("%v users, want 2", got)
		}
		for _, ref := range []string{strconv.FormatInt(u.ID, 10), u.Username} {
			c := e.Do("GET", "/users/"+ref+"/card", nil, apitest.None).Expect(t, 200, "")
			body := string(c.Body)
			if c.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(body, "<svg") ||
				!strings.Contains(body, ">"+u.Username+"<") || !strings.Contains(body, "#"+strconv.FormatInt(u.ID, 10)) {
				t.Fatalf("card by %s: %s %s", ref, c.Header.Get("Content-Type"), body)
			}
		}
		e.Do("GET", "/users/999999/card", nil, apitest.None).Expect(t, 404, "notFound")
		e.Do("GET", "/users/"+u.Email+"/card", nil, apitest.None).Expect(t, 404, "notFound")
		// A restricted account has no card, as it has no profile.
		e.Do("GET", "/account/restrict/key", nil, u.KeyAuth()).Expect(t, 200, "")
		e.Do("GET", "/users/"+u.Username+"/card", nil, apitest.None).Expect(t, 404, "notFound")
	})
}

func TestCompatSubscriberShape(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		for i, test := range []any{true, 1, "yes", map[string]any{}} {
			email := "Reader" + strconv.Itoa(i) + "@Example.COM"
			r := e.Do("POST", "/subscriber", map[string]any{"email": email, "language": "NL", "test": test}, apitest.None).Expect(t, 200, "")
			if r.Str("result") != "success" || r.Str("data.email") != strings.ToLower(email) || r.Str("data.language") != "nl" ||
				r.Str("data.id") == "" || len(r.Str("data.ehash")) != 64 {
				t.Fatalf("test=%v: %s", test, r.Body)
			}
			if i == 0 {
				// Opened in a browser: a redirect to the website's page; nothing changes.
				// (Not followed: the website is not running here.)
				noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				g, err := noFollow.Get(e.URL + "/ocunsub/" + r.Str("data.ehash"))
				if err != nil {
					t.Fatal(err)
				}
				g.Body.Close()
				if loc := g.Header.Get("Location"); g.StatusCode != 302 || !strings.HasSuffix(loc, "/newsletter/unsubscribe?i="+r.Str("data.ehash")) {
					t.Fatalf("GET /ocunsub: %d to %q", g.StatusCode, loc)
				}
				e.Do("PUT", "/subscriber", map[string]any{"id": r.Str("data.id"), "ehash": r.Str("data.ehash")}, apitest.None).Expect(t, 200, "")
			}
		}
		e.Do("GET", "/ocunsub/not-a-hash", nil, apitest.None).Expect(t, 404, "notFound")
		// Falsy test values: no id or ehash in the answer.
		for i, test := range []any{false, 0, "", nil} {
			r := e.Do("POST", "/subscriber", map[string]any{"email": "quiet" + strconv.Itoa(i) + "@example.com", "language": "en", "test": test}, apitest.None).Expect(t, 200, "")
			if r.Str("data.email") == "" || r.Get("data.id") != nil || r.Get("data.ehash") != nil {
				t.Fatalf("test=%v: %s", test, r.Body)
			}
		}
		// The admin list shows the subscriber lower-cased, both methods.
		sup := e.NewUser("support")
		for _, m := range dataMethods {
			l := e.Do("GET", "/admin/subscribers/"+m.name, nil, m.as(sup)).Expect(t, 200, "")
			if !strings.Contains(string(l.Body), `"reader0@example.com"`) {
				t.Fatalf("%s: %s", m.name, l.Body)
			}
		}
	})
}

func TestCompatAdminSearchShape(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		sup := e.NewUser("support")
		u := e.NewUser("user")
		e.Do("PATCH", "/account/jwt", map[string]any{"username": "needle-maker"}, u.JWT()).Expect(t, 200, "")
		names := func(r *apitest.Resp, list string) []string {
			var out []string
			for _, a := range r.Get(list).([]any) {
				out = append(out, a.(map[string]any)["username"].(string))
			}
			return out
		}
		for _, m := range dataMethods {
			r := e.Do("POST", "/admin/search/users/"+m.name, map[string]any{"q": strings.ToUpper(u.Email)}, m.as(sup)).Expect(t, 200, "")
			if got := names(r, "email"); len(got) != 1 || got[0] != "needle-maker" || len(names(r, "username")) != 0 {
				t.Fatalf("%s: by email: %s", m.name, r.Body)
			}
			r = e.Do("POST", "/admin/search/users/"+m.name, map[string]any{"q": "NEEDLE"}, m.as(sup)).Expect(t, 200, "")
			if got := names(r, "username"); len(got) != 1 || got[0] != "needle-maker" || len(names(r, "email")) != 0 {
				t.Fatalf("%s: by username: %s", m.name, r.Body)
			}
			r = e.Do("POST", "/admin/search/users/"+m.name, map[string]any{"q": u.ID}, m.as(sup)).Expect(t, 200, "")
			if got := names(r, "username"); len(got) != 1 || got[0] != "needle-maker" {
				t.Fatalf("%s: by id: %s", m.name, r.Body)
			}
			e.Do("POST", "/admin/search/users/"+m.name, map[string]any{"q": "x"}, m.as(u)).Expect(t, 403, "insufficientAccessLevel")
		}
	})
}

func TestCompatCuratedSetFromSuggestion(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		cur := e.NewUser("curator")
		u := e.NewUser("user")
		set := e.Do("POST", "/sets/jwt", map[string]any{"name": "Mine", "measies": map[string]any{"chest": 990}}, u.JWT()).Expect(t, 201, "")
		for _, m := range dataMethods {
			s := e.Do("POST", "/curated-sets/suggest/"+m.name, map[string]any{"set": set.Num("set.id"), "height": "166cm", "name": "Sam",
				"notes": "as measured", "img": dataURI("image/png", testPNG(t, 4))}, m.as(u)).Expect(t, 200, "")
			id := s.Str("submission.id")
			e.Do("POST", "/curated-sets/from/"+id+"/"+m.name, nil, m.as(u)).Expect(t, 403, "insufficientAccessLevel")
			c := e.Do("POST", "/curated-sets/from/"+id+"/"+m.name, nil, m.as(cur)).Expect(t, 201, "")
			if c.Str("result") != "created" || c.Str("curatedSet.nameEn") != "Sam" || c.Str("curatedSet.notesEn") != "as measured" ||
				c.Num("curatedSet.height") != 166 || c.Num("curatedSet.measies.chest") != 990 || c.Get("curatedSet.published") != false ||
				!strings.Contains(c.Str("curatedSet.info"), "166cm") || !strings.Contains(c.Str("curatedSet.img"), "/images/cset-") {
				t.Fatalf("%s: from suggestion: %s", m.name, c.Body)
			}
			// The suggestion is gone; unpublished: hidden from anonymous readers.
			e.Do("POST", "/curated-sets/from/"+id+"/"+m.name, nil, m.as(cur)).Expect(t, 404, "notFound")
			e.Do("GET", "/curated-sets/"+dataID(c.Num("curatedSet.id")), nil, apitest.None).Expect(t, 404, "notFound")
			e.Do("GET", "/curated-sets/"+dataID(c.Num("curatedSet.id"))+"/"+m.name, nil, m.as(cur)).Expect(t, 200, "")
		}
		e.Do("POST", "/curated-sets/from/not-a-uuid/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
		e.Do("POST", "/curated-sets/into/"+"6f1f6c9e-7b5b-4c51-9b8e-3f5f1c1d2e3f/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
	})
}
