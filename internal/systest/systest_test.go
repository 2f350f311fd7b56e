package systest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bobbin/internal/proc"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

var (
	binary    string // the built bobbin, "" when it could not be built
	skipWhy   string // why there is no go tool
	buildErr  string // why go build failed
	buildOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// bin builds ./cmd/bobbin once per test run.
func bin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			skipWhy = "the go tool is not on PATH, so the bobbin binary cannot be built: " + err.Error()
			return
		}
		dir, err := os.MkdirTemp("", "bobbin-systest-")
		if err != nil {
			skipWhy = err.Error()
			return
		}
		out := filepath.Join(dir, "bobbin")
		if err := proc.Build(filepath.Join("..", ".."), out); err != nil {
			buildErr = err.Error()
			os.RemoveAll(dir)
			return
		}
		binary = out
	})
	if buildErr != "" {
		t.Fatal(buildErr)
	}
	if binary == "" {
		t.Skip(skipWhy)
	}
	return binary
}

// server is a running bobbin.
type server struct {
	*proc.Proc
	t       *testing.T
	url     string
	dataDir string
	log     *syncBuffer
}

// syncBuffer is the child's output: written by the os/exec copying
// goroutine, read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs bobbin on dataDir and returns once /ready answers. BACKEND_URL
// is fixed so that tokens stay valid across restarts on other ports.
func start(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	log := &syncBuffer{}
	p, err := proc.Start(context.Background(), proc.Options{
		Bin: bin(t),
		Env: append([]string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BACKEND_DATA_DIR=" + dataDir,
			"BACKEND_URL=http://bobbin.systest", "BACKEND_ENABLE_TESTS=true", "BACKEND_LOG_FORMAT=json",
		}, env...),
		Output:       log,
		ReadyTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	t.Cleanup(p.Kill)
	return &server{Proc: p, t: t, url: p.URL, dataDir: dataDir, log: log}
}

// wait waits for the process to exit and returns its exit code.
func (p *server) wait(d time.Duration) int {
	p.t.Helper()
	code, ok := p.Wait(d)
	if !ok {
		p.t.Fatalf("bobbin still running after %v\n%s", d, p.log)
	}
	return code
}

type answer struct {
	status int
	body   map[string]any
	raw    []byte
}

func (a answer) str(k string) string {
	cur := any(a.body)
	for _, part := range strings.Split(k, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[part]
	}
	switch v := cur.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

var client = &http.Client{Timeout: 30 * time.Second}

// call sends a JSON request; err is a transport error (the server died).
func (p *server) call(method, path, auth string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: res.StatusCode, raw: b}
	json.Unmarshal(b, &a.body)
	return a, nil
}

func (p *server) must(method, path, auth string, body any, status int) answer {
	p.t.Helper()
	a, err := p.call(method, path, auth, body)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	if a.status != status {
		p.t.Fatalf("%s %s: %d %s, want %d", method, path, a.status, a.raw, status)
	}
	return a
}

// user signs a user up in test mode and confirms; returns the token.
func (p *server) user(email string) string {
	p.t.Helper()
	c := p.must("POST", "/signup", "", map[string]any{"email": email, "language": "en", "test": true}, 201).str("confirmation")
	return p.must("POST", "/confirm/signup/"+c, "", map[string]any{"consent": 2}, 200).str("token")
}

// openStore opens the data folder's SQLite database the way the app does.
func openStore(t *testing.T, dataDir string) *store.DB {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(dataDir, "enc.key"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dataDir, "bobbin.db"), v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestKill9DuringWriteLoad kills the server with SIGKILL in the middle of
// a write load, restarts it on the same data, and checks that every write
// answered 2xx is there, whole, and that nothing half-made is.
func TestKill9DuringWriteLoad(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir)
	token := "Bearer " + p.user("load@example.com")

	var (
		mu        sync.Mutex
		acked     []ackedKey
		inFlight  int
		bioAcked  = ""
		bioTrying = ""
	)
	stop := make(chan struct{})
	enough := make(chan struct{}) // closed at the 60th acknowledged key
	var wg sync.WaitGroup
	const writers = 4
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("load-%d-%d", w, i)
				mu.Lock()
				inFlight++
				mu.Unlock()
				a, err := p.call("POST", "/apikeys/jwt", token, map[string]any{"name": name, "level": 1, "expiresIn": 3600})
				mu.Lock()
				inFlight--
				if err == nil && a.status == 201 {
					acked = append(acked, ackedKey{name, a.str("apikey.key"), a.str("apikey.secret")})
					if len(acked) == 60 {
						close(enough)
					}
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
			}
		}(w)
	}
	wg.Add(1)
	go func() { // one writer of the account bio, sequential
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			v := fmt.Sprintf("bio-%d", i)
			mu.Lock()
			bioTrying = v
			mu.Unlock()
			a, err := p.call("PATCH", "/account/jwt", token, map[string]any{"bio": v})
			if err != nil {
				return
			}
			if a.status == 200 {
				mu.Lock()
				bioAcked = v
				mu.Unlock()
			}
		}
	}()
	// Let the load run, then kill -9 while requests are in flight.
	p.kill9(enough)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d writes were acknowledged before the kill", len(acked))
	}
	t.Logf("killed with %d keys acknowledged; last acknowledged bio %q, then trying %q", len(acked), bioAcked, bioTrying)

	// Integrity first, straight from the file.
	db := openStore(t, dir)
	var check string
	if err := db.QueryRow(context.Background(), "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	// Every stored key has its audit event: each creation is one transaction.
	rows, err := db.Query(context.Background(), "SELECT k.id, (SELECT COUNT(*) FROM audit a WHERE a.event = 'apikey.created' AND a.detail = k.id) FROM apikeys k")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for rows.Next() {
		var id string
		var events int
		if err := rows.Scan(&id, &events); err != nil {
			t.Fatal(err)
		}
		stored[id] = true
		if events != 1 {
			t.Errorf("key %s is stored with %d creation events: half-made", id, events)
		}
	}
	rows.Close()
	db.Close()

	// Restart on the same data and read everything back through the API.
	p2 := start(t, dir)
	byID := p2.keysByID(token)
	checkAcked(t, acked, byID, p2, "after the restart", "after the restart")
	if extra := len(byID) - len(acked); extra < 0 || extra > writers {
		t.Errorf("%d keys stored, %d acknowledged: at most %d may be unacknowledged (in flight at the kill)", len(byID), len(acked), writers)
	}
	if len(byID) != len(stored) {
		t.Errorf("API lists %d keys, the file holds %d", len(byID), len(stored))
	}
	bio := p2.must("GET", "/account/jwt", token, nil, 200).str("account.bio")
	if bio != bioAcked && bio != bioTrying {
		t.Errorf("bio after restart %q: want the last acknowledged %q (or %q, in flight at the kill)", bio, bioAcked, bioTrying)
	}
}

// kill9 kills p with SIGKILL once enough is closed (or after 10 s) and
// waits for it to go.
func (p *server) kill9(enough <-chan struct{}) {
	select {
	case <-enough:
	case <-time.After(10 * time.Second):
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	p.wait(10 * time.Second)
}

// ackedKey is an API key whose creation the server acknowledged (201).
type ackedKey struct{ name, id, secret string }

// keysByID lists the API keys of token's user on p: name by key id.
func (p *server) keysByID(token string) map[string]string {
	list := p.must("GET", "/apikeys/jwt", token, nil, 200)
	byID := map[string]string{}
	for _, k := range list.body["apikeys"].([]any) {
		m := k.(map[string]any)
		byID[m["key"].(string)] = m["name"].(string)
	}
	return byID
}

// checkAcked fails t for every acknowledged key that byID does not hold
// under its name (missing when) or that does not authenticate on p as
// itself (where).
func checkAcked(t *testing.T, acked []ackedKey, byID map[string]string, p *server, when, where string) {
	t.Helper()
	for _, k := range acked {
		if byID[k.id] != k.name {
			t.Errorf("acknowledged key %s (%s) is missing %s", k.id, k.name, when)
			continue
		}
		if a, err := p.call("GET", "/whoami/key", "Basic "+basic(k.id, k.secret), nil); err != nil || a.status != 200 || a.str("apikey.key") != k.id {
			t.Errorf("acknowledged key %s does not authenticate %s: %v %d %s", k.id, where, err, a.status, a.raw)
		}
	}
}

func basic(k, s string) string {
	return base64.StdEncoding.EncodeToString([]byte(k + ":" + s))
}

// TestSigtermFinishesRequestInFlight sends SIGTERM while a sign-in (real
// Argon2id parameters) has sent only half its body: the server stops
// accepting, lets the request finish with a real answer, flushes the
// activity counters and exits 0.
func TestSigtermFinishesRequestInFlight(t *testing.T) {
	dir := t.TempDir()
	// Counters are flushed only at the stop, so the test sees the stop's flush.
	p := start(t, dir, "BACKEND_FLUSH_INTERVAL=1h")
	token := "Bearer " + p.user("sigterm@example.com")
	pw := "a perfectly fine password 42"
	p.must("PATCH", "/account/jwt", token, map[string]any{"password": pw}, 200)
	for i := 0; i < 5; i++ {
		p.must("GET", "/account/jwt", token, nil, 200)
	}

	body := fmt.Sprintf(`{"username":"sigterm@example.com","password":%q}`, pw)
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /signin HTTP/1.1\r\nHost: bobbin\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:half])
	time.Sleep(200 * time.Millisecond) // the server has read the headers: the request is in flight
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused once shutdown has begun.
	refused := false
	for i := 0; i < 50 && !refused; i++ {
		time.Sleep(20 * time.Millisecond)
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(p.url, "http://"), time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Error("the server still accepts connections 1 s after SIGTERM")
	}
	if _, err := conn.Write([]byte(body[half:])); err != nil {
		t.Fatalf("finishing the body: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v\n%s", err, p.log)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(out, []byte(`"token"`)) {
		t.Fatalf("request in flight answered %d %s", res.StatusCode, out)
	}
	if code := p.wait(20 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, p.log)
	}
	if !strings.Contains(p.log.String(), "stopped cleanly") {
		t.Errorf("no clean-stop line in the log:\n%s", p.log)
	}
	// The counters held in memory were written at the stop.
	p2 := start(t, dir)
	acc := p2.must("GET", "/account/jwt", token, nil, 200)
	if n, _ := strconv.Atoi(acc.str("account.jwtCalls")); n < 6 {
		t.Errorf("jwtCalls %d after a clean stop, want at least 6: counters lost", n)
	}
}
