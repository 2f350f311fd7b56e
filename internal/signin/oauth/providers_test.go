package oauth_test

import (
	"fmt"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// GET /signin/providers names exactly the configured providers, in the
// order a sign-in page lists them, and nothing of their settings.
func TestProvidersListed(t *testing.T) {
	e, _ := newEnv(t)
	r := e.Do("GET", "/signin/providers", nil, apitest.None).Expect(t, 200, "")
	if got := fmt.Sprint(r.Get("providers")); got != "[github google keycloak]" {
		t.Fatalf("providers %s (body %s)", got, r.Body)
	}
	for _, secret := range []string{"client", "secret", "issuer", "127.0.0.1"} {
		if strings.Contains(strings.ToLower(string(r.Body)), secret) {
			t.Fatalf("the list tells %q: %s", secret, r.Body)
		}
	}

	// Only a generic provider: github and google are absent.
	p := startOIDC(t)
	e2 := apitest.New(t,
		apitest.WithEnv("BACKEND_OIDC_PROVIDERS", "corp"),
		apitest.WithEnv("BACKEND_OIDC_CORP_ISSUER", p.Issuer()),
		apitest.WithEnv("BACKEND_OIDC_CORP_CLIENT_ID", p.ClientID),
		apitest.WithEnv("BACKEND_OIDC_CORP_CLIENT_SECRET", p.ClientSecret))
	if got := fmt.Sprint(e2.Do("GET", "/signin/providers", nil, apitest.None).Expect(t, 200, "").Get("providers")); got != "[corp]" {
		t.Fatalf("providers %s", got)
	}

	// None configured: an empty list, not null.
	e3 := apitest.New(t)
	if r := e3.Do("GET", "/signin/providers", nil, apitest.None).Expect(t, 200, ""); strings.TrimSpace(string(r.Body)) != `{"result":"success","providers":[]}` {
		t.Fatalf("no providers: %s", r.Body)
	}
}
