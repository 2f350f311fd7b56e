package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// at walks a decoded JSON document by keys ("a", "b", ...); nil when absent.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// types is a schema's "type" as a list ("string" or ["string","null"]).
func types(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// TestOpenAPIShowsTheCompatFields: /openapi.json shows issue 10's fields,
// routes and answers as a client reads them: the media types of the
// documents and the card, and what the lenient fields take (a sign-in
// username as a number, a pattern's set, a suggestion's height as text,
// the subscriber's test flag as any value).
func TestOpenAPIShowsTheCompatFields(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	var doc map[string]any
	if err := json.Unmarshal(e.Do("GET", "/openapi.json", nil, apitest.None).Expect(t, 200, "").Body, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := at(doc, "components", "schemas")
	for schema, fields := range map[string]string{
		"Account":            "github initial passwordType ihash",
		"PublicProfile":      "id username bio img role patron ihash",
		"Pattern":            "setId csetId set cset",
		"CuratedSet":         "tagsDe tagsEn tagsEs tagsFr tagsNl tagsUk height info published",
		"OptionPack":         "tagsDe tagsEn tagsEs tagsFr tagsNl tagsUk options",
		"SubscribeData":      "email language id ehash",
		"UserData":           "apikeys bookmarks patterns sets",
		"UploadResponse":     "image imgId",
		"AdminUsersResponse": "email username",
	} {
		for _, f := range strings.Fields(fields) {
			if at(schemas, schema, "properties", f) == nil {
				t.Errorf("schema %s lacks %s", schema, f)
			}
		}
	}
	for _, c := range []struct{ schema, field, want string }{
		{"SigninRequest", "username", "string integer"},
		{"PatternRequest", "set", "integer null"},
		{"PatternRequest", "cset", "integer null"},
		{"PatternRequest", "design", "string"},
		{"CuratedSetSuggestion", "height", "string number"},
	} {
		got := types(at(schemas, c.schema, "properties", c.field, "type"))
		for _, w := range strings.Fields(c.want) {
			if !slices.Contains(got, w) {
				t.Errorf("%s.%s: type %v, want it to hold %s", c.schema, c.field, got, w)
			}
		}
	}
	if ty := at(schemas, "SubscribeRequest", "properties", "test", "type"); ty != nil {
		t.Errorf("SubscribeRequest.test is typed %v: it takes any JSON value", ty)
	}
	paths := at(doc, "paths")
	for _, c := range []struct{ path, verb, status, media string }{
		{"/sets/{file}", "get", "200", "text/yaml; charset=utf-8"},
		{"/sets/{file}", "get", "200", "application/json"},
		{"/patterns/{file}", "get", "200", "text/yaml; charset=utf-8"},
		{"/curated-sets/{file}", "get", "200", "text/yaml; charset=utf-8"},
		{"/curated-sets.yaml", "get", "200", "text/yaml; charset=utf-8"},
		{"/option-packs/{file}", "get", "200", "text/yaml; charset=utf-8"},
		{"/option-packs.yaml", "get", "200", "text/yaml; charset=utf-8"},
		{"/users/{id}/card", "get", "200", "image/svg+xml"},
		{"/images/{name}", "get", "200", "image/png"},
		{"/info/users", "get", "200", "application/json"},
		{"/patterns/{id}/clone/jwt", "post", "200", "application/json"},
		{"/sets/{id}/clone/key", "post", "201", "application/json"},
		{"/curated-sets/from/{id}/jwt", "post", "201", "application/json"},
		{"/images/jwt", "post", "201", "application/json"},
		{"/images", "post", "201", "application/json"},
		{"/admin/search/users/key", "post", "200", "application/json"},
		{"/users/{id}/jwt", "get", "200", "application/json"},
		{"/subscriber", "post", "200", "application/json"},
		{"/issues", "post", "201", "application/json"},
		{"/discussions", "post", "201", "application/json"},
		{"/flows/translator-invite/key", "post", "200", "application/json"},
		{"/flows/language-suggestion/jwt", "post", "200", "application/json"},
		{"/flows/pr/{type}/jwt", "post", "201", "application/json"},
		{"/slugs/{type}/{slug}/key", "get", "200", "application/json"},
	} {
		if at(paths, c.path, c.verb, "responses", c.status, "content", c.media) == nil {
			t.Errorf("%s %s: no %s answer as %s", strings.ToUpper(c.verb), c.path, c.status, c.media)
		}
	}
	for _, c := range []struct{ path, verb, status string }{
		{"/ocunsub/{ehash}", "get", "302"},
		{"/images/{id}/jwt", "delete", "204"},
	} {
		if at(paths, c.path, c.verb, "responses", c.status) == nil {
			t.Errorf("%s %s: no %s answer", strings.ToUpper(c.verb), c.path, c.status)
		}
	}
}
