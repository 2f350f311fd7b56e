package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"bobbin/internal/apitest"
	"bobbin/internal/password"
)

// The auth layer's benchmarks: every authenticated request pays for it, so
// its cost is the product's cost. Each case runs through the real handler
// (routing, authentication, the handler, JSON, the log line) on a real
// SQLite file and reports its time per request divided by a bare handler's
// time measured in the same run ("x-bare"). They assert nothing about time:
// go test -run '^$' -bench BenchmarkAuth ./internal/api

var bareJSON = []byte(`{"result":"success","note":"` + string(make200()) + `"}` + "\n")

func make200() []byte {
	b := make([]byte, 200-len(`{"result":"success","note":""}`+"\n"))
	for i := range b {
		b[i] = 'x'
	}
	return b
}

// bareHandler is the reference: a plain handler answering a fixed 200-byte JSON.
var bareHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(bareJSON)))
	w.Write(bareJSON)
})

// serve runs one request through h and checks the status.
func serve(b *testing.B, h http.Handler, method, path, auth string, want int) {
	serveBody(b, h, method, path, auth, "", want)
}

func serveBody(b *testing.B, h http.Handler, method, path, auth, body string, want int) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, want, rec.Body)
	}
}

// barePerOp times the bare handler for about half a second (median of
// five slices) as the run's reference.
func barePerOp(b *testing.B) time.Duration {
	var per []time.Duration
	for range 5 {
		n, start := 0, time.Now()
		for time.Since(start) < 100*time.Millisecond {
			for range 100 {
				serve(b, bareHandler, "GET", "/", "", 200)
			}
			n += 100
		}
		per = append(per, time.Since(start)/time.Duration(n))
	}
	slices.Sort(per)
	return per[2]
}

func BenchmarkAuth(b *testing.B) {
	e := apitest.New(b, apitest.WithLogOutput(io.Discard, slog.LevelInfo))
	users := make([]*apitest.User, 4)
	for i := range users {
		users[i] = e.NewUser("user")
	}
	bearer := func(i int) string { return "Bearer " + users[i%len(users)].Token }
	basic := func(i int) string {
		u := users[i%len(users)]
		return basicHeader(u.Key, u.Secret)
	}
	bare := barePerOp(b)
	cases := []struct {
		name, method, path string
		auth               func(i int) string
	}{
		{"bare", "", "", nil},
		{"health", "GET", "/health", nil},
		{"whoami-jwt", "GET", "/whoami/jwt", bearer},
		{"account-jwt", "GET", "/account/jwt", bearer},
		{"account-key", "GET", "/account/key", basic},
		{"whoami-key", "GET", "/whoami/key", basic},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := http.Handler(e.App.Server)
			if c.name == "bare" {
				h = bareHandler
			}
			i := 0
			for b.Loop() {
				auth := ""
				if c.auth != nil {
					auth = c.auth(i)
				}
				path := c.path
				if path == "" {
					path = "/"
				}
				serve(b, h, c.method+map[bool]string{true: "GET"}[c.method == ""], path, auth, 200)
				i++
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(bare), "x-bare")
		})
	}
}

// BenchmarkSets: the measurement-set routes, read and write, by key and
// token (a write includes its transaction's commit and fsync).
// With BOBBIN_BENCH_POSTGRES=1 (and BOBBIN_TEST_POSTGRES_URL) they run on
// a fresh PostgreSQL database instead, for profiling that engine's path.
func BenchmarkSets(b *testing.B) {
	opts := []apitest.Option{apitest.WithLogOutput(io.Discard, slog.LevelInfo)}
	if os.Getenv("BOBBIN_BENCH_POSTGRES") == "1" {
		opts = append(opts, apitest.WithPostgres())
	}
	e := apitest.New(b, opts...)
	u := e.NewUser("user")
	id := strconv.FormatInt(int64(e.Do("POST", "/sets/jwt", map[string]any{"name": "bench", "measies": map[string]any{"chest": 960}}, u.JWT()).Expect(b, 201, "").Num("set.id")), 10)
	bearer, basic := "Bearer "+u.Token, basicHeader(u.Key, u.Secret)
	bare := barePerOp(b)
	for _, c := range []struct {
		name, method, path, auth, body string
		want                           int
	}{
		{"read-key", "GET", "/sets/" + id + "/key", basic, "", 200},
		{"create-jwt", "POST", "/sets/jwt", bearer, `{"name":"bench set","notes":"n","measies":{"chest":960,"waist":820}}`, 201},
		{"update-key", "PATCH", "/sets/" + id + "/key", basic, `{"notes":"updated","measies":{"chest":970}}`, 200},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				serveBody(b, e.App.Server, c.method, c.path, c.auth, c.body, c.want)
			}
			b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(bare), "x-bare")
		})
		// 16 at once, as the process benchmark drives it: writes share commits.
		b.Run(c.name+"-16", func(b *testing.B) {
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					serveBody(b, e.App.Server, c.method, c.path, c.auth, c.body, c.want)
				}
			})
		})
	}
}

// BenchmarkSignin: a password sign-in at production Argon2id cost next to
// one bare hash, in the same run; "x-hash" is their ratio (target 1.15).
func BenchmarkSignin(b *testing.B) {
	e := apitest.New(b, apitest.WithLogOutput(io.Discard, slog.LevelInfo), apitest.WithHashParams(password.Default))
	u := e.NewUser("user")
	body := `{"username":"` + u.Email + `","password":"` + u.Password + `"}`
	p := password.Default
	salt := make([]byte, p.SaltLen)
	hash := func() { argon2.IDKey([]byte(u.Password), salt, p.Time, p.Memory, p.Threads, p.KeyLen) }
	var one time.Duration
	b.Run("hash", func(b *testing.B) {
		for b.Loop() {
			hash()
		}
		one = b.Elapsed() / time.Duration(b.N)
	})
	b.Run("signin", func(b *testing.B) {
		for b.Loop() {
			serveBody(b, e.App.Server, "POST", "/signin", "", body, 200)
		}
		if one > 0 {
			b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(one), "x-hash")
		}
	})
}
