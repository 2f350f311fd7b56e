package api

import (
	"net/http"
	"strings"
)

// SecretInBody reports whether a request holds a credential in its body:
// the public routes that take a password, a mailed link's check, a
// provider's code or a passkey assertion and answer with a sign-in token
// (POST /signin, /signin/oauth, /signin/passkey/finish,
// /signinlink/{id}/{check}, /confirm/signup/{id}). In production they are
// refused over plain HTTP as an Authorization header is (auth.md,
// Transport; tlsserve.RequireHTTPS). TestTokenRoutesAreSecretInBody keeps
// the list whole.
func SecretInBody(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := r.URL.Path
	switch p {
	case "/signin", "/signin/oauth", "/signin/passkey/finish":
		return true
	}
	if rest, ok := strings.CutPrefix(p, "/signinlink/"); ok {
		return strings.Count(rest, "/") == 1
	}
	if rest, ok := strings.CutPrefix(p, "/confirm/signup/"); ok {
		return rest != "" && !strings.Contains(rest, "/")
	}
	return false
}
