package flows_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"bobbin/internal/apitest"
	"bobbin/internal/flows"
)

const operator = "ops@example.org"

// fakeIssues is a GitHub-compatible issue API on loopback: it records what
// it was sent and answers 201 with a number and URL, as GitHub does.
type fakeIssues struct {
	mu    sync.Mutex
	got   []map[string]any
	auth  []string
	fails bool
}

func (f *fakeIssues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != "POST" || r.URL.Path != "/repos/acme/site/issues" {
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, body)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if f.fails {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	n := len(f.got) + 41
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"number": n, "url": "http://api/issues/x", "html_url": "https://tracker.example/acme/site/issues/" + strings.Repeat("1", 1)})
}

func TestIssuesStoredAndMailed(t *testing.T) {
	e := apitest.New(t, apitest.WithEnv("BACKEND_OPERATOR_EMAIL", operator))
	r := e.Do("POST", "/issues", map[string]any{"title": "The site is down", "body": "Since noon."}, apitest.None).Expect(t, 201, "")
	if r.Str("result") != "created" || r.Str("issue.title") != "The site is down" || r.Num("issue.id") < 1 {
		t.Fatalf("answer %s", r.Body)
	}
	m, ok := e.LastMailTo(operator)
	if !ok || !strings.Contains(m.Subject, "The site is down") || !strings.Contains(m.Text, "Since noon.") {
		t.Fatalf("operator mail: %+v", m)
	}
	r = e.Do("POST", "/discussions", map[string]any{"title": "An idea", "body": "What if..."}, apitest.None).Expect(t, 201, "")
	if r.Str("discussion.title") != "An idea" || r.Str("discussion.state") != "open" {
		t.Fatalf("answer %s", r.Body)
	}
	// Stored encrypted: the raw row holds neither title nor body.
	var title, text string
	if err := e.App.DB.QueryRow(t.Context(), "SELECT title_enc, text_enc FROM flow_items WHERE kind = 'issue'").Scan(&title, &text); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(title, "down") || strings.Contains(text, "noon") {
		t.Fatal("flow item stored in clear")
	}
}

func TestIssueErrors(t *testing.T) {
	e := apitest.New(t)
	for _, c := range []struct {
		body any
		code string
	}{
		{nil, "postBodyMissing"},
		{map[string]any{"body": "x"}, "titleMissing"},
		{map[string]any{"title": "  "}, "titleMissing"},
		{map[string]any{"title": "t"}, "bodyMissing"},
		{map[string]any{"title": strings.Repeat("t", 201), "body": "x"}, "titleTooLong"},
		{map[string]any{"title": "a\nb", "body": "x"}, "titleTooLong"},
		{map[string]any{"title": "t", "body": strings.Repeat("b", 20_001)}, "bodyTooLong"},
		{map[string]any{"title": 5, "body": "x"}, "titleInvalid"},
	} {
		e.Do("POST", "/issues", c.body, apitest.None).Expect(t, 400, c.code)
	}
}

func TestAnonymousSubmissionsThrottled(t *testing.T) {
	e := apitest.New(t)
	body := map[string]any{"title": "t", "body": "b"}
	for range 10 {
		e.Do("POST", "/issues", body, apitest.None).Expect(t, 201, "")
	}
	r := e.Do("POST", "/discussions", body, apitest.None).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestIssuesForwardedToAGitHubCompatibleAPI(t *testing.T) {
	fake := &fakeIssues{}
	api := httptest.NewServer(fake)
	defer api.Close()
	e := apitest.New(t, apitest.WithEnv("BACKEND_FLOWS_API_URL", api.URL), apitest.WithEnv("BACKEND_FLOWS_REPO", "acme/site"),
		apitest.WithEnv("BACKEND_FLOWS_TOKEN", "tok-123"), apitest.WithEnv("BACKEND_OPERATOR_EMAIL", operator))
	r := e.Do("POST", "/issues", map[string]any{"title": "Bug", "body": "Steps", "labels": []string{"bug", "x\ny"}}, apitest.None).Expect(t, 201, "")
	if r.Num("issue.number") != 42 || !strings.HasPrefix(r.Str("issue.html_url"), "https://tracker.example/") || r.Str("issue.state") != "open" {
		t.Fatalf("answer %s", r.Body)
	}
	fake.mu.Lock()
	got, auth := fake.got[0], fake.auth[0]
	fake.mu.Unlock()
	if got["title"] != "Bug" || got["body"] != "Steps" || auth != "Bearer tok-123" {
		t.Fatalf("sent %v with %q", got, auth)
	}
	if labels, _ := got["labels"].([]any); len(labels) != 1 || labels[0] != "bug" {
		t.Fatalf("labels %v", got["labels"])
	}
	if strings.Contains(e.Log.String(), "tok-123") {
		t.Fatal("the token reached the log")
	}
	// The API down: the item is still stored and mailed, never lost.
	fake.mu.Lock()
	fake.fails = true
	fake.mu.Unlock()
	r = e.Do("POST", "/issues", map[string]any{"title": "Second", "body": "b"}, apitest.None).Expect(t, 201, "")
	if r.Str("issue.html_url") != "" || r.Num("issue.id") < 2 || r.Str("issue.state") != "open" {
		t.Fatalf("answer %s", r.Body)
	}
	if m, ok := e.LastMailTo(operator); !ok || !strings.Contains(m.Subject, "Second") {
		t.Fatalf("operator mail %+v", m)
	}
}

func TestPostsAndSlugs(t *testing.T) {
	e := apitest.New(t)
	u := e.NewUser("user")
	e.Do("GET", "/slugs/blog/my-first-post/jwt", nil, u.JWT()).Expect(t, 404, "notFound")
	e.Do("GET", "/slugs/blog/my-first-post/key", nil, u.KeyAuth()).Expect(t, 404, "notFound")
	body := map[string]any{"markdown": "# Hello", "slug": "my-first-post", "language": "en"}
	r := e.Do("POST", "/flows/pr/blog/jwt", body, u.JWT()).Expect(t, 201, "")
	if r.Str("pr.title") != "New blog post my-first-post by "+u.Username || r.Str("file.path") != "markdown/org/blog/my-first-post/en.md" ||
		r.Str("branch.ref") != "refs/heads/blog-my-first-post" {
		t.Fatalf("answer %s", r.Body)
	}
	for path, a := range map[string]apitest.Auth{"jwt": u.JWT(), "key": u.KeyAuth()} {
		r := e.Do("GET", "/slugs/blog/my-first-post/"+path, nil, a).Expect(t, 200, "")
		if r.Get("available") != false || r.Str("slug") != "my-first-post" {
			t.Fatalf("answer %s", r.Body)
		}
	}
	// The same slug is still free for a showcase post; other types are 404.
	e.Do("GET", "/slugs/showcase/my-first-post/key", nil, u.KeyAuth()).Expect(t, 404, "notFound")
	e.Do("POST", "/flows/pr/news/key", body, u.KeyAuth()).Expect(t, 404, "notFound")
	for field, code := range map[string]string{"markdown": "markdownMissing", "slug": "slugMissing", "language": "languageMissing"} {
		b := map[string]any{"markdown": "m", "slug": "s", "language": "en"}
		delete(b, field)
		e.Do("POST", "/flows/pr/showcase/key", b, u.KeyAuth()).Expect(t, 400, code)
	}
	e.Do("POST", "/flows/pr/showcase/key", map[string]any{"markdown": "m", "slug": "Not A Slug", "language": "en"}, u.KeyAuth()).Expect(t, 400, "slugInvalid")
}

func TestTranslatorInviteAndLanguageSuggestion(t *testing.T) {
	e := apitest.New(t, apitest.WithEnv("BACKEND_OPERATOR_EMAIL", operator))
	u := e.NewUser("user")
	e.Do("POST", "/flows/translator-invite/key", map[string]any{"language": "nl"}, u.KeyAuth()).Expect(t, 200, "")
	m, ok := e.LastMailTo(u.Email)
	if !ok || m.Headers["X-Bobbin-Kind"][0] != "translatorInvite" || !strings.Contains(m.Text, "/translation?language=nl") {
		t.Fatalf("invite mail %+v", m)
	}
	e.Do("POST", "/flows/translator-invite/jwt", map[string]any{"language": "xx"}, u.JWT()).Expect(t, 400, "languageInvalid")
	e.Do("POST", "/flows/translator-invite/jwt", map[string]any{"foo": 1}, u.JWT()).Expect(t, 400, "languageMissing")
	e.Do("POST", "/flows/language-suggestion/jwt", map[string]any{"language": "Esperanto", "notes": "please"}, u.JWT()).Expect(t, 200, "")
	m, ok = e.LastMailTo(operator)
	if !ok || !strings.Contains(m.Text, "Esperanto") || !strings.Contains(m.Subject, u.Username) {
		t.Fatalf("suggestion mail %+v", m)
	}
}

func TestCheckSlug(t *testing.T) {
	for s, ok := range map[string]bool{"a": true, "my-post-2": true, "": false, "-a": false, "a--b": false, "A": false, "a b": false, strings.Repeat("a", 101): false} {
		if err := flows.CheckSlug(s); (err == nil) != ok {
			t.Errorf("CheckSlug(%q) = %v", s, err)
		}
	}
}
