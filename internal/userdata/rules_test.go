package userdata

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// fields decodes a body the way the adapter does: into req and its raw
// top-level fields.
func fields(t *testing.T, body string, req any) map[string]json.RawMessage {
	t.Helper()
	if err := json.Unmarshal([]byte(body), req); err != nil {
		t.Fatal(err)
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestObjectNameAndNotes(t *testing.T) {
	long := strings.Repeat("é", maxObjectName) // characters, not bytes
	for _, c := range []struct {
		in       string
		required bool
		want     string
		err      error
	}{
		{"  Alice  ", true, "Alice", nil},
		{"   ", true, "", apierr.NameMissing},
		{"   ", false, "", nil},
		{long, true, long, nil},
		{long + "x", true, "", apierr.NameTooLong},
		{long + "x", false, "", apierr.NameTooLong},
	} {
		got, err := ObjectName(c.in, c.required)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("ObjectName(%.10q, %v) = %q, %v; want %q, %v", c.in, c.required, got, err, c.want, c.err)
		}
	}
	notes := " " + strings.Repeat("ü", maxObjectNotes-1)
	if got, err := ObjectNotes(notes); got != notes || err != nil {
		t.Errorf("notes at the limit: kept untrimmed, got len %d, %v", len(got), err)
	}
	if _, err := ObjectNotes(notes + "x"); !errors.Is(err, apierr.NotesTooLong) {
		t.Errorf("notes over the limit: %v", err)
	}
}

func TestApplySet(t *testing.T) {
	stored := func() *store.Set {
		return &store.Set{Name: "Old", Notes: "n", Measies: map[string]float64{"chest": 1000, "waist": 800}}
	}
	for _, c := range []struct {
		name, body string
		err        error
		want       *store.Set
	}{
		{"absent fields stay", `{}`, nil, stored()},
		{"null name refused", `{"name":null}`, apierr.NameMissing, nil},
		{"empty name refused", `{"name":"  "}`, apierr.NameMissing, nil},
		{"name trimmed, flags set", `{"name":" New ","public":true,"imperial":true,"notes":""}`, nil,
			&store.Set{Name: "New", Public: true, Imperial: true, Measies: map[string]float64{"chest": 1000, "waist": 800}}},
		{"measies merge, null deletes, bad values ignored", `{"measies":{"chest":1010,"waist":null,"hips":950,"neck":-1,"bogus":3}}`, nil,
			&store.Set{Name: "Old", Notes: "n", Measies: map[string]float64{"chest": 1010, "hips": 950}}},
		{"notes too long", `{"notes":"` + strings.Repeat("a", maxObjectNotes+1) + `"}`, apierr.NotesTooLong, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var req SetRequest
			f := fields(t, c.body, &req)
			set := stored()
			err := ApplySet(set, &req, f)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if c.want != nil && !reflect.DeepEqual(set, c.want) {
				t.Errorf("got %+v, want %+v", set, c.want)
			}
		})
	}
}

func TestPatternDesign(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string
		err  error
	}{
		{``, "", apierr.DesignMissing},
		{`null`, "", apierr.DesignMissing},
		{`"  "`, "", apierr.DesignMissing},
		{`42`, "", apierr.DesignNotStringy},
		{`{"a":1}`, "", apierr.DesignNotStringy},
		{`" aaron "`, "aaron", nil},
		{`"` + strings.Repeat("d", maxDesign) + `"`, strings.Repeat("d", maxDesign), nil},
		{`"` + strings.Repeat("d", maxDesign+1) + `"`, "", apierr.DesignTooLong},
	} {
		got, err := PatternDesign(json.RawMessage(c.raw))
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("PatternDesign(%.20s) = %q, %v; want %q, %v", c.raw, got, err, c.want, c.err)
		}
	}
}

func TestApplyPattern(t *testing.T) {
	big := `{"x":"` + strings.Repeat("a", maxObjectJSON) + `"}`
	for _, c := range []struct {
		name, body string
		err        error
		want       *store.Pattern
	}{
		{"absent and null leave settings and data", `{"settings":null,"data":null}`, nil,
			&store.Pattern{Name: "P", Settings: map[string]any{"sa": 10.0}, Data: map[string]any{"k": "v"}}},
		{"replaced as a whole", `{"settings":{"sabool":true},"data":{},"name":"  ","public":true}`, nil,
			&store.Pattern{Name: "", Public: true, Settings: map[string]any{"sabool": true}, Data: map[string]any{}}},
		{"settings not an object", `{"settings":[1]}`, apierr.SettingsNotAnObj, nil},
		{"settings a string", `{"settings":"{}"}`, apierr.SettingsNotAnObj, nil},
		{"data not an object", `{"data":3}`, apierr.PatternDataNotObj, nil},
		{"settings too large", `{"settings":` + big + `}`, apierr.SettingsTooLarge, nil},
		{"data too large", `{"data":` + big + `}`, apierr.PatternDataTooLarge, nil},
		{"name too long", `{"name":"` + strings.Repeat("n", maxObjectName+1) + `"}`, apierr.NameTooLong, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var req PatternRequest
			fields(t, c.body, &req)
			p := &store.Pattern{Name: "P", Settings: map[string]any{"sa": 10.0}, Data: map[string]any{"k": "v"}}
			err := ApplyPattern(p, &req)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if c.want != nil && !reflect.DeepEqual(p, c.want) {
				t.Errorf("got %+v, want %+v", p, c.want)
			}
		})
	}
}

func TestAccess(t *testing.T) {
	const owner = 7
	at := func(id int64, l auth.Level) *httpx.Caller { return &httpx.Caller{UserID: id, Level: l} }
	for _, c := range []struct {
		who                   string
		c                     *httpx.Caller
		read, change, private bool // private: may clone a private object
	}{
		{"owner at the lowest write level", at(owner, auth.WriteSome), true, true, true},
		{"other user", at(8, auth.User), false, false, false},
		{"curator", at(8, auth.Curator), false, false, false},
		{"bughunter reads only", at(8, auth.Bughunter), true, false, false},
		{"support", at(8, auth.Support), true, true, true},
		{"admin", at(8, auth.Admin), true, true, true},
	} {
		ok := func(err error) bool {
			if err != nil && !errors.Is(err, apierr.InsufficientAccessLevel) {
				t.Fatalf("%s: unexpected error %v", c.who, err)
			}
			return err == nil
		}
		if got := ok(MayRead(c.c, owner)); got != c.read {
			t.Errorf("%s: read %v, want %v", c.who, got, c.read)
		}
		if got := ok(MayChange(c.c, owner)); got != c.change {
			t.Errorf("%s: change %v, want %v", c.who, got, c.change)
		}
		if got := ok(MayClone(c.c, owner, false)); got != c.private {
			t.Errorf("%s: clone private %v, want %v", c.who, got, c.private)
		}
		if !ok(MayClone(c.c, owner, true)) {
			t.Errorf("%s: may not clone a public object", c.who)
		}
	}
	if err := Published(false); !errors.Is(err, apierr.NotFound) {
		t.Errorf("private document: %v, want notFound", err)
	}
	if err := Published(true); err != nil {
		t.Errorf("public document: %v", err)
	}
}

func TestClonesArePrivateCopies(t *testing.T) {
	src := &store.Set{ID: 3, UserID: 7, Name: "S", Notes: "N", Public: true, Imperial: true, Img: "https://x/i.png",
		Measies: map[string]float64{"chest": 1000}, CreatedAt: 1, UpdatedAt: 2}
	c := CloneSet(src, 9, 50)
	want := &store.Set{UserID: 9, Name: "S", Notes: "N", Imperial: true, Measies: map[string]float64{"chest": 1000}, CreatedAt: 50, UpdatedAt: 50}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("clone %+v, want %+v", c, want)
	}
	c.Measies["chest"] = 1
	if src.Measies["chest"] != 1000 {
		t.Error("the clone's measies are the source's map")
	}
	p := ClonePattern(&store.Pattern{ID: 4, UserID: 7, Design: "aaron", Name: "P", Public: true, Img: "https://x/p.png",
		Settings: map[string]any{"a": 1.0}, Data: map[string]any{}}, 9, 50)
	if p.UserID != 9 || p.Public || p.Img != "" || p.ID != 0 || p.Design != "aaron" || p.CreatedAt != 50 || p.Settings["a"] != 1.0 {
		t.Errorf("pattern clone %+v", p)
	}
}

func TestDocuments(t *testing.T) {
	d := SetDocumentOf(&store.Set{Name: "S", Imperial: true}, "alice")
	if d.Units != "imperial" || d.Author != "alice" || d.Measurements == nil || d.Type != "measurementsSet" {
		t.Errorf("set document %+v", d)
	}
	if d := SetDocumentOf(&store.Set{}, "a"); d.Units != "metric" {
		t.Errorf("units %q", d.Units)
	}
	pd := PatternDocumentOf(&store.Pattern{Design: "aaron", Img: "i"}, "bob")
	if pd.Settings == nil || pd.Data == nil || pd.Design != "aaron" || pd.Img != "i" || pd.Type != "pattern" {
		t.Errorf("pattern document %+v", pd)
	}
}

func TestIDFirst(t *testing.T) {
	served := false
	inner := httpx.OK(func(_ context.Context, in *httpx.In[SetRequest]) (SetResponse, error) {
		served = true
		return SetResponse{}, nil
	})
	h := IDFirst(inner)
	if h.Req == nil || h.Resp == nil || h.Status != inner.Status {
		t.Fatalf("IDFirst lost the types: %+v", h)
	}
	for _, c := range []struct {
		id   string
		body string
		err  error
	}{
		{"abc", `not json`, apierr.NotFound}, // the id is checked before the body
		{"0", `{}`, apierr.NotFound},
		{"5", `not json`, apierr.InvalidJSON}, // then the body
		{"5", `{"name":"x"}`, nil},
	} {
		served = false
		r := httptest.NewRequest(http.MethodPatch, "/sets/"+c.id, strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		r.SetPathValue("id", c.id)
		err := h.Serve(httptest.NewRecorder(), r)
		if !errors.Is(err, c.err) || served != (c.err == nil) {
			t.Errorf("id %q: err %v served %v; want %v", c.id, err, served, c.err)
		}
	}
}
