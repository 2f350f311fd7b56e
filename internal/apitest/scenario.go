package apitest

import (
	"fmt"
	"strings"
	"testing"
)

// Scenario is one request through the real server and what its answer
// must be: a row of a table test. Run sends it and checks, in this order,
// the status, the error code, the body fragments, then calls After for
// what the request must (or must not) have left behind.
type Scenario struct {
	Name   string // the subtest's name; "" names it by method, URL and body
	Method string
	URL    string // path and query, e.g. "/sets/jwt"
	Body   any    // as for Env.Do: nil, string or []byte as is, else JSON
	Auth   Auth
	Header map[string]string // extra request headers

	// Before runs first (e.g. to make the row the request works on).
	Before func(t testing.TB, e *Env)

	ExpectedStatus int
	// ExpectedError, when not "", is the error code the answer must carry
	// (with "result": "error"), as Resp.Expect checks.
	ExpectedError string
	// ExpectedContent are fragments the body must hold; NotExpectedContent
	// fragments it must not (a secret, another user's data, a stack trace).
	ExpectedContent    []string
	NotExpectedContent []string

	// After checks side effects: the outbox, the database, the log.
	After func(t testing.TB, e *Env, r *Resp)
}

// Run runs each scenario, in order, as a subtest of t on e. A failing
// scenario stops only its own subtest.
func Run(t *testing.T, e *Env, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		s.Run(t, e)
	}
}

// Run runs the scenario as a subtest of t on e and reports whether it
// passed.
func (s Scenario) Run(t *testing.T, e *Env) bool {
	t.Helper()
	return t.Run(s.name(), func(t *testing.T) {
		t.Helper()
		s.Test(t, e)
	})
}

// Test runs the scenario in t itself (no subtest).
func (s Scenario) Test(t testing.TB, e *Env) *Resp {
	t.Helper()
	if s.Method == "" || s.URL == "" {
		t.Fatalf("scenario %q: Method and URL are required", s.Name)
	}
	if s.ExpectedStatus == 0 {
		t.Fatalf("scenario %q: ExpectedStatus is required", s.Name)
	}
	if s.Before != nil {
		s.Before(t, e)
	}
	req := e.request(t, s.Method, s.URL, s.Body, s.Auth)
	for k, v := range s.Header {
		req.Header.Set(k, v)
	}
	r := e.send(t, req)
	r.Expect(t, s.ExpectedStatus, s.ExpectedError)
	body := string(r.Body)
	for _, want := range s.ExpectedContent {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q: %s", want, r.Body)
		}
	}
	for _, not := range s.NotExpectedContent {
		if strings.Contains(body, not) {
			t.Errorf("body holds %q: %s", not, r.Body)
		}
	}
	if s.After != nil {
		s.After(t, e, r)
	}
	return r
}

func (s Scenario) name() string {
	if s.Name != "" {
		return s.Name
	}
	n := s.Method + " " + s.URL
	switch b := s.Body.(type) {
	case nil:
	case string:
		n += " " + b
	case []byte:
		n += " " + string(b)
	default:
		n += " " + fmt.Sprint(b)
	}
	if len(n) > 80 {
		n = n[:80]
	}
	return n
}
