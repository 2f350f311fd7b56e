package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"bobbin/internal/apitest"
)

func TestSetsLifecycle(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	setsLifecycle(t, e)
}

func TestSetsLifecyclePostgres(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	setsLifecycle(t, e)
	setsPublicDocuments(t, e)
}

func setsLifecycle(t *testing.T, e *apitest.Env) {
	u := e.NewUser("user")
	other := e.NewUser("user")
	for _, m := range dataMethods {
		t.Run(m.name, func(t *testing.T) {
			a := m.as(u)
			r := e.Do("POST", "/sets/"+m.name, map[string]any{
				"name": "  My set ", "notes": "for the coat", "public": false, "imperial": true,
				"measies": map[string]any{"chest": 1000, "waist": "800", "bogus": 5, "neck": -1, "hips": 0, "seat": 990.5},
				// Not settable by a client: ignored.
				"id": 99999, "userId": other.ID, "createdAt": "2001-01-01T00:00:00.000Z", "updatedAt": "2001-01-01T00:00:00.000Z",
			}, a).Expect(t, 201, "")
			if r.Str("result") != "created" || r.Str("set.name") != "My set" || r.Str("set.notes") != "for the coat" ||
				r.Get("set.public") != false || r.Get("set.imperial") != true || r.Str("set.img") != "" {
				t.Fatalf("created: %s", r.Body)
			}
			sid := dataID(r.Num("set.id"))
			if sid == "99999" || int64(r.Num("set.userId")) != u.ID {
				t.Fatalf("client-set id or userId applied: %s", r.Body)
			}
			if ms := r.Get("set.measies").(map[string]any); len(ms) != 2 || ms["chest"] != 1000.0 || ms["seat"] != 990.5 {
				t.Fatalf("measies: %v", ms)
			}
			created := r.Str("set.createdAt")
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", created); err != nil || strings.HasPrefix(created, "2001") ||
				r.Str("set.updatedAt") != created {
				t.Fatalf("timestamps: %s", r.Body)
			}

			g := e.Do("GET", "/sets/"+sid+"/"+m.name, nil, a).Expect(t, 200, "")
			if g.Str("result") != "success" || g.Str("set.name") != "My set" || g.Str("set.createdAt") != created {
				t.Fatalf("read back: %s", g.Body)
			}
			l := e.Do("GET", "/sets/"+m.name, nil, a).Expect(t, 200, "")
			found := false
			for _, x := range l.Get("sets").([]any) {
				s := x.(map[string]any)
				if dataID(s["id"].(float64)) == sid {
					found = s["name"] == "My set"
				}
				if int64(s["userId"].(float64)) != u.ID {
					t.Fatalf("list holds another user's set: %v", s)
				}
			}
			if !found {
				t.Fatalf("list: %s", l.Body)
			}
			if ol := e.Do("GET", "/sets/"+m.name, nil, m.as(other)).Expect(t, 200, ""); len(ol.Get("sets").([]any)) != 0 {
				t.Fatalf("other user's list: %s", ol.Body)
			}

			// Merge: null deletes, valid values set, invalid values and unknown names are ignored.
			p := e.Do("PATCH", "/sets/"+sid+"/"+m.name, map[string]any{
				"measies": map[string]any{"chest": nil, "waist": 810, "hips": 950, "bogus": 1, "neck": 0, "seat": "x", "knee": nil},
				"userId":  other.ID, "id": 1,
			}, a).Expect(t, 200, "")
			ms := p.Get("set.measies").(map[string]any)
			if len(ms) != 3 || ms["waist"] != 810.0 || ms["hips"] != 950.0 || ms["seat"] != 990.5 {
				t.Fatalf("merged measies: %v", ms)
			}
			if p.Str("set.createdAt") != created || p.Str("set.name") != "My set" || int64(p.Num("set.userId")) != u.ID {
				t.Fatalf("patch changed what it should not: %s", p.Body)
			}
			p = e.Do("PATCH", "/sets/"+sid+"/"+m.name, map[string]any{"name": "Renamed", "notes": "", "public": true, "imperial": false}, a).Expect(t, 200, "")
			if p.Str("set.name") != "Renamed" || p.Str("set.notes") != "" || p.Get("set.public") != true || p.Get("set.imperial") != false ||
				len(p.Get("set.measies").(map[string]any)) != 3 {
				t.Fatalf("patch: %s", p.Body)
			}
			g = e.Do("GET", "/sets/"+sid+"/"+m.name, nil, a).Expect(t, 200, "")
			if g.Str("set.name") != "Renamed" || g.Get("set.measies").(map[string]any)["hips"] != 950.0 {
				t.Fatalf("patch not stored: %s", g.Body)
			}

			e.Do("DELETE", "/sets/"+sid+"/"+m.name, nil, a).Expect(t, 204, "")
			e.Do("GET", "/sets/"+sid+"/"+m.name, nil, a).Expect(t, 404, "notFound")
			e.Do("DELETE", "/sets/"+sid+"/"+m.name, nil, a).Expect(t, 404, "notFound")
			e.Do("PATCH", "/sets/"+sid+"/"+m.name, map[string]any{"name": "x"}, a).Expect(t, 404, "notFound")
			e.Do("POST", "/sets/"+sid+"/clone/"+m.name, nil, a).Expect(t, 404, "notFound")
		})
	}
}

func TestSetsErrors(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for _, m := range dataMethods {
		t.Run(m.name, func(t *testing.T) {
			a := m.as(e.NewUser("user"))
			post := "/sets/" + m.name
			apitest.Run(t, e, []apitest.Scenario{
				{Method: "POST", URL: post, Body: "", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "POST", URL: post, Body: "{}", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "POST", URL: post, Body: "[1]", Auth: a, ExpectedStatus: 400, ExpectedError: "invalidJson"},
				{Method: "POST", URL: post, Body: "{name:", Auth: a, ExpectedStatus: 400, ExpectedError: "invalidJson"},
				{Method: "POST", URL: post, Body: map[string]any{"notes": "no name"}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "   "}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"name": nil}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"name": 12}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"name": strings.Repeat("n", 201)}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameTooLong"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "notes": strings.Repeat("n", 20001)}, Auth: a, ExpectedStatus: 400, ExpectedError: "notesTooLong"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "measies": []int{1}}, Auth: a, ExpectedStatus: 400, ExpectedError: "measiesInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "measies": "chest"}, Auth: a, ExpectedStatus: 400, ExpectedError: "measiesInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "public": "yes"}, Auth: a, ExpectedStatus: 400, ExpectedError: "publicInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "imperial": 1}, Auth: a, ExpectedStatus: 400, ExpectedError: "imperialInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "img": "javascript:alert(1)"}, Auth: a, ExpectedStatus: 400, ExpectedError: "imgInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "img": "http://example.com/a.png"}, Auth: a, ExpectedStatus: 400, ExpectedError: "imgInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "ok", "img": 5}, Auth: a, ExpectedStatus: 400, ExpectedError: "imgInvalid"},
			})
			if l := e.Do("GET", post, nil, a).Expect(t, 200, ""); len(l.Get("sets").([]any)) != 0 {
				t.Fatalf("a refused create stored a set: %s", l.Body)
			}
			r := e.Do("POST", post, map[string]any{"name": "Base", "measies": map[string]any{"chest": 1000}}, a).Expect(t, 201, "")
			path := "/sets/" + dataID(r.Num("set.id")) + "/" + m.name
			apitest.Run(t, e, []apitest.Scenario{
				{Method: "PATCH", URL: path, Body: "{}", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "PATCH", URL: path, Body: "null", Auth: a, ExpectedStatus: 400, ExpectedError: "invalidJson"},
				{Method: "PATCH", URL: path, Body: map[string]any{"name": ""}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameMissing"},
				{Method: "PATCH", URL: path, Body: map[string]any{"name": nil}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameMissing"},
				{Method: "PATCH", URL: path, Body: map[string]any{"name": strings.Repeat("x", 201)}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameTooLong"},
				{Method: "PATCH", URL: path, Body: map[string]any{"measies": 3}, Auth: a, ExpectedStatus: 400, ExpectedError: "measiesInvalid"},
				// No partial write: a valid field next to a bad one is not applied.
				{Method: "PATCH", URL: path, Body: map[string]any{"notes": "changed", "measies": map[string]any{"chest": 1}, "img": "ftp://x"}, Auth: a, ExpectedStatus: 400, ExpectedError: "imgInvalid"},
			})
			g := e.Do("GET", path, nil, a).Expect(t, 200, "")
			if g.Str("set.name") != "Base" || g.Str("set.notes") != "" || g.Num("set.measies.chest") != 1000 {
				t.Fatalf("refused patch changed the set: %s", g.Body)
			}
			for _, bad := range []string{"/sets/abc/", "/sets/0/", "/sets/-1/", "/sets/99999999/", "/sets/1.5/"} {
				e.Do("GET", bad+m.name, nil, a).Expect(t, 404, "notFound")
			}
		})
	}
}

func TestSetsPublicDocuments(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	setsPublicDocuments(t, e)
}

func setsPublicDocuments(t *testing.T, e *apitest.Env) {
	u := e.NewUser("user")
	r := e.Do("POST", "/sets/key", map[string]any{"name": "Shared", "notes": "my notes", "imperial": true,
		"measies": map[string]any{"chest": 1000, "shoulderSlope": 13.5}}, u.KeyAuth()).Expect(t, 201, "")
	sid := dataID(r.Num("set.id"))
	missing := e.Do("GET", "/sets/987654321.json", nil, apitest.None).Expect(t, 404, "notFound")
	for _, ext := range []string{".json", ".yaml"} {
		private := e.Do("GET", "/sets/"+sid+ext, nil, apitest.None).Expect(t, 404, "notFound")
		if string(private.Body) != string(missing.Body) {
			t.Fatalf("a private set answers differently from a missing one: %s vs %s", private.Body, missing.Body)
		}
		// Credentials do not open a private set's document either.
		e.Do("GET", "/sets/"+sid+ext, nil, u.JWT()).Expect(t, 404, "notFound")
	}
	for _, p := range []string{"/sets/" + sid + ".xml", "/sets/" + sid, "/sets/" + sid + ".json.yaml", "/sets/x.json", "/sets/0.json", "/sets/.json", "/sets/0" + sid + ".json"} {
		e.Do("GET", p, nil, apitest.None).Expect(t, 404, "notFound")
	}
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"public": true}, u.JWT()).Expect(t, 200, "")

	j := e.Do("GET", "/sets/"+sid+".json", nil, apitest.None).Expect(t, 200, "")
	if ct := j.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("json content type %q", ct)
	}
	want := map[string]any{"author": "FreeSewing", "type": "measurementsSet", "name": "Shared", "notes": "my notes", "units": "imperial"}
	for k, v := range want {
		if j.Get(k) != v {
			t.Fatalf("json %s = %v, want %v: %s", k, j.Get(k), v, j.Body)
		}
	}
	if j.Str("about") == "" || j.Num("measurements.chest") != 1000 || j.Num("measurements.shoulderSlope") != 13.5 {
		t.Fatalf("json document: %s", j.Body)
	}
	for _, leak := range []string{"userId", "id", "email", "measies", "public"} {
		if j.Get(leak) != nil {
			t.Fatalf("json document carries %s: %s", leak, j.Body)
		}
	}

	y := e.Do("GET", "/sets/"+sid+".yaml", nil, apitest.None).Expect(t, 200, "")
	if ct := y.Header.Get("Content-Type"); ct != "text/yaml; charset=utf-8" {
		t.Fatalf("yaml content type %q", ct)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(y.Body, &doc); err != nil {
		t.Fatalf("yaml: %v\n%s", err, y.Body)
	}
	for k, v := range want {
		if doc[k] != v {
			t.Fatalf("yaml %s = %v, want %v:\n%s", k, doc[k], v, y.Body)
		}
	}
	mm, _ := doc["measurements"].(map[string]any)
	if fmt.Sprint(mm["chest"]) != "1000" || fmt.Sprint(mm["shoulderSlope"]) != "13.5" {
		t.Fatalf("yaml measurements: %v\n%s", mm, y.Body)
	}

	// Private again: gone again.
	e.Do("PATCH", "/sets/"+sid+"/key", map[string]any{"public": false, "imperial": false}, u.KeyAuth()).Expect(t, 200, "")
	e.Do("GET", "/sets/"+sid+".yaml", nil, apitest.None).Expect(t, 404, "notFound")
	e.Do("POST", "/sets/"+sid+".json", "{}", apitest.None).Expect(t, 405, "methodNotAllowed")
}

func TestSetsClone(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	owner := e.NewUser("user")
	other := e.NewUser("user")
	support := e.NewUser("support")
	r := e.Do("POST", "/sets/jwt", map[string]any{"name": "Original", "notes": "n", "imperial": true,
		"measies": map[string]any{"chest": 1000}}, owner.JWT()).Expect(t, 201, "")
	sid := dataID(r.Num("set.id"))
	for _, m := range dataMethods {
		t.Run(m.name, func(t *testing.T) {
			// Private: another user may not clone; the owner and support may.
			e.Do("POST", "/sets/"+sid+"/clone/"+m.name, nil, m.as(other)).Expect(t, 403, "insufficientAccessLevel")
			own := e.Do("POST", "/sets/"+sid+"/clone/"+m.name, nil, m.as(owner)).Expect(t, 201, "")
			if int64(own.Num("set.userId")) != owner.ID || own.Str("set.name") != "Original" || own.Num("set.id") == r.Num("set.id") {
				t.Fatalf("own clone: %s", own.Body)
			}
			sup := e.Do("POST", "/sets/"+sid+"/clone/"+m.name, nil, m.as(support)).Expect(t, 201, "")
			if int64(sup.Num("set.userId")) != support.ID {
				t.Fatalf("support's clone belongs to %v", sup.Get("set.userId"))
			}
		})
	}
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"public": true}, owner.JWT()).Expect(t, 200, "")
	for _, m := range dataMethods {
		c := e.Do("POST", "/sets/"+sid+"/clone/"+m.name, nil, m.as(other)).Expect(t, 201, "")
		if c.Str("result") != "created" || int64(c.Num("set.userId")) != other.ID || c.Get("set.public") != false ||
			c.Str("set.name") != "Original" || c.Str("set.notes") != "n" || c.Get("set.imperial") != true || c.Num("set.measies.chest") != 1000 {
			t.Fatalf("clone of a public set: %s", c.Body)
		}
		cid := dataID(c.Num("set.id"))
		// The clone is the caller's own: readable and writable by them, not by the source's owner.
		e.Do("PATCH", "/sets/"+cid+"/"+m.name, map[string]any{"name": "Mine now"}, m.as(other)).Expect(t, 200, "")
		e.Do("GET", "/sets/"+cid+"/"+m.name, nil, m.as(owner)).Expect(t, 403, "insufficientAccessLevel")
	}
	// The source is untouched.
	g := e.Do("GET", "/sets/"+sid+"/jwt", nil, owner.JWT()).Expect(t, 200, "")
	if g.Str("set.name") != "Original" {
		t.Fatalf("source changed: %s", g.Body)
	}
	if l := e.Do("GET", "/sets/key", nil, other.KeyAuth()).Expect(t, 200, ""); len(l.Get("sets").([]any)) != 2 {
		t.Fatalf("other's sets after two clones: %s", l.Body)
	}
}

func TestSetsEncryptedAtRest(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	r := e.Do("POST", "/sets/jwt", map[string]any{"name": "Zanzibar secret name", "notes": "Quixotic private notes",
		"measies": map[string]any{"chest": 1234.5}}, u.JWT()).Expect(t, 201, "")
	db := rawSQLite(t, e)
	var name, notes, measies string
	if err := db.QueryRow("SELECT name_enc, notes_enc, measies_enc FROM sets WHERE id = ?", int64(r.Num("set.id"))).Scan(&name, &notes, &measies); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ stored, clear string }{{name, "Zanzibar"}, {notes, "Quixotic"}, {measies, "chest"}, {measies, "1234"}} {
		if strings.Contains(c.stored, c.clear) || !strings.HasPrefix(c.stored, "v1:") {
			t.Fatalf("stored %q holds %q in clear (or is not sealed)", c.stored, c.clear)
		}
	}
}

// Concurrent PATCHes of different names all land: the merge reads and
// writes under the row's lock.
func TestSetsConcurrentMerge(t *testing.T) {
	t.Parallel()
	setsConcurrentMerge(t, apitest.New(t))
}

func TestSetsConcurrentMergePostgres(t *testing.T) {
	t.Parallel()
	setsConcurrentMerge(t, apitest.New(t, apitest.WithPostgres()))
}

func setsConcurrentMerge(t *testing.T, e *apitest.Env) {
	u := e.NewUser("user")
	sid := dataID(e.Do("POST", "/sets/jwt", map[string]any{"name": "Race"}, u.JWT()).Expect(t, 201, "").Num("set.id"))
	names := []string{"chest", "waist", "hips", "neck", "seat", "knee", "ankle", "wrist"}
	done := make(chan *apitest.Resp, len(names))
	for i, n := range names {
		go func() {
			done <- e.Do("PATCH", "/sets/"+sid+"/key", map[string]any{"measies": map[string]any{n: 100 + i}}, u.KeyAuth())
		}()
	}
	for range names {
		if r := <-done; r.Status != 200 {
			t.Errorf("patch: %d %s", r.Status, r.Body)
		}
	}
	g := e.Do("GET", "/sets/"+sid+"/jwt", nil, u.JWT()).Expect(t, 200, "")
	if ms := g.Get("set.measies").(map[string]any); len(ms) != len(names) {
		t.Fatalf("lost updates: %v", ms)
	}
}
