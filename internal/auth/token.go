package auth

import (
	"bytes"
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

// signing is the one accepted algorithm.
var signing = jwt.SigningMethodHS256

var tokenEncoding = base64.RawURLEncoding.Strict()

// Tokens signs and verifies HS256 sign-in tokens. It is safe for
// concurrent use.
type Tokens struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration

	// verified remembers tokens that passed every time-independent check
	// (format, header, algorithm, signature, issuer, audience, claims), so
	// a token seen again costs a map lookup and the time checks, not JSON
	// decoding and an HMAC. The key is the whole token: a hit means the
	// very bytes that were verified. Revocation is not decided here (the
	// session behind the jti is checked on every request).
	mu       sync.RWMutex
	verified map[string]*Claims
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
	if userID <= 0 {
		return "", time.Time{}, errors.New("auth: token user id must be positive")
	}
	if jti == "" {
		return "", time.Time{}, errors.New("auth: token id (jti) must not be empty")
	}
	iat := jwt.NewNumericDate(now)
	exp := jwt.NewNumericDate(now.Add(t.ttl))
	claims := &Claims{
		UserID:   userID,
		Username: username,
		Role:     role,
		Status:   status,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: exp,
			IssuedAt:  iat,
			ID:        jti,
		},
	}
	s, err := jwt.NewWithClaims(signing, claims).SignedString(t.key)
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
	c, err := t.verify(token, now)
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

// verify runs every check of Verify on a token not seen before.
func (t *Tokens) verify(token string, now time.Time) (*Claims, error) {
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
	if !checkHeader(head) || !checkPayload(payload) {
		return nil, ErrInvalidToken
	}
	claims := new(Claims)
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{signing.Alg()}),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(t.audience),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	tok, err := p.ParseWithClaims(token, claims, t.keyFunc)
	if err != nil || !tok.Valid || tok.Method != signing {
		return nil, ErrInvalidToken
	}
	if claims.IssuedAt == nil || claims.ID == "" || claims.UserID <= 0 {
		return nil, ErrInvalidToken
	}
	return claims, nil
}

// keyFunc always answers our own key: nothing in the token chooses it.
func (t *Tokens) keyFunc(tok *jwt.Token) (any, error) {
	if tok.Method != signing {
		return nil, ErrInvalidToken
	}
	return t.key, nil
}

// checkHeader accepts {"alg":"HS256"} with an optional "typ":"JWT" and
// nothing else.
func checkHeader(seg string) bool {
	raw, err := tokenEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return false
	}
	var sawAlg bool
	for k, v := range h {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return false
		}
		switch k {
		case "alg":
			if s != signing.Alg() {
				return false
			}
			sawAlg = true
		case "typ":
			if !strings.EqualFold(s, "JWT") {
				return false
			}
		default:
			return false
		}
	}
	return sawAlg
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
