package flows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Item is what a forwarder creates.
type Item struct {
	Title  string
	Body   string
	Labels []string
}

// Forwarder creates an item somewhere else (an issue tracker).
type Forwarder interface {
	Forward(ctx context.Context, it Item) (Remote, error)
}

// GitHubAPI creates issues through a GitHub-compatible REST API:
// POST {base}/repos/{owner}/{repo}/issues, which GitHub, Gitea and Forgejo
// share. Discussions and posts become issues with a label saying so.
type GitHubAPI struct {
	Base   string // https://api.github.com, or a Gitea/Forgejo https://host/api/v1
	Repo   string // owner/repo
	Token  string // sent as a bearer token; never logged
	Client *http.Client
}

// NewGitHubAPI checks the settings and builds the forwarder.
func NewGitHubAPI(base, repo, token string) (*GitHubAPI, error) {
	base = strings.TrimRight(base, "/")
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, errors.New("flows: the repository must be owner/repo")
	}
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		return nil, errors.New("flows: the API URL must be http(s)")
	}
	if token == "" {
		return nil, errors.New("flows: a token is needed to create issues")
	}
	return &GitHubAPI{Base: base, Repo: repo, Token: token, Client: &http.Client{Timeout: 15 * time.Second}}, nil
}

// Forward creates the issue.
func (g *GitHubAPI) Forward(ctx context.Context, it Item) (Remote, error) {
	body, err := json.Marshal(map[string]any{"title": it.Title, "body": it.Body, "labels": it.Labels})
	if err != nil {
		return Remote{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.Base+"/repos/"+g.Repo+"/issues", bytes.NewReader(body))
	if err != nil {
		return Remote{}, err
	}
	req.Header.Set("Authorization", "Bearer "+g.Token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.Client.Do(req)
	if err != nil {
		return Remote{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Remote{}, err
	}
	if resp.StatusCode != http.StatusCreated {
		return Remote{}, fmt.Errorf("flows: the issue API answered %d", resp.StatusCode)
	}
	var out struct {
		Number  int64  `json:"number"`
		URL     string `json:"url"`
		HTMLURL string `json:"html_url"`
		State   string `json:"state"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return Remote{}, fmt.Errorf("flows: the issue API's answer: %w", err)
	}
	return Remote{Number: out.Number, URL: out.URL, HTMLURL: out.HTMLURL, State: out.State}, nil
}
