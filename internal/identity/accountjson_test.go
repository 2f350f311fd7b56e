package identity

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"bobbin/internal/httpx"
	"bobbin/internal/httpx/jsontest"
	"bobbin/internal/store"
)

// checkAccountEncoding compares every account answer written by hand with
// encoding/json's reflection over the same types: the account, its two
// envelopes and the whoami problem answer, and what httpx.Encode writes.
func checkAccountEncoding(t *testing.T, a Account) {
	t.Helper()
	want, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.AppendJSON(nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("account: %v\n got %s\nwant %s", err, got, want)
	}
	for _, v := range []httpx.Appender{AccountResponse{httpx.Success, a}, AccountResponse{httpx.Created, a},
		WhoamiProblem{Result: "error", Error: "consentLacking", Account: a}, WhoamiProblem{Result: a.Bio, Error: a.Email, Account: a}} {
		jsontest.MatchesMarshal(t, v)
	}
}

// stringAccount has s in every string field, the data's keys and values
// and the linked providers.
func stringAccount(i int, s string) Account {
	n := i
	return Account{ID: int64(i), Username: s, LUsername: s, Email: s, Bio: s, Language: s, Role: s, Img: s, IHash: s, Initial: s, GitHub: s,
		PassType: &s, Data: map[string]any{s: s, "n": []any{s, 1.5, nil, true, map[string]any{s: -1e21}}},
		Providers: &[]LinkedProvider{{Provider: s, Email: s, CreatedAt: 1700000000123}, {Provider: "google", Email: s, LastUsedAt: -1}},
		Passkeys:  &n, LastSeen: httpx.Stamp(i) * 1e11, CreatedAt: 1, UpdatedAt: -1700000000123}
}

func randAccount(r *rand.Rand) Account {
	str, stamp := jsontest.RandString, func() httpx.Stamp {
		if r.IntN(5) == 0 {
			return 0 // null
		}
		return httpx.Stamp(r.Int64N(1<<44) - 1<<40)
	}
	a := Account{ID: r.Int64() >> r.IntN(63), Username: str(r), LUsername: str(r), Email: str(r), Bio: str(r),
		Consent: r.IntN(4), Control: r.IntN(6) - 1, Compare: r.IntN(2) == 0, Imperial: r.IntN(2) == 0, Newsletter: r.IntN(2) == 0,
		Language: str(r), Role: str(r), Status: r.IntN(5) - 2, Patron: r.IntN(9), MFAEnabled: r.IntN(2) == 0, Img: str(r),
		IHash: str(r), Initial: str(r), GitHub: str(r), JWTCalls: r.Int64N(1 << 50), KeyCalls: -r.Int64N(9),
		LastSeen: stamp(), CreatedAt: stamp(), UpdatedAt: stamp()}
	if r.IntN(2) == 0 {
		p := str(r)
		a.PassType = &p
	}
	switch r.IntN(3) {
	case 0: // nil: null
	case 1:
		a.Data = map[string]any{}
	default:
		a.Data = map[string]any{}
		for k := r.IntN(6); k > 0; k-- {
			a.Data[str(r)] = []any{str(r), r.NormFloat64() * 1e6, r.IntN(2) == 0, nil}[r.IntN(4)]
		}
	}
	if r.IntN(2) == 0 {
		var list []LinkedProvider // nil (null) or with entries
		for k := r.IntN(3); k > 0; k-- {
			list = append(list, LinkedProvider{Provider: str(r), Email: str(r), CreatedAt: stamp(), LastUsedAt: stamp()})
		}
		if r.IntN(3) == 0 {
			list = []LinkedProvider{} // empty: []
		}
		n := r.IntN(4)
		a.Providers, a.Passkeys = &list, &n
	}
	return a
}

func TestAccountEncoderMatchesMarshal(t *testing.T) {
	for i, s := range jsontest.Adversarial {
		checkAccountEncoding(t, stringAccount(i, s))
	}
	checkAccountEncoding(t, Account{}) // zero: data null, stamps null, no providers
	// As the routes answer: data {} and passwordType null, or "v3".
	checkAccountEncoding(t, AsAccount(&store.User{ID: 7, Username: "Joost", Email: "j@example.com", Role: "user", Status: 1, CreatedAt: 1700000000123}))
	checkAccountEncoding(t, AsAccount(&store.User{ID: 8, Password: "$argon2id$...", Data: map[string]any{"a": map[string]any{"b": "<c>"}}}))
	r := rand.New(rand.NewPCG(14, 17))
	for range 1500 {
		checkAccountEncoding(t, randAccount(r))
	}
}

func FuzzAccountEncoder(f *testing.F) {
	for i, s := range jsontest.Adversarial {
		f.Add(int64(i), s, s, int64(i)*1e11, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, id int64, s, key string, stamp int64, methods bool) {
		a := stringAccount(int(id%1000), s)
		a.ID, a.Email, a.LastSeen, a.Data = id, key, httpx.Stamp(stamp), map[string]any{key: s, s: stamp}
		if !methods {
			a.Providers, a.Passkeys = nil, nil
		}
		checkAccountEncoding(t, a)
	})
}
