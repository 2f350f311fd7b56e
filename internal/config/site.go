package config

import (
	"errors"
	"net/mail"
	"strings"
)

// Site holds what the site is called and where what people submit goes
// (internal/flows).
type Site struct {
	SiteName      string // author of the public .json/.yaml documents
	OperatorEmail string // receives issues, discussions, posts, language suggestions
	FlowsAPIURL   string // GitHub-compatible REST API that issues are created through
	FlowsRepo     string // owner/repo there
	FlowsToken    string // token for it (secret: never logged)
	TranslatorURL string // where translator invites lead
}

func siteSettings() []setting {
	return []setting{
		{"BACKEND_SITE_NAME", "site-name", "FreeSewing", "the site's name: author of public set and pattern documents", func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" || len(v) > 100 {
				return errors.New("must be 1 to 100 characters")
			}
			c.SiteName = v
			return nil
		}},
		{"BACKEND_OPERATOR_EMAIL", "operator-email", "", "where submitted issues, discussions, posts and language suggestions are mailed (unset: stored only)", func(c *Config, v string) error {
			if v != "" {
				if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
					return errors.New("must be a bare email address")
				}
			}
			c.OperatorEmail = v
			return nil
		}},
		{"BACKEND_FLOWS_API_URL", "flows-api-url", "https://api.github.com", "GitHub-compatible REST API for issues (GitHub, or Gitea/Forgejo at https://host/api/v1)", func(c *Config, v string) error {
			if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				return errors.New("must be an http(s) URL")
			}
			c.FlowsAPIURL = strings.TrimRight(v, "/")
			return nil
		}},
		{"BACKEND_FLOWS_REPO", "flows-repo", "", "owner/repo to create issues in (unset: issues are stored and mailed only)", func(c *Config, v string) error {
			if v != "" {
				o, r, ok := strings.Cut(v, "/")
				if !ok || o == "" || r == "" || strings.Contains(r, "/") {
					return errors.New("must be owner/repo")
				}
			}
			c.FlowsRepo = v
			return nil
		}},
		{"BACKEND_FLOWS_TOKEN", "flows-token", "", "token for that API (needed with BACKEND_FLOWS_REPO)", func(c *Config, v string) error {
			c.FlowsToken = v
			return nil
		}},
		{"BACKEND_TRANSLATOR_URL", "translator-url", "", "where translator invites lead (default <website>/translation)", func(c *Config, v string) error {
			c.TranslatorURL = v
			return nil
		}},
	}
}

// finishSite fills the defaults that depend on other settings and checks
// the ones that go together.
func (c *Config) finishSite() error {
	if c.TranslatorURL == "" {
		c.TranslatorURL = c.WebsiteURL + "/translation"
	}
	if c.FlowsRepo != "" && c.FlowsToken == "" {
		return &Error{Env: "BACKEND_FLOWS_TOKEN", Flag: "flows-token", Err: errors.New("is needed with BACKEND_FLOWS_REPO")}
	}
	return nil
}
