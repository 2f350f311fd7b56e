package identity

import (
	"errors"
	"strings"
	"testing"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

func ptr[T any](v T) *T { return &v }

func TestValidUsername(t *testing.T) {
	for _, c := range []struct {
		name string
		want error
	}{
		{"jo", nil},
		{"Jo.Doe_2-x", nil},
		{"Žofia", nil},
		{"j", apierr.UsernameTooShort},
		{strings.Repeat("a", 64), nil},
		{strings.Repeat("a", 65), apierr.UsernameTooLong},
		{"12345", apierr.UsernameInvalid}, // would look like an id
		{"jo@example.org", apierr.UsernameInvalid},
		{"jo doe", apierr.UsernameInvalid},
	} {
		if got := ValidUsername(c.name); got != c.want {
			t.Errorf("ValidUsername(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestEmailAndLanguage(t *testing.T) {
	for _, c := range []struct {
		email, lang string
		want        error
	}{
		{" jo@example.org ", "en", nil},
		{"", "en", apierr.EmailMissing},
		{"jo@example.org", "", apierr.LanguageMissing},
		{"jo@example.org", "xx", apierr.UnsupportedLanguage},
		{"Jo <jo@example.org>", "de", apierr.EmailInvalid},
		{"jo@localhost", "de", apierr.EmailInvalid},
		{"jo@example.", "de", apierr.EmailInvalid},
	} {
		got, err := EmailAndLanguage(c.email, c.lang)
		if err != c.want {
			t.Errorf("EmailAndLanguage(%q, %q) error %v, want %v", c.email, c.lang, err, c.want)
		}
		if err == nil && got != strings.TrimSpace(c.email) {
			t.Errorf("EmailAndLanguage(%q) = %q", c.email, got)
		}
	}
}

func TestSettingsValidatesInOrderAndApplies(t *testing.T) {
	// The first bad field in checking order answers.
	_, err := Settings(&AccountPatch{Bio: ptr(strings.Repeat("x", maxBio+1)), Consent: ptr(9)}, &store.User{})
	if err != apierr.BioTooLong {
		t.Fatalf("bio and consent bad: %v", err)
	}
	for _, c := range []struct {
		p    AccountPatch
		want error
	}{
		{AccountPatch{Consent: ptr(4)}, apierr.ConsentInvalid},
		{AccountPatch{Consent: ptr(-1)}, apierr.ConsentInvalid},
		{AccountPatch{Control: ptr(0)}, apierr.ControlInvalid},
		{AccountPatch{Control: ptr(6)}, apierr.ControlInvalid},
		{AccountPatch{Language: ptr("xx")}, apierr.UnsupportedLanguage},
	} {
		if _, err := Settings(&c.p, &store.User{}); err != c.want {
			t.Errorf("%+v: %v, want %v", c.p, err, c.want)
		}
	}
	p := &AccountPatch{Bio: ptr("hi"), Consent: ptr(2), Control: ptr(5), Compare: ptr(false), Imperial: ptr(true),
		Newsletter: ptr(true), Language: ptr("nl"), Data: map[string]any{"a": 1.0, "gone": nil}}
	changes, err := Settings(p, &store.User{})
	if err != nil {
		t.Fatal(err)
	}
	u := &store.User{Compare: true, Data: map[string]any{"gone": "x", "kept": "y"}}
	for _, f := range changes {
		f(u)
	}
	if u.Bio != "hi" || u.Consent != 2 || u.Control != 5 || u.Compare || !u.Imperial || !u.Newsletter || u.Language != "nl" {
		t.Fatalf("not applied: %+v", u)
	}
	if len(u.Data) != 2 || u.Data["a"] != 1.0 || u.Data["kept"] != "y" {
		t.Fatalf("data not merged: %v", u.Data)
	}
}

func TestDataMergeSizeCountsTheMergedObject(t *testing.T) {
	big := strings.Repeat("x", maxDataJSON/2)
	cur := map[string]any{"old": big}
	if _, err := DataMerge(map[string]any{"new": big}, cur); err != apierr.PatternDataTooLarge {
		t.Fatalf("merged data over the limit: %v", err)
	}
	if _, err := DataMerge(map[string]any{"old": nil, "new": big}, cur); err != nil {
		t.Fatalf("replacing within the limit: %v", err)
	}
	if len(cur) != 1 || cur["old"] != big {
		t.Fatal("the probe changed the current data")
	}
}

func TestNewUserRoleOnlyInTestMode(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	u := NewUser("jo@example.org", "fr", auth.RoleAdmin, false, now)
	if u.Role != auth.RoleUser || u.Status != auth.StatusUnconfirmed || u.CreatedAt != now.UnixMilli() || u.Language != "fr" {
		t.Fatalf("outside test mode: %+v", u)
	}
	if u := NewUser("jo@example.org", "fr", auth.RoleAdmin, true, now); u.Role != auth.RoleAdmin {
		t.Fatalf("test mode: role %q", u.Role)
	}
	if u := NewUser("jo@example.org", "fr", auth.Role("root"), true, now); u.Role != auth.RoleUser {
		t.Fatalf("unknown role taken: %q", u.Role)
	}
}

func TestShownAndConsentProblem(t *testing.T) {
	active := &store.User{Role: auth.RoleUser, Status: auth.StatusActive, Consent: 1}
	if !Shown(active) {
		t.Fatal("active, consenting account not shown")
	}
	for _, u := range []*store.User{
		{Role: auth.RoleUser, Status: auth.StatusActive, Consent: 0},
		{Role: auth.RoleUser, Status: auth.StatusRestricted, Consent: 1},
		{Role: auth.RoleUser, Status: auth.StatusDisabled, Consent: 1},
		{Role: auth.RoleBlocked, Status: auth.StatusActive, Consent: 1},
	} {
		if Shown(u) {
			t.Errorf("shown: %+v", u)
		}
	}
	if err := ConsentProblem(&httpx.Caller{Problem: apierr.ConsentLacking}); err != nil {
		t.Fatalf("consent problem refused the consent route: %v", err)
	}
	if err := ConsentProblem(&httpx.Caller{Problem: apierr.AccountDisabled}); !errors.Is(err, apierr.AccountDisabled) {
		t.Fatalf("status problem let through: %v", err)
	}
}

func TestAsAccountNeverNilData(t *testing.T) {
	a := AsAccount(&store.User{ID: 3, Username: "JoDoe", Role: auth.RoleUser, Status: auth.StatusActive})
	if a.Data == nil || a.LUsername != "jodoe" || a.Status != 1 || a.Role != "user" {
		t.Fatalf("%+v", a)
	}
}
