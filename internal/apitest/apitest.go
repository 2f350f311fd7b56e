// Package apitest runs the real Bobbin — app.New, real SQLite file (or
// PostgreSQL), real outbox — behind an httptest server, and gives tests
// short ways to call it and make users and keys over HTTP. It is imported
// by tests only.
//
// Each Env starts on its own copy of a migrated template database
// (template.go), so a test pays for a file copy, not for the migrations,
// and tests with their own Env can run with t.Parallel. Table tests of
// requests and answers are written as Scenarios (scenario.go): request,
// expected status and error code, body fragments, side effects.
package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"bobbin/internal/app"
	"bobbin/internal/config"
	"bobbin/internal/mail"
	"bobbin/internal/password"
	"bobbin/internal/store"
	"bobbin/internal/store/storetest"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests.
const PostgresEnv = storetest.Env

// Env is one running Bobbin.
type Env struct {
	T       testing.TB
	App     *app.App
	Srv     *httptest.Server
	URL     string
	DataDir string
	Client  *http.Client
	Log     *SafeBuffer // everything the server logged

	mu     sync.Mutex
	count  int
	closed bool
}

// Option changes the environment before it starts.
type Option func(*setup)

type setup struct {
	env      map[string]string
	postgres bool
	now      func() time.Time
	dataDir  string
	logOut   io.Writer
	logLevel slog.Level
	hash     *password.Params
	local    net.Listener // WithLocalhost
}

// WithEnv sets a configuration variable.
func WithEnv(k, v string) Option { return func(s *setup) { s.env[k] = v } }

// WithLocalhost serves on http://localhost:<port> and makes that both
// BACKEND_URL and BACKEND_WEBSITE_URL (and Env.URL): for browser tests
// where the server's own pages are its website, so that a WebAuthn
// relying party id (localhost, a secure context over http) and a
// provider's redirect back name the page's own origin.
func WithLocalhost() Option {
	return func(s *setup) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic("apitest: " + err.Error())
		}
		u := "http://localhost:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		s.local, s.env["BACKEND_URL"], s.env["BACKEND_WEBSITE_URL"] = l, u, u
	}
}

// WithPostgres runs on a fresh PostgreSQL database; the test is skipped
// (with the reason) when BOBBIN_TEST_POSTGRES_URL is not set.
func WithPostgres() Option { return func(s *setup) { s.postgres = true } }

// WithClock sets the server's clock.
func WithClock(now func() time.Time) Option { return func(s *setup) { s.now = now } }

// WithDataDir reuses a data folder (to test restarts).
func WithDataDir(dir string) Option { return func(s *setup) { s.dataDir = dir } }

// WithLogOutput sends the server's log to w at level, instead of to the
// Env's buffer at debug level (benchmarks: a buffer would grow with b.N).
func WithLogOutput(w io.Writer, level slog.Level) Option {
	return func(s *setup) { s.logOut, s.logLevel = w, level }
}

// WithHashParams sets the Argon2id parameters (default FastHash), e.g.
// password.Default for a benchmark of sign-in at production cost.
func WithHashParams(p password.Params) Option { return func(s *setup) { s.hash = &p } }

// FastHash are Argon2id parameters for tests that sign in a lot; one test
// file checks the production parameters separately.
var FastHash = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// New starts Bobbin in test mode on a temporary data folder.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	s := &setup{env: map[string]string{
		"BACKEND_ENABLE_TESTS": "true",
		"BACKEND_LOG_FORMAT":   "json",
		"BACKEND_URL":          "http://bobbin.test",
	}}
	for _, o := range opts {
		o(s)
	}
	if s.dataDir == "" {
		s.dataDir = dataDir(t)
	}
	s.env["BACKEND_DATA_DIR"] = s.dataDir
	if s.postgres {
		s.env["BACKEND_DB_URL"] = freshPostgres(t)
	}
	cfg, _, err := config.Load(nil, func(k string) string { return s.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.IsPostgres() {
		if _, err := os.Stat(cfg.SQLitePath()); errors.Is(err, fs.ErrNotExist) {
			if err := copySQLiteTemplate(cfg.SQLitePath()); err != nil {
				t.Fatal(err)
			}
		}
	}
	logs := &SafeBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if s.logOut != nil {
		log = slog.New(slog.NewJSONHandler(s.logOut, &slog.HandlerOptions{Level: s.logLevel}))
	}
	hash := &FastHash
	if s.hash != nil {
		hash = s.hash
	}
	a, err := app.New(context.Background(), cfg, log, app.Options{HashParams: hash, Now: s.now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	base := ""
	if s.local != nil {
		srv.Listener.Close()
		srv.Listener, base = s.local, s.env["BACKEND_URL"]
	}
	srv.Start()
	if base == "" {
		base = srv.URL
	}
	e := &Env{T: t, App: a, Srv: srv, URL: base, DataDir: s.dataDir, Client: srv.Client(), Log: logs}
	t.Cleanup(e.Close)
	return e
}

// Close stops the server and the app (flushing counters); safe to call twice.
func (e *Env) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	e.Srv.Close()
	if err := e.App.Close(); err != nil {
		e.T.Errorf("closing app: %v", err)
	}
}

// UpdateUser changes a user directly in the database (for states no
// route of the test's scope can make).
func (e *Env) UpdateUser(id int64, fn func(u *store.User)) {
	e.T.Helper()
	ctx := context.Background()
	db := e.App.DB
	u, err := db.Users().ByID(ctx, id)
	if err != nil {
		e.T.Fatal(err)
	}
	fn(u)
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.Users().Save(ctx, u) }); err != nil {
		e.T.Fatal(err)
	}
}

// freshPostgres creates a new database for one test, a copy of the
// migrated template, and drops it after.
func freshPostgres(t testing.TB) string {
	u, _, _ := storetest.Postgres(t, "bobbin_test_", func(admin *sql.DB, base, name string) {
		createFromTemplate(t, admin, base, name)
	})
	return u
}

// Auth is how a request authenticates.
type Auth struct{ header string }

// None sends no credentials.
var None = Auth{}

// Bearer sends a sign-in token.
func Bearer(token string) Auth { return Auth{"Bearer " + token} }

// Basic sends an API key and secret.
func Basic(key, secret string) Auth {
	return Auth{"Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))}
}

// Header sends a raw Authorization header.
func Header(v string) Auth { return Auth{v} }

// Resp is an answer.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any // nil when the body is not a JSON object
}

// Do sends a request. body may be nil, a string or []byte (sent as is), or
// anything else (sent as JSON).
func (e *Env) Do(method, path string, body any, a Auth) *Resp {
	e.T.Helper()
	return e.send(e.T, e.request(e.T, method, path, body, a))
}

// Send sends a prepared request.
func (e *Env) Send(req *http.Request) *Resp {
	e.T.Helper()
	return e.send(e.T, req)
}

// request builds a request as Do describes; failures go to t.
func (e *Env) request(t testing.TB, method, path string, body any, a Auth) *http.Request {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.header != "" {
		req.Header.Set("Authorization", a.header)
	}
	return req
}

// send sends req and reads the answer; failures go to t (a subtest's t
// when a scenario runs in one).
func (e *Env) send(t testing.TB, req *http.Request) *Resp {
	t.Helper()
	res, err := e.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &Resp{Status: res.StatusCode, Header: res.Header, Body: b}
	var m map[string]any
	if json.Unmarshal(b, &m) == nil {
		r.JSON = m
	}
	return r
}

// Str reads a string at a dotted path of the JSON body ("account.email").
func (r *Resp) Str(path string) string {
	v := r.Get(path)
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// Num reads a number at a dotted path (NaN-free: missing is -1e18).
func (r *Resp) Num(path string) float64 {
	if f, ok := r.Get(path).(float64); ok {
		return f
	}
	return -1e18
}

// Get reads any value at a dotted path; nil when absent.
func (r *Resp) Get(path string) any {
	var cur any = r.JSON
	for _, part := range strings.Split(path, ".") {
		switch m := cur.(type) {
		case map[string]any:
			cur = m[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(m) {
				return nil
			}
			cur = m[i]
		default:
			return nil
		}
	}
	return cur
}

// Expect fails the test unless the answer has this status and, when code
// is not "", this error code.
func (r *Resp) Expect(t testing.TB, status int, code string) *Resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if code != "" {
		if got := r.Str("error"); got != code || r.Str("result") != "error" {
			t.Fatalf("error %q, want %q; body %s", got, code, r.Body)
		}
	}
	return r
}

// User is an account made through the API.
type User struct {
	ID       int64
	Email    string
	Username string
	Password string
	Token    string // a sign-in token
	Key      string // an API key of the user's role level (or the level asked)
	Secret   string
}

// JWT authenticates as the user's token.
func (u *User) JWT() Auth { return Bearer(u.Token) }

// KeyAuth authenticates as the user's key.
func (u *User) KeyAuth() Auth { return Basic(u.Key, u.Secret) }

// NewUser signs a user up with role (test mode), confirms with consent 2,
// sets a password and creates an API key at the role's level.
func (e *Env) NewUser(role string) *User {
	e.T.Helper()
	e.mu.Lock()
	e.count++
	n := e.count
	e.mu.Unlock()
	email := fmt.Sprintf("user%d-%s@example.com", n, hex.EncodeToString(randBytes(3)))
	u := e.SignupConfirmed(email, role)
	u.Password = "correct horse battery " + strconv.Itoa(n)
	e.Do("PATCH", "/account/jwt", map[string]any{"password": u.Password}, u.JWT()).Expect(e.T, 200, "")
	lvl := map[string]int{"user": 4, "tester": 4, "curator": 5, "bughunter": 6, "support": 8, "admin": 9}[role]
	if lvl == 0 {
		lvl = 4
	}
	u.Key, u.Secret = e.NewKey(u, lvl)
	return u
}

// SignupConfirmed signs up and confirms an email; no password, no key.
func (e *Env) SignupConfirmed(email, role string) *User {
	e.T.Helper()
	body := map[string]any{"email": email, "language": "en", "test": true}
	if role != "" {
		body["role"] = role
	}
	r := e.Do("POST", "/signup", body, None).Expect(e.T, 201, "")
	conf := r.Str("confirmation")
	if conf == "" {
		e.T.Fatalf("signup answered no confirmation in test mode: %s", r.Body)
	}
	c := e.Do("POST", "/confirm/signup/"+conf, map[string]any{"consent": 2}, None).Expect(e.T, 200, "")
	return &User{ID: int64(c.Num("account.id")), Email: email, Username: c.Str("account.username"), Token: c.Str("token")}
}

// NewKey creates an API key for u (with its token) and returns id and secret.
func (e *Env) NewKey(u *User, level int) (string, string) {
	e.T.Helper()
	r := e.Do("POST", "/apikeys/jwt", map[string]any{"name": "test key", "level": level, "expiresIn": 3600}, u.JWT()).Expect(e.T, 201, "")
	return r.Str("apikey.key"), r.Str("apikey.secret")
}

// Outbox reads every mail written so far.
func (e *Env) Outbox() []mail.Received {
	e.T.Helper()
	m, err := mail.ReadOutbox(e.App.Outbox.Dir())
	if err != nil {
		e.T.Fatal(err)
	}
	return m
}

// LastMailTo is the newest mail to an address.
func (e *Env) LastMailTo(addr string) (mail.Received, bool) {
	all := e.Outbox()
	for i := len(all) - 1; i >= 0; i-- {
		if strings.EqualFold(all[i].To, addr) || strings.Contains(strings.ToLower(all[i].To), "<"+strings.ToLower(addr)+">") {
			return all[i], true
		}
	}
	return mail.Received{}, false
}

// SafeBuffer is a bytes.Buffer safe for concurrent writes (server logs).
type SafeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SafeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *SafeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// Apply sets a's Authorization header on req.
func Apply(req *http.Request, a Auth) {
	if a.header != "" {
		req.Header.Set("Authorization", a.header)
	}
}

// Settle waits for the work the server answered before doing (mail and
// rows made after the answer, such as a sign-in link outside test mode).
func (e *Env) Settle() { e.App.Server.Wait() }
