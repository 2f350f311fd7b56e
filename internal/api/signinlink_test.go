package api_test

import (
	"strconv"
	"testing"
	"time"

	"bobbin/internal/apitest"
)

const acctWebsite = "http://bobbin.test" // apitest's BACKEND_URL, the default website URL

// acctRequestLink asks for a sign-in link for ident and returns id and
// check read from the mail (checked against the test-mode answer).
func acctRequestLink(t *testing.T, e *apitest.Env, ident string, u *apitest.User) (string, string) {
	t.Helper()
	r := e.Do("POST", "/signinlink", map[string]any{"username": ident, "test": true}, apitest.None).Expect(t, 200, "")
	if r.Str("result") != "emailSent" {
		t.Fatalf("answer: %s", r.Body)
	}
	m := acctMail(t, e, u.Email, "signinLink")
	id, check := acctLink(t, m, acctWebsite, "/signinlink")
	if id != r.Str("confirmation") || check != r.Str("check") {
		t.Fatalf("mail link %s/%s differs from the test answer %s", id, check, r.Body)
	}
	return id, check
}

func TestSigninLink(t *testing.T) {
	t.Parallel()
	acctSigninLink(t)
}

func acctSigninLink(t *testing.T, opts ...apitest.Option) {
	// More links than the default 5 mails an hour per recipient.
	e, clock := acctEnv(t, append(opts, apitest.WithEnv("BACKEND_MAILS_PER_RECIPIENT", "50"))...)
	u := e.NewUser("user")

	// Unknown users get the same answer and no mail.
	before := len(e.Outbox())
	for _, ident := range []string{"nobody-here", "nobody@example.com", "999999"} {
		r := e.Do("POST", "/signinlink", map[string]any{"username": ident, "test": true}, apitest.None).Expect(t, 200, "")
		if string(r.Body) != "{\"result\":\"emailSent\"}\n" {
			t.Fatalf("unknown user answer: %s", r.Body)
		}
	}
	if len(e.Outbox()) != before {
		t.Fatal("a mail was sent for an unknown user")
	}
	e.Do("POST", "/signinlink", map[string]any{"username": " "}, apitest.None).Expect(t, 400, "usernameMissing")
	e.Do("POST", "/signinlink", nil, apitest.None).Expect(t, 400, "postBodyMissing")

	// By username, email or id; the link from the mail signs in once.
	for _, ident := range []string{u.Username, u.Email, strconv.FormatInt(u.ID, 10)} {
		id, check := acctRequestLink(t, e, ident, u)
		wrong := check[:31] + "0"
		if wrong == check {
			wrong = check[:31] + "1"
		}
		e.Do("POST", "/signinlink/"+id+"/"+wrong, nil, apitest.None).Expect(t, 404, "notFound")
		e.Do("GET", "/confirmations/"+id+"/"+check, nil, apitest.None).Expect(t, 200, "")
		r := e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 200, "")
		if r.Num("account.id") != float64(u.ID) {
			t.Fatalf("link signed in as %s", r.Body)
		}
		e.Do("GET", "/account/jwt", nil, apitest.Bearer(r.Str("token"))).Expect(t, 200, "")
		e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 404, "notFound")
		e.Do("GET", "/confirmations/"+id+"/"+check, nil, apitest.None).Expect(t, 404, "notFound")
	}
	ev := acctEvents(t, e, u.JWT())
	if acctCount(ev, "signinlink.requested") != 3 || ev[0] != "signin" {
		t.Fatalf("audit: %v", ev)
	}
	e.Do("POST", "/signinlink/not-a-link/x", nil, apitest.None).Expect(t, 404, "notFound")

	// Signing up again with the address mails a sign-in link that works here.
	e.Do("POST", "/signup", map[string]any{"email": u.Email, "language": "en"}, apitest.None).Expect(t, 201, "")
	id, check := acctLink(t, acctMail(t, e, u.Email, "signupExisting"), acctWebsite, "/signinlink")
	e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 200, "")

	// Expired after BACKEND_SIGNIN_LINK_TTL (1h).
	id, check = acctRequestLink(t, e, u.Username, u)
	clock.Advance(61 * time.Minute)
	e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 404, "notFound")

	// A password change voids pending links.
	id, check = acctRequestLink(t, e, u.Username, u)
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new password 1", "currentPassword": u.Password}, u.JWT()).Expect(t, 200, "")
	e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 404, "notFound")
}

func TestSigninLinkMFAAndState(t *testing.T) {
	t.Parallel()
	acctSigninLinkMFAAndState(t)
}

func acctSigninLinkMFAAndState(t *testing.T, opts ...apitest.Option) {
	e, clock := acctEnv(t, opts...)
	u := e.NewUser("user")
	secret, scratch := acctEnableMFA(t, e, u, clock)

	id, check := acctRequestLink(t, e, u.Email, u)
	link := "/signinlink/" + id + "/" + check
	e.Do("POST", link, nil, apitest.None).Expect(t, 403, "mfaTokenRequired")
	e.Do("POST", link, map[string]any{"token": "12345x"}, apitest.None).Expect(t, 403, "mfaTokenInvalid")
	code := acctCode(t, secret, clock)
	e.Do("POST", link, map[string]any{"token": code}, apitest.None).Expect(t, 200, "") // the link survived the failures
	e.Do("POST", link, map[string]any{"token": code}, apitest.None).Expect(t, 404, "notFound")
	// The code was used up by the link.
	id, check = acctRequestLink(t, e, u.Email, u)
	e.Do("POST", "/signinlink/"+id+"/"+check, map[string]any{"token": code}, apitest.None).Expect(t, 403, "mfaTokenInvalid")
	e.Do("POST", "/signinlink/"+id+"/"+check, map[string]any{"token": scratch[0]}, apitest.None).Expect(t, 200, "")
	ev := acctEvents(t, e, u.JWT())
	acctHas(t, ev, "signin.failed")
	if ev[0] != "signin" {
		t.Fatalf("audit: %v", ev)
	}

	// A restricted account's link does not sign in.
	v := e.NewUser("user")
	id, check = acctRequestLink(t, e, v.Username, v)
	e.Do("GET", "/account/restrict/jwt", nil, v.JWT()).Expect(t, 200, "")
	e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 403, "statusLacking")
}

func TestSigninLinkMailLimit(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	// NewUser's signup mail counted once for this recipient (limit 5 an hour).
	for range 4 {
		e.Do("POST", "/signinlink", map[string]any{"username": u.Username}, apitest.None).Expect(t, 200, "")
	}
	r := e.Do("POST", "/signinlink", map[string]any{"username": u.Email}, apitest.None).Expect(t, 429, "tooManyRequests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Unknown names are limited alike, so a 429 tells nothing either.
	for range 5 {
		e.Do("POST", "/signinlink", map[string]any{"username": "ghost-user"}, apitest.None).Expect(t, 200, "")
	}
	e.Do("POST", "/signinlink", map[string]any{"username": "ghost-user"}, apitest.None).Expect(t, 429, "tooManyRequests")
}

// TestSigninLinkOutsideTestModeIsMailedAfterTheAnswer: the link of a known
// account is made and mailed after the answer (so time tells nothing), and
// it still arrives and works.
func TestSigninLinkOutsideTestModeIsMailedAfterTheAnswer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	r := e.Do("POST", "/signinlink", map[string]any{"username": u.Email}, apitest.None).Expect(t, 200, "")
	if r.Str("result") != "emailSent" || r.Get("confirmation") != nil {
		t.Fatalf("answer: %s", r.Body)
	}
	e.Settle()
	m, ok := e.LastMailTo(u.Email)
	if !ok || m.Headers["X-Bobbin-Kind"][0] != "signinLink" {
		t.Fatal("no sign-in link mail")
	}
	id, check := acctLink(t, m, acctWebsite, "/signinlink")
	e.Do("POST", "/signinlink/"+id+"/"+check, nil, apitest.None).Expect(t, 200, "")
}
