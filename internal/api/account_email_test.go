package api_test

import (
	"context"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// acctStartEmailChange asks for an email change and returns id and check
// from the mail to the new address (checked against the test answer).
func acctStartEmailChange(t *testing.T, e *apitest.Env, u *apitest.User, newEmail string) (string, string) {
	t.Helper()
	r := e.Do("PATCH", "/account/jwt", map[string]any{"email": newEmail, "test": true}, u.JWT()).Expect(t, 200, "")
	if r.Str("account.email") != u.Email {
		t.Fatalf("email changed before confirmation: %s", r.Body)
	}
	m := acctMail(t, e, newEmail, "emailChange")
	id, check := acctLink(t, m, acctWebsite, "/confirm/emailchange")
	if id != r.Str("confirmation") || check != r.Str("check") {
		t.Fatalf("mail link %s/%s differs from the test answer %s", id, check, r.Body)
	}
	return id, check
}

func acctConfirmEmail(e *apitest.Env, a apitest.Auth, id, check string) *apitest.Resp {
	return e.Do("PATCH", "/account/jwt", map[string]any{"confirm": "emailchange", "confirmation": id, "check": check}, a)
}

func TestEmailChange(t *testing.T) {
	t.Parallel()
	acctEmailChange(t)
}

func acctEmailChange(t *testing.T, opts ...apitest.Option) {
	e := apitest.New(t, opts...)
	u := e.NewUser("user")
	newEmail := "new-" + u.Email

	// Validation.
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"email": "not an email"}, "emailInvalid"},
		{map[string]any{"email": ""}, "emailMissing"},
		{map[string]any{"email": 42}, "emailInvalid"},
		{map[string]any{"confirm": "other"}, "confirmInvalid"},
		{map[string]any{"confirm": "emailchange"}, "confirmationMissing"},
		{map[string]any{"confirm": "emailchange", "confirmation": "x"}, "checkMissing"},
	} {
		e.Do("PATCH", "/account/jwt", c.body, u.JWT()).Expect(t, 400, c.code)
	}

	// Step 1: a link to the new address, a notice to the old one.
	id, check := acctStartEmailChange(t, e, u, newEmail)
	notice := acctMail(t, e, u.Email, "emailChangeNotice")
	if !strings.Contains(notice.Text, "n***@example.com") || strings.Contains(notice.Text, newEmail) {
		t.Fatalf("notice to the old address: %s", notice.Text)
	}
	r := e.Do("GET", "/confirmations/"+id+"/"+check, nil, apitest.None).Expect(t, 200, "")
	if r.Str("confirmation.id") != id || r.Str("confirmation.check") != check {
		t.Fatalf("confirmation: %s", r.Body)
	}
	e.Do("GET", "/confirmations/"+id+"/"+strings.Repeat("0", 32), nil, apitest.None).Expect(t, 404, "notFound")
	e.Do("GET", "/confirmations/00000000-0000-4000-8000-000000000000/"+check, nil, apitest.None).Expect(t, 404, "notFound")

	// Only the owner, at level 4, with the right check, completes it.
	other := e.NewUser("user")
	acctConfirmEmail(e, other.JWT(), id, check).Expect(t, 404, "notFound")
	acctConfirmEmail(e, u.JWT(), id, strings.Repeat("0", 32)).Expect(t, 404, "notFound")
	k3, s3 := e.NewKey(u, 3)
	e.Do("PATCH", "/account/key", map[string]any{"confirm": "emailchange", "confirmation": id, "check": check}, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")
	e.Do("PATCH", "/account/key", map[string]any{"email": "x-" + u.Email}, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")
	// ...but a level-3 client sending the unchanged address with other fields is fine.
	e.Do("PATCH", "/account/key", map[string]any{"email": u.Email, "bio": "hello"}, apitest.Basic(k3, s3)).Expect(t, 200, "")

	// Step 2.
	r = acctConfirmEmail(e, u.JWT(), id, check).Expect(t, 200, "")
	if r.Str("account.email") != newEmail || r.Str("account.bio") != "hello" {
		t.Fatalf("after confirm: %s", r.Body)
	}
	acctConfirmEmail(e, u.JWT(), id, check).Expect(t, 404, "notFound")
	var ehash string
	if err := e.App.DB.QueryRow(context.Background(), "SELECT ehash FROM users WHERE id = ?", u.ID).Scan(&ehash); err != nil {
		t.Fatal(err)
	}
	if ehash != e.App.DB.Vault().EHash(newEmail) {
		t.Fatal("ehash not changed")
	}
	e.Do("POST", "/signin", map[string]any{"username": strings.ToUpper(newEmail), "password": u.Password}, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 401, "signInFailed")
	ev := acctEvents(t, e, u.JWT())
	acctHas(t, ev, "email.change.requested", "email.changed")
	u.Email = newEmail

	// A case-only change needs no confirmation.
	r = e.Do("PATCH", "/account/jwt", map[string]any{"email": strings.ToUpper(u.Email[:1]) + u.Email[1:]}, u.JWT()).Expect(t, 200, "")
	if r.Str("account.email") == u.Email || !strings.EqualFold(r.Str("account.email"), u.Email) || r.Get("confirmation") != nil {
		t.Fatalf("case change: %s", r.Body)
	}
	u.Email = r.Str("account.email")

	// Only the newest request is pending; other fields go along.
	idA, checkA := acctStartEmailChange(t, e, u, "a-"+u.Email)
	r = e.Do("PATCH", "/account/jwt", map[string]any{"email": "b-" + u.Email, "bio": "moved", "test": true}, u.JWT()).Expect(t, 200, "")
	if r.Str("account.bio") != "moved" {
		t.Fatalf("bio not applied with the email change: %s", r.Body)
	}
	acctConfirmEmail(e, u.JWT(), idA, checkA).Expect(t, 404, "notFound")
	// A password change voids the pending change.
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "another new password 2", "currentPassword": u.Password}, u.JWT()).Expect(t, 200, "")
	acctConfirmEmail(e, u.JWT(), r.Str("confirmation"), r.Str("check")).Expect(t, 404, "notFound")
}

func TestEmailChangeTaken(t *testing.T) {
	t.Parallel()
	acctEmailChangeTaken(t)
}

func acctEmailChangeTaken(t *testing.T, opts ...apitest.Option) {
	e := apitest.New(t, opts...)
	u := e.NewUser("user")
	v := e.NewUser("user")
	// Starting never tells whether the address has an account...
	id, check := acctStartEmailChange(t, e, u, strings.ToUpper(v.Email))
	// ...the confirmation does.
	acctConfirmEmail(e, u.JWT(), id, check).Expect(t, 400, "emailTaken")
	r := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	if r.Str("account.email") != u.Email {
		t.Fatalf("email changed: %s", r.Body)
	}
}
