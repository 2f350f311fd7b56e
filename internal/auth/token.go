package auth

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of a sign-in token. The private claim names are
// kept from upstream FreeSewing; jti is Bobbin's addition (revocation).
type Claims struct {
	UserID   int64  `json:"_id"`
	Username string `json:"username"`
	Role     string `json:"role"`
	Status   int    `json:"status"`
	// Impersonator is the id of the admin who made this token with
	// GET /admin/impersonate (IssueImpersonation); 0 for the user's own.
	// Signed like every claim, so it cannot be added or removed.
	Impersonator int64 `json:"imp,omitempty"`
	jwt.RegisteredClaims
}

// ErrInvalidToken is the only error Verify returns: the caller never learns
// which check failed.
var ErrInvalidToken = errors.New("auth: invalid token")

// Leeway is the clock skew allowed when checking exp, nbf and iat.
const Leeway = 60 * time.Second

// maxTimeClaim bounds exp, iat and nbf (seconds since 1970): far above any
// real date, far below the values whose conversion to time.Time overflows.
const maxTimeClaim = 1 << 40

// signing is the default algorithm; EdDSA is the other mode.
var signing = jwt.SigningMethodHS256

var tokenEncoding = base64.RawURLEncoding.Strict()

// Tokens signs and verifies HS256 sign-in tokens. It is safe for
// concurrent use.
type Tokens struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration

	// EdDSA mode: method is jwt.SigningMethodEdDSA, kid names the signing
	// key, and verify holds every public key accepted (current and previous
	// version), looked up by the token's kid — never fetched from anywhere.
	method jwt.SigningMethod
	edKey  ed25519.PrivateKey
	kid    string
	verify map[string]ed25519.PublicKey

	// verified remembers tokens that passed every time-independent check
	// (format, header, algorithm, signature, issuer, audience, claims), so
	// a token seen again costs a map lookup and the time checks, not JSON
	// decoding and an HMAC. The key is the whole token: a hit means the
	// very bytes that were verified. Revocation is not decided here (the
	// session behind the jti is checked on every request).
	mu       sync.RWMutex
	verified map[string]*Claims
}

// EdKey is one Ed25519 signing key and its key id.
type EdKey struct {
	ID      string
	Private ed25519.PrivateKey
}

// NewEdDSATokens signs with current and verifies tokens of every key in
// accepted (which should hold current and the previous key, so rotating
// signs nobody out).
func NewEdDSATokens(current EdKey, accepted []EdKey, issuer, audience string, ttl time.Duration) (*Tokens, error) {
	switch {
	case len(current.Private) != ed25519.PrivateKeySize || current.ID == "":
		return nil, errors.New("auth: bad Ed25519 signing key")
	case issuer == "":
		return nil, errors.New("auth: empty token issuer")
	case audience == "":
		return nil, errors.New("auth: empty token audience")
	case ttl <= 0:
		return nil, errors.New("auth: token lifetime must be positive")
	}
	t := &Tokens{issuer: issuer, audience: audience, ttl: ttl, method: jwt.SigningMethodEdDSA,
		edKey: current.Private, kid: current.ID, verify: map[string]ed25519.PublicKey{}, verified: map[string]*Claims{}}
	for _, k := range append([]EdKey{current}, accepted...) {
		if len(k.Private) != ed25519.PrivateKeySize || k.ID == "" {
			return nil, errors.New("auth: bad Ed25519 key")
		}
		t.verify[k.ID] = k.Private.Public().(ed25519.PublicKey)
	}
	return t, nil
}

// JWK is a public key in a JWKS document (RFC 7517, RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS lists the public keys that verify tokens: empty in HS256 mode (an
// HMAC key is secret), the current and previous Ed25519 keys otherwise.
func (t *Tokens) JWKS() []JWK {
	out := []JWK{}
	for kid, pub := range t.verify {
		out = append(out, JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: kid, Alg: "EdDSA", Use: "sig"})
	}
	for i := 1; i < len(out); i++ { // stable order: newest kid first
		for j := i; j > 0 && out[j].Kid > out[j-1].Kid; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Alg is the algorithm tokens are signed and verified with.
func (t *Tokens) Alg() string { return t.alg().Alg() }

func (t *Tokens) alg() jwt.SigningMethod {
	if t.method != nil {
		return t.method
	}
	return signing
}

// maxVerified bounds the verified-token memory (about 300 bytes a token);
// when full, an eighth is dropped.
const maxVerified = 1 << 14

// NewTokens returns a signer/verifier. key must be at least 32 bytes (it
// is copied); issuer is BACKEND_URL and audience BACKEND_URL + "/" +
// BACKEND_INSTANCE; both must be non-empty (an empty one would switch its
// check off in the jwt library). ttl must be positive.
func NewTokens(key []byte, issuer, audience string, ttl time.Duration) (*Tokens, error) {
	switch {
	case len(key) < MinKeyLen:
		return nil, errors.New("auth: token signing key shorter than 32 bytes")
	case issuer == "":
		return nil, errors.New("auth: empty token issuer")
	case audience == "":
		return nil, errors.New("auth: empty token audience")
	case ttl <= 0:
		return nil, errors.New("auth: token lifetime must be positive")
	}
	return &Tokens{
		key:      append([]byte(nil), key...),
		issuer:   issuer,
		audience: audience,
		ttl:      ttl,
		verified: map[string]*Claims{},
	}, nil
}

// TTL is the lifetime of issued tokens.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs a token for the user. expires is the token's exp (whole
// seconds). userID must be positive and jti non-empty, since Verify
// refuses anything else.
func (t *Tokens) Issue(userID int64, username, role string, status int, jti string, now time.Time) (token string, expires time.Time, err error) {
	return t.issue(userID, username, role, status, jti, 0, now, t.ttl)
}

// IssueImpersonation signs a token for the user on behalf of admin by,
// valid for at most ttl (and never longer than Issue's): its claims carry
// by, so that actions which would outlast it are refused
// (ImpersonationForbidden).
func (t *Tokens) IssueImpersonation(userID int64, username, role string, status int, jti string, by int64, now time.Time, ttl time.Duration) (token string, expires time.Time, err error) {
	if by <= 0 || by == userID {
		return "", time.Time{}, errors.New("auth: impersonator must be another, real user")
	}
	return t.issue(userID, username, role, status, jti, by, now, min(ttl, t.ttl))
}

func (t *Tokens) issue(userID int64, username, role string, status int, jti string, by int64, now time.Time, ttl time.Duration) (token string, expires time.Time, err error) {
	if userID <= 0 {
		return "", time.Time{}, errors.New("auth: token user id must be positive")
	}
	if jti == "" {
		return "", time.Time{}, errors.New("auth: token id (jti) must not be empty")
	}
	iat := jwt.NewNumericDate(now)
	exp := jwt.NewNumericDate(now.Add(ttl))
	claims := &Claims{
		UserID:       userID,
		Username:     username,
		Role:         role,
		Status:       status,
		Impersonator: by,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: exp,
			IssuedAt:  iat,
			ID:        jti,
		},
	}
	var s string
	if t.method != nil {
		tok := jwt.NewWithClaims(t.method, claims)
		tok.Header["kid"] = t.kid
		s, err = tok.SignedString(t.edKey)
	} else {
		s, err = jwt.NewWithClaims(signing, claims).SignedString(t.key)
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return s, exp.Time, nil
}

// Verify checks token at time now and returns its claims. Every failure is
// ErrInvalidToken.
//
// Checks, cheapest first: length at most MaxTokenLen; three base64url
// segments; a header of only "alg" (exactly HS256) and optionally "typ"
// (JWT) — so jwk, jku, x5u, x5c, kid, crit and the like are refused, never
// followed; exp, iat and nbf, when present, JSON numbers (the jwt library
// would take "exp":"123"); then the library's checks: HS256 signature with
// our key, strict base64, exp required, iat and nbf not in the future, iss
// and aud equal to ours, all with Leeway; finally iat present, jti
// non-empty and _id positive.
//
// jwt.WithJSONNumber is not used: it only changes how numbers decode into
// interface{} values, and Claims has none; the numeric fields decode into
// int64/int/NumericDate directly.
//
// A token verified before is answered from memory after the same time
// checks (exp, iat, nbf with Leeway) against now.
func (t *Tokens) Verify(token string, now time.Time) (*Claims, error) {
	if len(token) > MaxTokenLen {
		return nil, ErrInvalidToken
	}
	t.mu.RLock()
	c := t.verified[token]
	t.mu.RUnlock()
	if c != nil {
		if !timely(c, now) {
			return nil, ErrInvalidToken
		}
		cp := *c
		return &cp, nil
	}
	c, err := t.verifyFresh(token, now)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if len(t.verified) >= maxVerified {
		n := maxVerified / 8
		for k := range t.verified {
			delete(t.verified, k)
			if n--; n <= 0 {
				break
			}
		}
	}
	t.verified[token] = c
	t.mu.Unlock()
	cp := *c
	return &cp, nil
}

// timely repeats the library's time checks: exp required and not passed,
// iat and nbf (when present) not in the future, each with Leeway.
func timely(c *Claims, now time.Time) bool {
	if c.ExpiresAt == nil || c.IssuedAt == nil || !now.Before(c.ExpiresAt.Add(Leeway)) || now.Before(c.IssuedAt.Add(-Leeway)) {
		return false
	}
	return c.NotBefore == nil || !now.Before(c.NotBefore.Add(-Leeway))
}

// verifyFresh runs every check of Verify on a token not seen before.
func (t *Tokens) verifyFresh(token string, now time.Time) (*Claims, error) {
	if !isTokenChars(token) {
		return nil, ErrInvalidToken
	}
	head, rest, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrInvalidToken
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || sig == "" || strings.Contains(sig, ".") {
		return nil, ErrInvalidToken
	}
	if !t.checkHeader(head) || !checkPayload(payload) {
		return nil, ErrInvalidToken
	}
	claims := new(Claims)
	p := strictParser(t.alg().Alg(), t.issuer, t.audience, now)
	tok, err := p.ParseWithClaims(token, claims, t.keyFunc)
	if err != nil || !tok.Valid || tok.Method != t.alg() {
		return nil, ErrInvalidToken
	}
	if claims.IssuedAt == nil || claims.ID == "" || claims.UserID <= 0 || claims.Impersonator < 0 ||
		claims.Impersonator == claims.UserID {
		return nil, ErrInvalidToken
	}
	return claims, nil
}

// keyFunc answers our own key: in HS256 mode the one key; in EdDSA mode
// the public key of one of our own key ids. Nothing in a token can name a
// key from elsewhere.
func (t *Tokens) keyFunc(tok *jwt.Token) (any, error) {
	if tok.Method != t.alg() {
		return nil, ErrInvalidToken
	}
	if t.method == nil {
		return t.key, nil
	}
	kid, _ := tok.Header["kid"].(string)
	pub, ok := t.verify[kid]
	if !ok {
		return nil, ErrInvalidToken
	}
	return pub, nil
}

// checkHeader accepts {"alg":"HS256"} (or, in EdDSA mode, {"alg":"EdDSA",
// "kid":<one of ours>}) with an optional "typ":"JWT" and nothing else.
func (t *Tokens) checkHeader(seg string) bool {
	raw, err := tokenEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return false
	}
	var sawAlg, sawKid bool
	for k, v := range h {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return false
		}
		switch k {
		case "alg":
			if s != t.alg().Alg() {
				return false
			}
			sawAlg = true
		case "kid":
			if _, ok := t.verify[s]; t.method == nil || !ok {
				return false
			}
			sawKid = true
		case "typ":
			if !strings.EqualFold(s, "JWT") {
				return false
			}
		default:
			return false
		}
	}
	return sawAlg && (t.method == nil || sawKid)
}

// checkPayload requires the payload to be a JSON object whose time claims
// (matched case-insensitively, as encoding/json matches struct fields) are
// plain JSON numbers in a sane range.
func checkPayload(seg string) bool {
	raw, err := tokenEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	return checkPayloadJSON(raw)
}

func checkPayloadJSON(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return false
	}
	for k, v := range m {
		if !strings.EqualFold(k, "exp") && !strings.EqualFold(k, "iat") && !strings.EqualFold(k, "nbf") {
			continue
		}
		var n json.Number
		v = bytes.TrimSpace(v)
		if len(v) == 0 || v[0] == '"' {
			return false
		}
		if err := json.Unmarshal(v, &n); err != nil {
			return false
		}
		f, err := n.Float64()
		if err != nil || f < 0 || f >= maxTimeClaim {
			return false
		}
	}
	return true
}

// strictParser is the parser of every token this server checks (its own
// and FreeSewing's): one algorithm, strict base64, exp and iat required,
// Leeway of clock skew, the issuer and audience given, time from now.
func strictParser(alg, issuer, audience string, now time.Time) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{alg}),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
}
