package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"bobbin/internal/apierr"
	"bobbin/internal/config"
)

// Person is what a provider tells of whoever signed in there.
type Person struct {
	Subject       string // stable id at the provider
	Email         string
	EmailVerified bool // the provider says the address is theirs
	Username      string
	Name          string
	Picture       string // avatar URL
	Bio           string
}

// Proof is what init made and the callback must show: the PKCE verifier
// (its S256 challenge went in the authorisation URL) and, for OIDC, the
// nonce the ID token must carry.
type Proof struct {
	Verifier string
	Nonce    string
}

// Provider is one way to sign in elsewhere.
type Provider interface {
	// AuthURL is where the person authorises; state comes back with the code.
	AuthURL(ctx context.Context, state string, p Proof) (string, error)
	// Exchange trades the code (with the proof) for who signed in.
	// A code or ID token the provider or the checks refuse is
	// apierr.CodeInvalid; an unreachable provider apierr.Unavailable.
	Exchange(ctx context.Context, code string, p Proof) (Person, error)
}

// CallbackPath is where a provider sends the person back on the website:
// BACKEND_WEBSITE_URL + CallbackPath + <provider>.
const CallbackPath = "/signin/callback/"

// Providers builds the configured providers by name. client makes every
// call to them (it carries the timeout).
func Providers(c *config.Config, client *http.Client) map[string]Provider {
	out := map[string]Provider{}
	redirect := func(name string) string { return c.WebsiteURL + CallbackPath + name }
	if c.GitHubClientID != "" {
		out["github"] = &gitHub{client: client, api: c.GitHubAPIURL, cfg: oauth2.Config{
			ClientID: c.GitHubClientID, ClientSecret: c.GitHubClientSecret, RedirectURL: redirect("github"),
			Scopes:   []string{"read:user", "user:email"},
			Endpoint: oauth2.Endpoint{AuthURL: c.GitHubURL + "/login/oauth/authorize", TokenURL: c.GitHubURL + "/login/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams},
		}}
	}
	if c.GoogleClientID != "" {
		out["google"] = &openID{issuer: c.GoogleIssuer, client: client, cfg: oauth2.Config{
			ClientID: c.GoogleClientID, ClientSecret: c.GoogleClientSecret, RedirectURL: redirect("google"),
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}}
	}
	for _, p := range c.OIDC {
		out[p.Name] = &openID{issuer: p.Issuer, client: client, cfg: oauth2.Config{
			ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: redirect(p.Name),
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}}
	}
	return out
}

// refused turns an exchange failure into the answer: the provider said
// no (a bad or used code, a wrong verifier) or did not answer.
func refused(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return apierr.CodeInvalid.Because(err)
	}
	return apierr.Unavailable.Because(err)
}

// gitHub is GitHub's OAuth 2.0 (with PKCE) and REST API.
type gitHub struct {
	cfg    oauth2.Config
	api    string
	client *http.Client
}

func (g *gitHub) AuthURL(_ context.Context, state string, p Proof) (string, error) {
	return g.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(p.Verifier)), nil
}

func (g *gitHub) Exchange(ctx context.Context, code string, p Proof) (Person, error) {
	tok, err := g.cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, g.client), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return Person{}, refused(err)
	}
	var user struct {
		ID     int64  `json:"id"`
		Login  string `json:"login"`
		Name   string `json:"name"`
		Avatar string `json:"avatar_url"`
		Bio    string `json:"bio"`
	}
	if err := g.get(ctx, tok.AccessToken, "/user", &user); err != nil {
		return Person{}, err
	}
	if user.ID == 0 {
		return Person{}, apierr.CodeInvalid.Because(errors.New("github: /user has no id"))
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := g.get(ctx, tok.AccessToken, "/user/emails", &emails); err != nil {
		return Person{}, err
	}
	out := Person{Subject: strconv.FormatInt(user.ID, 10), Username: user.Login, Name: user.Name, Picture: user.Avatar, Bio: user.Bio}
	// Only the primary address counts, and only when GitHub verified it.
	for _, e := range emails {
		if e.Primary {
			out.Email, out.EmailVerified = e.Email, e.Verified
		}
	}
	return out, nil
}

// get reads one GitHub API answer (at most 1 MiB) into v.
func (g *gitHub) get(ctx context.Context, token, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.api+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	res, err := g.client.Do(req)
	if err != nil {
		return apierr.Unavailable.Because(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return apierr.Unavailable.Because(err)
	}
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return apierr.CodeInvalid.Because(fmt.Errorf("github %s: %d", path, res.StatusCode))
	case res.StatusCode != http.StatusOK:
		return apierr.Unavailable.Because(fmt.Errorf("github %s: %d", path, res.StatusCode))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apierr.Unavailable.Because(fmt.Errorf("github %s: %w", path, err))
	}
	return nil
}

// openID is an OpenID Connect provider found by discovery (Google, or a
// generic issuer). Discovery runs on first use and is kept once it worked,
// so a provider that is down at start does not stop the server.
type openID struct {
	issuer string
	client *http.Client
	cfg    oauth2.Config

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier // nil until discovery worked
}

func (o *openID) ready(ctx context.Context) (oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.cfg, o.verifier, nil
	}
	// The key set fetched later lives on this context's client, not on the
	// request: it must outlive it.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), o.client)
	p, err := oidc.NewProvider(pctx, o.issuer)
	if err != nil {
		return oauth2.Config{}, nil, apierr.Unavailable.Because(err)
	}
	o.cfg.Endpoint = p.Endpoint()
	// The verifier checks the signature against the issuer's keys, the
	// issuer, the audience (our client id) and the expiry.
	o.verifier = p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID})
	return o.cfg, o.verifier, nil
}

func (o *openID) AuthURL(ctx context.Context, state string, p Proof) (string, error) {
	cfg, _, err := o.ready(ctx)
	if err != nil {
		return "", err
	}
	return cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(p.Verifier), oidc.Nonce(p.Nonce)), nil
}

// claims are the ID token claims Bobbin reads. email_verified is a
// boolean by the standard; some providers send the string "true".
type claims struct {
	Email             string          `json:"email"`
	EmailVerified     json.RawMessage `json:"email_verified"`
	PreferredUsername string          `json:"preferred_username"`
	Nickname          string          `json:"nickname"`
	Name              string          `json:"name"`
	Picture           string          `json:"picture"`
}

func verified(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "true" || s == `"true"`
}

func (o *openID) Exchange(ctx context.Context, code string, p Proof) (Person, error) {
	cfg, verifier, err := o.ready(ctx)
	if err != nil {
		return Person{}, err
	}
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, o.client), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return Person{}, refused(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Person{}, apierr.CodeInvalid.Because(errors.New("oidc: no id_token in the token answer"))
	}
	idt, err := verifier.Verify(oidc.ClientContext(ctx, o.client), raw)
	if err != nil {
		return Person{}, apierr.CodeInvalid.Because(err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		return Person{}, apierr.CodeInvalid.Because(errors.New("oidc: the ID token's nonce is not ours"))
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return Person{}, apierr.CodeInvalid.Because(err)
	}
	username := c.PreferredUsername
	if username == "" {
		username = c.Nickname
	}
	return Person{Subject: idt.Subject, Email: c.Email, EmailVerified: verified(c.EmailVerified),
		Username: username, Name: c.Name, Picture: c.Picture}, nil
}
