package api_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"bobbin/internal/apitest"
)

// curatedTags: curated sets and option packs take and answer per-language
// tags (tagsDe ... tagsUk, api.md), by token and by key; a PATCH replaces
// only the languages it names; tags (the older name) is the English list;
// the documents carry them; a wrong type names its field; a row written
// before per-language tags reads its old list as English.
func curatedTags(t *testing.T, e *apitest.Env) {
	cur := e.NewUser("curator")
	list := func(r *apitest.Resp, path string) []string {
		t.Helper()
		v, ok := r.Get(path).([]any)
		if !ok {
			t.Fatalf("%s is not a list: %s", path, r.Body)
		}
		out := []string{}
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	same := func(r *apitest.Resp, obj string, want map[string][]string) {
		t.Helper()
		for _, l := range []string{"De", "En", "Es", "Fr", "Nl", "Uk"} {
			w := want[l]
			if w == nil {
				w = []string{}
			}
			if got := list(r, obj+"tags"+l); !reflect.DeepEqual(got, w) {
				t.Errorf("%stags%s = %q, want %q", obj, l, got, w)
			}
		}
		if got, w := list(r, obj+"tags"), list(r, obj+"tagsEn"); !reflect.DeepEqual(got, w) {
			t.Errorf("%stags = %q, want the English list %q", obj, got, w)
		}
	}

	// Curated sets, created by token, changed by key.
	r := e.Do("POST", "/curated-sets/jwt", map[string]any{"nameEn": "Tagged", "published": true,
		"tagsDe": []any{"klein", " klein "}, "tagsEn": []any{"petite"}, "tagsNl": []any{"klein", "", "tenger"}},
		cur.JWT()).Expect(t, 201, "")
	same(r, "curatedSet.", map[string][]string{"De": {"klein"}, "En": {"petite"}, "Nl": {"klein", "tenger"}})
	path := fmt.Sprintf("/curated-sets/%d", int(r.Num("curatedSet.id")))
	r = e.Do("PATCH", path+"/key", map[string]any{"tagsNl": []any{"nieuw"}, "tagsDe": nil}, cur.KeyAuth()).Expect(t, 200, "")
	same(r, "curatedSet.", map[string][]string{"De": {"klein"}, "En": {"petite"}, "Nl": {"nieuw"}})
	r = e.Do("PATCH", path+"/jwt", map[string]any{"tags": []any{"tall"}}, cur.JWT()).Expect(t, 200, "")
	same(r, "curatedSet.", map[string][]string{"De": {"klein"}, "En": {"tall"}, "Nl": {"nieuw"}})
	for _, bad := range []map[string]any{{"tagsFr": "x"}, {"tagsFr": []any{1}}} {
		e.Do("PATCH", path+"/jwt", bad, cur.JWT()).Expect(t, 400, "tagsFrInvalid")
	}
	pub := e.Do("GET", path, nil, apitest.None).Expect(t, 200, "")
	same(pub, "curatedSet.", map[string][]string{"De": {"klein"}, "En": {"tall"}, "Nl": {"nieuw"}})
	same(e.Do("GET", path+".json", nil, apitest.None).Expect(t, 200, ""), "", map[string][]string{"De": {"klein"}, "En": {"tall"}, "Nl": {"nieuw"}})
	var doc map[string]any
	if err := yaml.Unmarshal(e.Do("GET", path+".yaml", nil, apitest.None).Expect(t, 200, "").Body, &doc); err != nil ||
		fmt.Sprint(doc["tagsNl"]) != "[nieuw]" {
		t.Errorf(".yaml tagsNl = %v (%v)", doc["tagsNl"], err)
	}

	// Option packs, created by key, changed by token.
	r = e.Do("POST", "/option-packs/key", map[string]any{"design": "aaron", "nameEn": "Pack",
		"tagsUk": []any{"вільний"}, "tagsEs": []any{"suelto"}}, cur.KeyAuth()).Expect(t, 201, "")
	same(r, "optionPack.", map[string][]string{"Uk": {"вільний"}, "Es": {"suelto"}})
	ppath := fmt.Sprintf("/option-packs/%d", int(r.Num("optionPack.id")))
	r = e.Do("PATCH", ppath+"/jwt", map[string]any{"tagsEs": []any{}, "tagsEn": []any{"loose"}}, cur.JWT()).Expect(t, 200, "")
	same(r, "optionPack.", map[string][]string{"Uk": {"вільний"}, "En": {"loose"}})
	e.Do("PATCH", ppath+"/key", map[string]any{"tagsUk": map[string]any{}}, cur.KeyAuth()).Expect(t, 400, "tagsUkInvalid")
	same(e.Do("GET", ppath+".json", nil, apitest.None).Expect(t, 200, ""), "", map[string][]string{"Uk": {"вільний"}, "En": {"loose"}})

	// A row from before per-language tags: only the old column is set.
	ctx := context.Background()
	if _, err := e.App.DB.Exec(ctx, "UPDATE option_packs SET tags = '[\"legacy\"]', tags_i18n = '{}'"); err != nil {
		t.Fatal(err)
	}
	same(e.Do("GET", ppath, nil, apitest.None).Expect(t, 200, ""), "optionPack.", map[string][]string{"En": {"legacy"}})
}

func TestCuratedTags(t *testing.T) {
	t.Parallel()
	curatedTags(t, apitest.New(t))
}
