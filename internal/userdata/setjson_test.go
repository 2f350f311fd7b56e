package userdata

import (
	"encoding/json"
	"testing"

	"bobbin/internal/store"
)

// A set listed with its stored measies JSON passed through answers the
// same bytes as one decoded into a map and encoded again.
func TestStoredMeasiesPassThroughSameBytes(t *testing.T) {
	for _, m := range []map[string]float64{{}, {"chest": 960, "waist": 820.5, "a<b": 1e21, "neck": -0.000001}} {
		stored, err := json.Marshal(m) // what store.Sets.seal writes
		if err != nil {
			t.Fatal(err)
		}
		base := store.Set{ID: 7, UserID: 3, Name: "n <&>", Notes: "x", Public: true, Img: "i", CreatedAt: 1, UpdatedAt: 2}
		decoded, raw := base, base
		decoded.Measies = m
		raw.MeasiesJSON = stored
		a, err := json.Marshal(AsSet(&decoded))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(AsSet(&raw))
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Fatalf("decoded %s\npassed through %s", a, b)
		}
		var back struct{ Measies map[string]float64 }
		if err := json.Unmarshal(b, &back); err != nil || len(back.Measies) != len(m) {
			t.Fatalf("measies lost: %s %v", b, err)
		}
	}
}
