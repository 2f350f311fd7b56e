package newsletter

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"bobbin/internal/apierr"
	"bobbin/internal/store"
)

var goodHash = strings.Repeat("ab12", 16)

const goodID = "0b6e9c9e-3b8a-4f57-9f0e-2f1d7c3a9b10"

func TestValidEHash(t *testing.T) {
	for _, tc := range []struct {
		h  string
		ok bool
	}{
		{goodHash, true},
		{strings.Repeat("0", 64), true},
		{strings.ToUpper(goodHash), false}, // callers lower-case first
		{goodHash[:63], false},
		{goodHash + "0", false},
		{goodHash[:63] + "g", false},
		{"", false},
	} {
		if got := ValidEHash(tc.h); got != tc.ok {
			t.Errorf("ValidEHash(%q) = %v", tc.h, got)
		}
	}
}

func TestCheckActivation(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    SubscriberActivation
		code apierr.Code
	}{
		{"good", SubscriberActivation{ID: " " + goodID + " ", EHash: " " + strings.ToUpper(goodHash) + " "}, 0},
		{"no id", SubscriberActivation{EHash: goodHash}, apierr.IDMissing},
		{"no id before no ehash", SubscriberActivation{}, apierr.IDMissing},
		{"no ehash", SubscriberActivation{ID: goodID}, apierr.EHashMissing},
		{"bad id", SubscriberActivation{ID: "12", EHash: goodHash}, apierr.NotFound},
		{"bad ehash", SubscriberActivation{ID: goodID, EHash: "abc"}, apierr.NotFound},
	} {
		id, ehash, err := CheckActivation(tc.a)
		if tc.code != 0 {
			if !errors.Is(err, tc.code) {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code.Name())
			}
			continue
		}
		if err != nil || id != goodID || ehash != goodHash {
			t.Errorf("%s: = %q, %q, %v", tc.name, id, ehash, err)
		}
	}
}

func TestRelabelLanguage(t *testing.T) {
	for _, tc := range []struct {
		sub  store.Subscriber
		lang string
		want bool
	}{
		{store.Subscriber{Language: "en"}, "nl", true},
		{store.Subscriber{Language: "en"}, "en", false},
		{store.Subscriber{Language: "en", Active: true}, "nl", false}, // a stranger must not change a confirmed one
	} {
		if got := RelabelLanguage(&tc.sub, tc.lang); got != tc.want {
			t.Errorf("RelabelLanguage(%+v, %s) = %v", tc.sub, tc.lang, got)
		}
	}
}

func TestLinks(t *testing.T) {
	if got := UnsubscribeURL("https://backend.example", goodHash); got != "https://backend.example/ocunsub/"+goodHash {
		t.Errorf("UnsubscribeURL = %s", got)
	}
	u, err := url.Parse(SubscribeURL("https://site.example", "a&b=c", goodHash))
	if err != nil {
		t.Fatal(err)
	}
	// Values are escaped: the id comes back whole and adds no parameter.
	if u.Host != "site.example" || u.Path != "/newsletter/subscribe" || u.Query().Get("id") != "a&b=c" ||
		u.Query().Get("ehash") != goodHash || len(u.Query()) != 2 {
		t.Errorf("SubscribeURL = %s", u)
	}
}
