package api_test

import (
	"context"
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp/totp"

	"bobbin/internal/apitest"
)

// acctEnableMFA turns MFA on for u and returns the secret and scratch codes.
func acctEnableMFA(t *testing.T, e *apitest.Env, u *apitest.User, clock *acctClock) (string, []string) {
	t.Helper()
	r := e.Do("POST", "/account/mfa/jwt", map[string]any{"mfa": true}, u.JWT()).Expect(t, 200, "")
	secret := r.Str("mfa.secret")
	r = e.Do("POST", "/account/mfa/jwt", map[string]any{"mfa": true, "secret": secret, "token": acctCode(t, secret, clock)}, u.JWT()).Expect(t, 200, "")
	var codes []string
	for _, c := range r.Get("scratchCodes").([]any) {
		codes = append(codes, c.(string))
	}
	clock.Advance(30 * time.Second) // the enabling code's step is used up
	return secret, codes
}

func TestAccountMFA(t *testing.T) {
	t.Parallel()
	acctAccountMFA(t)
}

func acctAccountMFA(t *testing.T, opts ...apitest.Option) {
	e, clock := acctEnv(t, opts...)
	u := e.NewUser("user")
	mfa := func(body map[string]any) *apitest.Resp { return e.Do("POST", "/account/mfa/jwt", body, u.JWT()) }
	signin := func(token string) *apitest.Resp {
		body := map[string]any{"username": u.Username, "password": u.Password}
		if token != "" {
			body["token"] = token
		}
		return e.Do("POST", "/signin", body, apitest.None)
	}

	// Nothing to turn off yet; bad shapes.
	mfa(map[string]any{"mfa": false, "password": u.Password, "token": "123456"}).Expect(t, 400, "invalidMfaSetting")
	mfa(map[string]any{"mfa": "yes"}).Expect(t, 400, "invalidMfaSetting")
	mfa(map[string]any{"secret": "ABC"}).Expect(t, 400, "invalidMfaSetting")
	mfa(map[string]any{}).Expect(t, 400, "postBodyMissing")

	// Enrolment: secret, otpauth URI and an SVG QR code of that URI.
	r := mfa(map[string]any{"mfa": true}).Expect(t, 200, "")
	secret, otpauth, svg := r.Str("mfa.secret"), r.Str("mfa.otpauth"), r.Str("mfa.qrcode")
	if len(secret) < 32 || !strings.HasPrefix(otpauth, "otpauth://totp/Bobbin:") || !strings.Contains(otpauth, "secret="+secret) {
		t.Fatalf("enrolment answer: %s", r.Body)
	}
	acctCheckQR(t, svg, otpauth)
	// Kept server-side, encrypted, with MFA still off.
	var enc string
	var enabled bool
	if err := e.App.DB.QueryRow(context.Background(), "SELECT mfa_secret_enc, mfa_enabled FROM users WHERE id = ?", u.ID).Scan(&enc, &enabled); err != nil {
		t.Fatal(err)
	}
	if enc == "" || strings.Contains(enc, secret) || enabled {
		t.Fatalf("pending secret stored as %q, enabled %v", enc, enabled)
	}
	signin("").Expect(t, 200, "") // pending MFA does not ask for a code

	// Confirmation errors.
	good := acctCode(t, secret, clock)
	mfa(map[string]any{"mfa": true, "secret": secret}).Expect(t, 400, "mfaTokenMissing")
	mfa(map[string]any{"mfa": true, "token": good}).Expect(t, 400, "invalidMfaSetting")
	wrongBad := "000000"
	if good == wrongBad {
		wrongBad = "111111"
	}
	mfa(map[string]any{"mfa": true, "secret": secret, "token": wrongBad}).Expect(t, 403, "mfaTokenInvalid")
	other := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" // a secret that was not issued, with its own valid code
	otherCode, _ := totp.GenerateCode(other, clock.Now())
	mfa(map[string]any{"mfa": true, "secret": other, "token": otherCode}).Expect(t, 403, "mfaTokenInvalid")

	// Confirmation: MFA on, 8 distinct scratch codes, stored hashed.
	r = mfa(map[string]any{"mfa": true, "secret": strings.ToLower(secret), "token": good}).Expect(t, 200, "")
	if r.Get("account.mfaEnabled") != true || r.Get("account.mfaSecret") != nil {
		t.Fatalf("confirm answer: %s", r.Body)
	}
	var scratch []string
	seen := map[string]bool{}
	for _, c := range r.Get("scratchCodes").([]any) {
		s := c.(string)
		if len(s) == 6 || seen[s] {
			t.Fatalf("bad scratch code %q", s)
		}
		seen[s] = true
		scratch = append(scratch, s)
	}
	if len(scratch) != 8 {
		t.Fatalf("%d scratch codes", len(scratch))
	}
	var stored string
	if err := e.App.DB.QueryRow(context.Background(), "SELECT mfa_scratch FROM users WHERE id = ?", u.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for _, s := range scratch {
		if strings.Contains(stored, s) {
			t.Fatal("scratch code stored in the clear")
		}
	}
	m := acctMail(t, e, u.Email, "mfaChanged")
	if !strings.Contains(m.Text, "turned on") {
		t.Fatalf("MFA notice: %s", m.Text)
	}
	mfa(map[string]any{"mfa": true}).Expect(t, 400, "mfaActive")
	mfa(map[string]any{"mfa": true, "secret": secret, "token": good}).Expect(t, 400, "mfaActive")

	// Sign-in now needs a code; each code works once.
	signin("").Expect(t, 403, "mfaTokenRequired")
	signin(good).Expect(t, 401, "signInFailed") // used to turn MFA on
	clock.Advance(30 * time.Second)
	next := acctCode(t, secret, clock)
	tok := signin(next).Expect(t, 200, "").Str("token")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(tok)).Expect(t, 200, "")
	signin(next).Expect(t, 401, "signInFailed")
	// A scratch code works once, in either case, and is gone after.
	signin(scratch[0]).Expect(t, 200, "")
	signin(scratch[0]).Expect(t, 401, "signInFailed")
	signin(strings.ToUpper(scratch[1])).Expect(t, 200, "")
	if err := e.App.DB.QueryRow(context.Background(), "SELECT mfa_scratch FROM users WHERE id = ?", u.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stored, ","); n != 5 { // 6 hashes left
		t.Fatalf("%d scratch hashes left, want 6: %s", n+1, stored)
	}

	// Turning off: password and code needed.
	clock.Advance(30 * time.Second)
	code := acctCode(t, secret, clock)
	mfa(map[string]any{"mfa": false, "token": code}).Expect(t, 400, "passwordMissing")
	mfa(map[string]any{"mfa": false, "password": u.Password}).Expect(t, 400, "mfaTokenMissing")
	mfa(map[string]any{"mfa": false, "password": "wrong password!", "token": code}).Expect(t, 401, "authenticationFailed")
	mfa(map[string]any{"mfa": false, "password": u.Password, "token": scratch[0]}).Expect(t, 403, "mfaTokenInvalid")
	// Level 3 keys may not touch MFA.
	k3, s3 := e.NewKey(u, 3)
	e.Do("POST", "/account/mfa/key", map[string]any{"mfa": false, "password": u.Password, "token": code}, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")
	// A level-4 key may, with a scratch code.
	r = e.Do("POST", "/account/mfa/key", map[string]any{"mfa": false, "password": u.Password, "token": scratch[2]}, u.KeyAuth()).Expect(t, 200, "")
	if r.Get("account.mfaEnabled") != false {
		t.Fatalf("disable answer: %s", r.Body)
	}
	if err := e.App.DB.QueryRow(context.Background(), "SELECT mfa_secret_enc, mfa_scratch, mfa_enabled FROM users WHERE id = ?", u.ID).Scan(&enc, &stored, &enabled); err != nil {
		t.Fatal(err)
	}
	if plain, err := e.App.DB.Vault().Decrypt("users.mfa_secret", enc); err != nil || plain != "" || stored != "" || enabled {
		t.Fatalf("after disable: secret %q scratch %q enabled %v", enc, stored, enabled)
	}
	if m := acctMail(t, e, u.Email, "mfaChanged"); !strings.Contains(m.Text, "turned off") {
		t.Fatalf("MFA notice: %s", m.Text)
	}
	signin("").Expect(t, 200, "")

	// The audit log tells the story, newest first.
	ev := acctEvents(t, e, u.JWT())
	if ev[0] != "signin" || ev[1] != "mfa.disabled" {
		t.Fatalf("newest events: %v", ev[:4])
	}
	acctHas(t, ev, "mfa.setup", "mfa.enabled", "mfa.failed", "signin.failed")
	if n := acctCount(ev, "mfa.failed"); n != 4 { // 2 wrong codes at enable, password and code at disable
		t.Fatalf("%d mfa.failed events, want 4: %v", n, ev)
	}
}

// acctCheckQR decodes the SVG's modules and compares them with the QR code
// of want: the picture must be exactly that code, with a quiet zone.
func acctCheckQR(t *testing.T, svg, want string) {
	t.Helper()
	if strings.Contains(svg, "png") || !strings.HasPrefix(svg, "<svg") {
		t.Fatalf("qrcode is not an SVG: %.80s", svg)
	}
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		ViewBox string   `xml:"viewBox,attr"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("SVG does not parse: %v", err)
	}
	code, err := qr.Encode(want, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Bounds().Dx()
	if doc.ViewBox != "0 0 "+strconv.Itoa(n+8)+" "+strconv.Itoa(n+8) {
		t.Fatalf("viewBox %q for a %d-module code", doc.ViewBox, n)
	}
	got := map[[2]int]bool{}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(doc.Path.D, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := range w {
			got[[2]int{x + i - 4, y - 4}] = true
		}
	}
	dark := 0
	for y := range n {
		for x := range n {
			r, _, _, _ := code.At(x, y).RGBA()
			isDark := r < 0x8000
			if isDark {
				dark++
			}
			if got[[2]int{x, y}] != isDark {
				t.Fatalf("module %d,%d differs", x, y)
			}
		}
	}
	if len(got) != dark || dark == 0 {
		t.Fatalf("%d modules drawn, %d dark", len(got), dark)
	}
}
