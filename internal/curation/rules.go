package curation

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Limits on curated text.
const (
	maxName   = 200
	maxNotes  = 10_000
	maxInfo   = 10_000
	maxTags   = 50
	maxTag    = 64
	maxHeight = 10_000

	maxPackDesign  = 100
	maxPackOptions = 64 << 10 // bytes of JSON
	maxOptionName  = 100
)

// CuratedNames are the names and notes of a curated set or option pack in
// every language.
type CuratedNames struct {
	NameDe  string `json:"nameDe"`
	NameEn  string `json:"nameEn"`
	NameEs  string `json:"nameEs"`
	NameFr  string `json:"nameFr"`
	NameNl  string `json:"nameNl"`
	NameUk  string `json:"nameUk"`
	NotesDe string `json:"notesDe"`
	NotesEn string `json:"notesEn"`
	NotesEs string `json:"notesEs"`
	NotesFr string `json:"notesFr"`
	NotesNl string `json:"notesNl"`
	NotesUk string `json:"notesUk"`
}

// AsCuratedNames is the answer of names and notes kept in
// store.CuratedLangs order (de en es fr nl uk).
func AsCuratedNames(name, notes [6]string) CuratedNames {
	return CuratedNames{name[0], name[1], name[2], name[3], name[4], name[5],
		notes[0], notes[1], notes[2], notes[3], notes[4], notes[5]}
}

// CuratedNamesPatch is the names and notes part of a create or update body.
type CuratedNamesPatch struct {
	NameDe  *string `json:"nameDe"`
	NameEn  *string `json:"nameEn"`
	NameEs  *string `json:"nameEs"`
	NameFr  *string `json:"nameFr"`
	NameNl  *string `json:"nameNl"`
	NameUk  *string `json:"nameUk"`
	NotesDe *string `json:"notesDe"`
	NotesEn *string `json:"notesEn"`
	NotesEs *string `json:"notesEs"`
	NotesFr *string `json:"notesFr"`
	NotesNl *string `json:"notesNl"`
	NotesUk *string `json:"notesUk"`
}

// Apply writes the fields given into name and notes (store.CuratedLangs
// order). Text is trimmed and bounded ("name<Lang>TooLong",
// "notes<Lang>TooLong"); English must keep a name (nameEnMissing).
func (p *CuratedNamesPatch) Apply(name, notes *[6]string) error {
	names := [6]*string{p.NameDe, p.NameEn, p.NameEs, p.NameFr, p.NameNl, p.NameUk}
	notesIn := [6]*string{p.NotesDe, p.NotesEn, p.NotesEs, p.NotesFr, p.NotesNl, p.NotesUk}
	for i, lang := range store.CuratedLangs {
		suffix := strings.ToUpper(lang[:1]) + lang[1:]
		if v := names[i]; v != nil {
			t := strings.TrimSpace(*v)
			if utf8.RuneCountInString(t) > maxName {
				return apierr.TooLong("name" + suffix)
			}
			name[i] = t
		}
		if v := notesIn[i]; v != nil {
			t := strings.TrimSpace(*v)
			if utf8.RuneCountInString(t) > maxNotes {
				return apierr.TooLong("notes" + suffix)
			}
			notes[i] = t
		}
	}
	if name[store.CuratedLangIndex("en")] == "" {
		return apierr.NameEnMissing
	}
	return nil
}

// CuratedTags are the tags of a curated set or option pack in every
// language (tagsDe ... tagsUk, as upstream). Tags repeats the English list
// under the name older upstream versions used, for clients written then.
type CuratedTags struct {
	TagsDe []string `json:"tagsDe"`
	TagsEn []string `json:"tagsEn"`
	TagsEs []string `json:"tagsEs"`
	TagsFr []string `json:"tagsFr"`
	TagsNl []string `json:"tagsNl"`
	TagsUk []string `json:"tagsUk"`
	Tags   []string `json:"tags"`
}

// AsCuratedTags is the answer of tags kept in store.CuratedLangs order.
func AsCuratedTags(t [6][]string) CuratedTags {
	for i := range t {
		if t[i] == nil {
			t[i] = []string{}
		}
	}
	return CuratedTags{t[0], t[1], t[2], t[3], t[4], t[5], t[store.CuratedLangIndex("en")]}
}

// CuratedTagsPatch is the tags part of a create or update body: a list
// replaces that language's tags; absent or null leaves them. tags (the
// older name) sets the English tags when tagsEn is not given. The fields
// are the answer's.
type CuratedTagsPatch CuratedTags

// Apply writes the lists given into t (store.CuratedLangs order); fields
// are the body's raw top-level fields, which tell absent and null from a
// list.
func (p *CuratedTagsPatch) Apply(t *[6][]string, fields map[string]json.RawMessage) error {
	in := [6][]string{p.TagsDe, p.TagsEn, p.TagsEs, p.TagsFr, p.TagsNl, p.TagsUk}
	for i, lang := range store.CuratedLangs {
		field := "tags" + strings.ToUpper(lang[:1]) + lang[1:]
		list := in[i]
		if !httpx.Present(fields[field]) {
			if lang != "en" || !httpx.Present(fields["tags"]) {
				continue
			}
			field, list = "tags", p.Tags
		}
		clean, err := CleanTags(field, list)
		if err != nil {
			return err
		}
		t[i] = clean
	}
	return nil
}

// CleanTags trims tags and drops empty and repeated ones; at most maxTags
// of at most maxTag characters each, else "<field>Invalid".
func CleanTags(field string, in []string) ([]string, error) {
	out := []string{}
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxTag {
			return nil, apierr.Invalid(field)
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, apierr.Invalid(field)
	}
	return out, nil
}

// CleanInfo trims and bounds the info text.
func CleanInfo(v string) (string, error) {
	v = strings.TrimSpace(v)
	if utf8.RuneCountInString(v) > maxInfo {
		return "", apierr.CuratedInfoTooLong
	}
	return v, nil
}

// CleanHeight accepts a whole number from 0 to maxHeight.
func CleanHeight(f float64) (int64, error) {
	if f != math.Trunc(f) || f < 0 || f > maxHeight {
		return 0, apierr.CuratedHeightInvalid
	}
	return int64(f), nil
}

// CleanDesign trims and lower-cases a design name, which is required.
func CleanDesign(v *string) (string, error) {
	if v == nil {
		return "", apierr.DesignMissing
	}
	d := strings.ToLower(strings.TrimSpace(*v))
	if d == "" {
		return "", apierr.DesignMissing
	}
	if utf8.RuneCountInString(d) > maxPackDesign {
		return "", apierr.DesignTooLong
	}
	return d, nil
}

// MergeOptions applies an update to stored options: null removes an
// option, anything else sets it. stored is never changed. Names are
// trimmed, non-empty and short; the result is bounded in JSON bytes.
func MergeOptions(stored, patch map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(stored)+len(patch))
	for k, v := range stored {
		out[k] = v
	}
	for k, v := range patch {
		k = strings.TrimSpace(k)
		if k == "" || utf8.RuneCountInString(k) > maxOptionName {
			return nil, apierr.PackOptionsInvalid
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if b, err := json.Marshal(out); err != nil || len(b) > maxPackOptions {
		return nil, apierr.PackOptionsTooLarge
	}
	return out, nil
}

// SuggestionText trims and bounds a suggestion's name and notes.
func SuggestionText(name, notes string) (string, string, error) {
	name, notes = strings.TrimSpace(name), strings.TrimSpace(notes)
	if utf8.RuneCountInString(name) > maxName {
		return "", "", apierr.NameTooLong
	}
	if utf8.RuneCountInString(notes) > maxNotes {
		return "", "", apierr.NotesTooLong
	}
	return name, notes, nil
}

// CloneText is the name and notes of a curated set in language li
// (store.CuratedLangs index), English where that language's text is empty.
func CloneText(c *store.CuratedSet, li int) (name, notes string) {
	en := store.CuratedLangIndex("en")
	name, notes = c.Name[li], c.Notes[li]
	if name == "" {
		name = c.Name[en]
	}
	if notes == "" {
		notes = c.Notes[en]
	}
	return name, notes
}

// CloneLanguage reads the language of a clone request: required, one of
// store.CuratedLangs (any case); it returns its index.
func CloneLanguage(v string) (int, error) {
	lang := strings.ToLower(strings.TrimSpace(v))
	if lang == "" {
		return 0, apierr.LanguageMissing
	}
	li := store.CuratedLangIndex(lang)
	if li < 0 {
		return 0, apierr.UnsupportedLanguage
	}
	return li, nil
}

// ParseFile splits the last path segment of /curated-sets/{file} and
// /option-packs/{file}: "12" (format ""), "12.json" or "12.yaml". The id
// is a positive integer; anything else is 404.
func ParseFile(file string) (id int64, format string, err error) {
	base := file
	for _, f := range []string{"json", "yaml"} {
		if b, ok := strings.CutSuffix(file, "."+f); ok {
			base, format = b, f
			break
		}
	}
	if base == "" || len(base) > 18 {
		return 0, "", apierr.NotFound
	}
	for _, ch := range base {
		if ch < '0' || ch > '9' {
			return 0, "", apierr.NotFound
		}
		id = id*10 + int64(ch-'0')
	}
	if id < 1 {
		return 0, "", apierr.NotFound
	}
	return id, format, nil
}
