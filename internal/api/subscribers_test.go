package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

// subscribe subscribes an address in test mode and returns id and ehash.
func subscribe(t *testing.T, e *apitest.Env, email, lang string) (string, string) {
	t.Helper()
	r := e.Do("POST", "/subscriber", map[string]any{"email": email, "language": lang, "test": true}, apitest.None).Expect(t, 200, "")
	if r.Str("result") != "success" || r.Str("id") == "" || len(r.Str("ehash")) != 64 {
		t.Fatalf("subscribe answer: %s", r.Body)
	}
	return r.Str("id"), r.Str("ehash")
}

func subscriberRow(t *testing.T, e *apitest.Env, ehash string) *store.Subscriber {
	t.Helper()
	s, err := e.App.DB.Subscribers().ByEHash(context.Background(), ehash)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// oneClick posts what an RFC 8058 mail client posts to a List-Unsubscribe URL.
func oneClick(t *testing.T, e *apitest.Env, rawURL string) *apitest.Resp {
	t.Helper()
	// The mail names the public BACKEND_URL; the test server listens elsewhere.
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", e.URL+u.Path, strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.Send(req)
}

func TestSubscriberValidation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for _, tc := range []struct {
		name string
		body any
		code string
	}{
		{"no body", nil, "postBodyMissing"},
		{"empty object", map[string]any{}, "postBodyMissing"},
		{"not an object", "[1]", "invalidJson"},
		{"no email", map[string]any{"language": "en"}, "emailMissing"},
		{"no language", map[string]any{"email": "a@example.com"}, "languageMissing"},
		{"bad language", map[string]any{"email": "a@example.com", "language": "xx"}, "unsupportedLanguage"},
		{"bad email", map[string]any{"email": "not-an-email", "language": "en"}, "emailInvalid"},
		{"email not a string", map[string]any{"email": 5, "language": "en"}, "emailInvalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Do("POST", "/subscriber", tc.body, apitest.None).Expect(t, 400, tc.code)
		})
	}
	if n := len(e.Outbox()); n != 0 {
		t.Fatalf("refused subscriptions sent %d mails", n)
	}
}

func TestSubscriberLifecycle(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	admin := e.NewUser("admin")
	email := "Reader@Example.com"
	id, ehash := subscribe(t, e, email, "nl")

	// Stored encrypted, pending, under the keyed hash of the normalised address.
	row := subscriberRow(t, e, ehash)
	if row == nil || row.ID != id || row.Active || row.Language != "nl" || row.Email != email {
		t.Fatalf("row after subscribe: %+v", row)
	}
	if ehash != e.App.DB.Vault().EHash("reader@example.com") {
		t.Fatal("ehash is not the vault's EHash of the address")
	}
	var raw string
	if err := e.App.DB.QueryRow(context.Background(), "SELECT email_enc FROM subscribers WHERE id = ?", id).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(raw), "reader") || !strings.HasPrefix(raw, "v1:") {
		t.Fatalf("email not encrypted at rest: %q", raw)
	}

	// The confirmation mail: link with id and ehash, RFC 8058 headers.
	m, ok := e.LastMailTo("reader@example.com")
	if !ok {
		t.Fatal("no confirmation mail")
	}
	if got := m.Headers["X-Bobbin-Kind"]; len(got) != 1 || got[0] != "newsletterSubscribe" {
		t.Fatalf("kind %v", got)
	}
	wantUnsub := "http://bobbin.test/ocunsub/" + ehash
	if got := m.Headers["List-Unsubscribe"]; len(got) != 1 || got[0] != "<"+wantUnsub+">" {
		t.Fatalf("List-Unsubscribe %v, want <%s>", got, wantUnsub)
	}
	if got := m.Headers["List-Unsubscribe-Post"]; len(got) != 1 || got[0] != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %v", got)
	}
	if !strings.Contains(m.Text, "/newsletter/subscribe?ehash="+ehash+"&id="+id) {
		t.Fatalf("confirmation link missing from mail:\n%s", m.Text)
	}

	// Subscribing again answers the same, keeps one row, and a pending
	// subscription takes the newer language.
	id2, ehash2 := subscribe(t, e, "  reader@EXAMPLE.com ", "de")
	if id2 != id || ehash2 != ehash {
		t.Fatalf("re-subscribe gave %s/%s, want %s/%s", id2, ehash2, id, ehash)
	}
	if row := subscriberRow(t, e, ehash); row.Language != "de" || row.Active {
		t.Fatalf("row after re-subscribe: %+v", row)
	}
	var n int
	e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM subscribers").Scan(&n)
	if n != 1 {
		t.Fatalf("%d subscriber rows, want 1", n)
	}

	// Activation: the pair from the link, nothing else.
	other, otherHash := subscribe(t, e, "other@example.com", "en")
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no body", nil, 400, "postBodyMissing"},
		{"no id", map[string]any{"ehash": ehash}, 400, "idMissing"},
		{"no ehash", map[string]any{"id": id}, 400, "ehashMissing"},
		{"id not a string", map[string]any{"id": 5, "ehash": ehash}, 400, "idInvalid"},
		{"wrong ehash", map[string]any{"id": id, "ehash": otherHash}, 404, "notFound"},
		{"wrong id", map[string]any{"id": other, "ehash": ehash}, 404, "notFound"},
		{"unknown id", map[string]any{"id": "00000000-0000-4000-8000-000000000000", "ehash": ehash}, 404, "notFound"},
		{"malformed id", map[string]any{"id": "x", "ehash": ehash}, 404, "notFound"},
		{"malformed ehash", map[string]any{"id": id, "ehash": "zz"}, 404, "notFound"},
	} {
		t.Run("activate "+tc.name, func(t *testing.T) {
			e.Do("PUT", "/subscriber", tc.body, apitest.None).Expect(t, tc.status, tc.code)
		})
	}
	if subscriberRow(t, e, ehash).Active || subscriberRow(t, e, otherHash).Active {
		t.Fatal("a refused activation activated")
	}
	r := e.Do("PUT", "/subscriber", map[string]any{"id": id, "ehash": ehash}, apitest.None).Expect(t, 200, "")
	if r.Str("result") != "success" {
		t.Fatalf("activate: %s", r.Body)
	}
	if !subscriberRow(t, e, ehash).Active {
		t.Fatal("not active after PUT")
	}
	e.Do("PUT", "/subscriber", map[string]any{"id": id, "ehash": ehash}, apitest.None).Expect(t, 200, "")

	// A confirmed subscription keeps its language whoever subscribes it again.
	subscribe(t, e, email, "fr")
	if row := subscriberRow(t, e, ehash); row.Language != "de" || !row.Active {
		t.Fatalf("confirmed row changed by a new subscribe: %+v", row)
	}

	// Staff see the list, decrypted.
	for _, m := range methods {
		r := e.Do("GET", "/admin/subscribers/"+m, nil, authFor(admin, m)).Expect(t, 200, "")
		subs, _ := r.Get("subscribers").([]any)
		if len(subs) != 2 || r.Str("subscribers.0.email") != email || r.Str("subscribers.0.active") != "true" ||
			r.Str("subscribers.0.id") != id || r.Str("subscribers.0.ehash") != ehash || r.Str("subscribers.1.active") != "false" {
			t.Fatalf("subscribers: %s", r.Body)
		}
	}

	// One-click unsubscribe through the very URL of the mail header.
	r = oneClick(t, e, wantUnsub).Expect(t, 200, "")
	if r.Str("result") != "success" {
		t.Fatalf("one-click: %s", r.Body)
	}
	if subscriberRow(t, e, ehash) != nil {
		t.Fatal("subscriber still stored after one-click unsubscribe")
	}
	r = e.Do("GET", "/admin/subscribers/jwt", nil, admin.JWT()).Expect(t, 200, "")
	if subs, _ := r.Get("subscribers").([]any); len(subs) != 1 || r.Str("subscribers.0.id") != other {
		t.Fatalf("list after unsubscribe: %s", r.Body)
	}
	// A second click, and an address never subscribed, succeed alike.
	oneClick(t, e, wantUnsub).Expect(t, 200, "")
	oneClick(t, e, "http://bobbin.test/ocunsub/"+e.App.DB.Vault().EHash("nobody@example.com")).Expect(t, 200, "")
	oneClick(t, e, "http://bobbin.test/ocunsub/not-a-hash").Expect(t, 404, "notFound")
	// Only POST unsubscribes: a link scanner's GET does nothing.
	e.Do("GET", "/ocunsub/"+otherHash, nil, apitest.None).Expect(t, 405, "methodNotAllowed")
	if subscriberRow(t, e, otherHash) == nil {
		t.Fatal("GET unsubscribed")
	}
	// Activation after unsubscribing finds nothing.
	e.Do("PUT", "/subscriber", map[string]any{"id": id, "ehash": ehash}, apitest.None).Expect(t, 404, "notFound")

	// DELETE /subscriber/{ehash}: 204, idempotent; malformed is 404.
	e.Do("DELETE", "/subscriber/"+otherHash, nil, apitest.None).Expect(t, 204, "")
	if subscriberRow(t, e, otherHash) != nil {
		t.Fatal("subscriber still stored after DELETE")
	}
	e.Do("DELETE", "/subscriber/"+otherHash, nil, apitest.None).Expect(t, 204, "")
	e.Do("DELETE", "/subscriber/"+strings.Repeat("g", 64), nil, apitest.None).Expect(t, 404, "notFound")
}

func TestSubscriberUnsubscribeClearsAccountFlag(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"newsletter": true}, u.JWT()).Expect(t, 200, "")
	_, ehash := subscribe(t, e, u.Email, "en")
	m, ok := e.LastMailTo(u.Email)
	if !ok || len(m.Headers["List-Unsubscribe"]) != 1 {
		t.Fatalf("no subscribe mail with List-Unsubscribe: %+v", m.Headers)
	}
	oneClick(t, e, strings.Trim(m.Headers["List-Unsubscribe"][0], "<>")).Expect(t, 200, "")
	r := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	if r.Get("account.newsletter") != false {
		t.Fatalf("account still wants the newsletter after unsubscribing: %s", r.Body)
	}
	if subscriberRow(t, e, ehash) != nil {
		t.Fatal("subscriber row kept")
	}
}

func TestSubscriberMailLimit(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for i := 0; i < 5; i++ {
		subscribe(t, e, "flooded@example.com", "en")
	}
	r := e.Do("POST", "/subscriber", map[string]any{"email": "Flooded@example.com", "language": "en", "test": true}, apitest.None).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	var n int
	for _, m := range e.Outbox() {
		if strings.EqualFold(m.To, "flooded@example.com") {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d mails to the flooded address, want 5", n)
	}
	// Another recipient is not affected.
	subscribe(t, e, "calm@example.com", "en")
}

func TestSubscriberPostgres(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	id, ehash := subscribe(t, e, "pg@example.com", "en")
	e.Do("PUT", "/subscriber", map[string]any{"id": id, "ehash": ehash}, apitest.None).Expect(t, 200, "")
	if row := subscriberRow(t, e, ehash); row == nil || !row.Active {
		t.Fatalf("row: %+v", row)
	}
	oneClick(t, e, "http://bobbin.test/ocunsub/"+ehash).Expect(t, 200, "")
	if subscriberRow(t, e, ehash) != nil {
		t.Fatal("not unsubscribed")
	}
}
