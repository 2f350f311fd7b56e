package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"bobbin/internal/api"
	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

// bodyEndpoint is an endpoint whose route takes a JSON body.
type bodyEndpoint struct {
	rt   api.Route
	ep   api.Endpoint
	path string
}

// FuzzRequestBodies sends fuzzed bodies through the real handlers (real
// app, real SQLite) on every endpoint whose route declares a request type,
// authenticated as an admin so the handler itself runs. Whatever the
// body: never a 5xx, and every error answer is the JSON error shape.
// Routes come from Server.Routes(), so a new route is fuzzed when it lands.
func FuzzRequestBodies(f *testing.F) {
	e := apitest.New(f,
		apitest.WithEnv("BACKEND_MAILS_PER_ADDRESS", "1000000000"),
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ADDRESS", "1000000000"),
		apitest.WithEnv("BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "1000000000"),
		apitest.WithEnv("BACKEND_KEY_FAILS_PER_ADDRESS", "1000000000"),
		apitest.WithEnv("BACKEND_KEY_FAILS_PER_KEY", "1000000000"))
	admin := e.NewUser("admin")
	var eps []bodyEndpoint
	for _, rt := range e.App.Server.Routes() {
		if rt.Req == nil {
			continue
		}
		var vals map[string]string
		if fx := ownerFixtures[routeKey(rt)]; fx != nil {
			vals = fx(e, admin)
		}
		for _, ep := range rt.Endpoints() {
			eps = append(eps, bodyEndpoint{rt, ep, fillPath(ep.Path, vals)})
		}
	}
	if len(eps) == 0 {
		f.Fatal("no route takes a body")
	}
	for i, b := range eps {
		for _, body := range fuzzSeeds(b.rt.Req) {
			f.Add(uint16(i), body)
		}
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(admin.Key+":"+admin.Secret))
	restore := func(t *testing.T) {
		// A fuzzed body may change the admin's own account (consent 0,
		// another role...): put it back so the next input reaches the
		// handler again.
		setUser(t, e, admin.ID, func(u *store.User) { u.Role, u.Status, u.Consent = "admin", 1, 2 })
	}
	f.Fuzz(func(t *testing.T, sel uint16, body []byte) {
		b := eps[int(sel)%len(eps)]
		req, err := http.NewRequest(b.ep.Verb, e.URL+b.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		switch b.ep.Method {
		case api.MethodJWT:
			req.Header.Set("Authorization", "Bearer "+admin.Token)
		case api.MethodKey:
			req.Header.Set("Authorization", basic)
		}
		res, err := e.Client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", b.ep.Verb, b.path, err)
		}
		out, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d %s", b.ep.Verb, b.path, body, res.StatusCode, out)
		}
		if res.StatusCode >= 400 {
			var m map[string]any
			if json.Unmarshal(out, &m) != nil || m["result"] != "error" || m["error"] == "" {
				t.Fatalf("%s %s with %q: %d answered %q", b.ep.Verb, b.path, body, res.StatusCode, out)
			}
			if res.StatusCode == 401 || res.StatusCode == 403 || res.StatusCode == 451 {
				restore(t)
			}
			return
		}
		restore(t)
	})
}

// fuzzSeeds are starting bodies for a request type.
func fuzzSeeds(req any) [][]byte {
	out := [][]byte{[]byte("{}"), []byte(`{"test":true}`), []byte("[]"), []byte("null")}
	z, err := json.Marshal(reflect.New(reflect.TypeOf(req)).Interface())
	if err != nil {
		return out
	}
	out = append(out, z)
	var fields map[string]any
	if json.Unmarshal(z, &fields) != nil {
		return out
	}
	plausible := map[string]any{}
	for k := range fields {
		switch {
		case strings.Contains(strings.ToLower(k), "email"):
			plausible[k] = "fuzz@example.com"
		case k == "level" || k == "consent" || k == "control":
			plausible[k] = 1
		case k == "expiresIn":
			plausible[k] = 60
		case k == "language":
			plausible[k] = "en"
		default:
			plausible[k] = "fuzz"
		}
	}
	if b, err := json.Marshal(plausible); err == nil {
		out = append(out, b)
	}
	return out
}
