package measure

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

func raw(t testing.TB, s string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNamesMatchSpecCopy(t *testing.T) {
	if len(Names) != 38 {
		t.Fatalf("%d names, want 38", len(Names))
	}
	for _, n := range []string{"ankle", "shoulderSlope", "wrist", "waistToUpperLeg"} {
		if !Known(n) {
			t.Errorf("%s not known", n)
		}
	}
	for _, n := range []string{"", "Ankle", "height", "wrist "} {
		if Known(n) {
			t.Errorf("%q known", n)
		}
	}
	// When the shared spec is beside the repository, the embedded copy must match it.
	if b, err := os.ReadFile("../../../../shared/spec/measurements.txt"); err == nil {
		if strings.TrimSpace(string(b)) != strings.TrimSpace(list) {
			t.Fatal("embedded measurements.txt differs from the spec's")
		}
	}
}

func TestClean(t *testing.T) {
	got := Clean(raw(t, `{"chest": 1000, "waist": 800.5, "neck": 0, "hips": -3, "seat": "900", "knee": null,
		"head": {"a": 1}, "wrist": [1], "bogus": 12, "Chest": 5, "ankle": 1e-9, "biceps": 1.7976931348623157e308}`))
	want := Set{"chest": 1000, "waist": 800.5, "ankle": 1e-9, "biceps": math.MaxFloat64}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: got %v, want %v", k, got[k], v)
		}
	}
	if c := Clean(raw(t, `{"chest": 1e400}`)); len(c) != 0 {
		t.Fatalf("overflow kept: %v", c)
	}
	if c := Clean(nil); c == nil || len(c) != 0 {
		t.Fatalf("Clean(nil) = %v", c)
	}
}

func TestMerge(t *testing.T) {
	stored := Set{"chest": 1000, "waist": 800, "neck": 380}
	got := Merge(stored, raw(t, `{"chest": 1010, "waist": null, "neck": -1, "hips": 950, "bogus": 1, "knee": null, "seat": "x"}`))
	want := Set{"chest": 1010, "neck": 380, "hips": 950}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: got %v, want %v", k, got[k], v)
		}
	}
	if stored["chest"] != 1000 || stored["waist"] != 800 {
		t.Fatal("Merge modified its input")
	}
	if m := Merge(nil, nil); m == nil || len(m) != 0 {
		t.Fatalf("Merge(nil, nil) = %v", m)
	}
	// A stored name that is no longer known is dropped on the next write.
	if m := Merge(Set{"oldName": 3, "chest": 1}, nil); len(m) != 1 || m["chest"] != 1 {
		t.Fatalf("unknown stored name kept: %v", m)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{`{"chest": 1000}`, `{"waist": null, "neck": -1}`, `{"hips": "12", "knee": 1e308}`, `{}`, `{"ankle": 0.0001}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in map[string]json.RawMessage
		if json.Unmarshal(b, &in) != nil {
			return
		}
		check := func(s Set) {
			for k, v := range s {
				if !Known(k) || !(v > 0) || math.IsInf(v, 0) || math.IsNaN(v) {
					t.Fatalf("kept %q = %v", k, v)
				}
			}
			if _, err := json.Marshal(s); err != nil {
				t.Fatalf("clean set does not marshal: %v", err)
			}
		}
		c := Clean(in)
		check(c)
		m := Merge(Set{"chest": 1, "waist": 2}, in)
		check(m)
		for k, raw := range in {
			if Known(k) && strings.TrimSpace(string(raw)) == "null" {
				if _, ok := m[k]; ok {
					t.Fatalf("null did not delete %s", k)
				}
			}
		}
	})
}
