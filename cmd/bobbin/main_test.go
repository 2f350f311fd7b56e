package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"bobbin/internal/config"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), err
}

// runCode runs the command line as main does and returns the exit code
// and both outputs.
func runCode(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	code = exitCode(err, &errb)
	return code, out.String(), errb.String()
}

// The server sets its soft memory limit from BACKEND_MEMORY_LIMIT, unless
// GOMEMLIMIT is set (the runtime has applied that) or the setting is 0.
func TestMemoryLimitFromTheSettingUnlessGOMEMLIMIT(t *testing.T) {
	for _, c := range []struct {
		args       []string
		gomemlimit string
		want       int64
	}{
		{nil, "", 72 << 20},
		{[]string{"--memory-limit", "200MiB"}, "", 200 << 20},
		{[]string{"--memory-limit", "0"}, "", 0},
		{nil, "150MiB", 0},
		{[]string{"--memory-limit", "200MiB"}, "off", 0},
	} {
		cfg, _, err := config.Load(c.args, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if got := memoryLimit(cfg, c.gomemlimit); got != c.want {
			t.Errorf("%v, GOMEMLIMIT=%q: %d, want %d", c.args, c.gomemlimit, got, c.want)
		}
	}
}

func TestVersionPrintsTheBuildInfo(t *testing.T) {
	code, out, _ := runCode(t, nil, "version")
	bi, ok := debug.ReadBuildInfo()
	if code != 0 || !ok || !strings.HasPrefix(out, "bobbin ") || !strings.Contains(out, bi.GoVersion) {
		t.Fatalf("version: %d %q", code, out)
	}
	// What a binary built by `go build` in a git checkout carries.
	line := versionLine(&debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}})
	for _, want := range []string{"v1.2.3", "revision 0123abcd", "(modified)", "2026-01-02T03:04:05Z", "go1.99"} {
		if !strings.Contains(line, want) {
			t.Errorf("version line %q lacks %q", line, want)
		}
	}
	if line := versionLine(&debug.BuildInfo{GoVersion: "go1.99"}); !strings.Contains(line, "(devel)") || !strings.Contains(line, "revision unknown") {
		t.Errorf("no VCS: %q", line)
	}
}

// TestEveryCommandAnswersHelp walks the whole command tree: --help and -h
// print that command's usage on stdout and exit 0.
func TestEveryCommandAnswersHelp(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if sub.Name() == "help" {
				continue
			}
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(newRoot(nil, io.Discard, io.Discard), nil)
	if len(paths) < 8 {
		t.Fatalf("command tree too small: %v", paths)
	}
	for _, p := range paths {
		for _, h := range []string{"--help", "-h"} {
			code, out, errOut := runCode(t, nil, append(append([]string{}, p...), h)...)
			use := strings.Join(append([]string{"bobbin"}, p...), " ")
			if code != 0 || !strings.Contains(out, "Usage:") || !strings.Contains(out, use) || errOut != "" {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q", use, h, code, out, errOut)
			}
		}
	}
}

func TestWrongUsageExitsTwoWithTheUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"serve", "--no-such-flag"},
		{"migrate", "-x"},
		{"frobnicate"},
		{"user"},
		{"user", "frobnicate"},
		{"user", "set-status", "42"},
		{"user", "set-status", "42", "-7"},
		{"user", "set-role", "42"},
		{"user", "create"},
		{"user", "create", "--email", "x@example.com", "--role", "emperor"},
		{"version", "extra"},
		{"import"},
		{"import", "mongodb"},
		{"import", "freesewing", "--from", "x"},
		{"import", "freesewing", "--from", "x", "--enc-key", "k", "--no-such-flag"},
		{"import", "freesewing", "--from", "x", "--enc-key", "k", "--port", "0"},
		{"import", "freesewing", "--from", "x", "--enc-key", "k", "--jwt-max-age", "soon"},
		{"import", "freesewing", "--from"},
		// A bad value given as a flag is the command line's error too.
		{"--port", "70000"},
		{"serve", "--port", "abc"},
		{"migrate", "--env", "staging"},
		{"mail", "list", "--db-url", "mysql://x"},
	} {
		code, out, errOut := runCode(t, nil, args...)
		if code != 2 || !strings.Contains(errOut, "Usage:") || !strings.Contains(errOut, "bobbin:") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	// A failure of the work itself (not of the command line) exits 1.
	if code, _, errOut := runCode(t, map[string]string{"BACKEND_PORT": "99999"}, "migrate"); code != 1 || strings.Contains(errOut, "Usage:") {
		t.Errorf("bad config: exit %d, %q", code, errOut)
	}
}

func TestNegativeNumbersAreValues(t *testing.T) {
	if got := protectNegatives([]string{"user", "set-status", "42", "-2", "--port", "-1", "--x=-3", "-1"}); got[3] != negMark+"-2" || got[5] != "-1" || got[6] != "--x=-3" || got[7] != negMark+"-1" {
		t.Fatalf("%q", got)
	}
	env := map[string]string{"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_LOG_FORMAT": "json"}
	if code, _, errOut := runCode(t, env, "user", "create", "--email", "someone@example.com"); code != 0 {
		t.Fatal(errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "set-status", "1", "-2"}, "status -2 (disabled)"},
		{[]string{"user", "set-status", "--data-dir", env["BACKEND_DATA_DIR"], "1", "-1"}, "status -1 (restricted)"},
		{[]string{"user", "set-status", "someone@example.com", "1"}, "status 1 (active)"},
		{[]string{"user", "set-status", "user-1", "0"}, "status 0 (unconfirmed)"},
	} {
		code, out, errOut := runCode(t, env, c.args...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, %q %q", c.args, code, out, errOut)
		}
	}
}

func TestBadConfigIsOneClearLine(t *testing.T) {
	_, err := runCmd(t, map[string]string{"BACKEND_PORT": "99999"}, "migrate")
	if err == nil || !strings.Contains(err.Error(), "BACKEND_PORT") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
	_, err = runCmd(t, nil, "serve", "--port", "abc")
	if err == nil || !strings.Contains(err.Error(), "BACKEND_PORT") {
		t.Fatalf("flag: %v", err)
	}
	// From the environment: exit 1 with that one line, no usage.
	for _, env := range []map[string]string{{"BACKEND_PORT": "0"}, {"BACKEND_ENV": "staging"}, {"BACKEND_ENC_KEY": "short"}} {
		for _, args := range [][]string{{"serve"}, {"migrate"}, {"import", "freesewing", "--from", "x", "--enc-key", "k"}} {
			code, out, errOut := runCode(t, env, args...)
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code != 1 || out != "" || len(lines) != 1 || !strings.HasPrefix(lines[0], "bobbin: config: BACKEND_") {
				t.Errorf("%v %v: exit %d, stderr %q", env, args, code, errOut)
			}
		}
	}
}

func TestMigrateAndUserCommands(t *testing.T) {
	env := map[string]string{"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_LOG_FORMAT": "json"}
	out, err := runCmd(t, env, "migrate")
	if err != nil || !strings.Contains(out, "schema up to date") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	out, err = runCmd(t, env, "user", "create", "--email", "ops@example.com", "--role", "admin", "--password", "an operator password")
	if err != nil || !strings.Contains(out, "role admin") {
		t.Fatalf("create: %q %v", out, err)
	}
	if _, err := runCmd(t, env, "user", "create", "--email", "ops@example.com"); err == nil {
		t.Fatal("duplicate email accepted")
	}
	if _, err := runCmd(t, env, "user", "create", "--email", "x@example.com", "--role", "emperor"); err == nil {
		t.Fatal("unknown role accepted")
	}
	out, err = runCmd(t, env, "user", "set-role", "OPS@example.com", "support")
	if err != nil || !strings.Contains(out, "role support") {
		t.Fatalf("set-role: %q %v", out, err)
	}
	out, err = runCmd(t, env, "user", "disable", "1")
	if err != nil || !strings.Contains(out, "status -2 (disabled)") {
		t.Fatalf("disable: %q %v", out, err)
	}
	out, err = runCmd(t, env, "user", "set-status", "user-1", "1")
	if err != nil || !strings.Contains(out, "status 1") {
		t.Fatalf("set-status: %q %v", out, err)
	}
	if _, err := runCmd(t, env, "user", "set-role", "nobody", "admin"); err == nil {
		t.Fatal("unknown user accepted")
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestServeSignsInTheOperatorAndStopsCleanly starts the real server the way
// `go run ./cmd/bobbin` does, signs in the user made by `user create`, and
// stops it by cancelling (as SIGTERM does).
func TestServeSignsInTheOperatorAndStopsCleanly(t *testing.T) {
	port := freePort(t)
	env := map[string]string{"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_PORT": strconv.Itoa(port), "BACKEND_LOG_FORMAT": "json"}
	if _, err := runCmd(t, env, "user", "create", "--email", "ops@example.com", "--role", "admin", "--password", "an operator password"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, &bytes.Buffer{}, &logs) }()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := http.Get(base + "/ready")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Post(base+"/signin", "application/json", strings.NewReader(`{"username":"ops@example.com","password":"an operator password"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 200 || body["token"] == nil {
		t.Fatalf("signin: %d %v", res.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
	if !strings.Contains(logs.String(), "stopped cleanly") || strings.Contains(logs.String(), "ops@example.com") {
		t.Fatalf("logs: %s", logs.String())
	}
}

// Issue 12: look-alike usernames already in the database are reported by
// `bobbin migrate`, and none is merged or renamed.
func TestMigrateReportsLookAlikeUsernames(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BACKEND_DATA_DIR": dir, "BACKEND_LOG_FORMAT": "json"}
	names := []string{"admin", "\u0430dmin", "jane", "ａｄｍｉｎ"}
	for i := range names {
		out, err := runCmd(t, env, "user", "create", "--email", "u"+strconv.Itoa(i)+"@example.com", "--username", "placeholder"+strconv.Itoa(i))
		if err != nil {
			t.Fatalf("create %d: %q %v", i, out, err)
		}
	}
	// `user create` refuses look-alikes now; make them as rows older than
	// the skeletons would be (no skeleton yet), straight in the file.
	db, err := sql.Open("sqlite", filepath.Join(dir, "bobbin.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		if _, err := db.Exec("UPDATE users SET username = ?, lusername = ?, username_skeleton = NULL WHERE id = ?", name, strings.ToLower(name), i+1); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	// A look-alike through the command itself is refused.
	if out, err := runCmd(t, env, "user", "create", "--email", "u9@example.com", "--username", "adm\u0131n"); err == nil {
		t.Fatalf("user create made a look-alike: %q", out)
	}
	for round := 0; round < 2; round++ {
		out, err := runCmd(t, env, "migrate")
		if err != nil {
			t.Fatal(err)
		}
		want := `look-alike usernames (not merged): user 1 "admin" keeps the name; also 2 "аdmin", 4 "ａｄｍｉｎ"`
		if !strings.Contains(out, want) || strings.Count(out, "look-alike usernames") != 1 || strings.Contains(out, "jane") {
			t.Fatalf("round %d:\n%s\nwant a line %q", round, out, want)
		}
	}
}

// A PostgreSQL that cannot be used as the URL says (here sslmode=require
// against the test server, which has no TLS) stops the start with one
// line naming BACKEND_DB_URL.
func TestUnusableDatabaseURLIsOneLine(t *testing.T) {
	base := os.Getenv("BOBBIN_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("PostgreSQL test skipped: BOBBIN_TEST_POSTGRES_URL is not set (.ci/run sets it)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("sslmode", "require")
	u.RawQuery = q.Encode()
	_, err = runCmd(t, map[string]string{"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_DB_URL": u.String(), "BACKEND_LOG_FORMAT": "json"}, "migrate")
	if err == nil {
		t.Skip("the test server accepts TLS: nothing to refuse")
	}
	if msg := err.Error(); !strings.Contains(msg, "BACKEND_DB_URL") || strings.Contains(msg, "\n") {
		t.Fatalf("got %q: want one line naming BACKEND_DB_URL", msg)
	}
}
