package userdata

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"testing"

	"bobbin/internal/httpx"
	"bobbin/internal/httpx/jsontest"
	"bobbin/internal/store"
)

// The answer types as encoding/json writes them by reflection: what the
// set routes answered before the hand encoder (and what it must equal).
type (
	plainSet      Set // no methods: encoded field by field, measies as a map
	plainResponse struct {
		httpx.Result
		Set plainSet `json:"set"`
	}
	plainList struct {
		httpx.Result
		Sets []plainSet `json:"sets"`
	}
)

var specialFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 960, 820.5, 1e20, 1e21, 1e-6, 1e-7, 9.999999e-7,
	123456789012345678901234567890, math.MaxFloat64, math.SmallestNonzeroFloat64, -1e-300, 1e-100, 2.5e-8, 1.7976931348623157e308}

func randFloat(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		return specialFloats[r.IntN(len(specialFloats))]
	case 1:
		return float64(r.IntN(3000)) / 2
	case 2:
		return math.Float64frombits(r.Uint64()) // any bits; NaN and Inf are drawn again
	default:
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(60)-30))
	}
}

func randSet(r *rand.Rand) store.Set {
	m := map[string]float64{}
	for n := r.IntN(12); n > 0; n-- {
		f := randFloat(r)
		for math.IsNaN(f) || math.IsInf(f, 0) {
			f = randFloat(r)
		}
		m[jsontest.RandString(r)] = f
	}
	stamp := func() int64 {
		if r.IntN(5) == 0 {
			return 0 // null
		}
		return r.Int64N(1<<44) - 1<<40
	}
	return store.Set{ID: r.Int64() >> r.IntN(63), UserID: r.Int64N(1 << 40), Name: jsontest.RandString(r), Notes: jsontest.RandString(r),
		Public: r.IntN(2) == 0, Imperial: r.IntN(2) == 0, Measies: m, Img: jsontest.RandString(r), CreatedAt: stamp(), UpdatedAt: stamp()}
}

// checkSetEncoding compares every way the set answers are written with
// encoding/json's reflection over the plain types: the set alone, its
// answer envelope, the list envelope, through httpx.Encode (the bytes a
// client gets), with the measies as a map and passed through as stored.
func checkSetEncoding(t *testing.T, s store.Set) {
	t.Helper()
	stored, err := json.Marshal(s.Measies) // what store.Sets.seal writes
	if err != nil {
		t.Fatal(err)
	}
	decoded := AsSet(&s)
	raw := s
	raw.Measies, raw.MeasiesJSON = nil, stored
	passed := AsSet(&raw)

	want, err := json.Marshal(plainSet(decoded))
	if err != nil {
		t.Fatal(err)
	}
	for name, set := range map[string]Set{"decoded": decoded, "passed through": passed} {
		got, err := set.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s set:\n got %q\nwant %q", name, got, want)
		}
		viaMarshal, err := json.Marshal(set) // Set inside other answers
		if err != nil || !bytes.Equal(viaMarshal, want) {
			t.Fatalf("%s set through json.Marshal: %v\n got %q\nwant %q", name, err, viaMarshal, want)
		}
		for _, res := range []httpx.Result{httpx.Success, httpx.Created} {
			wantOne, _ := json.Marshal(plainResponse{res, plainSet(decoded)})
			one, err := SetResponse{res, set}.AppendJSON(nil)
			if err != nil || !bytes.Equal(one, wantOne) {
				t.Fatalf("%s set answer: %v\n got %q\nwant %q", name, err, one, wantOne)
			}
			wantList, _ := json.Marshal(plainList{res, []plainSet{plainSet(decoded), plainSet(decoded), plainSet(decoded)}})
			list, err := SetsResponse{res, []Set{set, passed, decoded}}.AppendJSON(nil)
			if err != nil || !bytes.Equal(list, wantList) {
				t.Fatalf("%s list answer: %v\n got %q\nwant %q", name, err, list, wantList)
			}
			// The bytes on the wire: Encode is json.Encoder's output before.
			var enc bytes.Buffer
			if err := json.NewEncoder(&enc).Encode(plainList{res, []plainSet{plainSet(decoded)}}); err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			if err := httpx.Encode(w, 200, SetsResponse{res, []Set{set}}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(w.Body.Bytes(), enc.Bytes()) || w.Header().Get("Content-Length") != itoa(enc.Len()) {
				t.Fatalf("%s through Encode:\n got %q (%s)\nwant %q", name, w.Body.Bytes(), w.Header().Get("Content-Length"), enc.Bytes())
			}
		}
	}
}

func itoa(n int) string { return httpx.Itoa(int64(n)) }

func TestSetEncoderMatchesMarshal(t *testing.T) {
	// Each adversarial string in every string field and as a measies name.
	for i, s := range jsontest.Adversarial {
		checkSetEncoding(t, store.Set{ID: int64(i), UserID: 3, Name: s, Notes: s, Img: s, CreatedAt: 1, UpdatedAt: 1700000000123,
			Measies: map[string]float64{s: specialFloats[i%len(specialFloats)], "chest": 960}})
	}
	for i, f := range specialFloats {
		checkSetEncoding(t, store.Set{ID: int64(i), Measies: map[string]float64{"m": f, "n": -f}})
	}
	checkSetEncoding(t, store.Set{Measies: map[string]float64{}}) // empty, ids and stamps zero
	r := rand.New(rand.NewPCG(17, 2026))
	for range 1500 {
		checkSetEncoding(t, randSet(r))
	}
	// A set with no measies at all (neither map nor stored JSON) is
	// answered with {} like a decoded empty one.
	got, _ := AsSet(&store.Set{}).AppendJSON(nil)
	if !bytes.Contains(got, []byte(`"measies":{}`)) {
		t.Fatalf("no measies: %s", got)
	}
}

// NaN and infinities cannot be written as JSON: the encoder refuses them
// as json.Marshal does, instead of writing an invalid answer.
func TestSetEncoderRefusesNonFinite(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		s := AsSet(&store.Set{Measies: map[string]float64{"chest": f}})
		if _, err := json.Marshal(plainSet(s)); err == nil {
			t.Fatal("json.Marshal accepted a non-finite number")
		}
		if b, err := s.AppendJSON(nil); err == nil {
			t.Fatalf("%v encoded as %s", f, b)
		}
		if _, err := (SetsResponse{httpx.Success, []Set{s}}).AppendJSON(nil); err == nil {
			t.Fatalf("%v encoded in a list", f)
		}
	}
}

func FuzzSetEncoder(f *testing.F) {
	for i, s := range jsontest.Adversarial {
		f.Add(int64(i), s, s, "k"+s, specialFloats[i%len(specialFloats)], int64(i)*1e11, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, id int64, name, notes, key string, v float64, stamp int64, public bool) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		checkSetEncoding(t, store.Set{ID: id, UserID: -id, Name: name, Notes: notes, Img: key + name, Public: public,
			Imperial: !public, Measies: map[string]float64{key: v, name: -v}, CreatedAt: stamp, UpdatedAt: stamp / 3})
	})
}
