// Package identity is the account: signing up and confirming, reading and
// changing the account (settings, username, avatar, password, email),
// consent, restriction, deletion, public profiles, username availability,
// whoami and the account's audit log. It owns the account object (Account)
// and the answers that carry it (AccountResponse, TokenResponse). Signing
// in is internal/signin, which builds on this package; the server lists
// the routes in internal/api/routes.go.
package identity

import (
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"bobbin/internal/apierr"
	"bobbin/internal/audit"
	"bobbin/internal/config"
	"bobbin/internal/courier"
	"bobbin/internal/httpx"
	"bobbin/internal/ident"
	"bobbin/internal/images"
	"bobbin/internal/password"
	"bobbin/internal/session"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// DB is what this package needs of the database: its tables, inside and
// outside a write transaction, and the vault's keyed hashes.
type DB interface {
	Users() store.Users
	Confirmations() store.Confirmations
	Audit() store.Audit
	Identities() store.Identities
	Passkeys() store.Passkeys
	Sessions() store.Sessions // when a caller's sign-in happened
	Vault() *vault.Vault
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB       DB
	Config   *config.Config
	Hasher   *password.Hasher
	Sessions *session.Issuer
	Audit    *audit.Log
	Courier  *courier.Courier
	Images   *images.Service
	Log      *slog.Logger
	Now      func() time.Time
}

// Account is the account object of api.md. Never the password hash, MFA
// secret or scratch codes.
type Account struct {
	ID         int64          `json:"id"`
	Username   string         `json:"username" example:"joost"`
	LUsername  string         `json:"lusername"`
	Email      string         `json:"email"`
	Bio        string         `json:"bio"`
	Consent    int            `json:"consent"`
	Control    int            `json:"control"`
	Compare    bool           `json:"compare"`
	Imperial   bool           `json:"imperial"`
	Newsletter bool           `json:"newsletter"`
	Language   string         `json:"language" enum:"Language"`
	Role       string         `json:"role" enum:"Role"`
	Status     int            `json:"status" enum:"Status"`
	Patron     int            `json:"patron"`
	MFAEnabled bool           `json:"mfaEnabled"`
	Img        string         `json:"img"`
	IHash      string         `json:"ihash"`
	Initial    string         `json:"initial"`      // the signup email
	GitHub     string         `json:"github"`       // a GitHub username
	PassType   *string        `json:"passwordType"` // "v3" when a password is set, else null
	Data       map[string]any `json:"data"`
	JWTCalls   int64          `json:"jwtCalls"`
	KeyCalls   int64          `json:"keyCalls"`
	LastSeen   httpx.Stamp    `json:"lastSeen"`
	CreatedAt  httpx.Stamp    `json:"createdAt"`
	UpdatedAt  httpx.Stamp    `json:"updatedAt"`
	// Providers and Passkeys are listed by GET /account only (nil elsewhere).
	Providers *[]LinkedProvider `json:"providers,omitempty"`
	Passkeys  *int              `json:"passkeys,omitempty"`
}

// LinkedProvider is a sign-in provider linked to the account.
type LinkedProvider struct {
	Provider   string      `json:"provider"`
	Email      string      `json:"email"` // as the provider last told it
	CreatedAt  httpx.Stamp `json:"createdAt"`
	LastUsedAt httpx.Stamp `json:"lastUsedAt"`
}

// WithSigninMethods adds the account's linked providers and its number
// of passkeys (GET /account).
func WithSigninMethods(ctx context.Context, db DB, a *Account) error {
	links, n, err := db.Identities().SigninMethods(ctx, a.ID) // cached with the user
	if err != nil {
		return err
	}
	list := make([]LinkedProvider, 0, len(links))
	for _, l := range links {
		list = append(list, LinkedProvider{Provider: l.Provider, Email: l.Email, CreatedAt: httpx.Stamp(l.CreatedAt), LastUsedAt: httpx.Stamp(l.LastUsedAt)})
	}
	a.Providers, a.Passkeys = &list, &n
	return nil
}

// AsAccount is the account object of a stored user.
func AsAccount(u *store.User) Account {
	data := u.Data
	if data == nil {
		data = map[string]any{}
	}
	return Account{ID: u.ID, Username: u.Username, LUsername: strings.ToLower(u.Username), Email: u.Email, Bio: u.Bio,
		Consent: u.Consent, Control: u.Control, Compare: u.Compare, Imperial: u.Imperial, Newsletter: u.Newsletter,
		Language: u.Language, Role: string(u.Role), Status: int(u.Status), Patron: u.Patron, MFAEnabled: u.MFAEnabled, Img: u.Img,
		IHash: u.IHash, Initial: u.Initial, GitHub: u.GitHub, PassType: PasswordType(u.Password), Data: data, JWTCalls: u.JWTCalls, KeyCalls: u.KeyCalls, LastSeen: httpx.Stamp(u.LastSeen),
		CreatedAt: httpx.Stamp(u.CreatedAt), UpdatedAt: httpx.Stamp(u.UpdatedAt)}
}

// PasswordType is the account's passwordType as upstream answers it:
// "v3" (upstream's current kind; Bobbin's hashes and the FreeSewing v3
// hashes it still verifies) when a password is set, null when none is.
func PasswordType(encoded string) *string {
	if encoded == "" {
		return nil
	}
	v3 := "v3"
	return &v3
}

// AccountResponse is {result, account}.
type AccountResponse struct {
	httpx.Result
	Account Account `json:"account"`
}

// TokenResponse is {result, token, account}.
type TokenResponse struct {
	httpx.Result
	Token   string  `json:"token"`
	Account Account `json:"account"`
}

// Languages are the languages an account, a signup or a subscription may have.
var Languages = map[string]bool{"en": true, "de": true, "es": true, "fr": true, "nl": true, "uk": true}

// ValidEmail accepts a bare address (no display name) of sane length that
// ident.Email prepares to itself (auth.md "Identifiers": no format or
// control characters, no IP literals).
func ValidEmail(e string) bool {
	if len(e) > 254 || strings.ContainsAny(e, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return false
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || !strings.Contains(e[at+1:], ".") || strings.HasSuffix(e, ".") {
		return false
	}
	prepared, err := ident.Email(e)
	return err == nil && prepared == e
}

// EmailAndLanguage checks the email and language of a body that starts
// a mail (signup, newsletter subscription) and answers the prepared email
// (ident.Email: trimmed, NFC).
func EmailAndLanguage(email, language string) (string, error) {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return "", apierr.EmailMissing
	case language == "":
		return "", apierr.LanguageMissing
	case !Languages[language]:
		return "", apierr.UnsupportedLanguage
	}
	prepared, err := ident.Email(email)
	if err != nil {
		return "", err
	}
	if !ValidEmail(prepared) {
		return "", apierr.EmailInvalid
	}
	return prepared, nil
}

// TestRequest reports whether a request asked for test mode and may have it.
func TestRequest(c *config.Config, t httpx.Test) bool { return t.Test && c.TestMode() }

// Users is what FindUser reads.
type Users interface{ Users() store.Users }

// FindUser resolves a sign-in identifier: the username (any case), the
// email (any case) or the numeric id, in that order.
func FindUser(ctx context.Context, db Users, ident string) (*store.User, error) {
	ident = strings.TrimSpace(ident)
	u, err := db.Users().ByUsername(ctx, ident)
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	if strings.Contains(ident, "@") {
		u, err = db.Users().ByEmail(ctx, ident)
		if !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	if id, perr := strconv.ParseInt(ident, 10, 64); perr == nil && id > 0 {
		return db.Users().ByID(ctx, id)
	}
	return nil, store.ErrNotFound
}

// NewConfirmation stores a confirmation with a random id and check on q
// (the caller's write transaction); only the check's keyed hash is kept.
func NewConfirmation(ctx context.Context, q store.Conn, v *vault.Vault, now time.Time, typ string, userID int64, data map[string]any, ttl time.Duration) (id, check string, err error) {
	id = uuid.NewString()
	check = vault.Token(16)
	err = q.Confirmations().Create(ctx, &store.Confirmation{ID: id, Type: typ, UserID: userID, Data: data,
		CheckHash: v.Check(check), CreatedAt: now.UnixMilli(), ExpiresAt: now.Add(ttl).UnixMilli()})
	return id, check, err
}

// SigninLinkURL is the front end's page of a sign-in link.
func SigninLinkURL(c *config.Config, id, check string) string {
	return c.WebsiteURL + "/signinlink/" + id + "/" + check
}

// confirm stores a confirmation with this package's dependencies.
func (d Deps) confirm(ctx context.Context, q store.Conn, typ string, userID int64, data map[string]any, ttl time.Duration) (string, string, error) {
	return NewConfirmation(ctx, q, d.DB.Vault(), d.Now(), typ, userID, data, ttl)
}
