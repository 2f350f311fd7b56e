package auth

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// LegacyTokens verifies sign-in tokens issued by the FreeSewing v3 backend
// before a deployment moved to Bobbin (`bobbin import freesewing
// --jwt-secret`): HS256 with upstream's secret, upstream's issuer and
// audience, its claims {_id, username, role, status} and no jti. They are
// accepted until they expire, and only if issued before the import ran
// (IssuedBefore), so the old secret cannot mint new sessions; revocation is
// the caller's (a per-user session row, see store.LegacySessionID).
type LegacyTokens struct {
	secret       []byte
	issuer       string
	audience     string
	issuedBefore time.Time
}

// LegacyClaims are the claims of an upstream token.
type LegacyClaims struct {
	UserID   int64  `json:"_id"`
	Username string `json:"username"`
	Role     string `json:"role"`
	Status   int    `json:"status"`
	jwt.RegisteredClaims
}

// NewLegacyTokens returns a verifier. secret, issuer and audience must be
// non-empty (an empty one would switch a check off).
func NewLegacyTokens(secret, issuer, audience string, issuedBefore time.Time) (*LegacyTokens, error) {
	if secret == "" || issuer == "" || audience == "" {
		return nil, errors.New("auth: legacy tokens need a secret, an issuer and an audience")
	}
	return &LegacyTokens{secret: []byte(secret), issuer: issuer, audience: audience, issuedBefore: issuedBefore}, nil
}

// Verify checks an upstream token at now. Every failure is ErrInvalidToken.
// Checks: length and characters; a header of alg HS256 and optionally typ
// JWT, nothing else; time claims plain numbers; signature with the legacy
// secret; exp and iat required, iat not after IssuedBefore; iss and aud
// equal to upstream's; _id positive.
func (l *LegacyTokens) Verify(token string, now time.Time) (*LegacyClaims, error) {
	if l == nil || len(token) > MaxTokenLen || !isTokenChars(token) {
		return nil, ErrInvalidToken
	}
	head, rest, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrInvalidToken
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || sig == "" || strings.Contains(sig, ".") || !legacyHeader(head) || !checkPayload(payload) {
		return nil, ErrInvalidToken
	}
	claims := new(LegacyClaims)
	p := strictParser(jwt.SigningMethodHS256.Alg(), l.issuer, l.audience, now)
	tok, err := p.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, ErrInvalidToken
		}
		return l.secret, nil
	})
	if err != nil || !tok.Valid || tok.Method != jwt.SigningMethodHS256 {
		return nil, ErrInvalidToken
	}
	if claims.IssuedAt == nil || claims.UserID <= 0 || claims.IssuedAt.After(l.issuedBefore) {
		return nil, ErrInvalidToken
	}
	return claims, nil
}

// legacyHeader accepts {"alg":"HS256"} with an optional "typ":"JWT".
func legacyHeader(seg string) bool {
	raw, err := tokenEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return false
	}
	sawAlg := false
	for k, v := range h {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return false
		}
		switch {
		case k == "alg" && s == "HS256":
			sawAlg = true
		case k == "typ" && strings.EqualFold(s, "JWT"):
		default:
			return false
		}
	}
	return sawAlg
}
