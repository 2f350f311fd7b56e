package api_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"bobbin/internal/apitest"
)

var stampRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// curFullSet is a create body with every field, an unknown measurement,
// a bad measurement value and fields a client may not set.
func curFullSet() map[string]any {
	return map[string]any{
		"nameEn": " Alice ", "nameDe": "Alice DE", "nameFr": "Alice FR",
		"notesEn": "notes en", "notesDe": "notes de",
		"tags":    []any{"petite", " petite ", "", "tall"},
		"measies": map[string]any{"chest": 900, "waist": 750.5, "madeUp": 1, "neck": -3, "hips": "1000", "wrist": 0},
		"height":  166, "info": "curator info", "published": false,
		"img": "https://img.example.com/a.png",
		"id":  999, "createdAt": "2001-01-01T00:00:00.000Z", "userId": 5,
	}
}

// curCreateSet creates a curated set as u with its token (or its key).
func curCreateSet(t *testing.T, e *apitest.Env, u *apitest.User, byKey bool, body map[string]any) int {
	t.Helper()
	var r *apitest.Resp
	if byKey {
		r = e.Do("POST", "/curated-sets/key", body, u.KeyAuth())
	} else {
		r = e.Do("POST", "/curated-sets/jwt", body, u.JWT())
	}
	r.Expect(t, 201, "")
	if r.Str("result") != "created" {
		t.Fatalf("result: %s", r.Body)
	}
	return int(r.Num("curatedSet.id"))
}

// curatedLifecycle runs create, read, publish, documents, merge, delete.
func curatedLifecycle(t *testing.T, e *apitest.Env) {
	cur := e.NewUser("curator")
	r := e.Do("POST", "/curated-sets/jwt", curFullSet(), cur.JWT()).Expect(t, 201, "")
	id := int(r.Num("curatedSet.id"))
	if id == 999 || id < 1 {
		t.Fatalf("id taken from the client: %s", r.Body)
	}
	cs := r.Get("curatedSet").(map[string]any)
	for _, f := range []string{"id", "nameDe", "nameEn", "nameEs", "nameFr", "nameNl", "nameUk", "notesDe", "notesEn",
		"notesEs", "notesFr", "notesNl", "notesUk", "tagsDe", "tagsEn", "tagsEs", "tagsFr", "tagsNl", "tagsUk", "tags",
		"measies", "height", "info", "published", "img", "createdAt", "updatedAt"} {
		if _, ok := cs[f]; !ok {
			t.Errorf("curatedSet lacks %q: %s", f, r.Body)
		}
	}
	if len(cs) != 27 {
		t.Errorf("curatedSet has %d fields, want 27: %s", len(cs), r.Body)
	}
	created := r.Str("curatedSet.createdAt")
	if !stampRe.MatchString(created) || created == "2001-01-01T00:00:00.000Z" {
		t.Fatalf("createdAt %q", created)
	}
	if r.Str("curatedSet.nameEn") != "Alice" || r.Str("curatedSet.nameEs") != "" || r.Str("curatedSet.notesDe") != "notes de" {
		t.Errorf("names: %s", r.Body)
	}
	if fmt.Sprint(r.Get("curatedSet.tags")) != "[petite tall]" {
		t.Errorf("tags: %v", r.Get("curatedSet.tags"))
	}
	if m := r.Get("curatedSet.measies").(map[string]any); len(m) != 2 || m["chest"] != 900.0 || m["waist"] != 750.5 {
		t.Errorf("measies not cleaned: %v", m)
	}
	if r.Num("curatedSet.height") != 166 || r.Str("curatedSet.info") != "curator info" ||
		r.Get("curatedSet.published") != false || r.Str("curatedSet.img") != "https://img.example.com/a.png" {
		t.Errorf("fields: %s", r.Body)
	}

	path := fmt.Sprintf("/curated-sets/%d", id)
	// Unpublished: hidden from everyone on the public routes.
	for _, p := range []string{path, path + ".json", path + ".yaml"} {
		e.Do("GET", p, nil, apitest.None).Expect(t, 404, "notFound")
		e.Do("GET", p, nil, cur.JWT()).Expect(t, 404, "notFound") // public routes read no credentials
	}
	if l := e.Do("GET", "/curated-sets", nil, apitest.None).Expect(t, 200, ""); len(l.Get("curatedSets").([]any)) != 0 {
		t.Fatalf("anonymous list shows unpublished: %s", l.Body)
	}
	if l := e.Do("GET", "/curated-sets.json", nil, apitest.None).Expect(t, 200, ""); strings.TrimSpace(string(l.Body)) != "[]" {
		t.Fatalf("anonymous .json list shows unpublished: %s", l.Body)
	}
	// The curator's own routes show it.
	e.Do("GET", path+"/jwt", nil, cur.JWT()).Expect(t, 200, "")
	if l := e.Do("GET", "/curated-sets/key", nil, cur.KeyAuth()).Expect(t, 200, ""); len(l.Get("curatedSets").([]any)) != 1 {
		t.Fatalf("curator list: %s", l.Body)
	}

	// Publish and merge measurements: null deletes, unknown dropped.
	r = e.Do("PATCH", path+"/key", map[string]any{"published": true, "nameEs": "Alicia",
		"measies": map[string]any{"chest": nil, "neck": 380, "bogus": 3}, "createdAt": "2001-01-01T00:00:00.000Z"},
		cur.KeyAuth()).Expect(t, 200, "")
	if m := r.Get("curatedSet.measies").(map[string]any); len(m) != 2 || m["waist"] != 750.5 || m["neck"] != 380.0 {
		t.Errorf("merge: %v", m)
	}
	if r.Str("curatedSet.nameEs") != "Alicia" || r.Str("curatedSet.nameEn") != "Alice" || r.Get("curatedSet.published") != true {
		t.Errorf("patch: %s", r.Body)
	}
	if r.Str("curatedSet.createdAt") != created {
		t.Errorf("createdAt changed: %s", r.Body)
	}

	pub := e.Do("GET", path, nil, apitest.None).Expect(t, 200, "")
	if pub.Str("result") != "success" || pub.Str("curatedSet.createdAt") != created || pub.Str("curatedSet.nameEs") != "Alicia" {
		t.Fatalf("public read: %s", pub.Body)
	}
	if l := e.Do("GET", "/curated-sets", nil, apitest.None).Expect(t, 200, ""); len(l.Get("curatedSets").([]any)) != 1 {
		t.Fatalf("list after publishing: %s", l.Body)
	}

	// Documents.
	j := e.Do("GET", path+".json", nil, apitest.None).Expect(t, 200, "")
	if ct := j.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("json content type %q", ct)
	}
	if j.Str("type") != "curatedMeasurementsSet" || j.Str("units") != "metric" || j.Num("measurements.neck") != 380 ||
		j.Get("measies") != nil || j.Str("nameEn") != "Alice" || j.Num("id") != float64(id) || j.Str("author") == "" {
		t.Errorf(".json: %s", j.Body)
	}
	y := e.Do("GET", path+".yaml", nil, apitest.None).Expect(t, 200, "")
	if ct := y.Header.Get("Content-Type"); ct != "text/yaml; charset=utf-8" {
		t.Errorf("yaml content type %q", ct)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(y.Body, &doc); err != nil {
		t.Fatalf("yaml: %v\n%s", err, y.Body)
	}
	if doc["type"] != "curatedMeasurementsSet" || doc["nameEn"] != "Alice" || doc["id"] != id || doc["height"] != 166 {
		t.Errorf("yaml doc: %s", y.Body)
	}
	if m, _ := doc["measurements"].(map[string]any); m["waist"] != 750.5 || m["neck"] != 380 {
		t.Errorf("yaml measurements: %s", y.Body)
	}
	if doc["createdAt"] != created {
		t.Errorf("yaml createdAt %v (want the string %q)", doc["createdAt"], created)
	}
	ly := e.Do("GET", "/curated-sets.yaml", nil, apitest.None).Expect(t, 200, "")
	var list []map[string]any
	if err := yaml.Unmarshal(ly.Body, &list); err != nil || len(list) != 1 || list[0]["nameEs"] != "Alicia" {
		t.Errorf("yaml list (%v): %s", err, ly.Body)
	}
	lj := e.Do("GET", "/curated-sets.json", nil, apitest.None).Expect(t, 200, "")
	if !strings.HasPrefix(string(lj.Body), "[{") || !strings.Contains(string(lj.Body), `"nameEs":"Alicia"`) {
		t.Errorf("json list: %s", lj.Body)
	}

	// Unpublish hides it again; delete removes it.
	e.Do("PATCH", path+"/jwt", map[string]any{"published": false}, cur.JWT()).Expect(t, 200, "")
	e.Do("GET", path, nil, apitest.None).Expect(t, 404, "notFound")
	e.Do("DELETE", path+"/jwt", nil, cur.JWT()).Expect(t, 204, "")
	e.Do("DELETE", path+"/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
	e.Do("GET", path+"/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
	e.Do("PATCH", path+"/jwt", map[string]any{"nameEn": "x"}, cur.JWT()).Expect(t, 404, "notFound")
	var n int
	if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM curated_sets").Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows left: %d %v", n, err)
	}
}

func TestCuratedSetsLifecycle(t *testing.T) {
	t.Parallel()
	curatedLifecycle(t, apitest.New(t))
}

func TestCuratedSetErrors(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	cur := e.NewUser("curator")
	cases := []struct {
		name string
		body any
		code string
	}{
		{"empty body", "", "postBodyMissing"},
		{"empty object", "{}", "postBodyMissing"},
		{"not json", "nope", "invalidJson"},
		{"array", "[1]", "invalidJson"},
		{"no nameEn", map[string]any{"nameDe": "x"}, "nameEnMissing"},
		{"blank nameEn", map[string]any{"nameEn": "   "}, "nameEnMissing"},
		{"numeric nameEn", map[string]any{"nameEn": 5}, "nameEnInvalid"},
		{"numeric nameDe", map[string]any{"nameEn": "a", "nameDe": 5}, "nameDeInvalid"},
		{"long nameEn", map[string]any{"nameEn": strings.Repeat("a", 201)}, "nameEnTooLong"},
		{"long notesUk", map[string]any{"nameEn": "a", "notesUk": strings.Repeat("a", 10_001)}, "notesUkTooLong"},
		{"tags not array", map[string]any{"nameEn": "a", "tags": "x"}, "tagsInvalid"},
		{"tags not strings", map[string]any{"nameEn": "a", "tags": []any{1}}, "tagsInvalid"},
		{"tag too long", map[string]any{"nameEn": "a", "tags": []any{strings.Repeat("t", 65)}}, "tagsInvalid"},
		{"measies not object", map[string]any{"nameEn": "a", "measies": []any{1}}, "measiesInvalid"},
		{"height negative", map[string]any{"nameEn": "a", "height": -1}, "heightInvalid"},
		{"height fractional", map[string]any{"nameEn": "a", "height": 160.5}, "heightInvalid"},
		{"height string", map[string]any{"nameEn": "a", "height": "160"}, "heightInvalid"},
		{"info too long", map[string]any{"nameEn": "a", "info": strings.Repeat("i", 10_001)}, "infoTooLong"},
		{"published not bool", map[string]any{"nameEn": "a", "published": "yes"}, "publishedInvalid"},
		{"img not https", map[string]any{"nameEn": "a", "img": "ftp://x/y.png"}, "imgInvalid"},
		{"img not string", map[string]any{"nameEn": "a", "img": 3}, "imgInvalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.Do("POST", "/curated-sets/jwt", c.body, cur.JWT()).Expect(t, 400, c.code)
		})
	}
	var n int
	if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM curated_sets").Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused create left %d rows (%v)", n, err)
	}

	id := curCreateSet(t, e, cur, false, map[string]any{"nameEn": "Bob", "measies": map[string]any{"chest": 1000}})
	path := fmt.Sprintf("/curated-sets/%d/jwt", id)
	for _, c := range []struct {
		body any
		code string
	}{
		{"", "postBodyMissing"},
		{map[string]any{"nameEn": ""}, "nameEnMissing"},
		{map[string]any{"height": 2.5}, "heightInvalid"},
		{map[string]any{"img": "javascript:x"}, "imgInvalid"},
		{map[string]any{"measies": "x"}, "measiesInvalid"},
		{map[string]any{"nameEn": "New", "height": -4}, "heightInvalid"}, // nothing of a refused update is kept
	} {
		e.Do("PATCH", path, c.body, cur.JWT()).Expect(t, 400, c.code)
	}
	r := e.Do("GET", path, nil, cur.JWT()).Expect(t, 200, "")
	if r.Str("curatedSet.nameEn") != "Bob" || r.Num("curatedSet.measies.chest") != 1000 {
		t.Fatalf("refused update changed the set: %s", r.Body)
	}
	for _, p := range []string{"/curated-sets/0/jwt", "/curated-sets/abc/jwt", "/curated-sets/99999/jwt"} {
		e.Do("PATCH", p, map[string]any{"nameEn": "x"}, cur.JWT()).Expect(t, 404, "notFound")
		e.Do("DELETE", p, nil, cur.JWT()).Expect(t, 404, "notFound")
	}
	for _, p := range []string{"/curated-sets/abc", "/curated-sets/0", "/curated-sets/99999", "/curated-sets/99999.json",
		fmt.Sprintf("/curated-sets/%d.xml", id), fmt.Sprintf("/curated-sets/%d.", id), "/curated-sets/.json",
		"/curated-sets/-1.yaml", "/curated-sets/123456789012345678901234"} {
		e.Do("GET", p, nil, apitest.None).Expect(t, 404, "notFound")
	}
}

// TestCuratedAccessLevels: curator routes need level 5 by either method;
// a level-4 key of a curator is refused; anonymous calls are 401.
func TestCuratedAccessLevels(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	cur := e.NewUser("curator")
	user := e.NewUser("user")
	k4, s4 := e.NewKey(cur, 4)
	curKey4 := apitest.Basic(k4, s4)
	csID := curCreateSet(t, e, cur, false, map[string]any{"nameEn": "Pub", "published": true})
	r := e.Do("POST", "/option-packs/jwt", map[string]any{"design": "aaron", "nameEn": "P"}, cur.JWT()).Expect(t, 201, "")
	opID := int(r.Num("optionPack.id"))
	sug := e.Do("POST", "/option-packs/suggest/jwt", map[string]any{"design": "aaron", "options": map[string]any{"a": 1}, "notes": "n"}, user.JWT()).Expect(t, 200, "")
	sugID := sug.Str("submission.id")

	routes := []struct{ method, path string }{
		{"POST", "/curated-sets"},
		{"GET", "/curated-sets"},
		{"GET", fmt.Sprintf("/curated-sets/%d", csID)},
		{"PATCH", fmt.Sprintf("/curated-sets/%d", csID)},
		{"DELETE", fmt.Sprintf("/curated-sets/%d", csID)},
		{"POST", "/option-packs"},
		{"PATCH", fmt.Sprintf("/option-packs/%d", opID)},
		{"DELETE", fmt.Sprintf("/option-packs/%d", opID)},
		{"GET", "/suggested-sets"},
		{"GET", "/suggested-packs"},
		{"DELETE", "/suggested-sets/" + sugID},
		{"DELETE", "/suggested-packs/" + sugID},
	}
	body := map[string]any{"nameEn": "Hacked", "design": "x"}
	for _, rt := range routes {
		for _, a := range []struct {
			suffix string
			auth   apitest.Auth
		}{{"/jwt", user.JWT()}, {"/key", user.KeyAuth()}, {"/key", curKey4}} {
			e.Do(rt.method, rt.path+a.suffix, body, a.auth).Expect(t, 403, "insufficientAccessLevel")
		}
		e.Do(rt.method, rt.path+"/jwt", body, apitest.None).Expect(t, 401, "authenticationFailed")
		e.Do(rt.method, rt.path+"/key", body, apitest.None).Expect(t, 401, "authenticationFailed")
		e.Do(rt.method, rt.path+"/key", body, cur.JWT()).Expect(t, 401, "authenticationFailed") // token on a key route
	}
	// Nothing changed; the suggestion is still there.
	if r := e.Do("GET", fmt.Sprintf("/curated-sets/%d", csID), nil, apitest.None).Expect(t, 200, ""); r.Str("curatedSet.nameEn") != "Pub" {
		t.Fatalf("changed by a refused call: %s", r.Body)
	}
	if r := e.Do("GET", "/suggested-packs/key", nil, cur.KeyAuth()).Expect(t, 200, ""); len(r.Get("suggestions").([]any)) != 1 {
		t.Fatalf("suggestions: %s", r.Body)
	}

	// Clone needs level 3, suggest level 4.
	k3, s3 := e.NewKey(user, 3)
	k2, s2 := e.NewKey(user, 2)
	clone := fmt.Sprintf("/curated-sets/%d/clone/key", csID)
	e.Do("POST", clone, map[string]any{"language": "en"}, apitest.Basic(k2, s2)).Expect(t, 403, "insufficientAccessLevel")
	e.Do("POST", clone, map[string]any{"language": "en"}, apitest.Basic(k3, s3)).Expect(t, 201, "")
	e.Do("POST", "/curated-sets/suggest/key", map[string]any{"name": "x", "measies": map[string]any{}}, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")
	e.Do("POST", "/option-packs/suggest/key", map[string]any{"design": "x", "options": map[string]any{}}, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")
	e.Do("POST", clone[:len(clone)-4]+"/jwt", map[string]any{"language": "en"}, apitest.None).Expect(t, 401, "authenticationFailed")
}

// curatedClone clones a curated set in every language and checks the set
// row is written with the sets table's encryption.
func curatedClone(t *testing.T, e *apitest.Env) {
	ctx := context.Background()
	cur := e.NewUser("curator")
	user := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"imperial": true}, user.JWT()).Expect(t, 200, "")
	id := curCreateSet(t, e, cur, false, map[string]any{"nameEn": "Eve", "nameDe": "Eva", "nameEs": "Eva ES",
		"nameFr": "Ève", "nameNl": "", "notesEn": "english notes", "notesDe": "deutsche Notizen", "notesUk": "нотатки",
		"measies": map[string]any{"chest": 910, "neck": 360.5}, "published": true})
	want := map[string][2]string{
		"en": {"Eve", "english notes"},
		"de": {"Eva", "deutsche Notizen"},
		"es": {"Eva ES", "english notes"},
		"fr": {"Ève", "english notes"},
		"nl": {"Eve", "english notes"}, // no Dutch name: English
		"uk": {"Eve", "нотатки"},
	}
	path := fmt.Sprintf("/curated-sets/%d/clone/", id)
	for lang, w := range want {
		a, suffix := user.JWT(), "jwt"
		if lang == "de" || lang == "uk" {
			a, suffix = user.KeyAuth(), "key"
		}
		r := e.Do("POST", path+suffix, map[string]any{"language": lang}, a).Expect(t, 201, "")
		if r.Str("result") != "created" || r.Str("set.name") != w[0] || r.Str("set.notes") != w[1] {
			t.Errorf("%s: %s", lang, r.Body)
		}
		set := r.Get("set").(map[string]any)
		if len(set) != 10 || set["userId"] != float64(user.ID) || set["public"] != false || set["imperial"] != true ||
			set["img"] != "" || !stampRe.MatchString(r.Str("set.createdAt")) {
			t.Errorf("%s: set fields: %s", lang, r.Body)
		}
		if m := set["measies"].(map[string]any); len(m) != 2 || m["chest"] != 910.0 || m["neck"] != 360.5 {
			t.Errorf("%s: measies %v", lang, m)
		}
		// The row is stored as the sets routes store it.
		var uid int64
		var nameEnc, notesEnc, measiesEnc string
		err := e.App.DB.QueryRow(ctx, "SELECT user_id, name_enc, notes_enc, measies_enc FROM sets WHERE id = ?",
			int64(r.Num("set.id"))).Scan(&uid, &nameEnc, &notesEnc, &measiesEnc)
		if err != nil {
			t.Fatal(err)
		}
		v := e.App.DB.Vault()
		name, err1 := v.Decrypt("sets.name", nameEnc)
		notes, err2 := v.Decrypt("sets.notes", notesEnc)
		measies, err3 := v.Decrypt("sets.measies", measiesEnc)
		if err1 != nil || err2 != nil || err3 != nil || uid != user.ID || name != w[0] || notes != w[1] ||
			measies != `{"chest":910,"neck":360.5}` || strings.Contains(nameEnc, w[0]) {
			t.Errorf("%s: stored row: %q %q %q (%v %v %v)", lang, name, notes, measies, err1, err2, err3)
		}
	}
	var n int
	if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM sets WHERE user_id = ?", user.ID).Scan(&n); err != nil || n != 6 {
		t.Fatalf("sets of the user: %d %v", n, err)
	}

	for _, c := range []struct {
		body any
		code string
	}{
		{"", "postBodyMissing"},
		{map[string]any{"language": ""}, "languageMissing"},
		{map[string]any{"name": "x"}, "languageMissing"},
		{map[string]any{"language": "it"}, "unsupportedLanguage"},
		{map[string]any{"language": 1}, "languageInvalid"},
	} {
		e.Do("POST", path+"jwt", c.body, user.JWT()).Expect(t, 400, c.code)
	}
	e.Do("POST", "/curated-sets/99999/clone/jwt", map[string]any{"language": "en"}, user.JWT()).Expect(t, 404, "notFound")
	// Unpublished: not found for users, clonable by curators.
	hidden := curCreateSet(t, e, cur, false, map[string]any{"nameEn": "Hidden"})
	e.Do("POST", fmt.Sprintf("/curated-sets/%d/clone/jwt", hidden), map[string]any{"language": "en"}, user.JWT()).Expect(t, 404, "notFound")
	r := e.Do("POST", fmt.Sprintf("/curated-sets/%d/clone/jwt", hidden), map[string]any{"language": "EN"}, cur.JWT()).Expect(t, 201, "")
	if r.Str("set.name") != "Hidden" || r.Num("set.userId") != float64(cur.ID) || r.Get("set.imperial") != false {
		t.Fatalf("curator clone: %s", r.Body)
	}
}

func TestCuratedClone(t *testing.T) {
	t.Parallel()
	curatedClone(t, apitest.New(t))
}

func TestOptionPacks(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	cur := e.NewUser("curator")
	for _, c := range []struct {
		body any
		code string
	}{
		{"", "postBodyMissing"},
		{map[string]any{"nameEn": "x"}, "designMissing"},
		{map[string]any{"design": " ", "nameEn": "x"}, "designMissing"},
		{map[string]any{"design": 3, "nameEn": "x"}, "designInvalid"},
		{map[string]any{"design": strings.Repeat("d", 101), "nameEn": "x"}, "designTooLong"},
		{map[string]any{"design": "aaron"}, "nameEnMissing"},
		{map[string]any{"design": "aaron", "nameEn": "x", "options": []any{1}}, "optionsInvalid"},
		{map[string]any{"design": "aaron", "nameEn": "x", "options": map[string]any{"": 1}}, "optionsInvalid"},
		{map[string]any{"design": "aaron", "nameEn": "x", "options": map[string]any{"a": strings.Repeat("v", 70_000)}}, "optionsTooLarge"},
		{map[string]any{"design": "aaron", "nameEn": "x", "tags": "t"}, "tagsInvalid"},
		{map[string]any{"design": "aaron", "nameEn": "x", "img": "http://insecure/x.png"}, "imgInvalid"},
	} {
		e.Do("POST", "/option-packs/jwt", c.body, cur.JWT()).Expect(t, 400, c.code)
	}
	var n int
	if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM option_packs").Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused create left %d rows (%v)", n, err)
	}

	r := e.Do("POST", "/option-packs/key", map[string]any{"design": " Aaron ", "nameEn": "Relaxed", "nameNl": "Los",
		"notesEn": "roomy", "tags": []any{"casual"}, "info": "i", "img": "https://img.example.com/p.png",
		"options": map[string]any{"chestEase": 0.08, "sleeveType": "raglan", "gone": nil, "flags": map[string]any{"x": true}},
		"id":      77}, cur.KeyAuth()).Expect(t, 201, "")
	id := int(r.Num("optionPack.id"))
	op := r.Get("optionPack").(map[string]any)
	for _, f := range []string{"id", "design", "nameDe", "nameEn", "nameEs", "nameFr", "nameNl", "nameUk", "notesDe",
		"notesEn", "notesEs", "notesFr", "notesNl", "notesUk", "tagsDe", "tagsEn", "tagsEs", "tagsFr", "tagsNl", "tagsUk",
		"tags", "options", "info", "img", "createdAt", "updatedAt"} {
		if _, ok := op[f]; !ok {
			t.Errorf("optionPack lacks %q", f)
		}
	}
	if len(op) != 26 || id == 77 || r.Str("optionPack.design") != "aaron" || r.Str("optionPack.nameNl") != "Los" {
		t.Errorf("optionPack: %s", r.Body)
	}
	if o := r.Get("optionPack.options").(map[string]any); len(o) != 3 || o["chestEase"] != 0.08 {
		t.Errorf("options: %v", o)
	}
	path := fmt.Sprintf("/option-packs/%d", id)

	r = e.Do("PATCH", path+"/jwt", map[string]any{"options": map[string]any{"sleeveType": nil, "cuffs": 2}, "nameEn": "Loose"},
		cur.JWT()).Expect(t, 200, "")
	if o := r.Get("optionPack.options").(map[string]any); len(o) != 3 || o["cuffs"] != 2.0 || o["sleeveType"] != nil || o["chestEase"] != 0.08 {
		t.Errorf("options after removal: %v", o)
	}
	e.Do("PATCH", path+"/jwt", map[string]any{"design": ""}, cur.JWT()).Expect(t, 400, "designMissing")
	e.Do("PATCH", path+"/jwt", map[string]any{"nameEn": ""}, cur.JWT()).Expect(t, 400, "nameEnMissing")
	e.Do("PATCH", path+"/jwt", map[string]any{"options": "x"}, cur.JWT()).Expect(t, 400, "optionsInvalid")

	pub := e.Do("GET", path, nil, apitest.None).Expect(t, 200, "")
	if pub.Str("optionPack.nameEn") != "Loose" || pub.Num("optionPack.options.cuffs") != 2 || pub.Get("optionPack.options.sleeveType") != nil {
		t.Fatalf("read: %s", pub.Body)
	}
	if l := e.Do("GET", "/option-packs", nil, apitest.None).Expect(t, 200, ""); len(l.Get("optionPacks").([]any)) != 1 {
		t.Fatalf("list: %s", l.Body)
	}
	j := e.Do("GET", path+".json", nil, apitest.None).Expect(t, 200, "")
	if j.Str("type") != "optionPack" || j.Str("design") != "aaron" || j.Get("options.flags.x") != true {
		t.Errorf(".json: %s", j.Body)
	}
	var doc map[string]any
	y := e.Do("GET", path+".yaml", nil, apitest.None).Expect(t, 200, "")
	if err := yaml.Unmarshal(y.Body, &doc); err != nil || doc["design"] != "aaron" || doc["options"].(map[string]any)["chestEase"] != 0.08 {
		t.Errorf(".yaml (%v): %s", err, y.Body)
	}
	lj := e.Do("GET", "/option-packs.json", nil, apitest.None).Expect(t, 200, "")
	if !strings.HasPrefix(string(lj.Body), "[{") {
		t.Errorf("json list: %s", lj.Body)
	}
	var list []map[string]any
	ly := e.Do("GET", "/option-packs.yaml", nil, apitest.None).Expect(t, 200, "")
	if err := yaml.Unmarshal(ly.Body, &list); err != nil || len(list) != 1 || list[0]["nameEn"] != "Loose" {
		t.Errorf("yaml list (%v): %s", err, ly.Body)
	}

	e.Do("DELETE", path+"/key", nil, cur.KeyAuth()).Expect(t, 204, "")
	for _, p := range []string{path, path + ".json", path + ".yaml"} {
		e.Do("GET", p, nil, apitest.None).Expect(t, 404, "notFound")
	}
	e.Do("DELETE", path+"/key", nil, cur.KeyAuth()).Expect(t, 404, "notFound")
	e.Do("PATCH", path+"/key", map[string]any{"nameEn": "x"}, cur.KeyAuth()).Expect(t, 404, "notFound")
}

func TestSuggestions(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	ctx := context.Background()
	cur := e.NewUser("curator")
	alice := e.NewUser("user")
	bob := e.NewUser("user")
	// Sets to suggest from: clones are regular sets of their cloner.
	csID := curCreateSet(t, e, cur, false, map[string]any{"nameEn": "Base", "published": true,
		"measies": map[string]any{"chest": 1000, "waist": 800}})
	aliceSet := int(e.Do("POST", fmt.Sprintf("/curated-sets/%d/clone/jwt", csID), map[string]any{"language": "en"}, alice.JWT()).Expect(t, 201, "").Num("set.id"))

	// Upstream's bodies and codes (api.md, issue 10): set, height, name and img
	// required, in that order, each missing one a 403.
	bobSet := int(e.Do("POST", "/sets/jwt", map[string]any{"name": "Bob's", "measies": map[string]any{"neck": 400}}, bob.JWT()).Expect(t, 201, "").Num("set.id"))
	img := "https://img.example.com/b.png"
	for _, c := range []struct {
		body   any
		status int
		code   string
	}{
		{"", 400, "postBodyMissing"},
		{map[string]any{"name": "Mine"}, 403, "setMissing"},
		{map[string]any{"name": "Mine", "set": "one"}, 400, "setInvalid"},
		{map[string]any{"set": bobSet}, 403, "heightMissing"},
		{map[string]any{"set": bobSet, "height": "  "}, 403, "heightMissing"},
		{map[string]any{"set": bobSet, "height": strings.Repeat("h", 65)}, 400, "heightTooLong"},
		{map[string]any{"set": bobSet, "height": true}, 400, "heightInvalid"},
		{map[string]any{"set": bobSet, "height": "166cm"}, 403, "nameMissing"},
		{map[string]any{"set": bobSet, "height": "166cm", "name": "  "}, 403, "nameMissing"},
		{map[string]any{"set": bobSet, "height": "166cm", "name": strings.Repeat("n", 201)}, 400, "nameTooLong"},
		{map[string]any{"set": bobSet, "height": "166cm", "name": "Mine"}, 403, "imgMissing"},
		{map[string]any{"set": bobSet, "height": "166cm", "name": "Mine", "img": "nope"}, 400, "imgInvalid"},
		{map[string]any{"set": 99999, "height": "166cm", "name": "Mine", "img": img}, 404, "notFound"},
		{map[string]any{"set": aliceSet, "height": "166cm", "name": "Mine", "img": img}, 403, "insufficientAccessLevel"}, // bob suggesting alice's private set
	} {
		e.Do("POST", "/curated-sets/suggest/jwt", c.body, bob.JWT()).Expect(t, c.status, c.code)
	}
	for _, c := range []struct {
		body   any
		status int
		code   string
	}{
		{map[string]any{"options": map[string]any{"a": 1}}, 403, "designMissing"},
		{map[string]any{"design": "aaron"}, 403, "optionsMissing"},
		{map[string]any{"design": "aaron", "options": nil}, 403, "optionsMissing"},
		{map[string]any{"design": "aaron", "options": 4}, 400, "optionsInvalid"},
		{map[string]any{"design": "aaron", "options": map[string]any{}}, 403, "notesMissing"},
		{map[string]any{"design": "aaron", "options": map[string]any{}, "notes": strings.Repeat("n", 10_001)}, 400, "notesTooLong"},
	} {
		e.Do("POST", "/option-packs/suggest/key", c.body, bob.KeyAuth()).Expect(t, c.status, c.code)
	}
	var n int
	if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM suggestions").Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused suggestions stored: %d %v", n, err)
	}

	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	s1 := e.Do("POST", "/curated-sets/suggest/jwt", map[string]any{"name": "Alice body", "notes": "secret note", "set": aliceSet,
		"height": 170, "measies": map[string]any{"waist": 810, "junk": 3}, "img": "https://img.example.com/s.png"}, alice.JWT()).Expect(t, 200, "")
	if s1.Str("result") != "success" || s1.Str("submission.type") != "cset" || !uuidRe.MatchString(s1.Str("submission.id")) {
		t.Fatalf("submission: %s", s1.Body)
	}
	s2 := e.Do("POST", "/curated-sets/suggest/key", map[string]any{"name": "Bob body", "set": bobSet, "height": `5'6"`, "img": img}, bob.KeyAuth()).Expect(t, 200, "")
	p1 := e.Do("POST", "/option-packs/suggest/jwt", map[string]any{"design": "Bella", "notes": "tight", "options": map[string]any{"ease": 0.1, "x": nil}}, bob.JWT()).Expect(t, 200, "")
	if p1.Str("submission.type") != "opack" || !uuidRe.MatchString(p1.Str("submission.id")) {
		t.Fatalf("pack submission: %s", p1.Body)
	}
	// Stored encrypted.
	var enc string
	if err := e.App.DB.QueryRow(ctx, "SELECT data_enc FROM suggestions WHERE id = ?", s1.Str("submission.id")).Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(enc, "secret note") || strings.Contains(enc, "Alice body") {
		t.Fatalf("suggestion stored in clear: %s", enc)
	}

	sets := e.Do("GET", "/suggested-sets/jwt", nil, cur.JWT()).Expect(t, 200, "")
	list := sets.Get("suggestions").([]any)
	if len(list) != 2 {
		t.Fatalf("suggested sets: %s", sets.Body)
	}
	first := list[0].(map[string]any)
	data := first["data"].(map[string]any)
	if first["id"] != s1.Str("submission.id") || first["type"] != "cset" || first["userId"] != float64(alice.ID) ||
		!stampRe.MatchString(fmt.Sprint(first["createdAt"])) || data["name"] != "Alice body" || data["notes"] != "secret note" ||
		data["height"] != "170" || data["set"] != float64(aliceSet) || data["img"] != "https://img.example.com/s.png" {
		t.Fatalf("suggestion: %v", first)
	}
	if m := data["measies"].(map[string]any); len(m) != 2 || m["chest"] != 1000.0 || m["waist"] != 810.0 {
		t.Fatalf("suggested measies (set's, overridden by the body's): %v", m)
	}
	packs := e.Do("GET", "/suggested-packs/key", nil, cur.KeyAuth()).Expect(t, 200, "")
	if pl := packs.Get("suggestions").([]any); len(pl) != 1 ||
		pl[0].(map[string]any)["data"].(map[string]any)["design"] != "bella" ||
		len(pl[0].(map[string]any)["data"].(map[string]any)["options"].(map[string]any)) != 1 {
		t.Fatalf("suggested packs: %s", packs.Body)
	}

	// Removal: by type, once.
	s1id, p1id := s1.Str("submission.id"), p1.Str("submission.id")
	e.Do("DELETE", "/suggested-packs/"+s1id+"/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
	e.Do("DELETE", "/suggested-sets/"+p1id+"/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
	e.Do("DELETE", "/suggested-sets/not-a-uuid/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
	e.Do("DELETE", "/suggested-sets/"+s1id+"/jwt", nil, cur.JWT()).Expect(t, 204, "")
	e.Do("DELETE", "/suggested-sets/"+s1id+"/jwt", nil, cur.JWT()).Expect(t, 404, "notFound")
	e.Do("DELETE", "/suggested-packs/"+p1id+"/key", nil, cur.KeyAuth()).Expect(t, 204, "")
	sets = e.Do("GET", "/suggested-sets/key", nil, cur.KeyAuth()).Expect(t, 200, "")
	if l := sets.Get("suggestions").([]any); len(l) != 1 || l[0].(map[string]any)["id"] != s2.Str("submission.id") {
		t.Fatalf("after removal: %s", sets.Body)
	}
	if l := e.Do("GET", "/suggested-packs/jwt", nil, cur.JWT()).Expect(t, 200, "").Get("suggestions").([]any); len(l) != 0 {
		t.Fatalf("packs after removal: %v", l)
	}
	// A public set of someone else may be suggested.
	if _, err := e.App.DB.Exec(ctx, "UPDATE sets SET public = ? WHERE id = ?", true, aliceSet); err != nil {
		t.Fatal(err)
	}
	e.Do("POST", "/curated-sets/suggest/jwt", map[string]any{"name": "Hers", "set": aliceSet, "height": "160 cm", "img": img}, bob.JWT()).Expect(t, 200, "")
}

// statsScenario checks that the counts follow what is created.
func statsScenario(t *testing.T, e *apitest.Env) {
	ctx := context.Background()
	get := func() *apitest.Resp {
		if err := e.App.Activity.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		r := e.Do("GET", "/info/stats", nil, apitest.None).Expect(t, 200, "")
		if r.Str("result") != "success" {
			t.Fatalf("stats: %s", r.Body)
		}
		return r
	}
	before := get()
	cur := e.NewUser("curator") // one user, one key
	curCreateSet(t, e, cur, false, map[string]any{"nameEn": "S"})
	curCreateSet(t, e, cur, true, map[string]any{"nameEn": "T", "published": true})
	cs := int(e.Do("GET", "/curated-sets", nil, apitest.None).Num("curatedSets.0.id"))
	e.Do("POST", fmt.Sprintf("/curated-sets/%d/clone/jwt", cs), map[string]any{"language": "en"}, cur.JWT()).Expect(t, 201, "")
	if _, err := e.App.DB.Exec(ctx, "INSERT INTO patterns (user_id, design, created_at, updated_at) VALUES (?, ?, ?, ?)", cur.ID, "aaron", 1, 1); err != nil {
		t.Fatal(err)
	}
	after := get()
	for _, c := range []struct {
		names []string
		diff  float64
	}{
		{[]string{"users", "user"}, 1},
		{[]string{"apikeys", "apikey"}, 1},
		{[]string{"curatedSets", "curatedSet"}, 2},
		{[]string{"sets", "set"}, 1},
		{[]string{"patterns", "pattern"}, 1},
		{[]string{"bookmarks", "bookmark"}, 0},
		{[]string{"subscribers", "subscriber"}, 0},
	} {
		for _, name := range c.names {
			if d := after.Num(name) - before.Num(name); d != c.diff || before.Num(name) < 0 {
				t.Errorf("%s: %v -> %v, want +%v", name, before.Num(name), after.Num(name), c.diff)
			}
		}
	}
	// Calls so far: the curator's jwt and key calls (account PATCH, key
	// creation, creates, clone) are counted once flushed.
	if after.Num("jwtCalls") < before.Num("jwtCalls")+4 || after.Num("keyCalls") != before.Num("keyCalls")+1 {
		t.Errorf("calls: %s -> %s", before.Body, after.Body)
	}
	if after.Num("activity.jwt") != after.Num("jwtCalls") || after.Num("activity.key") != after.Num("keyCalls") {
		t.Errorf("activity: %s", after.Body)
	}
	if after.Num("designs.aaron") != 1 {
		t.Errorf("designs: %s", after.Body)
	}
	e.Do("POST", "/info/stats", nil, apitest.None).Expect(t, 405, "methodNotAllowed")
}

func TestStats(t *testing.T) {
	t.Parallel()
	statsScenario(t, apitest.New(t))
}

// TestCuratedPostgres runs the scenarios on PostgreSQL (skipped without it).
func TestCuratedPostgres(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	t.Run("lifecycle", func(t *testing.T) { curatedLifecycle(t, e) })
	t.Run("clone", func(t *testing.T) { curatedClone(t, e) })
	t.Run("tags", func(t *testing.T) { curatedTags(t, e) })
}

func TestStatsPostgres(t *testing.T) {
	t.Parallel()
	statsScenario(t, apitest.New(t, apitest.WithPostgres()))
}

func TestCuratedYAMLNumbers(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	cur := e.NewUser("curator")
	curCreateSet(t, e, cur, false, map[string]any{"nameEn": "N", "nameDe": "123", "published": true,
		"measies": map[string]any{"chest": 1000000, "waist": 1e-7, "neck": 1e22}})
	y := e.Do("GET", "/curated-sets/1.yaml", nil, apitest.None).Expect(t, 200, "")
	for _, line := range []string{"  chest: 1000000\n", "  waist: 1.0e-7\n", "  neck: 1.0e+22\n", `nameDe: "123"`} {
		if !strings.Contains(string(y.Body), line) {
			t.Errorf("yaml lacks %q:\n%s", line, y.Body)
		}
	}
	var doc struct {
		NameDe       string             `yaml:"nameDe"`
		Measurements map[string]float64 `yaml:"measurements"`
	}
	if err := yaml.Unmarshal(y.Body, &doc); err != nil || doc.NameDe != "123" || doc.Measurements["waist"] != 1e-7 || doc.Measurements["neck"] != 1e22 {
		t.Fatalf("round trip (%v): %+v", err, doc)
	}
}
