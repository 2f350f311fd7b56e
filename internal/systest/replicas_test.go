package systest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"

	"bobbin/internal/store"
	"bobbin/internal/store/storetest"
)

// cluster is n bobbin processes, each with its own data folder, over one
// PostgreSQL database, sharing what replicas must share: the root secret,
// the instance name and the public URL.
type cluster struct {
	t      *testing.T
	reps   []*server
	env    []string // the shared settings
	admin  *sql.DB  // the server's maintenance database
	dbName string
}

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	bin(t)
	dbURL, admin, name := storetest.Postgres(t, "bobbin_systest_", nil)
	key := make([]byte, 32)
	rand.Read(key)
	c := &cluster{t: t, admin: admin, dbName: name, env: []string{
		"BACKEND_DB_URL=" + dbURL, "BACKEND_ENC_KEY=" + hex.EncodeToString(key), "BACKEND_INSTANCE=systest",
	}}
	for i := 0; i < n; i++ {
		c.reps = append(c.reps, start(t, t.TempDir(), c.env...))
	}
	return c
}

// createUser runs `bobbin user create` against the cluster's database.
func (c *cluster) createUser(username, role, pw string) int64 {
	c.t.Helper()
	cmd := exec.Command(bin(c.t), "user", "create", "--email", username+"@example.com", "--username", username, "--role", role, "--password", pw)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BACKEND_DATA_DIR=" + c.t.TempDir(), "BACKEND_LOG_FORMAT=json"}, c.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("user create: %v\n%s", err, out)
	}
	var id int64
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "created user ") {
			id, _ = strconv.ParseInt(strings.Fields(line)[2], 10, 64)
		}
	}
	if id == 0 {
		c.t.Fatalf("no user id in %q", out)
	}
	return id
}

func (p *server) signin(username, pw string) string {
	p.t.Helper()
	return "Bearer " + p.must("POST", "/signin", "", map[string]any{"username": username, "password": pw}, 200).str("token")
}

// refusedBound is how long a revocation may take to reach another
// replica before the test calls it missed. The design target is 100 ms;
// the bound is wider so that a loaded CI machine does not fail it, and
// the worst delay seen is logged.
const refusedBound = 2 * time.Second

// expectRefused polls each of reps with the request until it is refused
// with one of the statuses, and returns the longest time that took from
// since (the revoking answer on replica 1: its commit came before).
func expectRefused(t *testing.T, what string, since time.Time, reps []*server, method, path, auth string, statuses ...int) time.Duration {
	t.Helper()
	var worst time.Duration
	for i, p := range reps {
		for {
			a, err := p.call(method, path, auth, nil)
			if err != nil {
				t.Fatalf("%s on replica %d: %v", what, i+2, err)
			}
			if slices.Contains(statuses, a.status) {
				break
			}
			// 200, or 404 from /whoami/key for a key whose row is gone but
			// whose principal was still accepted: the revocation not yet seen.
			if a.status != 200 && a.status != 404 {
				t.Fatalf("%s on replica %d: %d %s, want 200 (not yet seen) or %v", what, i+2, a.status, a.raw, statuses)
			}
			if a.status == 404 {
				t.Logf("%s on replica %d: the deleted key still authenticated %v after the answer", what, i+2, time.Since(since))
			}
			if time.Since(since) > refusedBound {
				t.Fatalf("%s: replica %d still accepts after %v", what, i+2, refusedBound)
			}
			time.Sleep(time.Millisecond)
		}
		worst = max(worst, time.Since(since))
	}
	return worst
}

// TestThreeReplicasOnePostgres runs three bobbin processes over one
// PostgreSQL database: what is made on one works on the others; each kind
// of revocation made on replica 1 is refused by replicas 2 and 3 (whose
// principal caches hold the revoked principal), also after their
// notification connections were killed; and kill -9 of one replica under
// write load loses no acknowledged write.
func TestThreeReplicasOnePostgres(t *testing.T) {
	c := newCluster(t, 3)
	p1, others := c.reps[0], c.reps[1:]
	const pw = "a perfectly fine password 42"
	var worst time.Duration
	note := func(what string, d time.Duration) {
		t.Logf("%-28s refused on replicas 2 and 3 after %v", what, d.Round(100*time.Microsecond))
		worst = max(worst, d)
	}
	// warm makes each of the others accept (and so cache) the principal.
	warm := func(path, auth string) {
		t.Helper()
		for _, p := range others {
			p.must("GET", path, auth, nil, 200)
			p.must("GET", path, auth, nil, 200)
		}
	}

	// A token and a key made on replica 1 work on 2 and 3.
	tokenA := "Bearer " + p1.user("alice@example.com")
	p1.must("PATCH", "/account/jwt", tokenA, map[string]any{"password": pw}, 200)
	k := p1.must("POST", "/apikeys/jwt", tokenA, map[string]any{"name": "replicated", "level": 4, "expiresIn": 3600}, 201)
	keyAuth := "Basic " + basic(k.str("apikey.key"), k.str("apikey.secret"))
	warm("/whoami/jwt", tokenA)
	warm("/whoami/key", keyAuth)
	username := p1.must("GET", "/account/jwt", tokenA, nil, 200).str("account.username")

	// Sign-out.
	tokenB := p1.signin(username, pw)
	warm("/whoami/jwt", tokenB)
	p1.must("POST", "/signout/jwt", tokenB, nil, 204)
	t0 := time.Now()
	note("sign-out", expectRefused(t, "sign-out", t0, others, "GET", "/whoami/jwt", tokenB, 401))

	// Password change: every other session ends.
	tokenC := p1.signin(username, pw)
	warm("/whoami/jwt", tokenC)
	p1.must("PATCH", "/account/jwt", tokenA, map[string]any{"password": pw + " changed", "currentPassword": pw}, 200)
	t0 = time.Now()
	note("password change", expectRefused(t, "password change", t0, others, "GET", "/whoami/jwt", tokenC, 401))

	// Key deletion.
	p1.must("DELETE", "/apikeys/"+k.str("apikey.key")+"/jwt", tokenA, nil, 204)
	t0 = time.Now()
	note("key deletion", expectRefused(t, "key deletion", t0, others, "GET", "/whoami/key", keyAuth, 401))

	// Role lowered by an admin: the curator's curator-level reads end.
	c.createUser("sysadmin", "admin", pw)
	curatorID := c.createUser("syscurator", "curator", pw)
	adminTok := p1.signin("sysadmin", pw)
	curTok := p1.signin("syscurator", pw)
	warm("/curated-sets/jwt", curTok)
	p1.must("PATCH", "/admin/user/"+strconv.FormatInt(curatorID, 10)+"/jwt", adminTok, map[string]any{"role": "user"}, 200)
	t0 = time.Now()
	note("role lowered", expectRefused(t, "role lowered", t0, others, "GET", "/curated-sets/jwt", curTok, 401, 403))

	// The notification connections are killed: the revocations made while
	// they are down, and after they are back, are still seen.
	bobTok := "Bearer " + p1.user("bob@example.com")
	bk := p1.must("POST", "/apikeys/jwt", bobTok, map[string]any{"name": "b", "level": 4, "expiresIn": 3600}, 201)
	bobKey := "Basic " + basic(bk.str("apikey.key"), bk.str("apikey.secret"))
	bk2 := p1.must("POST", "/apikeys/jwt", bobTok, map[string]any{"name": "b2", "level": 4, "expiresIn": 3600}, 201)
	bobKey2 := "Basic " + basic(bk2.str("apikey.key"), bk2.str("apikey.secret"))
	warm("/whoami/key", bobKey)
	warm("/whoami/key", bobKey2)
	killed := c.killListeners()
	if killed < 3 {
		t.Fatalf("killed %d LISTEN connections, want one per replica (3)", killed)
	}
	p1.must("DELETE", "/apikeys/"+bk.str("apikey.key")+"/jwt", bobTok, nil, 204)
	t0 = time.Now()
	note("key deletion, listener down", expectRefused(t, "key deletion while the listeners were down", t0, others, "GET", "/whoami/key", bobKey, 401))
	c.waitListeners(3)
	warm("/whoami/key", bobKey2)
	p1.must("DELETE", "/apikeys/"+bk2.str("apikey.key")+"/jwt", bobTok, nil, 204)
	t0 = time.Now()
	note("key deletion, relistened", expectRefused(t, "key deletion after the listeners came back", t0, others, "GET", "/whoami/key", bobKey2, 401))

	// Account deletion: its sessions and keys end everywhere.
	carolTok := "Bearer " + p1.user("carol@example.com")
	ck := p1.must("POST", "/apikeys/jwt", carolTok, map[string]any{"name": "c", "level": 4, "expiresIn": 3600}, 201)
	carolKey := "Basic " + basic(ck.str("apikey.key"), ck.str("apikey.secret"))
	warm("/whoami/jwt", carolTok)
	warm("/whoami/key", carolKey)
	p1.must("DELETE", "/account/jwt", carolTok, nil, 200)
	t0 = time.Now()
	note("account deletion (token)", expectRefused(t, "account deletion", t0, others, "GET", "/whoami/jwt", carolTok, 401))
	note("account deletion (key)", expectRefused(t, "account deletion", t0, others, "GET", "/whoami/key", carolKey, 401))
	t.Logf("worst delay from a revoking answer on replica 1 to refusal on 2 and 3: %v", worst.Round(100*time.Microsecond))

	// kill -9 of replica 3 under write load on it: every key it
	// acknowledged is there and works on replicas 1 and 2.
	c.kill9UnderLoad(bobTok)
}

// listeners counts the replicas' LISTEN connections on the test database
// (by name: after a heartbeat ping, pg_stat_activity no longer shows the
// LISTEN as their query).
func (c *cluster) listeners() int {
	var n int
	if err := c.admin.QueryRow("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2", c.dbName, store.ListenerName).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// killListeners terminates every LISTEN connection and says how many.
func (c *cluster) killListeners() int {
	c.t.Helper()
	var n int
	err := c.admin.QueryRow("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2", c.dbName, store.ListenerName).Scan(&n)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

func (c *cluster) waitListeners(n int) {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for c.listeners() < n {
		if time.Now().After(deadline) {
			c.t.Fatalf("only %d of %d replicas listen again after 15 s", c.listeners(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *cluster) kill9UnderLoad(token string) {
	t := c.t
	victim := c.reps[2]
	var (
		mu    sync.Mutex
		acked []ackedKey
	)
	enough := make(chan struct{})
	var wg sync.WaitGroup
	const writers = 4
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				name := fmt.Sprintf("load-%d-%d", w, i)
				a, err := victim.call("POST", "/apikeys/jwt", token, map[string]any{"name": name, "level": 1, "expiresIn": 3600})
				if err != nil {
					return // the replica is gone
				}
				if a.status == 201 {
					mu.Lock()
					acked = append(acked, ackedKey{name, a.str("apikey.key"), a.str("apikey.secret")})
					if len(acked) == 40 {
						close(enough)
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	victim.kill9(enough)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d writes were acknowledged before the kill", len(acked))
	}
	byID := c.reps[0].keysByID(token)
	checkAcked(t, acked, byID, c.reps[1], "after the kill", "on replica 2")
	loaded := 0
	for _, name := range byID {
		if strings.HasPrefix(name, "load-") {
			loaded++
		}
	}
	if extra := loaded - len(acked); extra < 0 || extra > writers {
		t.Errorf("%d load keys stored, %d acknowledged: at most %d may be unacknowledged (in flight at the kill)", loaded, len(acked), writers)
	}
	t.Logf("kill -9 of replica 3 with %d keys acknowledged: all there", len(acked))
}
