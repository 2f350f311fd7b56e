package api_test

import (
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"bobbin/internal/api"
	"bobbin/internal/apitest"
)

// answersAToken reports whether a response type has a JSON field "token"
// (itself or in an embedded struct).
func answersAToken(t reflect.Type) bool {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && answersAToken(f.Type) {
			return true
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "token" {
			return true
		}
	}
	return false
}

// TestTokenRoutesAreSecretInBody: every public route that answers a
// sign-in token takes a secret in its body (a password, a link's check,
// a code), so production refuses it over plain HTTP (api.SecretInBody);
// no other public route is refused (signup, the newsletter, a sign-in
// link's request work over a proxy that says nothing of TLS).
func TestTokenRoutesAreSecretInBody(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	n := 0
	for _, rt := range e.App.Server.Routes() {
		if rt.Access != api.Public {
			continue
		}
		path := param.ReplaceAllString(rt.Path, "x")
		r := httptest.NewRequest(rt.Verb, path, nil)
		want := answersAToken(reflect.TypeOf(rt.Resp))
		if want {
			n++
		}
		if got := api.SecretInBody(r); got != want {
			t.Errorf("%s %s: SecretInBody %v, answers a token %v", rt.Verb, rt.Path, got, want)
		}
	}
	if n < 5 {
		t.Fatalf("only %d public routes answer a token", n)
	}
}
