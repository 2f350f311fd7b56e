package api_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bobbin/internal/apitest"
	"bobbin/internal/mail"
)

// Helpers of the account-life tests; named acct* so they cannot collide
// with other resources' test helpers in this package.

// acctClock is a server clock the test moves, for TOTP steps and expiry.
type acctClock struct {
	mu sync.Mutex
	t  time.Time
}

func newAcctClock() *acctClock { return &acctClock{t: time.Now().Truncate(30 * time.Second)} }

func (c *acctClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *acctClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// acctEnv starts Bobbin with a movable clock.
func acctEnv(t *testing.T, opts ...apitest.Option) (*apitest.Env, *acctClock) {
	clock := newAcctClock()
	return apitest.New(t, append([]apitest.Option{apitest.WithClock(clock.Now)}, opts...)...), clock
}

// acctCode is the TOTP code of secret at the server's time.
func acctCode(t *testing.T, secret string, clock *acctClock) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// acctMail is the newest mail to addr, which must be of kind.
func acctMail(t *testing.T, e *apitest.Env, addr, kind string) mail.Received {
	t.Helper()
	m, ok := e.LastMailTo(addr)
	if !ok {
		t.Fatalf("no mail to %s", addr)
	}
	if got := strings.Join(m.Headers["X-Bobbin-Kind"], ","); got != kind {
		t.Fatalf("last mail to %s is %q, want %q (subject %q)", addr, got, kind, m.Subject)
	}
	return m
}

// acctLink finds <base>/<path>/<id>/<check> in a mail's plain text and in
// its HTML, which must agree, and returns id and check.
func acctLink(t *testing.T, m mail.Received, base, path string) (id, check string) {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(base+path) + `/([0-9a-f-]{36})/([0-9a-f]{32})\b`)
	tm := re.FindStringSubmatch(m.Text)
	if tm == nil {
		t.Fatalf("no %s link in the mail text:\n%s", path, m.Text)
	}
	if hm := re.FindStringSubmatch(m.HTML); hm == nil || hm[0] != tm[0] {
		t.Fatalf("HTML link %v differs from text link %q", hm, tm[0])
	}
	return tm[1], tm[2]
}

// acctEvents reads the caller's audit log: event names, newest first.
func acctEvents(t *testing.T, e *apitest.Env, a apitest.Auth) []string {
	t.Helper()
	r := e.Do("GET", "/account/audit/jwt", nil, a).Expect(t, 200, "")
	list, _ := r.Get("events").([]any)
	var out []string
	for _, x := range list {
		m := x.(map[string]any)
		out = append(out, m["event"].(string))
	}
	return out
}

// acctDBEvents reads a user's audit log from the database (for users who
// can no longer call the API).
func acctDBEvents(t *testing.T, e *apitest.Env, userID int64) []string {
	t.Helper()
	evs, err := e.App.DB.Audit().ByUser(context.Background(), userID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Event)
	}
	return out
}

// acctHas fails unless every want is in events.
func acctHas(t *testing.T, events []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(events, w) {
			t.Fatalf("audit log %v lacks %q", events, w)
		}
	}
}

// acctCount counts an event.
func acctCount(events []string, name string) int {
	n := 0
	for _, e := range events {
		if e == name {
			n++
		}
	}
	return n
}

// TestAccountLifePostgres runs the account-life flows on PostgreSQL
// (skipped, with the reason, when BOBBIN_TEST_POSTGRES_URL is unset).
func TestAccountLifePostgres(t *testing.T) {
	t.Parallel()
	for name, run := range map[string]func(*testing.T, ...apitest.Option){
		"MFA": acctAccountMFA, "SigninLink": acctSigninLink, "SigninLinkMFA": acctSigninLinkMFAAndState,
		"EmailChange": acctEmailChange, "EmailTaken": acctEmailChangeTaken, "Consent": acctConsent,
		"Restrict": acctRestrictAccount, "Export": acctAccountExport, "Delete": acctDeleteAccount,
		"Audit": acctAccountAudit, "Profiles": acctProfiles,
	} {
		t.Run(name, func(t *testing.T) { t.Parallel(); run(t, apitest.WithPostgres()) })
	}
}
