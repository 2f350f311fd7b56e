package api_test

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"bobbin/internal/apitest"
)

var confirmLink = regexp.MustCompile(`https?://[^\s"<>]+/confirm/signup/([0-9a-f-]{36})/([0-9a-f]{32})`)
var signinLink = regexp.MustCompile(`https?://[^\s"<>]+/signinlink/([0-9a-f-]{36})/([0-9a-f]{32})`)

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	cases := []struct {
		name string
		body any
		code string
	}{
		{"no body", nil, "postBodyMissing"},
		{"empty object", "{}", "postBodyMissing"},
		{"not json", "email=x", "invalidJson"},
		{"array", `[1,2]`, "invalidJson"},
		{"email missing", map[string]any{"language": "en"}, "emailMissing"},
		{"language missing", map[string]any{"email": "a@example.com"}, "languageMissing"},
		{"language unsupported", map[string]any{"email": "a@example.com", "language": "xx"}, "unsupportedLanguage"},
		{"email invalid", map[string]any{"email": "not-an-email", "language": "en"}, "emailInvalid"},
		{"email with name", map[string]any{"email": "Jo <jo@example.com>", "language": "en"}, "emailInvalid"},
		{"email wrong type", map[string]any{"email": 42, "language": "en"}, "emailInvalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.Do("POST", "/signup", c.body, apitest.None).Expect(t, 400, c.code)
		})
	}
	if n := len(e.Outbox()); n != 0 {
		t.Fatalf("refused signups sent %d mails", n)
	}
}

func TestSignupMailsConfirmationLinkThatWorks(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	r := e.Do("POST", "/signup", map[string]any{"email": "Jane@Example.com", "language": "nl"}, apitest.None).Expect(t, 201, "")
	if r.Str("result") != "created" || r.Str("email") != "Jane@Example.com" || r.Get("confirmation") != nil {
		t.Fatalf("answer without test flag: %s", r.Body)
	}
	m, ok := e.LastMailTo("Jane@Example.com")
	if !ok {
		t.Fatal("no signup mail in the outbox")
	}
	got := confirmLink.FindStringSubmatch(m.Text)
	if got == nil || !strings.HasPrefix(got[0], "http://bobbin.test/confirm/signup/") {
		t.Fatalf("no confirmation link in mail text: %q", m.Text)
	}
	// The confirmation needs consent.
	e.Do("POST", "/confirm/signup/"+got[1], map[string]any{}, apitest.None).Expect(t, 400, "consentRequired")
	e.Do("POST", "/confirm/signup/"+got[1], map[string]any{"consent": 0}, apitest.None).Expect(t, 400, "consentRequired")
	c := e.Do("POST", "/confirm/signup/"+got[1], map[string]any{"consent": 1}, apitest.None).Expect(t, 200, "")
	if c.Str("token") == "" || c.Num("account.status") != 1 || c.Num("account.consent") != 1 ||
		c.Str("account.language") != "nl" || c.Str("account.role") != "user" || c.Str("account.email") != "Jane@Example.com" {
		t.Fatalf("confirm answer: %s", c.Body)
	}
	if c.Str("account.username") != "user-"+c.Str("account.id") || c.Str("account.lusername") != c.Str("account.username") {
		t.Fatalf("username: %s", c.Body)
	}
	// Single use.
	e.Do("POST", "/confirm/signup/"+got[1], map[string]any{"consent": 1}, apitest.None).Expect(t, 404, "notFound")
	e.Do("POST", "/confirm/signup/00000000-0000-4000-8000-000000000000", map[string]any{"consent": 1}, apitest.None).Expect(t, 404, "notFound")
	// The token works.
	e.Do("GET", "/whoami/jwt", nil, apitest.Bearer(c.Str("token"))).Expect(t, 200, "")
	// The mail log names the link, never the recipient.
	if strings.Contains(strings.ToLower(e.Log.String()), "jane@example.com") {
		t.Fatal("an email address reached the log")
	}
}

func TestSignupOfExistingEmailAnswersTheSameAndMailsASigninLink(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	before := len(e.Outbox())
	fresh := e.Do("POST", "/signup", map[string]any{"email": "new-person@example.com", "language": "en"}, apitest.None).Expect(t, 201, "")
	again := e.Do("POST", "/signup", map[string]any{"email": strings.ToUpper(u.Email), "language": "en"}, apitest.None).Expect(t, 201, "")
	if keys(fresh.JSON) != keys(again.JSON) || again.Str("result") != "created" {
		t.Fatalf("answers differ in shape: %s vs %s", fresh.Body, again.Body)
	}
	all := e.Outbox()
	if len(all) != before+2 {
		t.Fatalf("want 2 new mails, got %d", len(all)-before)
	}
	m, _ := e.LastMailTo(strings.ToUpper(u.Email))
	if confirmLink.MatchString(m.Text) || !signinLink.MatchString(m.Text) {
		t.Fatalf("existing owner should get a sign-in link, got: %q", m.Text)
	}
	var n int
	if err := e.App.DB.QueryRow(t.Context(), "SELECT COUNT(*) FROM users WHERE ehash = ?", e.App.DB.Vault().EHash(u.Email)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("accounts for the email: %d %v", n, err)
	}
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return strings.Join(ks, ",")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestParallelSignupsOfOneEmailMakeOneAccount(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_MAILS_PER_RECIPIENT", "1000"))
	variants := []string{"race@example.com", "Race@Example.com", " RACE@example.com", "race@EXAMPLE.com"}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := e.Do("POST", "/signup", map[string]any{"email": strings.TrimSpace(variants[i%len(variants)]), "language": "en"}, apitest.None)
			if r.Status != 201 {
				t.Errorf("signup %d: %d %s", i, r.Status, r.Body)
			}
		}(i)
	}
	wg.Wait()
	var n int
	if err := e.App.DB.QueryRow(t.Context(), "SELECT COUNT(*) FROM users").Scan(&n); err != nil || n != 1 {
		t.Fatalf("accounts: %d %v", n, err)
	}
}

func TestTestModeIsOffByDefault(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_ENABLE_TESTS", "false"))
	r := e.Do("POST", "/signup", map[string]any{"email": "t@example.com", "language": "en", "test": true, "role": "admin"}, apitest.None).Expect(t, 201, "")
	if r.Get("confirmation") != nil {
		t.Fatalf("confirmation leaked without test mode: %s", r.Body)
	}
	m, _ := e.LastMailTo("t@example.com")
	link := confirmLink.FindStringSubmatch(m.Text)
	c := e.Do("POST", "/confirm/signup/"+link[1], map[string]any{"consent": 2}, apitest.None).Expect(t, 200, "")
	if c.Str("account.role") != "user" {
		t.Fatalf("role taken from a client with test mode off: %s", c.Body)
	}
}

func TestTestModeRoleAndConfirmation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	r := e.Do("POST", "/signup", map[string]any{"email": "adm@example.com", "language": "en", "test": true, "role": "curator"}, apitest.None).Expect(t, 201, "")
	id := r.Str("confirmation")
	if _, err := url.Parse(id); err != nil || len(id) != 36 {
		t.Fatalf("confirmation id: %q", id)
	}
	c := e.Do("POST", "/confirm/signup/"+id, map[string]any{"consent": 3}, apitest.None).Expect(t, 200, "")
	if c.Str("account.role") != "curator" || c.Num("account.consent") != 3 {
		t.Fatalf("test-mode signup: %s", c.Body)
	}
	// Mail for a test request is still written to the outbox.
	if _, ok := e.LastMailTo("adm@example.com"); !ok {
		t.Fatal("test request wrote no mail")
	}
}

func TestProductionRefusesTestMode(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_ENABLE_TESTS", "false"), apitest.WithEnv("BACKEND_ENV", "development"))
	if e.App.Config.TestMode() {
		t.Fatal("test mode on without BACKEND_ENABLE_TESTS")
	}
}

func TestSignupMailIsLimitedPerRecipientAndAddress(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithEnv("BACKEND_MAILS_PER_ADDRESS", "8"))
	for i := 0; i < 5; i++ {
		e.Do("POST", "/signup", map[string]any{"email": "flood@example.com", "language": "en"}, apitest.None).Expect(t, 201, "")
	}
	r := e.Do("POST", "/signup", map[string]any{"email": "FLOOD@example.com", "language": "en"}, apitest.None).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if n := len(e.Outbox()); n != 5 {
		t.Fatalf("mails to one recipient: %d, want 5", n)
	}
	// Per address: 8 requests an hour from one client, whatever the recipient.
	for i := 0; i < 2; i++ {
		e.Do("POST", "/signup", map[string]any{"email": "other" + string(rune('a'+i)) + "@example.com", "language": "en"}, apitest.None).Expect(t, 201, "")
	}
	e.Do("POST", "/signup", map[string]any{"email": "third@example.com", "language": "en"}, apitest.None).Expect(t, 429, "tooManyRequests")
}
