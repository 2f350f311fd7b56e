package oauth

import (
	"errors"
	"testing"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/store"
)

func TestDecide(t *testing.T) {
	link := &store.Identity{UserID: 7}
	existing := &store.User{ID: 9}
	good := Person{Subject: "s", Email: "a@example.com", EmailVerified: true}
	unverified := Person{Subject: "s", Email: "a@example.com"}
	cases := []struct {
		name    string
		linked  *store.Identity
		byEmail *store.User
		p       Person
		want    Action
		err     error
	}{
		{"linked wins over email", link, existing, unverified, UseLinked, nil},
		{"verified email takes the account", nil, existing, good, LinkExisting, nil},
		{"unverified email never takes an account", nil, existing, unverified, 0, apierr.EmailNotVerified},
		{"unverified email makes no account", nil, nil, unverified, 0, apierr.EmailNotVerified},
		{"no email", nil, nil, Person{Subject: "s", EmailVerified: true}, 0, apierr.EmailNotVerified},
		{"bad email", nil, nil, Person{Subject: "s", Email: "not an email", EmailVerified: true}, 0, apierr.EmailNotVerified},
		{"new person", nil, nil, good, CreateNew, nil},
	}
	for _, c := range cases {
		got, err := Decide(c.linked, c.byEmail, c.p)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%s: got %v %v, want %v %v", c.name, got, err, c.want, c.err)
		}
	}
}

func TestStateProblem(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	mk := func(typ, provider string, age time.Duration) *store.Confirmation {
		return &store.Confirmation{Type: typ, CreatedAt: now.Add(-age).UnixMilli(),
			Data: map[string]any{"provider": provider, "verifier": "v", "nonce": "n"}}
	}
	if err := StateProblem(mk(store.ConfirmOAuth, "github", time.Minute), "github", now); err != nil {
		t.Errorf("a fresh state of the provider refused: %v", err)
	}
	for name, c := range map[string]*store.Confirmation{
		"another kind":     mk(store.ConfirmSigninLink, "github", time.Minute),
		"another provider": mk(store.ConfirmOAuth, "google", time.Minute),
		"too old":          mk(store.ConfirmOAuth, "github", StateTTL+time.Millisecond),
		"from the future":  mk(store.ConfirmOAuth, "github", -time.Minute),
		"no proof":         {Type: store.ConfirmOAuth, CreatedAt: now.UnixMilli(), Data: map[string]any{"provider": "github"}},
	} {
		if err := StateProblem(c, "github", now); !errors.Is(err, apierr.StateInvalid) {
			t.Errorf("%s: %v, want stateInvalid", name, err)
		}
	}
}

func TestUsernameFrom(t *testing.T) {
	cases := map[string]Person{
		"octocat":      {Username: "octocat", Name: "Mona"},
		"Mona-Lisa":    {Name: "Mona Lisa"},
		"jane.doe":     {Email: "jane.doe@example.com"},
		"user":         {Username: "ü", Email: "@x"},
		"ab":           {Username: "--ab--"},
		"x_yscript":    {Username: "x_y<script>"},
		"aaaaaaaaaaaa": {Username: "aaaaaaaaaaaa"},
	}
	for want, p := range cases {
		if got := UsernameFrom(p); got != want {
			t.Errorf("UsernameFrom(%+v) = %q, want %q", p, got, want)
		}
	}
	long := Person{Username: "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"}
	if got := UsernameFrom(long); len(got) > 48 {
		t.Errorf("long username kept %d characters", len(got))
	}
}

func TestOtherMethod(t *testing.T) {
	if OtherMethod(&store.User{}, 0, 0) {
		t.Error("nothing left counted as a way to sign in")
	}
	if !OtherMethod(&store.User{Password: "h"}, 0, 0) || !OtherMethod(&store.User{}, 1, 0) || !OtherMethod(&store.User{}, 0, 1) {
		t.Error("a password, a provider or a passkey not counted")
	}
}
