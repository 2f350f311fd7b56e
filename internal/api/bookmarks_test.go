package api_test

import (
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

func TestBookmarks(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for _, m := range dataMethods {
		t.Run(m.name, func(t *testing.T) {
			u := e.NewUser("user")
			a := m.as(u)
			post := "/bookmarks/" + m.name
			apitest.Run(t, e, []apitest.Scenario{
				{Method: "POST", URL: post, Body: "", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "POST", URL: post, Body: "{}", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "POST", URL: post, Body: "[]", Auth: a, ExpectedStatus: 400, ExpectedError: "invalidJson"},
				{Method: "POST", URL: post, Body: map[string]any{"title": "t", "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "typeMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "", "title": "t", "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "typeMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "video", "title": "t", "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "typeInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "SET", "title": "t", "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "typeInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"type": 3, "title": "t", "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "typeInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "titleMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": "  ", "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "titleMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": strings.Repeat("t", 201), "url": "/docs"}, Auth: a, ExpectedStatus: 400, ExpectedError: "titleTooLong"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": "t"}, Auth: a, ExpectedStatus: 400, ExpectedError: "urlMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": "t", "url": ""}, Auth: a, ExpectedStatus: 400, ExpectedError: "urlMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": "t", "url": "javascript:alert(1)"}, Auth: a, ExpectedStatus: 400, ExpectedError: "urlInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": "t", "url": "data:text/html,<b>"}, Auth: a, ExpectedStatus: 400, ExpectedError: "urlInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": "t", "url": "//evil.example/x"}, Auth: a, ExpectedStatus: 400, ExpectedError: "urlInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"type": "doc", "title": "t", "url": "/" + strings.Repeat("u", 2048)}, Auth: a, ExpectedStatus: 400, ExpectedError: "urlTooLong"},
			})
			var ids []string
			for _, typ := range []string{"set", "cset", "pattern", "design", "doc", "custom"} {
				r := e.Do("POST", post, map[string]any{"type": typ, "title": " T " + typ, "url": "https://freesewing.org/" + typ,
					"id": 77, "userId": 1}, a).Expect(t, 201, "")
				if r.Str("result") != "created" || r.Str("bookmark.type") != typ || r.Str("bookmark.title") != "T "+typ ||
					int64(r.Num("bookmark.userId")) != u.ID || r.Num("bookmark.id") == 77 || r.Str("bookmark.createdAt") == "" {
					t.Fatalf("created: %s", r.Body)
				}
				ids = append(ids, dataID(r.Num("bookmark.id")))
			}
			l := e.Do("GET", post, nil, a).Expect(t, 200, "")
			if bs := l.Get("bookmarks").([]any); len(bs) != 6 {
				t.Fatalf("list: %s", l.Body)
			}
			path := "/bookmarks/" + ids[0] + "/" + m.name
			g := e.Do("GET", path, nil, a).Expect(t, 200, "")
			if g.Str("bookmark.url") != "https://freesewing.org/set" {
				t.Fatalf("get: %s", g.Body)
			}
			p := e.Do("PATCH", path, map[string]any{"title": "New", "url": "/account/sets/1", "type": "doc", "userId": 1}, a).Expect(t, 200, "")
			if p.Str("bookmark.title") != "New" || p.Str("bookmark.url") != "/account/sets/1" || p.Str("bookmark.type") != "set" ||
				int64(p.Num("bookmark.userId")) != u.ID || p.Str("bookmark.createdAt") != g.Str("bookmark.createdAt") {
				t.Fatalf("patch: %s", p.Body)
			}
			e.Do("PATCH", path, map[string]any{"title": ""}, a).Expect(t, 400, "titleMissing")
			e.Do("PATCH", path, map[string]any{"url": "vbscript:x"}, a).Expect(t, 400, "urlInvalid")
			e.Do("PATCH", path, "{}", a).Expect(t, 400, "postBodyMissing")
			if g := e.Do("GET", path, nil, a).Expect(t, 200, ""); g.Str("bookmark.title") != "New" {
				t.Fatalf("refused patch applied: %s", g.Body)
			}
			e.Do("DELETE", path, nil, a).Expect(t, 204, "")
			e.Do("GET", path, nil, a).Expect(t, 404, "notFound")
			e.Do("DELETE", path, nil, a).Expect(t, 404, "notFound")
			e.Do("GET", "/bookmarks/nope/"+m.name, nil, a).Expect(t, 404, "notFound")
		})
	}
}
