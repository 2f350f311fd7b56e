package api_test

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"bobbin/internal/apitest"
)

func TestPatternsLifecycle(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for _, m := range dataMethods {
		t.Run(m.name, func(t *testing.T) {
			u := e.NewUser("user")
			a := m.as(u)
			r := e.Do("POST", "/patterns/"+m.name, map[string]any{
				"design": "aaron", "name": "Summer top", "notes": "linen",
				"settings": map[string]any{"sa": 10, "measurements": map[string]any{"chest": 1000}, "options": map[string]any{"fit": true}},
				"data":     map[string]any{"version": "3.0"},
				"id":       5, "userId": 999, "createdAt": "2000-01-01T00:00:00.000Z",
			}, a).Expect(t, 201, "")
			if r.Str("result") != "created" || r.Str("pattern.design") != "aaron" || r.Str("pattern.name") != "Summer top" ||
				r.Num("pattern.settings.sa") != 10 || r.Num("pattern.settings.measurements.chest") != 1000 ||
				r.Str("pattern.data.version") != "3.0" || int64(r.Num("pattern.userId")) != u.ID || r.Get("pattern.public") != false {
				t.Fatalf("created: %s", r.Body)
			}
			pid := dataID(r.Num("pattern.id"))
			created := r.Str("pattern.createdAt")
			path := "/patterns/" + pid + "/" + m.name
			g := e.Do("GET", path, nil, a).Expect(t, 200, "")
			if g.Str("pattern.createdAt") != created || g.Get("pattern.settings.options.fit") != true {
				t.Fatalf("read back: %s", g.Body)
			}
			l := e.Do("GET", "/patterns/"+m.name, nil, a).Expect(t, 200, "")
			if ps := l.Get("patterns").([]any); len(ps) != 1 || ps[0].(map[string]any)["name"] != "Summer top" {
				t.Fatalf("list: %s", l.Body)
			}
			// settings and data are replaced, not merged; design cannot change (ignored).
			p := e.Do("PATCH", path, map[string]any{"settings": map[string]any{"sb": 1}, "data": map[string]any{}, "design": "bella",
				"name": "Renamed", "public": true}, a).Expect(t, 200, "")
			if p.Str("pattern.design") != "aaron" || p.Get("pattern.settings.sa") != nil || p.Num("pattern.settings.sb") != 1 ||
				len(p.Get("pattern.data").(map[string]any)) != 0 || p.Str("pattern.name") != "Renamed" || p.Get("pattern.public") != true ||
				p.Str("pattern.createdAt") != created {
				t.Fatalf("patch: %s", p.Body)
			}
			// Absent settings stay; a name may be emptied (it is optional).
			p = e.Do("PATCH", path, map[string]any{"name": "", "notes": "n2"}, a).Expect(t, 200, "")
			if p.Num("pattern.settings.sb") != 1 || p.Str("pattern.name") != "" || p.Str("pattern.notes") != "n2" {
				t.Fatalf("patch 2: %s", p.Body)
			}
			e.Do("DELETE", path, nil, a).Expect(t, 204, "")
			e.Do("GET", path, nil, a).Expect(t, 404, "notFound")
			e.Do("DELETE", path, nil, a).Expect(t, 404, "notFound")
		})
	}
}

func TestPatternsErrors(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for _, m := range dataMethods {
		t.Run(m.name, func(t *testing.T) {
			a := m.as(e.NewUser("user"))
			post := "/patterns/" + m.name
			apitest.Run(t, e, []apitest.Scenario{
				{Method: "POST", URL: post, Body: "", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "POST", URL: post, Body: "{}", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "POST", URL: post, Body: "[]", Auth: a, ExpectedStatus: 400, ExpectedError: "invalidJson"},
				{Method: "POST", URL: post, Body: map[string]any{"name": "x"}, Auth: a, ExpectedStatus: 400, ExpectedError: "designMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"design": nil}, Auth: a, ExpectedStatus: 400, ExpectedError: "designMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"design": " "}, Auth: a, ExpectedStatus: 400, ExpectedError: "designMissing"},
				{Method: "POST", URL: post, Body: map[string]any{"design": 12}, Auth: a, ExpectedStatus: 400, ExpectedError: "designNotStringy"},
				{Method: "POST", URL: post, Body: map[string]any{"design": []string{"aaron"}}, Auth: a, ExpectedStatus: 400, ExpectedError: "designNotStringy"},
				{Method: "POST", URL: post, Body: map[string]any{"design": map[string]any{"a": 1}}, Auth: a, ExpectedStatus: 400, ExpectedError: "designNotStringy"},
				{Method: "POST", URL: post, Body: map[string]any{"design": strings.Repeat("d", 129)}, Auth: a, ExpectedStatus: 400, ExpectedError: "designTooLong"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "settings": "sa=10"}, Auth: a, ExpectedStatus: 400, ExpectedError: "settingsNotAnObject"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "settings": []int{1}}, Auth: a, ExpectedStatus: 400, ExpectedError: "settingsNotAnObject"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "settings": 3}, Auth: a, ExpectedStatus: 400, ExpectedError: "settingsNotAnObject"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "data": "x"}, Auth: a, ExpectedStatus: 400, ExpectedError: "dataNotAnObject"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "data": []any{}}, Auth: a, ExpectedStatus: 400, ExpectedError: "dataNotAnObject"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "name": 3}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "name": strings.Repeat("n", 201)}, Auth: a, ExpectedStatus: 400, ExpectedError: "nameTooLong"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "notes": strings.Repeat("n", 20001)}, Auth: a, ExpectedStatus: 400, ExpectedError: "notesTooLong"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "public": "no"}, Auth: a, ExpectedStatus: 400, ExpectedError: "publicInvalid"},
				{Method: "POST", URL: post, Body: map[string]any{"design": "aaron", "img": "data:image/svg+xml;base64,PHN2Zy8+"}, Auth: a, ExpectedStatus: 400, ExpectedError: "imgInvalid"},
			})
			big := map[string]any{"design": "aaron", "settings": map[string]any{"x": strings.Repeat("a", 1<<20)}}
			e.Do("POST", post, big, a).Expect(t, 400, "settingsTooLarge")
			big = map[string]any{"design": "aaron", "data": map[string]any{"x": strings.Repeat("a", 1<<20)}}
			e.Do("POST", post, big, a).Expect(t, 400, "dataTooLarge")
			if l := e.Do("GET", post, nil, a).Expect(t, 200, ""); len(l.Get("patterns").([]any)) != 0 {
				t.Fatalf("a refused create stored a pattern: %s", l.Body)
			}
			// A minimal pattern: design alone.
			r := e.Do("POST", post, map[string]any{"design": "aaron", "settings": nil}, a).Expect(t, 201, "")
			if len(r.Get("pattern.settings").(map[string]any)) != 0 || r.Str("pattern.name") != "" {
				t.Fatalf("minimal pattern: %s", r.Body)
			}
			path := "/patterns/" + dataID(r.Num("pattern.id")) + "/" + m.name
			apitest.Run(t, e, []apitest.Scenario{
				{Method: "PATCH", URL: path, Body: "{}", Auth: a, ExpectedStatus: 400, ExpectedError: "postBodyMissing"},
				{Method: "PATCH", URL: path, Body: map[string]any{"settings": "x"}, Auth: a, ExpectedStatus: 400, ExpectedError: "settingsNotAnObject"},
				{Method: "PATCH", URL: path, Body: map[string]any{"data": 1}, Auth: a, ExpectedStatus: 400, ExpectedError: "dataNotAnObject"},
				{Method: "PATCH", URL: path, Body: map[string]any{"name": "kept?", "settings": map[string]any{"a": 1}, "data": true}, Auth: a, ExpectedStatus: 400, ExpectedError: "dataNotAnObject"},
			})
			if g := e.Do("GET", path, nil, a).Expect(t, 200, ""); g.Str("pattern.name") != "" || len(g.Get("pattern.settings").(map[string]any)) != 0 {
				t.Fatalf("refused patch changed the pattern: %s", g.Body)
			}
		})
	}
}

func TestPatternsPublicAndClone(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	owner := e.NewUser("user")
	other := e.NewUser("user")
	r := e.Do("POST", "/patterns/key", map[string]any{"design": "bella", "name": "Bodice", "settings": map[string]any{"sa": 5}},
		owner.KeyAuth()).Expect(t, 201, "")
	pid := dataID(r.Num("pattern.id"))
	for _, ext := range []string{".json", ".yaml"} {
		e.Do("GET", "/patterns/"+pid+ext, nil, apitest.None).Expect(t, 404, "notFound")
	}
	e.Do("GET", "/patterns/"+pid+".txt", nil, apitest.None).Expect(t, 404, "notFound")
	for _, m := range dataMethods {
		e.Do("POST", "/patterns/"+pid+"/clone/"+m.name, nil, m.as(other)).Expect(t, 403, "insufficientAccessLevel")
	}
	e.Do("PATCH", "/patterns/"+pid+"/jwt", map[string]any{"public": true}, owner.JWT()).Expect(t, 200, "")
	j := e.Do("GET", "/patterns/"+pid+".json", nil, apitest.None).Expect(t, 200, "")
	if j.Str("author") != owner.Username || j.Str("type") != "pattern" || j.Str("design") != "bella" || j.Str("name") != "Bodice" ||
		j.Num("settings.sa") != 5 || j.Get("userId") != nil {
		t.Fatalf("public json: %s", j.Body)
	}
	y := e.Do("GET", "/patterns/"+pid+".yaml", nil, apitest.None).Expect(t, 200, "")
	var doc map[string]any
	if err := yaml.Unmarshal(y.Body, &doc); err != nil || doc["design"] != "bella" || doc["author"] != owner.Username ||
		y.Header.Get("Content-Type") != "application/yaml; charset=utf-8" {
		t.Fatalf("public yaml (%v): %s", err, y.Body)
	}
	for _, m := range dataMethods {
		c := e.Do("POST", "/patterns/"+pid+"/clone/"+m.name, nil, m.as(other)).Expect(t, 201, "")
		if int64(c.Num("pattern.userId")) != other.ID || c.Str("pattern.design") != "bella" || c.Num("pattern.settings.sa") != 5 ||
			c.Get("pattern.public") != false || c.Str("result") != "created" {
			t.Fatalf("clone: %s", c.Body)
		}
	}
	// The pattern's personal fields are sealed at rest.
	db := rawSQLite(t, e)
	var name, settings, design string
	if err := db.QueryRow("SELECT name_enc, settings_enc, design FROM patterns WHERE id = ?", int64(r.Num("pattern.id"))).Scan(&name, &settings, &design); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(name, "Bodice") || strings.Contains(settings, `"sa"`) || !strings.HasPrefix(settings, "v1:") || !strings.HasPrefix(name, "v1:") || design != "bella" {
		t.Fatalf("stored name %q settings %q design %q", name, settings, design)
	}
}
