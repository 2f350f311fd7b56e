package apikey

import (
	"math/rand/v2"
	"testing"

	"bobbin/internal/httpx"
	"bobbin/internal/httpx/jsontest"
)

// checkKeyEncoding compares the key answer written by hand with
// encoding/json's reflection over the same type, and what httpx.Encode writes.
func checkKeyEncoding(t *testing.T, k APIKey) {
	t.Helper()
	for _, res := range []httpx.Result{httpx.Success, httpx.Created} {
		jsontest.MatchesMarshal(t, APIKeyResponse{res, k})
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
