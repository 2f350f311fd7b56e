package api_test

import (
	"strings"
	"testing"

	"bobbin/internal/api"
	"bobbin/internal/apitest"
	"bobbin/internal/auth"
)

// dataRoutes lists the twin routes of sets, patterns and bookmarks from
// the live route table, so a route added later is covered too.
func dataRoutes(t *testing.T, e *apitest.Env) []api.Route {
	var out []api.Route
	for _, rt := range e.App.Server.Routes() {
		if rt.Access != api.Twin {
			continue
		}
		for _, p := range []string{"/sets", "/patterns", "/bookmarks"} {
			if rt.Path == p || strings.HasPrefix(rt.Path, p+"/") {
				out = append(out, rt)
			}
		}
	}
	if len(out) != 17 {
		t.Fatalf("%d data routes, want 17 (6 sets, 6 patterns, 5 bookmarks)", len(out))
	}
	return out
}

// dataFixture is one object of each kind owned by a user.
type dataFixture map[string]string // resource prefix -> id

func makeFixture(t *testing.T, e *apitest.Env, u *apitest.User) dataFixture {
	f := dataFixture{}
	f["/sets"] = dataID(e.Do("POST", "/sets/jwt", map[string]any{"name": "Private set", "measies": map[string]any{"chest": 1000}}, u.JWT()).Expect(t, 201, "").Num("set.id"))
	f["/patterns"] = dataID(e.Do("POST", "/patterns/jwt", map[string]any{"design": "aaron", "name": "Private pattern"}, u.JWT()).Expect(t, 201, "").Num("pattern.id"))
	f["/bookmarks"] = dataID(e.Do("POST", "/bookmarks/jwt", map[string]any{"type": "doc", "title": "Private bookmark", "url": "/docs"}, u.JWT()).Expect(t, 201, "").Num("bookmark.id"))
	return f
}

func resourceOf(path string) string {
	return "/" + strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
}

func (f dataFixture) path(rt api.Route, method string) string {
	return strings.Replace(rt.Path, "{id}", f[resourceOf(rt.Path)], 1) + "/" + method
}

func dataBody(rt api.Route) any {
	switch {
	case rt.Verb == "POST" && rt.Path == "/sets":
		return map[string]any{"name": "x"}
	case rt.Verb == "POST" && rt.Path == "/patterns":
		return map[string]any{"design": "aaron"}
	case rt.Verb == "POST" && rt.Path == "/bookmarks":
		return map[string]any{"type": "doc", "title": "x", "url": "/x"}
	case rt.Verb == "PATCH":
		return map[string]any{"name": "hacked", "title": "hacked", "notes": "hacked", "measies": map[string]any{"chest": nil}}
	}
	return nil
}

// checkUntouched asserts the owner's objects are as made by makeFixture.
func checkUntouched(t *testing.T, e *apitest.Env, owner *apitest.User, f dataFixture) {
	t.Helper()
	s := e.Do("GET", "/sets/"+f["/sets"]+"/jwt", nil, owner.JWT()).Expect(t, 200, "")
	p := e.Do("GET", "/patterns/"+f["/patterns"]+"/jwt", nil, owner.JWT()).Expect(t, 200, "")
	b := e.Do("GET", "/bookmarks/"+f["/bookmarks"]+"/jwt", nil, owner.JWT()).Expect(t, 200, "")
	if s.Str("set.name") != "Private set" || s.Num("set.measies.chest") != 1000 || p.Str("pattern.name") != "Private pattern" ||
		b.Str("bookmark.title") != "Private bookmark" {
		t.Fatalf("owner's objects changed:\n%s\n%s\n%s", s.Body, p.Body, b.Body)
	}
}

// Every object route, tried on another user's private object by a plain
// user (both methods), is refused with 403 and changes nothing.
func TestDataAccessOtherUser(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	owner := e.NewUser("user")
	intruder := e.NewUser("user")
	f := makeFixture(t, e, owner)
	for _, rt := range dataRoutes(t, e) {
		if !strings.Contains(rt.Path, "{id}") {
			continue
		}
		for _, m := range dataMethods {
			r := e.Do(rt.Verb, f.path(rt, m.name), dataBody(rt), m.as(intruder))
			if r.Status != 403 || r.Str("error") != "insufficientAccessLevel" {
				t.Errorf("%s %s as another user (%s): %d %s", rt.Verb, rt.Path, m.name, r.Status, r.Body)
			}
		}
	}
	checkUntouched(t, e, owner, f)
	// Lists only ever hold the caller's own objects.
	for _, p := range []string{"/sets", "/patterns", "/bookmarks"} {
		for _, m := range dataMethods {
			r := e.Do("GET", p+"/"+m.name, nil, m.as(intruder)).Expect(t, 200, "")
			if strings.Contains(string(r.Body), "Private") {
				t.Fatalf("%s list of another user: %s", p, r.Body)
			}
		}
	}
}

// A key below a route's level is refused, on the caller's own objects too.
func TestDataAccessKeyLevel(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	f := makeFixture(t, e, u)
	keys := map[auth.Level]apitest.Auth{}
	for _, rt := range dataRoutes(t, e) {
		if rt.Level < 1 {
			t.Fatalf("%s %s needs no level", rt.Verb, rt.Path)
		}
		low := rt.Level - 1
		if _, ok := keys[low]; !ok {
			keys[low] = apitest.Basic(e.NewKey(u, int(low)))
		}
		r := e.Do(rt.Verb, f.path(rt, "key"), dataBody(rt), keys[low])
		if r.Status != 403 || r.Str("error") != "insufficientAccessLevel" {
			t.Errorf("%s %s with a level %d key: %d %s", rt.Verb, rt.Path, low, r.Status, r.Body)
		}
		// The same request at the route's level gets past the level check
		// (answers are checked elsewhere; here: not 401 or 403).
		if rt.Verb == "DELETE" {
			continue
		}
		if _, ok := keys[rt.Level]; !ok {
			keys[rt.Level] = apitest.Basic(e.NewKey(u, int(rt.Level)))
		}
		if r := e.Do(rt.Verb, f.path(rt, "key"), dataBody(rt), keys[rt.Level]); r.Status == 401 || r.Status == 403 {
			t.Errorf("%s %s with a level %d key: %d %s", rt.Verb, rt.Path, rt.Level, r.Status, r.Body)
		}
	}
	// Write routes are level 3, reads level 1.
	e.Do("POST", "/sets/key", map[string]any{"name": "x"}, apitest.Basic(e.NewKey(u, 1))).Expect(t, 403, "insufficientAccessLevel")
	e.Do("GET", "/sets/"+f["/sets"]+"/key", nil, apitest.Basic(e.NewKey(u, 1))).Expect(t, 200, "")
}

// Staff levels: bughunters (6) read other users' sets and patterns but
// write nothing; support (8) may also change, clone and delete them.
// Bookmarks are own only, whatever the level.
func TestDataAccessStaff(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	owner := e.NewUser("user")
	f := makeFixture(t, e, owner)
	bughunter := e.NewUser("bughunter")
	support := e.NewUser("support")
	admin := e.NewUser("admin")
	for _, rt := range dataRoutes(t, e) {
		if !strings.Contains(rt.Path, "{id}") || rt.Verb == "DELETE" {
			continue
		}
		bookmark := strings.HasPrefix(rt.Path, "/bookmarks")
		for _, m := range dataMethods {
			r := e.Do(rt.Verb, f.path(rt, m.name), dataBody(rt), m.as(bughunter))
			allowed := rt.Verb == "GET" && !bookmark
			if allowed && r.Status != 200 || !allowed && (r.Status != 403 || r.Str("error") != "insufficientAccessLevel") {
				t.Errorf("bughunter %s %s (%s): %d %s", rt.Verb, rt.Path, m.name, r.Status, r.Body)
			}
			if bookmark {
				for _, staff := range []*apitest.User{support, admin} {
					if r := e.Do(rt.Verb, f.path(rt, m.name), dataBody(rt), m.as(staff)); r.Status != 403 {
						t.Errorf("staff %s %s (%s): %d %s", rt.Verb, rt.Path, m.name, r.Status, r.Body)
					}
				}
			}
		}
	}
	checkUntouched(t, e, owner, f)
	for _, m := range dataMethods {
		s := e.Do("PATCH", "/sets/"+f["/sets"]+"/"+m.name, map[string]any{"notes": "fixed by support"}, m.as(support)).Expect(t, 200, "")
		if int64(s.Num("set.userId")) != owner.ID || s.Str("set.notes") != "fixed by support" {
			t.Fatalf("support patch: %s", s.Body)
		}
		e.Do("PATCH", "/patterns/"+f["/patterns"]+"/"+m.name, map[string]any{"notes": "fixed"}, m.as(support)).Expect(t, 200, "")
	}
	// The owner can see in their audit log that support changed their set.
	var audit string
	db := rawSQLite(t, e)
	if err := db.QueryRow("SELECT detail FROM audit WHERE user_id = ? AND event = 'set.changed' ORDER BY id LIMIT 1", owner.ID).Scan(&audit); err != nil ||
		!strings.Contains(audit, dataID(float64(support.ID))) {
		t.Fatalf("audit of support's change: %q, %v", audit, err)
	}
	for _, m := range dataMethods {
		e.Do("DELETE", "/bookmarks/"+f["/bookmarks"]+"/"+m.name, nil, m.as(admin)).Expect(t, 403, "insufficientAccessLevel")
		e.Do("DELETE", "/sets/"+f["/sets"]+"/"+m.name, nil, m.as(bughunter)).Expect(t, 403, "insufficientAccessLevel")
	}
	e.Do("DELETE", "/sets/"+f["/sets"]+"/key", nil, support.KeyAuth()).Expect(t, 204, "")
	e.Do("DELETE", "/patterns/"+f["/patterns"]+"/jwt", nil, support.JWT()).Expect(t, 204, "")
	e.Do("GET", "/sets/"+f["/sets"]+"/jwt", nil, owner.JWT()).Expect(t, 404, "notFound")
	e.Do("GET", "/bookmarks/"+f["/bookmarks"]+"/jwt", nil, owner.JWT()).Expect(t, 200, "")
}
