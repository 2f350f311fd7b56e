// Package oauth is signing in with a provider: GitHub (OAuth 2.0 and its
// REST API), Google and any OpenID Connect issuer (discovery, ID tokens
// checked by go-oidc). It owns POST /signin/oauth/init and POST
// /signin/oauth (upstream's two routes, same bodies and answers), the
// accounts' links to provider subjects, and unlinking one. Sessions are
// issued by internal/session and answered as internal/signin answers a
// password sign-in (including the 451 guest token when consent is 0).
//
// Safer than upstream: the state is a single-use confirmation of at most
// ten minutes, bound to the provider, carrying the PKCE verifier and the
// OIDC nonce; an existing account is matched by email only when the
// provider says the address is verified.
package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"bobbin/internal/apierr"
	"bobbin/internal/audit"
	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/httpx"
	"bobbin/internal/ident"
	"bobbin/internal/identity"
	"bobbin/internal/images"
	"bobbin/internal/session"
	"bobbin/internal/signin"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// StateTTL is how long a state from init may be used.
const StateTTL = 10 * time.Minute

// DB is what this package needs of the database.
type DB interface {
	Users() store.Users
	Identities() store.Identities
	Passkeys() store.Passkeys
	Confirmations() store.Confirmations
	Vault() *vault.Vault
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB        DB
	Config    *config.Config
	Providers map[string]Provider // Providers(config, client)
	Sessions  *session.Issuer
	Audit     *audit.Log
	Images    *images.Service
	Avatars   *Avatars
	Limits    signin.Limits
	Log       *slog.Logger
	Now       func() time.Time
}

// OAuth are the handlers of provider sign-in.
type OAuth struct{ d Deps }

// New builds the handlers.
func New(d Deps) *OAuth { return &OAuth{d} }

// InitRequest is the body of POST /signin/oauth/init.
type InitRequest struct {
	Provider string `json:"provider"`
	Language string `json:"language"` // default en
}

// InitResponse is its answer: where to send the person.
type InitResponse struct {
	httpx.Result
	AuthURL string `json:"authUrl"`
}

// Init is POST /signin/oauth/init: a state (a confirmation) and the URL
// at the provider that carries it.
func (h *OAuth) Init(ctx context.Context, in *httpx.In[InitRequest]) (InitResponse, error) {
	d := h.d
	name := strings.ToLower(strings.TrimSpace(in.Body.Provider))
	p, ok := d.Providers[name]
	if !ok {
		return InitResponse{}, apierr.InvalidProvider
	}
	lang := strings.ToLower(strings.TrimSpace(in.Body.Language))
	if lang == "" {
		lang = "en"
	}
	if !identity.Languages[lang] {
		return InitResponse{}, apierr.InvalidLanguage
	}
	if err := d.Limits.Begin(in.IP(), d.Now()); err != nil {
		return InitResponse{}, err
	}
	proof := Proof{Verifier: oauth2.GenerateVerifier(), Nonce: vault.Token(24)}
	state, err := h.newState(ctx, name, lang, proof)
	if err != nil {
		return InitResponse{}, err
	}
	u, err := p.AuthURL(ctx, state, proof)
	if err != nil {
		return InitResponse{}, err
	}
	return InitResponse{httpx.Success, u}, nil
}

// newState stores the state's confirmation; the state is its token
// "<id>.<check>" (signin.NewOnce).
func (h *OAuth) newState(ctx context.Context, provider, lang string, p Proof) (string, error) {
	d := h.d
	return signin.NewOnce(ctx, d.DB.Confirmations(), d.DB.Vault(), d.Now(), store.ConfirmOAuth, 0,
		map[string]any{"provider": provider, "language": lang, "verifier": p.Verifier, "nonce": p.Nonce}, StateTTL)
}

// State is what a used-up state gave back.
type State struct {
	Language string
	Proof    Proof
}

// takeState checks a state and uses it up: it must exist, be an OAuth
// state of this provider, at most StateTTL old, and its check right. Any
// failure is stateInvalid (and leaves the state as it was); a state is
// used up once, so a replay fails.
func (h *OAuth) takeState(ctx context.Context, provider, state string) (State, error) {
	d := h.d
	now := d.Now()
	conf, err := signin.TakeOnce(ctx, d.DB.Confirmations(), state, now, apierr.StateInvalid,
		func(c *store.Confirmation) error { return StateProblem(c, provider, now) })
	if err != nil {
		return State{}, err
	}
	return State{Language: str(conf.Data, "language"), Proof: Proof{Verifier: str(conf.Data, "verifier"), Nonce: str(conf.Data, "nonce")}}, nil
}

// StateProblem says whether a stored confirmation may serve as the state
// of a callback from provider at now: right type, same provider, not
// older than StateTTL (whatever its row's expiry says).
func StateProblem(conf *store.Confirmation, provider string, now time.Time) error {
	if conf.Type != store.ConfirmOAuth {
		return apierr.StateInvalid
	}
	if subtle.ConstantTimeCompare([]byte(str(conf.Data, "provider")), []byte(provider)) != 1 {
		return apierr.StateInvalid
	}
	if age := now.UnixMilli() - conf.CreatedAt; age < 0 || age > StateTTL.Milliseconds() {
		return apierr.StateInvalid
	}
	if str(conf.Data, "verifier") == "" || str(conf.Data, "nonce") == "" {
		return apierr.StateInvalid
	}
	return nil
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// CallbackRequest is the body of POST /signin/oauth. Token is the MFA
// code, needed when the account has MFA on.
type CallbackRequest struct {
	Provider string `json:"provider"`
	State    Text   `json:"state"`
	Code     Text   `json:"code"`
	Token    string `json:"token"`
}

// Text is a string field whose value of another JSON type reads as "":
// the route then answers its own 403 (stateInvalid, codeInvalid), as
// upstream does for a state or code that is not a string.
type Text string

// UnmarshalJSON keeps a string and drops anything else.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		s = ""
	}
	*t = Text(s)
	return nil
}

// Callback is POST /signin/oauth: the state is used up, the code traded
// at the provider, the person matched to an account (or one made), and a
// session answered as POST /signin answers.
func (h *OAuth) Callback(w http.ResponseWriter, r *http.Request) error {
	d := h.d
	ip, now := httpx.IP(r.Context()), d.Now()
	if err := d.Limits.Blocked(ip, now); err != nil {
		return err
	}
	err := h.callback(w, r)
	d.Limits.Failed(ip, now, err, apierr.StateInvalid, apierr.CodeInvalid, apierr.EmailNotVerified, apierr.MFATokenInvalid)
	return err
}

func (h *OAuth) callback(w http.ResponseWriter, r *http.Request) error {
	var req CallbackRequest
	if _, err := httpx.Decode(r, &req); err != nil {
		return err
	}
	d := h.d
	ctx := r.Context()
	name := strings.ToLower(strings.TrimSpace(req.Provider))
	p, ok := d.Providers[name]
	if !ok {
		return apierr.InvalidProvider
	}
	if req.State == "" {
		return apierr.StateInvalid
	}
	if req.Code == "" || len(req.Code) > 2048 {
		return apierr.CodeInvalid
	}
	st, err := h.takeState(ctx, name, string(req.State))
	if err != nil {
		return err
	}
	person, err := p.Exchange(ctx, string(req.Code), st.Proof)
	if err != nil {
		if c, _, ok := apierr.From(err); ok && c == apierr.CodeInvalid {
			d.Log.Info("oauth: code refused", "provider", name, "err", err)
		}
		return err
	}
	if person.Subject == "" {
		return apierr.CodeInvalid
	}
	u, token, err := h.signIn(ctx, name, person, st.Language, req.Token)
	if err != nil {
		return err
	}
	return signin.Answer(w, token, u)
}

// Action is what a provider sign-in does with the account.
type Action int

// The actions.
const (
	UseLinked    Action = iota + 1 // the subject is linked to an account
	LinkExisting                   // link the subject to the account of its verified email
	CreateNew                      // a new person: make an account
)

// Decide says what a sign-in of person does, given the account the
// subject is linked to (nil: none) and the account of the email (nil:
// none). An email is trusted only when the provider verified it, for an
// existing account and for a new one alike.
func Decide(linked *store.Identity, byEmail *store.User, person Person) (Action, error) {
	switch {
	case linked != nil:
		return UseLinked, nil
	case person.Email == "" || !person.EmailVerified || !identity.ValidEmail(vault.NormalizeEmail(person.Email)):
		return 0, apierr.EmailNotVerified
	case byEmail != nil:
		return LinkExisting, nil
	}
	return CreateNew, nil
}

// signIn finds or makes the account and starts its session.
func (h *OAuth) signIn(ctx context.Context, provider string, person Person, lang, mfaToken string) (*store.User, string, error) {
	d := h.d
	now := d.Now()
	linked, err := d.DB.Identities().BySubject(ctx, provider, person.Subject)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, "", err
	}
	email := vault.NormalizeEmail(person.Email)
	var byEmail *store.User
	if linked == nil && email != "" {
		byEmail, err = d.DB.Users().ByEmail(ctx, email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, "", err
		}
	}
	action, err := Decide(linked, byEmail, person)
	if err != nil {
		return nil, "", err
	}
	var u *store.User
	switch action {
	case UseLinked:
		if u, err = d.DB.Users().ByID(ctx, linked.UserID); err != nil {
			return nil, "", err
		}
	case LinkExisting:
		u = byEmail
	}
	if u != nil {
		if p := auth.SignInProblem(u.Role, u.Status); p != 0 {
			return nil, "", p
		}
		if u.MFAEnabled {
			if mfaToken == "" {
				return nil, "", apierr.MFATokenRequired
			}
			good, err := signin.VerifyMFA(u, mfaToken, now, d.DB.Vault())
			if err != nil {
				return nil, "", err
			}
			if !good {
				d.Audit.Record(ctx, u.ID, "signin.failed", "oauth:"+provider+": mfa")
				return nil, "", apierr.MFATokenInvalid
			}
		}
	}
	var avatar string
	if action == CreateNew {
		avatar = d.Avatars.Fetch(ctx, person.Picture)
	}
	var token, owner, img string
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		switch action {
		case UseLinked:
			if err := tx.Identities().Used(ctx, linked.ID, email, now.UnixMilli()); err != nil {
				return err
			}
			if u.MFAEnabled {
				if err := tx.Users().Save(ctx, u); err != nil { // the TOTP step used
					return err
				}
			}
		case LinkExisting:
			if err := h.link(ctx, tx, u, provider, person.Subject, email, now); err != nil {
				return err
			}
			if u.MFAEnabled {
				if err := tx.Users().Save(ctx, u); err != nil {
					return err
				}
			}
		case CreateNew:
			var err error
			if u, err = h.create(ctx, tx, provider, person, email, lang, now); err != nil {
				return err
			}
			if avatar != "" {
				owner = "user-" + httpx.Itoa(u.ID)
				img, err = d.Images.Accept(ctx, owner, avatar)
				if _, _, coded := apierr.From(err); coded {
					img, err = "", nil // refused by the image checks: the default avatar
				}
				if err != nil {
					return err
				}
				if img != "" {
					u.Img = img
					if err := tx.Users().Save(ctx, u); err != nil {
						return err
					}
				}
			}
		}
		if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "signin", "oauth:"+provider)); err != nil {
			return err
		}
		var err error
		token, err = d.Sessions.Start(ctx, tx, u)
		return err
	})
	if owner != "" {
		d.Images.Settle(ctx, owner, now, img)
	}
	if errors.Is(err, store.ErrConflict) {
		// A parallel sign-in of the same subject (or email) won: it made
		// the link; the person may simply try again.
		return nil, "", apierr.StateInvalid
	}
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// link records that subject at provider is u's.
func (h *OAuth) link(ctx context.Context, tx *store.Tx, u *store.User, provider, subject, email string, now time.Time) error {
	err := tx.Identities().Create(ctx, &store.Identity{UserID: u.ID, Provider: provider, Subject: subject, Email: email,
		CreatedAt: now.UnixMilli(), LastUsedAt: now.UnixMilli()})
	if err != nil {
		return err
	}
	return tx.Audit().Add(ctx, h.d.Audit.Event(ctx, u.ID, "provider.linked", provider))
}

// create makes the account of a new person, as upstream does: username
// from the provider made unique, language from the state, consent 0 (the
// guest token then asks for it), active (the provider verified the email).
func (h *OAuth) create(ctx context.Context, tx *store.Tx, provider string, person Person, email, lang string, now time.Time) (*store.User, error) {
	name, err := h.uniqueUsername(ctx, tx, UsernameFrom(person))
	if err != nil {
		return nil, err
	}
	bio := person.Bio
	if len(bio) > 1000 {
		bio = ""
	}
	u := &store.User{Username: name.Display, Email: email, Language: lang, Role: auth.RoleUser, Status: auth.StatusActive,
		Control: 1, Compare: true, Bio: bio, CreatedAt: now.UnixMilli()}
	if err := tx.Users().Create(ctx, u); err != nil {
		return nil, err
	}
	// The name's skeleton is held as a signup's or a rename's is, so no
	// later account can take a look-alike of it.
	if err := tx.Users().SetSkeleton(ctx, u.ID, name.Skeleton); err != nil {
		return nil, err
	}
	if err := tx.Audit().Add(ctx, h.d.Audit.Event(ctx, u.ID, "signup", "oauth:"+provider)); err != nil {
		return nil, err
	}
	return u, h.link(ctx, tx, u, provider, person.Subject, email, now)
}

// UsernameFrom is the username a new person asks for: the provider's
// username, else the name, else the email's local part, cut to what a
// username may hold (letters, digits, . _ -), or "user" when nothing is
// left.
func UsernameFrom(p Person) string {
	for _, cand := range []string{p.Username, p.Name, strings.SplitN(p.Email, "@", 2)[0]} {
		var b strings.Builder
		for _, r := range strings.TrimSpace(cand) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'):
				b.WriteRune(r)
			}
			if b.Len() >= 48 {
				break
			}
		}
		if s := strings.Trim(b.String(), ".-_"); identity.ValidUsername(s) == nil {
			return s
		}
	}
	return "user"
}

// uniqueUsername is base, or base-2, base-3… the first that no account
// has, that looks like no account's name (the confusable skeleton, as a
// signup or a rename checks) and that is nobody's automatic name.
func (h *OAuth) uniqueUsername(ctx context.Context, tx *store.Tx, base string) (ident.Name, error) {
	for i := 1; i <= 60; i++ {
		name := base
		switch {
		case i > 50: // a crowd of look-alikes: a random suffix
			name = base + "-" + vault.Token(6)
		case i > 1:
			name = base + "-" + httpx.Itoa(int64(i))
		}
		free, n, err := usernameFree(ctx, tx, name)
		if err != nil || free {
			return n, err
		}
	}
	return ident.Name{}, errors.New("oauth: no free username for a new account")
}

// usernameFree says whether a new account may take name.
func usernameFree(ctx context.Context, tx *store.Tx, name string) (bool, ident.Name, error) {
	n, err := ident.Username(name)
	if err != nil || identity.ValidUsername(name) != nil {
		return false, n, nil
	}
	if _, auto := n.Automatic(); auto {
		return false, n, nil
	}
	taken, err := tx.Users().UsernameTaken(ctx, n.Display, 0)
	if err != nil || taken {
		return false, n, err
	}
	_, err = tx.Users().SkeletonHolder(ctx, n.Skeleton)
	if errors.Is(err, store.ErrNotFound) {
		return true, n, nil
	}
	return false, n, err
}

// Unlink is DELETE /account/providers/{provider}: it removes the link
// while another way to sign in remains (a password, another provider,
// a passkey); else 409 lastSigninMethod.
func (h *OAuth) Unlink(ctx context.Context, in *httpx.In[httpx.None]) error {
	d := h.d
	uid := in.Caller().UserID
	provider := strings.ToLower(in.Path("provider"))
	return d.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().ByID(ctx, uid)
		if err != nil {
			return err
		}
		links, err := tx.Identities().OfUser(ctx, uid)
		if err != nil {
			return err
		}
		keys, err := tx.Passkeys().OfUser(ctx, uid)
		if err != nil {
			return err
		}
		found := false
		for _, l := range links {
			found = found || l.Provider == provider
		}
		if !found {
			return apierr.NotFound
		}
		if !OtherMethod(u, len(links)-1, len(keys)) {
			return apierr.LastSigninMethod
		}
		if err := tx.Identities().Delete(ctx, uid, provider); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, d.Audit.Event(ctx, uid, "provider.unlinked", provider))
	})
}

// OtherMethod says whether u can still sign in with links other
// provider links and passkeys passkeys: a password counts too.
func OtherMethod(u *store.User, links, passkeys int) bool {
	return u.Password != "" || links > 0 || passkeys > 0
}

// ProvidersResponse is the answer of GET /signin/providers: the names a
// client may send to POST /signin/oauth/init, github and google first
// (when configured), then the OpenID Connect providers in the order
// BACKEND_OIDC_PROVIDERS names them.
type ProvidersResponse struct {
	httpx.Result
	Providers []string `json:"providers" example:"[\"github\",\"keycloak\"]" doc:"provider names for POST /signin/oauth/init"`
}

// List is GET /signin/providers: which providers are configured, so a
// sign-in page draws a button for each (and none for the others). Names
// only: client ids and issuers stay on the server.
func (h *OAuth) List(context.Context, *httpx.In[httpx.None]) (ProvidersResponse, error) {
	out := []string{}
	for _, n := range Names(h.d.Config) {
		if _, ok := h.d.Providers[n]; ok {
			out = append(out, n)
		}
	}
	return ProvidersResponse{httpx.Success, out}, nil
}

// Names are the provider names of c in the order clients list them.
func Names(c *config.Config) []string {
	var out []string
	if c.GitHubClientID != "" {
		out = append(out, "github")
	}
	if c.GoogleClientID != "" {
		out = append(out, "google")
	}
	for _, p := range c.OIDC {
		out = append(out, p.Name)
	}
	return out
}
