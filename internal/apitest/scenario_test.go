package apitest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that keeps failures instead of reporting them,
// to check that a scenario fails when its answer differs.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// failures runs s against e in a recorder and returns what it reported.
func failures(t *testing.T, e *Env, s Scenario) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Test(r, e)
	}()
	<-done
	return r.failed
}

func TestScenarioChecksWhatItSays(t *testing.T) {
	t.Parallel()
	e := New(t)
	u := e.NewUser("user")
	base := Scenario{Method: "POST", URL: "/sets/jwt", Body: map[string]any{"name": 12}, Auth: u.JWT(),
		ExpectedStatus: 400, ExpectedError: "nameInvalid"}
	if f := failures(t, e, base); len(f) != 0 {
		t.Fatalf("a matching scenario failed: %v", f)
	}
	for _, c := range []struct {
		name   string
		change func(s *Scenario)
		want   string // in the failure message
	}{
		{"other status", func(s *Scenario) { s.ExpectedStatus = 401 }, "status 400, want 401"},
		{"other code", func(s *Scenario) { s.ExpectedError = "nameMissing" }, `want "nameMissing"`},
		{"missing fragment", func(s *Scenario) { s.ExpectedContent = []string{`"result":"error"`, "no such text"} }, `lacks "no such text"`},
		{"unwanted fragment", func(s *Scenario) { s.NotExpectedContent = []string{"nameInvalid"} }, `holds "nameInvalid"`},
		{"after fails", func(s *Scenario) {
			s.After = func(t testing.TB, e *Env, r *Resp) { t.Errorf("after saw %d", r.Status) }
		}, "after saw 400"},
		{"no status", func(s *Scenario) { s.ExpectedStatus = 0 }, "ExpectedStatus is required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := base
			c.change(&s)
			f := failures(t, e, s)
			if len(f) == 0 || !strings.Contains(strings.Join(f, "\n"), c.want) {
				t.Fatalf("failures %q, want one with %q", f, c.want)
			}
		})
	}
}

func TestScenarioRunsBeforeAndAfterInOrder(t *testing.T) {
	t.Parallel()
	e := New(t)
	u := e.NewUser("user")
	var steps []string
	Run(t, e, []Scenario{{
		Name:   "create",
		Method: "POST", URL: "/sets/jwt", Body: map[string]any{"name": "Coat"}, Auth: u.JWT(),
		Header:          map[string]string{"X-Request-Id": "scenario-test"},
		Before:          func(t testing.TB, e *Env) { steps = append(steps, "before") },
		ExpectedStatus:  201,
		ExpectedContent: []string{`"name":"Coat"`},
		After: func(t testing.TB, e *Env, r *Resp) {
			steps = append(steps, "after")
			if r.Str("set.name") != "Coat" {
				t.Errorf("after got %s", r.Body)
			}
		},
	}})
	if strings.Join(steps, ",") != "before,after" {
		t.Fatalf("steps %v", steps)
	}
}

func TestEnvStartsFromTheTemplateCopy(t *testing.T) {
	t.Parallel()
	tmpl, err := sqliteTemplatePath()
	if err != nil {
		t.Fatal(err)
	}
	e := New(t)
	// Each test has its own file: a write in one Env is not in the template
	// nor in another Env.
	u := e.NewUser("user")
	other := New(t)
	other.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	own := filepath.Join(e.DataDir, "bobbin.db")
	a, err1 := os.Stat(own)
	b, err2 := os.Stat(tmpl)
	if err1 != nil || err2 != nil || os.SameFile(a, b) {
		t.Fatalf("the env's database %s is not its own copy of %s: %v %v", own, tmpl, err1, err2)
	}
	if applied, err := e.App.DB.Migrate(t.Context()); err != nil || len(applied) != 0 {
		t.Fatalf("the copy was not fully migrated: applied %v, %v", applied, err)
	}
}
