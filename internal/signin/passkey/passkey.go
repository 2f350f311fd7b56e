// Package passkey is WebAuthn passkeys (github.com/go-webauthn/webauthn):
// registering one from a signed-in session (level 4), listing and
// deleting one's passkeys, and signing in with a discoverable credential
// (user verification required), which answers what POST /signin answers
// and counts as both factors (no TOTP code is asked).
//
// Each ceremony's session data is a single-use confirmation of at most
// CeremonyTTL; the relying party id is the host of BACKEND_WEBSITE_URL and
// the accepted origins are the website's and the API's. Sign counters
// that do not advance (a cloned authenticator) and backup flags that
// change eligibility are refused.
package passkey

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"bobbin/internal/apierr"
	"bobbin/internal/audit"
	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/httpx"
	"bobbin/internal/session"
	"bobbin/internal/signin"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// CeremonyTTL is how long a begun ceremony may be finished.
const CeremonyTTL = 5 * time.Minute

// DB is what this package needs of the database.
type DB interface {
	Users() store.Users
	Passkeys() store.Passkeys
	Confirmations() store.Confirmations
	Vault() *vault.Vault
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB       DB
	Config   *config.Config
	Sessions *session.Issuer
	Audit    *audit.Log
	Limits   signin.Limits
	Log      *slog.Logger
	Now      func() time.Time
}

// Passkeys are the handlers of passkeys.
type Passkeys struct {
	d  Deps
	wa *webauthn.WebAuthn // nil when the configuration gives no relying party
}

// RelyingParty is the WebAuthn configuration of c: the id is the website's
// host (without port), the origins the website's and the API's.
func RelyingParty(c *config.Config) (*webauthn.Config, error) {
	site, err := url.Parse(c.WebsiteURL)
	if err != nil || site.Hostname() == "" {
		return nil, errors.New("passkey: BACKEND_WEBSITE_URL has no host")
	}
	origins := []string{site.Scheme + "://" + site.Host}
	if api, err := url.Parse(c.URL); err == nil && api.Host != "" && api.Scheme+"://"+api.Host != origins[0] {
		origins = append(origins, api.Scheme+"://"+api.Host)
	}
	name := c.SiteName
	if name == "" {
		name = "Bobbin"
	}
	return &webauthn.Config{RPID: site.Hostname(), RPDisplayName: name, RPOrigins: origins}, nil
}

// New builds the handlers; with a configuration the library refuses, the
// routes answer 503 and the cause is logged once.
func New(d Deps) *Passkeys {
	p := &Passkeys{d: d}
	cfg, err := RelyingParty(d.Config)
	if err == nil {
		p.wa, err = webauthn.New(cfg)
	}
	if err != nil {
		d.Log.Error("passkeys off", "err", err.Error())
	}
	return p
}

func (h *Passkeys) ready() error {
	if h.wa == nil {
		return apierr.Unavailable
	}
	return nil
}

// user is an account as the library sees it.
type user struct {
	handle []byte
	name   string
	creds  []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return u.handle }
func (u *user) WebAuthnName() string                       { return u.name }
func (u *user) WebAuthnDisplayName() string                { return u.name }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// b64 is how ids and handles are stored: base64url without padding.
var b64 = base64.RawURLEncoding

// load is the library's view of u with its stored passkeys. A user's
// passkeys share one random handle, made with the first.
func (h *Passkeys) load(ctx context.Context, u *store.User) (*user, []store.Passkey, error) {
	keys, err := h.d.DB.Passkeys().OfUser(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	wu := &user{name: u.Username}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &c); err != nil {
			return nil, nil, err
		}
		wu.creds = append(wu.creds, c)
		if wu.handle == nil {
			wu.handle, _ = b64.DecodeString(k.UserHandle)
		}
	}
	if wu.handle == nil {
		wu.handle = make([]byte, 32)
		rand.Read(wu.handle) // never fails (crypto/rand)
	}
	return wu, keys, nil
}

// BeginResponse starts a ceremony: options go to
// navigator.credentials.create() or .get() as {publicKey: ...}; ceremony
// comes back with the result.
type BeginResponse struct {
	httpx.Result
	Ceremony string          `json:"ceremony"`
	Options  json.RawMessage `json:"options"`
}

const (
	kindRegister = "register"
	kindSignin   = "signin"
)

// ceremony stores the library's session data; the ceremony id is
// "<id>.<check>" as for OAuth states.
func (h *Passkeys) ceremony(ctx context.Context, kind string, userID int64, handle []byte, sd *webauthn.SessionData) (string, error) {
	d := h.d
	raw, err := json.Marshal(sd)
	if err != nil {
		return "", err
	}
	return signin.NewOnce(ctx, d.DB.Confirmations(), d.DB.Vault(), d.Now(), store.ConfirmPasskey, userID,
		map[string]any{"kind": kind, "session": string(raw), "handle": b64.EncodeToString(handle)}, CeremonyTTL)
}

// taken is a used-up ceremony.
type taken struct {
	userID  int64
	handle  []byte
	session webauthn.SessionData
}

// take checks a ceremony of kind (and, for registration, of the caller)
// and uses it up; anything wrong is 403 ceremonyExpired.
func (h *Passkeys) take(ctx context.Context, kind, ceremony string, userID int64) (taken, error) {
	d := h.d
	now := d.Now()
	conf, err := signin.TakeOnce(ctx, d.DB.Confirmations(), ceremony, now, apierr.CeremonyExpired, func(c *store.Confirmation) error {
		k, _ := c.Data["kind"].(string)
		if age := now.UnixMilli() - c.CreatedAt; c.Type != store.ConfirmPasskey || k != kind || c.UserID != userID ||
			age < 0 || age > CeremonyTTL.Milliseconds() {
			return apierr.CeremonyExpired
		}
		return nil
	})
	if err != nil {
		return taken{}, err
	}
	var t taken
	t.userID = conf.UserID
	s, _ := conf.Data["session"].(string)
	if err := json.Unmarshal([]byte(s), &t.session); err != nil {
		return taken{}, apierr.CeremonyExpired
	}
	hs, _ := conf.Data["handle"].(string)
	t.handle, _ = b64.DecodeString(hs)
	return t, nil
}

// RegisterBegin is POST /passkeys/register/begin/jwt: creation options
// for a resident key with user verification, excluding the caller's
// passkeys.
func (h *Passkeys) RegisterBegin(ctx context.Context, in *httpx.In[httpx.None]) (BeginResponse, error) {
	if err := h.ready(); err != nil {
		return BeginResponse{}, err
	}
	uid := in.Caller().UserID
	u, err := h.d.DB.Users().ByID(ctx, uid)
	if err != nil {
		return BeginResponse{}, err
	}
	wu, _, err := h.load(ctx, u)
	if err != nil {
		return BeginResponse{}, err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(wu.creds))
	for _, c := range wu.creds {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sd, err := h.wa.BeginRegistration(wu,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired}),
		webauthn.WithExclusions(exclude),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return BeginResponse{}, err
	}
	return h.begun(ctx, kindRegister, uid, wu.handle, opts, sd)
}

func (h *Passkeys) begun(ctx context.Context, kind string, uid int64, handle []byte, opts any, sd *webauthn.SessionData) (BeginResponse, error) {
	raw, err := json.Marshal(opts)
	if err != nil {
		return BeginResponse{}, err
	}
	id, err := h.ceremony(ctx, kind, uid, handle, sd)
	if err != nil {
		return BeginResponse{}, err
	}
	return BeginResponse{httpx.Success, id, raw}, nil
}

// RegisterRequest is the body of POST /passkeys/register/finish/jwt:
// the ceremony, a name for the passkey and what
// navigator.credentials.create() answered (as JSON, PublicKeyCredential).
type RegisterRequest struct {
	Ceremony   string          `json:"ceremony"`
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

// Passkey is a passkey as its owner sees it.
type Passkey struct {
	ID             int64       `json:"id"`
	Name           string      `json:"name"`
	BackupEligible bool        `json:"backupEligible"`
	BackedUp       bool        `json:"backedUp"`
	CreatedAt      httpx.Stamp `json:"createdAt"`
	LastUsedAt     httpx.Stamp `json:"lastUsedAt"`
}

// PasskeyResponse is {result, passkey}.
type PasskeyResponse struct {
	httpx.Result
	Passkey Passkey `json:"passkey"`
}

// PasskeysResponse is {result, passkeys}.
type PasskeysResponse struct {
	httpx.Result
	Passkeys []Passkey `json:"passkeys"`
}

// AsPasskey is the answer object of a stored passkey (never its public
// key or credential id).
func AsPasskey(k store.Passkey) Passkey {
	p := Passkey{ID: k.ID, Name: k.Name, CreatedAt: httpx.Stamp(k.CreatedAt), LastUsedAt: httpx.Stamp(k.LastUsedAt)}
	var c webauthn.Credential
	if json.Unmarshal([]byte(k.Credential), &c) == nil {
		p.BackupEligible, p.BackedUp = c.Flags.BackupEligible, c.Flags.BackupState
	}
	return p
}

// CleanName is the name a passkey is stored under: trimmed, at most 64
// characters, valid UTF-8, "Passkey" when empty.
func CleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 64 || strings.ContainsAny(s, "\r\n\t") {
		return "", apierr.NameInvalid
	}
	if s == "" {
		s = "Passkey"
	}
	return s, nil
}

// RegisterFinish checks the attestation against the ceremony and stores
// the passkey (201).
func (h *Passkeys) RegisterFinish(ctx context.Context, in *httpx.In[RegisterRequest]) (PasskeyResponse, error) {
	if err := h.ready(); err != nil {
		return PasskeyResponse{}, err
	}
	d := h.d
	req := in.Body
	uid := in.Caller().UserID
	name, err := CleanName(req.Name)
	if err != nil {
		return PasskeyResponse{}, err
	}
	if len(req.Credential) == 0 {
		return PasskeyResponse{}, apierr.CredentialInvalid
	}
	t, err := h.take(ctx, kindRegister, req.Ceremony, uid)
	if err != nil {
		return PasskeyResponse{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(req.Credential)
	if err != nil {
		return PasskeyResponse{}, apierr.CredentialInvalid.Because(err)
	}
	u, err := d.DB.Users().ByID(ctx, uid)
	if err != nil {
		return PasskeyResponse{}, err
	}
	wu, _, err := h.load(ctx, u)
	if err != nil {
		return PasskeyResponse{}, err
	}
	wu.handle = t.handle // the handle the options carried
	cred, err := h.wa.CreateCredential(wu, t.session, parsed)
	if err != nil {
		return PasskeyResponse{}, apierr.PasskeyInvalid.Because(err)
	}
	if !cred.Flags.UserVerified {
		return PasskeyResponse{}, apierr.PasskeyInvalid
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return PasskeyResponse{}, err
	}
	now := d.Now().UnixMilli()
	k := store.Passkey{UserID: uid, CredentialID: b64.EncodeToString(cred.ID), UserHandle: b64.EncodeToString(t.handle),
		Name: name, Credential: string(raw), CreatedAt: now}
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Passkeys().Create(ctx, &k); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, d.Audit.Event(ctx, uid, "passkey.added", name))
	})
	if errors.Is(err, store.ErrConflict) {
		return PasskeyResponse{}, apierr.PasskeyInvalid // that credential is registered already
	}
	if err != nil {
		return PasskeyResponse{}, err
	}
	return PasskeyResponse{httpx.Created, AsPasskey(k)}, nil
}

// List is GET /passkeys/(jwt|key): the caller's passkeys.
func (h *Passkeys) List(ctx context.Context, in *httpx.In[httpx.None]) (PasskeysResponse, error) {
	keys, err := h.d.DB.Passkeys().OfUser(ctx, in.Caller().UserID)
	if err != nil {
		return PasskeysResponse{}, err
	}
	return PasskeysResponse{httpx.Success, httpx.List(keys, AsPasskey)}, nil
}

// Delete is DELETE /passkeys/{id}/(jwt|key): an own passkey goes (404
// for another's or none).
func (h *Passkeys) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	d := h.d
	id, err := in.PathID("id")
	if err != nil {
		return err
	}
	uid := in.Caller().UserID
	return d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Passkeys().Delete(ctx, uid, id); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, d.Audit.Event(ctx, uid, "passkey.deleted", httpx.Itoa(id)))
	})
}

// SigninBegin is POST /signin/passkey/begin: request options for a
// discoverable credential with user verification.
func (h *Passkeys) SigninBegin(ctx context.Context, in *httpx.In[httpx.None]) (BeginResponse, error) {
	if err := h.ready(); err != nil {
		return BeginResponse{}, err
	}
	if err := h.d.Limits.Begin(in.IP(), h.d.Now()); err != nil {
		return BeginResponse{}, err
	}
	opts, sd, err := h.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return BeginResponse{}, err
	}
	return h.begun(ctx, kindSignin, 0, nil, opts, sd)
}

// SigninRequest is the body of POST /signin/passkey/finish: the ceremony
// and what navigator.credentials.get() answered.
type SigninRequest struct {
	Ceremony   string          `json:"ceremony"`
	Credential json.RawMessage `json:"credential"`
}

// SigninFinish checks the assertion and answers as POST /signin does.
func (h *Passkeys) SigninFinish(w http.ResponseWriter, r *http.Request) error {
	d := h.d
	ip, now := httpx.IP(r.Context()), d.Now()
	if err := d.Limits.Blocked(ip, now); err != nil {
		return err
	}
	err := h.signinFinish(w, r)
	d.Limits.Failed(ip, now, err, apierr.CeremonyExpired, apierr.PasskeyInvalid, apierr.CredentialInvalid)
	return err
}

func (h *Passkeys) signinFinish(w http.ResponseWriter, r *http.Request) error {
	var req SigninRequest
	if _, err := httpx.Decode(r, &req); err != nil {
		return err
	}
	if err := h.ready(); err != nil {
		return err
	}
	if len(req.Credential) == 0 {
		return apierr.CredentialInvalid
	}
	d := h.d
	ctx := r.Context()
	t, err := h.take(ctx, kindSignin, req.Ceremony, 0)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(req.Credential)
	if err != nil {
		return apierr.CredentialInvalid.Because(err)
	}
	var (
		u   *store.User
		key *store.Passkey
	)
	// The credential names the passkey; its stored handle must be the one
	// the authenticator sent (the library checks it against the user too).
	find := func(rawID, handle []byte) (webauthn.User, error) {
		k, err := d.DB.Passkeys().ByCredentialID(ctx, b64.EncodeToString(rawID))
		if err != nil {
			return nil, err
		}
		stored, err := b64.DecodeString(k.UserHandle)
		if err != nil || subtle.ConstantTimeCompare(stored, handle) != 1 {
			return nil, errors.New("user handle is not the passkey's")
		}
		if u, err = d.DB.Users().ByID(ctx, k.UserID); err != nil {
			return nil, err
		}
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &c); err != nil {
			return nil, err
		}
		key = k
		return &user{handle: stored, name: u.Username, creds: []webauthn.Credential{c}}, nil
	}
	_, cred, err := h.wa.ValidatePasskeyLogin(find, t.session, parsed)
	if err != nil {
		if key != nil {
			d.Audit.Record(ctx, key.UserID, "signin.failed", "passkey")
		}
		return apierr.PasskeyInvalid.Because(err)
	}
	if problem := Check(cred); problem != nil {
		d.Audit.Record(ctx, key.UserID, "signin.failed", "passkey: "+problem.Error())
		d.Log.Warn("passkey refused", "user", key.UserID, "passkey", key.ID, "why", problem.Error())
		return apierr.PasskeyInvalid.Because(problem)
	}
	if p := auth.SignInProblem(u.Role, u.Status); p != 0 {
		return p
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	var token string
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		// Only over the credential this check read: a parallel sign-in
		// with the same counter loses.
		if err := tx.Passkeys().Used(ctx, key.ID, key.Credential, string(raw), d.Now().UnixMilli()); err != nil {
			return err
		}
		if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "signin", "passkey")); err != nil {
			return err
		}
		var err error
		token, err = d.Sessions.Start(ctx, tx, u)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return apierr.PasskeyInvalid
	}
	if err != nil {
		return err
	}
	return signin.Answer(w, token, u)
}

// Errors of Check.
var (
	ErrCloned     = errors.New("sign counter did not advance: cloned authenticator")
	ErrUnverified = errors.New("user not verified")
)

// Check is what Bobbin adds to the library's checks of a validated
// assertion: a counter that did not advance (the library flags it, it
// does not refuse) and a missing user verification refuse the sign-in.
func Check(c *webauthn.Credential) error {
	switch {
	case c.Authenticator.CloneWarning:
		return ErrCloned
	case !c.Flags.UserVerified:
		return ErrUnverified
	}
	return nil
}
