package apikey

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"testing"

	"bobbin/internal/httpx"
	"bobbin/internal/httpx/jsontest"
)

// checkKeyEncoding compares the key answer written by hand with
// encoding/json's reflection over the same type (it has no MarshalJSON),
// directly and as httpx.Encode puts it on the wire.
func checkKeyEncoding(t *testing.T, k APIKey) {
	t.Helper()
	for _, res := range []httpx.Result{httpx.Success, httpx.Created} {
		v := APIKeyResponse{res, k}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.AppendJSON([]byte("prefix"))
		if err != nil || !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("key answer: %v\n got %s\nwant prefix%s", err, got, want)
		}
		w := httptest.NewRecorder()
		if err := httpx.Encode(w, 201, v); err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		if !bytes.Equal(w.Body.Bytes(), want) || w.Header().Get("Content-Length") != strconv.Itoa(len(want)) {
			t.Fatalf("through Encode:\n got %q (%s)\nwant %q", w.Body.Bytes(), w.Header().Get("Content-Length"), want)
		}
	}
}

func TestKeyEncoderMatchesMarshal(t *testing.T) {
	for i, s := range jsontest.Adversarial {
		checkKeyEncoding(t, APIKey{Key: s, Secret: s, Name: s, Level: i, ExpiresAt: httpx.Stamp(i) * 1e11, CreatedAt: -1, UserID: int64(-i), LastSeen: 1700000000123, Calls: int64(i)})
		checkKeyEncoding(t, APIKey{Key: "k", Name: s}) // no secret: omitted; stamps null
	}
	r := rand.New(rand.NewPCG(17, 14))
	stamp := func() httpx.Stamp {
		if r.IntN(4) == 0 {
			return 0
		}
		return httpx.Stamp(r.Int64N(1<<44) - 1<<40)
	}
	for range 1000 {
		k := APIKey{Key: jsontest.RandString(r), Name: jsontest.RandString(r), Level: r.IntN(9) - 1, ExpiresAt: stamp(), CreatedAt: stamp(),
			UserID: r.Int64() >> r.IntN(63), LastSeen: stamp(), Calls: r.Int64N(1 << 40)}
		if r.IntN(2) == 0 {
			k.Secret = jsontest.RandString(r)
		}
		checkKeyEncoding(t, k)
	}
}
