package passkey_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

var b64 = base64.RawURLEncoding

// authenticator is a software WebAuthn authenticator: a P-256 key per
// credential, "none" attestation, a sign counter, and flags a test sets.
type authenticator struct {
	key     *ecdsa.PrivateKey
	credID  []byte
	handle  []byte // the user handle it was registered for
	rpID    string // the relying party it signs for
	origin  string // the origin its client reports
	counter uint32
	uv      bool // user verified
	be, bs  bool // backup eligible, backed up
}

func newAuthenticator(t *testing.T) *authenticator {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &authenticator{key: k, credID: id, rpID: "site.test", origin: "https://site.test", uv: true, be: true, bs: true}
}

func (a *authenticator) flags(attested bool) byte {
	f := byte(0x01) // UP
	if a.uv {
		f |= 0x04
	}
	if a.be {
		f |= 0x08
	}
	if a.bs {
		f |= 0x10
	}
	if attested {
		f |= 0x40
	}
	return f
}

func (a *authenticator) authData(attested bool) []byte {
	h := sha256.Sum256([]byte(a.rpID))
	out := append([]byte{}, h[:]...)
	out = append(out, a.flags(attested))
	out = binary.BigEndian.AppendUint32(out, a.counter)
	if attested {
		out = append(out, make([]byte, 16)...) // AAGUID: none
		out = binary.BigEndian.AppendUint16(out, uint16(len(a.credID)))
		out = append(out, a.credID...)
		pub, err := a.key.PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			panic(err)
		}
		x, y := pub[1:33], pub[33:65]
		cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
		if err != nil {
			panic(err)
		}
		out = append(out, cose...)
	}
	return out
}

func (a *authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return b
}

// options reads the challenge and user handle of begin's options.
func options(t *testing.T, r *apitest.Resp) (ceremony, challenge string, user []byte) {
	t.Helper()
	ceremony = r.Str("ceremony")
	challenge = r.Str("options.publicKey.challenge")
	if ceremony == "" || challenge == "" {
		t.Fatalf("begin answered %s", r.Body)
	}
	if h := r.Str("options.publicKey.user.id"); h != "" {
		var err error
		if user, err = b64.DecodeString(strings.TrimRight(h, "=")); err != nil {
			t.Fatalf("user id %q: %v", h, err)
		}
	}
	return
}

// create answers navigator.credentials.create().
func (a *authenticator) create(challenge string, user []byte) map[string]any {
	a.handle = user
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(true)})
	if err != nil {
		panic(err)
	}
	return map[string]any{"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(a.clientData("webauthn.create", challenge)),
			"attestationObject": b64.EncodeToString(att), "transports": []string{"internal"}},
		"clientExtensionResults": map[string]any{}, "authenticatorAttachment": "platform"}
}

// get answers navigator.credentials.get(), counting one use.
func (a *authenticator) get(challenge string) map[string]any {
	a.counter++
	return a.assert(challenge)
}

func (a *authenticator) assert(challenge string) map[string]any {
	ad := a.authData(false)
	cd := a.clientData("webauthn.get", challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		panic(err)
	}
	return map[string]any{"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(ad),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(a.handle)},
		"clientExtensionResults": map[string]any{}}
}

func newEnv(t *testing.T, opts ...apitest.Option) *apitest.Env {
	if onPostgres {
		opts = append(opts, apitest.WithPostgres())
	}
	return apitest.New(t, append([]apitest.Option{apitest.WithEnv("BACKEND_WEBSITE_URL", "https://site.test")}, opts...)...)
}

func register(t *testing.T, e *apitest.Env, u *apitest.User, a *authenticator, name string) *apitest.Resp {
	t.Helper()
	cer, ch, user := options(t, e.Do("POST", "/passkeys/register/begin/jwt", nil, u.JWT()).Expect(t, 200, ""))
	if len(user) == 0 {
		t.Fatal("registration options carry no user handle")
	}
	return e.Do("POST", "/passkeys/register/finish/jwt", map[string]any{"ceremony": cer, "name": name, "credential": a.create(ch, user)}, u.JWT())
}

func signIn(t *testing.T, e *apitest.Env, cred func(challenge string) map[string]any) *apitest.Resp {
	t.Helper()
	cer, ch, _ := options(t, e.Do("POST", "/signin/passkey/begin", nil, apitest.None).Expect(t, 200, ""))
	return e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": cer, "credential": cred(ch)}, apitest.None)
}

func TestRegisterListSignInDelete(t *testing.T) {
	e := newEnv(t)
	u := e.NewUser("user")
	a := newAuthenticator(t)
	r := register(t, e, u, a, "  Laptop ").Expect(t, 201, "")
	if r.Str("passkey.name") != "Laptop" || r.Get("passkey.backupEligible") != true {
		t.Fatalf("registered %s", r.Body)
	}
	// Options ask for a resident key and user verification.
	begin := e.Do("POST", "/passkeys/register/begin/jwt", nil, u.JWT()).Expect(t, 200, "")
	if begin.Str("options.publicKey.authenticatorSelection.residentKey") != "required" ||
		begin.Str("options.publicKey.authenticatorSelection.userVerification") != "required" ||
		begin.Str("options.publicKey.rp.id") != "site.test" ||
		begin.Str("options.publicKey.excludeCredentials.0.id") != b64.EncodeToString(a.credID) {
		t.Fatalf("creation options %s", begin.Body)
	}
	list := e.Do("GET", "/passkeys/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if list.Str("passkeys.0.name") != "Laptop" || list.Get("passkeys.1") != nil {
		t.Fatalf("list %s", list.Body)
	}
	if e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "").Num("account.passkeys") != 1 {
		t.Fatal("account does not count the passkey")
	}
	s := signIn(t, e, a.get).Expect(t, 200, "")
	if int64(s.Num("account.id")) != u.ID || s.Str("token") == "" {
		t.Fatalf("signed in as %s", s.Body)
	}
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(s.Str("token"))).Expect(t, 200, "")
	signIn(t, e, a.get).Expect(t, 200, "")
	audit := e.Do("GET", "/account/audit/jwt", nil, u.JWT()).Expect(t, 200, "")
	if !strings.Contains(string(audit.Body), `"passkey.added"`) || !strings.Contains(string(audit.Body), `"passkey"`) {
		t.Fatalf("audit %s", audit.Body)
	}
	// Another user cannot delete it; its owner can, and then it signs in no more.
	other := e.NewUser("user")
	id := httpxItoa(list.Num("passkeys.0.id"))
	e.Do("DELETE", "/passkeys/"+id+"/jwt", nil, other.JWT()).Expect(t, 404, "")
	e.Do("DELETE", "/passkeys/"+id+"/jwt", nil, u.JWT()).Expect(t, 204, "")
	signIn(t, e, a.get).Expect(t, 403, "passkeyInvalid")
}

func httpxItoa(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(jsonNum(f), ".0"), ".")
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

// A passkey sign-in counts as both factors: no TOTP code is asked.
func TestCountsAsMFA(t *testing.T) {
	e := newEnv(t)
	u := e.NewUser("user")
	a := newAuthenticator(t)
	register(t, e, u, a, "key").Expect(t, 201, "")
	e.UpdateUser(u.ID, func(x *store.User) { x.MFAEnabled, x.MFASecret = true, "JBSWY3DPEHPK3PXP" })
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 403, "mfaTokenRequired")
	signIn(t, e, a.get).Expect(t, 200, "")
}

func TestCeremoniesAreSingleUseAndOwn(t *testing.T) {
	e := newEnv(t)
	u, v := e.NewUser("user"), e.NewUser("user")
	a := newAuthenticator(t)
	// A registration ceremony of u finished by v.
	cer, ch, user := options(t, e.Do("POST", "/passkeys/register/begin/jwt", nil, u.JWT()).Expect(t, 200, ""))
	e.Do("POST", "/passkeys/register/finish/jwt", map[string]any{"ceremony": cer, "credential": a.create(ch, user)}, v.JWT()).Expect(t, 403, "ceremonyExpired")
	e.Do("POST", "/passkeys/register/finish/jwt", map[string]any{"ceremony": cer, "credential": a.create(ch, user)}, u.JWT()).Expect(t, 201, "")
	e.Do("POST", "/passkeys/register/finish/jwt", map[string]any{"ceremony": cer, "credential": a.create(ch, user)}, u.JWT()).Expect(t, 403, "ceremonyExpired")
	// A sign-in ceremony used twice, a forged one, a registration one.
	cer, ch, _ = options(t, e.Do("POST", "/signin/passkey/begin", nil, apitest.None).Expect(t, 200, ""))
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": cer, "credential": a.get(ch)}, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": cer, "credential": a.get(ch)}, apitest.None).Expect(t, 403, "ceremonyExpired")
	id, _, _ := strings.Cut(cer, ".")
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": id + ".forged", "credential": a.get(ch)}, apitest.None).Expect(t, 403, "ceremonyExpired")
	reg, ch2, _ := options(t, e.Do("POST", "/passkeys/register/begin/jwt", nil, u.JWT()).Expect(t, 200, ""))
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": reg, "credential": a.get(ch2)}, apitest.None).Expect(t, 403, "ceremonyExpired")
	// The challenge of one ceremony does not serve another.
	_, old, _ := options(t, e.Do("POST", "/signin/passkey/begin", nil, apitest.None).Expect(t, 200, ""))
	cer, _, _ = options(t, e.Do("POST", "/signin/passkey/begin", nil, apitest.None).Expect(t, 200, ""))
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": cer, "credential": a.get(old)}, apitest.None).Expect(t, 403, "passkeyInvalid")
	// Bodies.
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": 5}, apitest.None).Expect(t, 400, "ceremonyInvalid")
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": "x.y"}, apitest.None).Expect(t, 400, "credentialInvalid")
	e.Do("POST", "/passkeys/register/begin/key", nil, u.KeyAuth()).Expect(t, 404, "")
}

func TestAnotherUsersOrRPsPasskeyRefused(t *testing.T) {
	e := newEnv(t)
	u, v := e.NewUser("user"), e.NewUser("user")
	a, b := newAuthenticator(t), newAuthenticator(t)
	register(t, e, u, a, "u").Expect(t, 201, "")
	register(t, e, v, b, "v").Expect(t, 201, "")
	// b's credential presented with u's user handle: the handle is not b's.
	b.handle, a.handle = a.handle, b.handle
	signIn(t, e, b.get).Expect(t, 403, "passkeyInvalid")
	b.handle, a.handle = a.handle, b.handle
	// A credential id of u's with v's key (the signature does not verify).
	forged := *b
	forged.credID, forged.handle = a.credID, a.handle
	signIn(t, e, forged.get).Expect(t, 403, "passkeyInvalid")
	// Signed for another relying party, or from another origin.
	evil := *a
	evil.rpID = "evil.test"
	signIn(t, e, evil.get).Expect(t, 403, "passkeyInvalid")
	evil = *a
	evil.origin = "https://evil.test"
	signIn(t, e, evil.get).Expect(t, 403, "passkeyInvalid")
	// Registered for another relying party.
	c := newAuthenticator(t)
	c.rpID = "evil.test"
	register(t, e, u, c, "evil").Expect(t, 403, "passkeyInvalid")
	// Without user verification.
	nouv := *a
	nouv.uv = false
	signIn(t, e, nouv.get).Expect(t, 403, "passkeyInvalid")
	d := newAuthenticator(t)
	d.uv = false
	register(t, e, u, d, "no uv").Expect(t, 403, "passkeyInvalid")
	// The honest ones still work, each as its own user.
	if int64(signIn(t, e, a.get).Expect(t, 200, "").Num("account.id")) != u.ID {
		t.Fatal("a signed in as someone else")
	}
	if int64(signIn(t, e, b.get).Expect(t, 200, "").Num("account.id")) != v.ID {
		t.Fatal("b signed in as someone else")
	}
}

func TestClonedAuthenticatorAndBackupFlags(t *testing.T) {
	e := newEnv(t)
	u := e.NewUser("user")
	a := newAuthenticator(t)
	register(t, e, u, a, "key").Expect(t, 201, "")
	a.counter = 5
	signIn(t, e, a.assert).Expect(t, 200, "")
	// A clone that is behind (or level with) the counter.
	clone := *a
	clone.counter = 3
	signIn(t, e, clone.assert).Expect(t, 403, "passkeyInvalid")
	signIn(t, e, a.assert).Expect(t, 403, "passkeyInvalid") // 5 again
	// Backup eligibility cannot change; backed up without eligibility is invalid.
	flip := *a
	flip.counter, flip.be, flip.bs = 10, false, false
	signIn(t, e, flip.assert).Expect(t, 403, "passkeyInvalid")
	flip.counter, flip.be, flip.bs = 11, false, true
	signIn(t, e, flip.assert).Expect(t, 403, "passkeyInvalid")
	// The real one, ahead, still signs in; backup state may change.
	a.counter, a.bs = 12, false
	signIn(t, e, a.assert).Expect(t, 200, "")
	audit := e.Do("GET", "/account/audit/jwt", nil, u.JWT()).Expect(t, 200, "")
	if !strings.Contains(string(audit.Body), "cloned") {
		t.Fatalf("the clone is not in the audit log: %s", audit.Body)
	}
}

// onPostgres makes newEnv run on PostgreSQL (TestPostgres; tests here
// are not parallel).
var onPostgres bool

// TestPostgres runs the ceremonies again on PostgreSQL when
// BOBBIN_TEST_POSTGRES_URL is set (skipped, with the reason, otherwise).
func TestPostgres(t *testing.T) {
	apitest.AgainOnPostgres(t, &onPostgres, map[string]func(*testing.T){
		"RegisterListSignInDelete":          TestRegisterListSignInDelete,
		"CountsAsMFA":                       TestCountsAsMFA,
		"CeremoniesAreSingleUseAndOwn":      TestCeremoniesAreSingleUseAndOwn,
		"AnotherUsersOrRPsPasskeyRefused":   TestAnotherUsersOrRPsPasskeyRefused,
		"ClonedAuthenticatorAndBackupFlags": TestClonedAuthenticatorAndBackupFlags,
	})
}

// Starts and failed finishes are limited per address.
func TestLimitedPerAddress(t *testing.T) {
	e := newEnv(t, apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "3"))
	for range 3 {
		e.Do("POST", "/signin/passkey/begin", nil, apitest.None).Expect(t, 200, "")
	}
	e.Do("POST", "/signin/passkey/begin", nil, apitest.None).Expect(t, 429, "tooManyRequests")
	for range 3 {
		e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": "forged.x", "credential": map[string]any{}}, apitest.None).Expect(t, 403, "ceremonyExpired")
	}
	e.Do("POST", "/signin/passkey/finish", map[string]any{"ceremony": "forged.x", "credential": map[string]any{}}, apitest.None).Expect(t, 429, "tooManyRequests")
}
