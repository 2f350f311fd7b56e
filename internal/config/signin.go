package config

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Signin holds the sign-in providers (internal/signin/oauth). A provider
// is on when its client id is set. Generic OpenID Connect issuers are
// named in BACKEND_OIDC_PROVIDERS; each name's settings are read from
// BACKEND_OIDC_<NAME>_ISSUER, _CLIENT_ID and _CLIENT_SECRET (environment
// only: there is no flag for a name not known in advance).
type Signin struct {
	GitHubClientID     string
	GitHubClientSecret string // secret: never logged
	GitHubURL          string // where people authorise (…/login/oauth/authorize) and codes are exchanged
	GitHubAPIURL       string // REST API: /user, /user/emails
	GoogleClientID     string
	GoogleClientSecret string // secret: never logged
	GoogleIssuer       string // discovery: <issuer>/.well-known/openid-configuration
	OIDCNames          []string
	OIDC               []OIDCProvider
}

// OIDCProvider is one generic OpenID Connect issuer.
type OIDCProvider struct {
	Name         string // lower case: the provider name clients send
	Issuer       string
	ClientID     string
	ClientSecret string // secret: never logged
}

var oidcName = regexp.MustCompile(`^[a-z][a-z0-9]{0,30}$`)

func httpURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("must be an http(s) URL")
	}
	return strings.TrimRight(v, "/"), nil
}

func signinSettings() []setting {
	str := func(field func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *field(c) = v; return nil }
	}
	urlSetter := func(field func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error {
			u, err := httpURL(v)
			*field(c) = u
			return err
		}
	}
	return []setting{
		{"BACKEND_GITHUB_CLIENT_ID", "github-client-id", "", "GitHub OAuth app client id (unset: no GitHub sign-in)", str(func(c *Config) *string { return &c.GitHubClientID })},
		{"BACKEND_GITHUB_CLIENT_SECRET", "github-client-secret", "", "GitHub OAuth app client secret", str(func(c *Config) *string { return &c.GitHubClientSecret })},
		{"BACKEND_GITHUB_URL", "github-url", "https://github.com", "where GitHub sign-in authorises and exchanges codes (GitHub Enterprise: its host)", urlSetter(func(c *Config) *string { return &c.GitHubURL })},
		{"BACKEND_GITHUB_API_URL", "github-api-url", "https://api.github.com", "GitHub REST API the signed-in user and their emails are read from", urlSetter(func(c *Config) *string { return &c.GitHubAPIURL })},
		{"BACKEND_GOOGLE_CLIENT_ID", "google-client-id", "", "Google OAuth client id (unset: no Google sign-in)", str(func(c *Config) *string { return &c.GoogleClientID })},
		{"BACKEND_GOOGLE_CLIENT_SECRET", "google-client-secret", "", "Google OAuth client secret", str(func(c *Config) *string { return &c.GoogleClientSecret })},
		{"BACKEND_GOOGLE_ISSUER", "google-issuer", "https://accounts.google.com", "Google's OpenID Connect issuer (discovery)", urlSetter(func(c *Config) *string { return &c.GoogleIssuer })},
		{"BACKEND_OIDC_PROVIDERS", "oidc-providers", "", "comma-separated names of generic OpenID Connect providers, each set by BACKEND_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET", func(c *Config, v string) error {
			c.OIDCNames = nil
			seen := map[string]bool{}
			for _, n := range strings.Split(v, ",") {
				n = strings.ToLower(strings.TrimSpace(n))
				if n == "" {
					continue
				}
				if !oidcName.MatchString(n) || n == "github" || n == "google" || seen[n] {
					return errors.New("names must be distinct, letters and digits, not github or google")
				}
				seen[n] = true
				c.OIDCNames = append(c.OIDCNames, n)
			}
			return nil
		}},
	}
}

// finishSignin reads each named OIDC provider's settings and checks that
// a provider's client id and secret go together.
func (c *Config) finishSignin(getenv func(string) string) error {
	if (c.GitHubClientID == "") != (c.GitHubClientSecret == "") {
		return &Error{Env: "BACKEND_GITHUB_CLIENT_SECRET", Flag: "github-client-secret", Err: errors.New("and BACKEND_GITHUB_CLIENT_ID go together")}
	}
	if (c.GoogleClientID == "") != (c.GoogleClientSecret == "") {
		return &Error{Env: "BACKEND_GOOGLE_CLIENT_SECRET", Flag: "google-client-secret", Err: errors.New("and BACKEND_GOOGLE_CLIENT_ID go together")}
	}
	c.OIDC = nil
	for _, n := range c.OIDCNames {
		pre := "BACKEND_OIDC_" + strings.ToUpper(n) + "_"
		p := OIDCProvider{Name: n, ClientID: getenv(pre + "CLIENT_ID"), ClientSecret: getenv(pre + "CLIENT_SECRET")}
		iss, err := httpURL(getenv(pre + "ISSUER"))
		if err != nil {
			return &Error{Env: pre + "ISSUER", Flag: "oidc-providers", Err: err}
		}
		p.Issuer = iss
		if p.ClientID == "" {
			return &Error{Env: pre + "CLIENT_ID", Flag: "oidc-providers", Err: errors.New("is needed for a provider named in BACKEND_OIDC_PROVIDERS")}
		}
		c.OIDC = append(c.OIDC, p)
	}
	return nil
}
