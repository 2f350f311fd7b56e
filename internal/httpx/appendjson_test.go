package httpx

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// AppendString and AppendFloat write what json.Marshal writes (HTML
// escaping included); the set answers built on them are compared whole in
// internal/userdata.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "</script>", "a&b", "\u2028\u2029", "\x00\x1f\x7f\b\f\n\r\t", "\xff\xed\xa0\x80", `"\`} {
		f.Add(s, 1e21)
	}
	f.Add("x", 1e-7)
	f.Add("y", math.Copysign(0, -1))
	f.Fuzz(func(t *testing.T, s string, v float64) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("string %q: got %s want %s", s, got, want)
		}
		want, werr := json.Marshal(v)
		got, err := AppendFloat(nil, v)
		if (err != nil) != (werr != nil) || (err == nil && !bytes.Equal(got, want)) {
			t.Fatalf("float %v: got %s (%v) want %s (%v)", v, got, err, want, werr)
		}
		for _, st := range []Stamp{0, Stamp(int64(v)), 1700000000123} {
			want, _ := json.Marshal(st)
			if got := st.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("stamp %d: got %s want %s", st, got, want)
			}
		}
	})
}
