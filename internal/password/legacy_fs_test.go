package password

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// FreeSewing's own hashes (../fsimport/testdata, made by upstream's code).
func fsVectors(t *testing.T) (plain, v3, v3fixed, v2, keyPlain, keyStored string) {
	b, err := os.ReadFile("../fsimport/testdata/crypto-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Password struct {
			Plain       string `json:"plain"`
			V3          string `json:"v3"`
			V3FixedSalt string `json:"v3fixedSalt"`
			V2          string `json:"v2"`
		} `json:"password"`
		APIKeySecret struct {
			Plain  string `json:"plain"`
			Stored string `json:"stored"`
		} `json:"apikeySecret"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	p := v.Password
	return p.Plain, p.V3, p.V3FixedSalt, p.V2, v.APIKeySecret.Plain, v.APIKeySecret.Stored
}

func TestFreeSewingHashesKnownAnswers(t *testing.T) {
	plain, v3, v3fixed, v2, keyPlain, keyStored := fsVectors(t)
	h := NewHasher(Params{}, 2, 0)
	ctx := context.Background()
	for name, c := range map[string]struct{ secret, stored string }{
		"v3": {plain, v3}, "v3 fixed salt": {plain, v3fixed}, "v2 bcrypt": {plain, v2}, "api key secret": {keyPlain, keyStored},
	} {
		ok, rehash, err := h.Verify(ctx, c.secret, c.stored)
		if err != nil || !ok || !rehash {
			t.Errorf("%s: right secret: ok=%v rehash=%v err=%v", name, ok, rehash, err)
		}
		ok, _, err = h.Verify(ctx, c.secret+"x", c.stored)
		if err != nil || ok {
			t.Errorf("%s: wrong secret: ok=%v err=%v", name, ok, err)
		}
	}
}

func TestBcryptMalformedAndCostBound(t *testing.T) {
	h := NewHasher(Params{}, 1, 0)
	ctx := context.Background()
	for _, stored := range []string{
		`{"type":"v2","data":"not bcrypt"}`,
		`{"type":"v2","data":""}`,
		`{"type":"v2","data":"$2a$31$WJ4BwQ61x3Sh09hZEqokqenigfAxUSxoC9DyTjH8bmghesrR/eT2K"}`, // cost 31: refused, not run
		`{"type":"v9","hash":"00","salt":"00"}`,
	} {
		ok, _, err := h.Verify(ctx, "pw", stored)
		if ok || err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("Verify(%s) = %v, %v; want malformed", stored, ok, err)
		}
	}
}
