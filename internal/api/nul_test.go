package api_test

// Text a store cannot hold: U+0000 in a JSON string (PostgreSQL's text and
// jsonb refuse it; SQLite kept it) and a path that decodes to NUL or to
// bytes that are not UTF-8. Before, each of these was a 500 on PostgreSQL
// and a write (or a 404) on SQLite. Now: 400 "<field>Invalid" for a body,
// 404 for a path, nothing written, on both engines and both methods.

import (
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

func TestNULInBodiesIsRefusedAndNothingIsWritten(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		owner, cur, adm := e.NewUser("user"), e.NewUser("curator"), e.NewUser("admin")
		for _, m := range dataMethods {
			u, c, a := m.as(owner), m.as(cur), m.as(adm)
			set := dataID(e.Do("POST", "/sets/"+m.name, map[string]any{"name": "Mine"}, u).Expect(t, 201, "").Num("set.id"))
			bm := dataID(e.Do("POST", "/bookmarks/"+m.name, map[string]any{"type": "doc", "title": "T", "url": "/docs"}, u).Expect(t, 201, "").Num("bookmark.id"))
			cs := dataID(e.Do("POST", "/curated-sets/"+m.name, map[string]any{"nameEn": "C"}, c).Expect(t, 201, "").Num("curatedSet.id"))
			op := dataID(e.Do("POST", "/option-packs/"+m.name, map[string]any{"design": "aaron", "nameEn": "O"}, c).Expect(t, 201, "").Num("optionPack.id"))
			counts := func() string {
				return strings.Join([]string{
					dataID(float64(len(e.Do("GET", "/patterns/"+m.name, nil, u).Expect(t, 200, "").Get("patterns").([]any)))),
					dataID(float64(len(e.Do("GET", "/bookmarks/"+m.name, nil, u).Expect(t, 200, "").Get("bookmarks").([]any)))),
					dataID(float64(len(e.Do("GET", "/sets/"+m.name, nil, u).Expect(t, 200, "").Get("sets").([]any)))),
					dataID(float64(len(e.Do("GET", "/curated-sets/"+m.name, nil, c).Expect(t, 200, "").Get("curatedSets").([]any)))),
					dataID(float64(len(e.Do("GET", "/option-packs", nil, apitest.Auth{}).Expect(t, 200, "").Get("optionPacks").([]any)))),
				}, ",")
			}
			before := counts()
			for _, s := range []apitest.Scenario{
				// Each of these answered 500 on PostgreSQL.
				{Method: "POST", URL: "/patterns/" + m.name, Body: `{"design":"aa\u0000ron"}`, Auth: u, ExpectedStatus: 400, ExpectedError: "designInvalid"},
				{Method: "POST", URL: "/bookmarks/" + m.name, Body: `{"type":"doc","title":"\u0000","url":"/u"}`, Auth: u, ExpectedStatus: 400, ExpectedError: "titleInvalid"},
				{Method: "PATCH", URL: "/bookmarks/" + bm + "/" + m.name, Body: `{"title":"x\u0000"}`, Auth: u, ExpectedStatus: 400, ExpectedError: "titleInvalid"},
				{Method: "POST", URL: "/curated-sets/" + m.name, Body: `{"nameEn":"n","notesDe":"\u0000"}`, Auth: c, ExpectedStatus: 400, ExpectedError: "notesDeInvalid"},
				{Method: "PATCH", URL: "/curated-sets/" + cs + "/" + m.name, Body: `{"info":"\u0000"}`, Auth: c, ExpectedStatus: 400, ExpectedError: "infoInvalid"},
				{Method: "POST", URL: "/option-packs/" + m.name, Body: `{"design":"aaron","nameEn":"\u0000"}`, Auth: c, ExpectedStatus: 400, ExpectedError: "nameEnInvalid"},
				{Method: "PATCH", URL: "/option-packs/" + op + "/" + m.name, Body: `{"design":"\u0000"}`, Auth: c, ExpectedStatus: 400, ExpectedError: "designInvalid"},
				{Method: "POST", URL: "/available/username/" + m.name, Body: `{"username":"a\u0000"}`, Auth: u, ExpectedStatus: 400, ExpectedError: "usernameInvalid"},
				{Method: "POST", URL: "/admin/search/users/" + m.name, Body: `{"q":"\u0000"}`, Auth: a, ExpectedStatus: 400, ExpectedError: "qInvalid"},
				// Nested: an object's key or value, an array's string.
				{Method: "PATCH", URL: "/option-packs/" + op + "/" + m.name, Body: `{"options":{"a\u0000":1}}`, Auth: c, ExpectedStatus: 400, ExpectedError: "optionsInvalid"},
				{Method: "POST", URL: "/curated-sets/" + m.name, Body: `{"nameEn":"n","tagsEn":["ok","\u0000"]}`, Auth: c, ExpectedStatus: 400, ExpectedError: "tagsEnInvalid"},
				{Method: "POST", URL: "/patterns/" + m.name, Body: `{"design":"aaron","settings":{"sa":{"x":"\u0000"}}}`, Auth: u, ExpectedStatus: 400, ExpectedError: "settingsInvalid"},
				// Encrypted fields took it before on both engines; one rule now.
				{Method: "PATCH", URL: "/sets/" + set + "/" + m.name, Body: `{"notes":"\u0000"}`, Auth: u, ExpectedStatus: 400, ExpectedError: "notesInvalid"},
				{Method: "POST", URL: "/sets/" + m.name, Body: `{"name":"\u0000"}`, Auth: u, ExpectedStatus: 400, ExpectedError: "nameInvalid"},
			} {
				s.Run(t, e)
			}
			if after := counts(); after != before {
				t.Fatalf("%s: a refused body wrote: patterns,bookmarks,sets,curated,packs %s -> %s", m.name, before, after)
			}
			if r := e.Do("GET", "/bookmarks/"+bm+"/"+m.name, nil, u).Expect(t, 200, ""); r.Str("bookmark.title") != "T" {
				t.Fatalf("%s: the bookmark changed: %s", m.name, r.Body)
			}
			if r := e.Do("GET", "/curated-sets/"+cs+"/"+m.name, nil, c).Expect(t, 200, ""); r.Str("curatedSet.info") != "" {
				t.Fatalf("%s: the curated set changed: %s", m.name, r.Body)
			}
			// An escaped backslash before "u0000" is ordinary text.
			r := e.Do("POST", "/bookmarks/"+m.name, `{"type":"doc","title":"C:\\u0000","url":"/u"}`, u).Expect(t, 201, "")
			if r.Str("bookmark.title") != `C:\u0000` {
				t.Fatalf("%s: escaped backslash: %s", m.name, r.Body)
			}
		}
		// Without credentials.
		apitest.Run(t, e, []apitest.Scenario{
			{Method: "POST", URL: "/signin", Body: `{"username":"\u0000","password":"whatever1"}`, ExpectedStatus: 400, ExpectedError: "usernameInvalid"},
			{Method: "POST", URL: "/signinlink", Body: `{"username":"x\u0000"}`, ExpectedStatus: 400, ExpectedError: "usernameInvalid"},
		})
	})
}

func TestPathsThatAreNotTextNameNothing(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, e *apitest.Env) {
		u := e.NewUser("user")
		var sc []apitest.Scenario
		for _, bad := range []string{"%00", "a%00b", "%ff", "%c3%28"} {
			sc = append(sc,
				// Each of these answered 500 on PostgreSQL.
				apitest.Scenario{Method: "GET", URL: "/users/" + bad, ExpectedStatus: 404, ExpectedError: "notFound"},
				apitest.Scenario{Method: "GET", URL: "/users/" + bad + "/card", ExpectedStatus: 404, ExpectedError: "notFound"},
				apitest.Scenario{Method: "GET", URL: "/users/" + bad + "/jwt", Auth: u.JWT(), ExpectedStatus: 404, ExpectedError: "notFound"},
				apitest.Scenario{Method: "GET", URL: "/users/" + bad + "/key", Auth: u.KeyAuth(), ExpectedStatus: 404, ExpectedError: "notFound"},
				apitest.Scenario{Method: "GET", URL: "/confirmations/" + bad + "/x", ExpectedStatus: 404, ExpectedError: "notFound"},
				apitest.Scenario{Method: "POST", URL: "/confirm/signup/" + bad, Body: map[string]any{"consent": 1}, ExpectedStatus: 404, ExpectedError: "notFound"},
				apitest.Scenario{Method: "POST", URL: "/signinlink/" + bad + "/" + bad, Body: map[string]any{}, ExpectedStatus: 404, ExpectedError: "notFound"},
				apitest.Scenario{Method: "DELETE", URL: "/subscriber/" + bad, ExpectedStatus: 404, ExpectedError: "notFound"},
			)
		}
		// Text that is valid stays a lookup: a username in another script.
		sc = append(sc, apitest.Scenario{Method: "GET", URL: "/users/%C3%A9t%C3%A9", ExpectedStatus: 404, ExpectedError: "notFound"},
			apitest.Scenario{Method: "GET", URL: "/users/" + dataID(float64(u.ID)), ExpectedStatus: 200})
		apitest.Run(t, e, sc)
	})
}
