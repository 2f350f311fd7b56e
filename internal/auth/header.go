// Package auth holds the HTTP-framework-free primitives of authentication:
// parsing the Authorization header, signing and verifying sign-in tokens
// (JWT), API key material and the role/level table (see spec/auth.md).
package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scheme is the authentication scheme named in an Authorization header.
type Scheme int

const (
	// SchemeBearer is "Authorization: Bearer <token>" (routes ending in /jwt).
	SchemeBearer Scheme = iota + 1
	// SchemeBasic is "Authorization: Basic base64(key:secret)" (routes ending in /key).
	SchemeBasic
)

// Credentials are the parsed contents of an Authorization header.
type Credentials struct {
	Scheme Scheme
	// Token is set for SchemeBearer.
	Token string
	// KeyID and Secret are set for SchemeBasic.
	KeyID, Secret string
}

var (
	ErrNoCredentials = errors.New("auth: no credentials")
	ErrMalformed     = errors.New("auth: malformed authorization header")
	ErrMultiple      = errors.New("auth: several authorization headers")
)

// MaxTokenLen is the largest bearer token, in bytes, that is accepted.
const MaxTokenLen = 4096

// maxHeaderLen bounds the whole Authorization header value.
const maxHeaderLen = 8 << 10

var basicEncoding = base64.StdEncoding.Strict()

// ParseAuthorization reads the Authorization header of h.
//
// No header gives ErrNoCredentials; more than one header value gives
// ErrMultiple; anything that is not exactly "<scheme> <credentials>" with a
// case-insensitive scheme of Bearer or Basic, a single space and well-formed
// credentials gives ErrMalformed. Basic credentials are split on the first
// colon; both the key and the secret must be non-empty.
func ParseAuthorization(h http.Header) (Credentials, error) {
	vals := h.Values("Authorization")
	switch {
	case len(vals) == 0:
		return Credentials{}, ErrNoCredentials
	case len(vals) > 1:
		return Credentials{}, ErrMultiple
	}
	v := vals[0]
	if len(v) > maxHeaderLen {
		return Credentials{}, ErrMalformed
	}
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok || cred == "" {
		return Credentials{}, ErrMalformed
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if len(cred) > MaxTokenLen || !isTokenChars(cred) {
			return Credentials{}, ErrMalformed
		}
		return Credentials{Scheme: SchemeBearer, Token: cred}, nil
	case strings.EqualFold(scheme, "Basic"):
		return parseBasic(cred)
	default:
		return Credentials{}, ErrMalformed
	}
}

func parseBasic(cred string) (Credentials, error) {
	// The base64 decoder skips CR and LF; refuse them (and everything else
	// outside the alphabet) up front.
	for i := 0; i < len(cred); i++ {
		if !isStdBase64Char(cred[i]) {
			return Credentials{}, ErrMalformed
		}
	}
	raw, err := basicEncoding.DecodeString(cred)
	if err != nil || !utf8.Valid(raw) {
		return Credentials{}, ErrMalformed
	}
	s := string(raw)
	for _, r := range s {
		if unicode.IsControl(r) {
			return Credentials{}, ErrMalformed
		}
	}
	key, secret, ok := strings.Cut(s, ":")
	if !ok || key == "" || secret == "" {
		return Credentials{}, ErrMalformed
	}
	return Credentials{Scheme: SchemeBasic, KeyID: key, Secret: secret}, nil
}

// isTokenChars reports whether s is non-empty and made only of base64url
// characters and dots.
func isTokenChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '.' && !isBase64URLChar(c) {
			return false
		}
	}
	return true
}

func isBase64URLChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

func isStdBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
}
