package signin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bobbin/internal/apierr"
	"bobbin/internal/store"
	"bobbin/internal/throttle"
	"bobbin/internal/vault"
)

func testVault(t *testing.T) *vault.Vault {
	t.Helper()
	v, err := vault.New(strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totpOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifyMFATOTPOncePerStep(t *testing.T) {
	v := testVault(t)
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "t", AccountName: "a"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	u := &store.User{MFASecret: key.Secret()}
	c := code(t, key.Secret(), now)
	if ok, err := VerifyMFA(u, " "+c+" ", now, v); err != nil || !ok {
		t.Fatalf("current code refused: %v %v", ok, err)
	}
	if u.MFALastStep != now.Unix()/30 {
		t.Fatalf("last step %d, want %d", u.MFALastStep, now.Unix()/30)
	}
	if ok, _ := VerifyMFA(u, c, now, v); ok {
		t.Fatal("a code was accepted twice")
	}
	// One step of skew either way, not two.
	later := now.Add(30 * time.Second)
	if ok, _ := VerifyMFA(u, code(t, key.Secret(), later.Add(30*time.Second)), later, v); !ok {
		t.Fatal("next step's code refused")
	}
	if ok, _ := VerifyMFA(u, code(t, key.Secret(), later.Add(90*time.Second)), later, v); ok {
		t.Fatal("a code three steps ahead was accepted")
	}
}

func TestVerifyMFAScratchCodesAreSingleUse(t *testing.T) {
	v := testVault(t)
	codes, hashes := NewScratchCodes(v)
	if len(codes) != mfaScratchCount || len(hashes) != mfaScratchCount {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	for i, c := range codes {
		if len(c) != 2*mfaScratchLength || hashes[i] == c {
			t.Fatalf("code %q hash %q", c, hashes[i])
		}
	}
	u := &store.User{MFASecret: "JBSWY3DPEHPK3PXP", MFAScratch: hashes}
	now := time.Unix(1_800_000_000, 0)
	if ok, _ := VerifyMFA(u, strings.ToUpper(codes[3]), now, v); !ok {
		t.Fatal("scratch code typed in upper case refused")
	}
	if len(u.MFAScratch) != mfaScratchCount-1 {
		t.Fatalf("%d scratch codes left", len(u.MFAScratch))
	}
	if ok, _ := VerifyMFA(u, codes[3], now, v); ok {
		t.Fatal("a scratch code was accepted twice")
	}
	if ok, _ := VerifyMFA(u, "0123456789", now, v); ok {
		t.Fatal("an unknown scratch code was accepted")
	}
	if ok, _ := VerifyMFA(&store.User{MFAScratch: hashes}, codes[0], now, v); ok {
		t.Fatal("a code was accepted for an account without an MFA secret")
	}
}

func TestAccountKey(t *testing.T) {
	if got := AccountKey(&store.User{ID: 42}, "Someone"); got != "user:42" {
		t.Fatalf("known: %q", got)
	}
	if got := AccountKey(nil, "  Someone@Example.org "); got != "name:someone@example.org" {
		t.Fatalf("unknown: %q", got)
	}
}

func TestGuardRefusesAfterLimit(t *testing.T) {
	g := &Guard{Policy: &throttle.SignIn{PerAccount: throttle.New(2, time.Minute), PerAddress: throttle.New(100, time.Minute),
		PerKnown: throttle.New(2, time.Minute), Known: throttle.NewMemoryKnown(10, time.Hour)}}
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	u := &store.User{ID: 1}
	for range 2 {
		at := g.Attempt(ctx, nil, u, "", now)
		if err := g.Check(ctx, at, now); err != nil {
			t.Fatalf("refused before the limit: %v", err)
		}
		g.Failed(ctx, at, now)
	}
	err := g.Check(ctx, g.Attempt(ctx, nil, u, "", now), now)
	if c, retry, _ := apierr.From(err); c != apierr.TooManyRequests || retry <= 0 {
		t.Fatalf("after the limit: %v (retry %v)", err, retry)
	}
	if err := g.Check(ctx, g.Attempt(ctx, nil, &store.User{ID: 2}, "", now), now); err != nil {
		t.Fatalf("another account refused: %v", err)
	}
}

func TestQRSVG(t *testing.T) {
	svg, err := QRSVG("otpauth://totp/Bobbin:a?secret=JBSWY3DPEHPK3PXP&issuer=Bobbin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg"`) || !strings.HasSuffix(svg, `"/></svg>`) || !strings.Contains(svg, "h") {
		t.Fatalf("not an SVG document: %.80s", svg)
	}
}
