package curation

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

func ptr[T any](v T) *T { return &v }

func isCode(t *testing.T, err error, want apierr.Code) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Fatalf("err = %v, want none", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %s", err, want.Name())
	}
}

func TestNamesPatchApply(t *testing.T) {
	long := strings.Repeat("é", maxName+1) // runes, not bytes
	for _, tc := range []struct {
		name       string
		patch      CuratedNamesPatch
		start      [6]string
		want       apierr.Code
		wantName   [6]string
		wantNotesF string // French notes after
	}{
		{name: "english name given", patch: CuratedNamesPatch{NameEn: ptr("  Ada ")}, wantName: [6]string{1: "Ada"}},
		{name: "no english name", patch: CuratedNamesPatch{NameDe: ptr("Ada")}, want: apierr.NameEnMissing},
		{name: "english kept from before", patch: CuratedNamesPatch{NotesFr: ptr(" note ")}, start: [6]string{1: "Old"},
			wantName: [6]string{1: "Old"}, wantNotesF: "note"},
		{name: "english cleared", patch: CuratedNamesPatch{NameEn: ptr("   ")}, start: [6]string{1: "Old"}, want: apierr.NameEnMissing},
		{name: "long german name", patch: CuratedNamesPatch{NameEn: ptr("x"), NameDe: ptr(long)}, want: apierr.TooLong("nameDe")},
		{name: "long ukrainian notes", patch: CuratedNamesPatch{NameEn: ptr("x"), NotesUk: ptr(strings.Repeat("ї", maxNotes+1))},
			want: apierr.TooLong("notesUk")},
		{name: "name at the limit", patch: CuratedNamesPatch{NameEn: ptr(strings.Repeat("é", maxName))},
			wantName: [6]string{1: strings.Repeat("é", maxName)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, notes := tc.start, [6]string{}
			err := tc.patch.Apply(&name, &notes)
			isCode(t, err, tc.want)
			if tc.want == 0 {
				if name != tc.wantName {
					t.Errorf("names = %q, want %q", name, tc.wantName)
				}
				if notes[store.CuratedLangIndex("fr")] != tc.wantNotesF {
					t.Errorf("french notes = %q, want %q", notes[3], tc.wantNotesF)
				}
			}
		})
	}
	if apierr.TooLong("nameDe") == apierr.InvalidJSON || apierr.TooLong("notesUk") == apierr.InvalidJSON {
		t.Fatal("per-language TooLong codes are missing from apierr")
	}
}

func TestCleanTags(t *testing.T) {
	many := make([]string, maxTags+1)
	for i := range many {
		many[i] = "t" + httpx.Itoa(int64(i))
	}
	for _, tc := range []struct {
		name string
		in   []string
		want []string
		code apierr.Code
	}{
		{"nil is empty, never null", nil, []string{}, 0},
		{"trimmed, empty and repeated dropped", []string{" a ", "", "b", "a", "  "}, []string{"a", "b"}, 0},
		{"too long a tag", []string{strings.Repeat("x", maxTag+1)}, nil, apierr.CuratedTagsInvalid},
		{"too many", many, nil, apierr.CuratedTagsInvalid},
		{"repeats do not count toward the cap", append(append([]string{}, many[:maxTags]...), many[0], " "+many[1]), many[:maxTags], 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CleanTags("tags", tc.in)
			isCode(t, err, tc.code)
			if tc.code == 0 && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CleanTags = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCleanHeightAndInfo(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want int64
		code apierr.Code
	}{{0, 0, 0}, {1750, 1750, 0}, {maxHeight, maxHeight, 0}, {maxHeight + 1, 0, apierr.CuratedHeightInvalid},
		{-1, 0, apierr.CuratedHeightInvalid}, {170.5, 0, apierr.CuratedHeightInvalid}} {
		got, err := CleanHeight(tc.in)
		isCode(t, err, tc.code)
		if got != tc.want {
			t.Errorf("CleanHeight(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
	if got, err := CleanInfo("  about  "); err != nil || got != "about" {
		t.Errorf("CleanInfo = %q, %v", got, err)
	}
	_, err := CleanInfo(strings.Repeat("x", maxInfo+1))
	isCode(t, err, apierr.CuratedInfoTooLong)
}

func TestCleanDesign(t *testing.T) {
	for _, tc := range []struct {
		in   *string
		want string
		code apierr.Code
	}{{nil, "", apierr.DesignMissing}, {ptr("  "), "", apierr.DesignMissing}, {ptr(" Aaron "), "aaron", 0},
		{ptr(strings.Repeat("a", maxPackDesign+1)), "", apierr.DesignTooLong}} {
		got, err := CleanDesign(tc.in)
		isCode(t, err, tc.code)
		if got != tc.want {
			t.Errorf("CleanDesign = %q, want %q", got, tc.want)
		}
	}
}

func TestMergeOptions(t *testing.T) {
	stored := map[string]any{"a": 1.0, "b": "x"}
	got, err := MergeOptions(stored, map[string]any{"a": nil, " c ": true, "b": "y"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"b": "y", "c": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("merged = %v, want %v", got, want)
	}
	if want := map[string]any{"a": 1.0, "b": "x"}; !reflect.DeepEqual(stored, want) {
		t.Errorf("stored options changed: %v", stored)
	}
	if got, err := MergeOptions(nil, nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty merge = %v, %v; want an empty map", got, err)
	}
	_, err = MergeOptions(nil, map[string]any{"  ": 1})
	isCode(t, err, apierr.PackOptionsInvalid)
	_, err = MergeOptions(nil, map[string]any{strings.Repeat("o", maxOptionName+1): 1})
	isCode(t, err, apierr.PackOptionsInvalid)
	_, err = MergeOptions(nil, map[string]any{"big": strings.Repeat("x", maxPackOptions)})
	isCode(t, err, apierr.PackOptionsTooLarge)
}

func TestSuggestionText(t *testing.T) {
	name, notes, err := SuggestionText(" n ", " m ")
	if err != nil || name != "n" || notes != "m" {
		t.Errorf("SuggestionText = %q, %q, %v", name, notes, err)
	}
	_, _, err = SuggestionText(strings.Repeat("x", maxName+1), "")
	isCode(t, err, apierr.NameTooLong)
	_, _, err = SuggestionText("", strings.Repeat("x", maxNotes+1))
	isCode(t, err, apierr.NotesTooLong)
}

func TestClone(t *testing.T) {
	for _, tc := range []struct {
		lang string
		li   int
		code apierr.Code
	}{{"nl", 4, 0}, {" NL ", 4, 0}, {"", 0, apierr.LanguageMissing}, {"xx", 0, apierr.UnsupportedLanguage}} {
		li, err := CloneLanguage(tc.lang)
		isCode(t, err, tc.code)
		if li != tc.li {
			t.Errorf("CloneLanguage(%q) = %d, want %d", tc.lang, li, tc.li)
		}
	}
	c := &store.CuratedSet{Name: [6]string{"Name de", "Name en"}, Notes: [6]string{1: "Notes en", 4: "Notes nl"}}
	if name, notes := CloneText(c, 4); name != "Name en" || notes != "Notes nl" {
		t.Errorf("dutch clone = %q, %q; want the English name and the Dutch notes", name, notes)
	}
	if name, notes := CloneText(c, 0); name != "Name de" || notes != "Notes en" {
		t.Errorf("german clone = %q, %q", name, notes)
	}
}

func TestParseFile(t *testing.T) {
	for _, tc := range []struct {
		in     string
		id     int64
		format string
		ok     bool
	}{{"12", 12, "", true}, {"12.json", 12, "json", true}, {"7.yaml", 7, "yaml", true},
		{"0", 0, "", false}, {"", 0, "", false}, {".json", 0, "", false}, {"12.xml", 0, "", false},
		{"-3", 0, "", false}, {"1e3", 0, "", false}, {"1234567890123456789", 0, "", false}, {"12.json.json", 0, "", false}} {
		id, format, err := ParseFile(tc.in)
		if tc.ok {
			if err != nil || id != tc.id || format != tc.format {
				t.Errorf("ParseFile(%q) = %d, %q, %v; want %d, %q", tc.in, id, format, err, tc.id, tc.format)
			}
			continue
		}
		isCode(t, err, apierr.NotFound)
	}
}

func TestTagsPatchApply(t *testing.T) {
	const de, en, nl = 0, 1, 4
	if store.CuratedLangIndex("de") != de || store.CuratedLangIndex("en") != en || store.CuratedLangIndex("nl") != nl {
		t.Fatal("store.CuratedLangs order changed: fix the indices here")
	}
	start := func() [6][]string { return [6][]string{de: {"alt"}, en: {"old"}, nl: {"oud"}} }
	raw := func(kv ...string) map[string]json.RawMessage {
		m := map[string]json.RawMessage{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = json.RawMessage(kv[i+1])
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		patch  CuratedTagsPatch
		fields map[string]json.RawMessage
		want   [6][]string
		code   apierr.Code
	}{
		{"absent leaves every language", CuratedTagsPatch{}, raw(), start(), 0},
		{"null leaves that language", CuratedTagsPatch{}, raw("tagsDe", "null"), start(), 0},
		{"a list replaces one language only", CuratedTagsPatch{TagsNl: []string{" nieuw ", "nieuw"}}, raw("tagsNl", `[" nieuw ","nieuw"]`),
			[6][]string{de: {"alt"}, en: {"old"}, nl: {"nieuw"}}, 0},
		{"an empty list clears it", CuratedTagsPatch{TagsDe: []string{}}, raw("tagsDe", "[]"),
			[6][]string{de: {}, en: {"old"}, nl: {"oud"}}, 0},
		{"the older name sets English", CuratedTagsPatch{Tags: []string{"new"}}, raw("tags", `["new"]`),
			[6][]string{de: {"alt"}, en: {"new"}, nl: {"oud"}}, 0},
		{"tagsEn wins over the older name", CuratedTagsPatch{TagsEn: []string{"en"}, Tags: []string{"other"}}, raw("tagsEn", `["en"]`, "tags", `["other"]`),
			[6][]string{de: {"alt"}, en: {"en"}, nl: {"oud"}}, 0},
		{"a bad list names its field", CuratedTagsPatch{TagsUk: []string{strings.Repeat("x", maxTag+1)}}, raw("tagsUk", `["x"]`), start(), apierr.TagsUkInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := start()
			err := tc.patch.Apply(&got, tc.fields)
			isCode(t, err, tc.code)
			if tc.code == 0 && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tags = %q, want %q", got, tc.want)
			}
		})
	}
	if a := AsCuratedTags([6][]string{en: {"x"}}); a.TagsDe == nil || !reflect.DeepEqual(a.Tags, []string{"x"}) || !reflect.DeepEqual(a.TagsEn, a.Tags) {
		t.Errorf("answer = %+v, want empty lists, never null, and tags = tagsEn", a)
	}
}

func TestRequestApply(t *testing.T) {
	// tags: absent or null leaves them; a list replaces them.
	en := store.CuratedLangIndex("en")
	c := &store.CuratedSet{Name: [6]string{1: "Ada"}, Tags: [6][]string{1: {"old"}}, Measies: map[string]float64{"chest": 900}}
	req := CuratedSetRequest{Height: ptr(1650.0), Published: ptr(true),
		Measies: map[string]json.RawMessage{"chest": json.RawMessage("null"), "neck": json.RawMessage("380")}}
	if err := req.Apply(c, map[string]json.RawMessage{"tags": json.RawMessage("null"), "tagsEn": json.RawMessage("null")}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Tags[en], []string{"old"}) || c.Height != 1650 || !c.Published {
		t.Errorf("after apply: tags %q height %d published %v", c.Tags, c.Height, c.Published)
	}
	if _, ok := c.Measies["chest"]; ok || c.Measies["neck"] != 380 {
		t.Errorf("measies = %v, want chest removed and neck set", c.Measies)
	}
	p := &store.OptionPack{Options: map[string]any{}}
	pr := OptionPackRequest{CuratedNamesPatch: CuratedNamesPatch{NameEn: ptr("Pack")}}
	isCode(t, pr.Apply(p, nil, true), apierr.DesignMissing)
	p.Design = "aaron"
	if err := pr.Apply(p, nil, false); err != nil || p.Design != "aaron" {
		t.Errorf("update without design: %v, design %q", err, p.Design)
	}
}

func TestMayReadUnpublished(t *testing.T) {
	for _, tc := range []struct {
		c    *httpx.Caller
		want bool
	}{{nil, false}, {&httpx.Caller{Level: auth.User}, false}, {&httpx.Caller{Level: auth.Curator}, true},
		{&httpx.Caller{Level: auth.Admin}, true}} {
		if got := MayReadUnpublished(tc.c); got != tc.want {
			t.Errorf("MayReadUnpublished(%+v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}
