package api_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bobbin/internal/apitest"
)

// TestPostgresRestartWhileRequestsRun cuts every connection of the test
// database again and again (what a PostgreSQL restart or failover does to
// a running Bobbin) while reads and writes, by token and by key, are in
// flight. Each answer is the real one or a 503 with Retry-After, never a
// 500, and once the cutting stops everything works again in the same
// process: no restart of Bobbin.
func TestPostgresRestartWhileRequestsRun(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	u := e.NewUser("user")
	admin, name := pgAdmin(t, e)

	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		bad      []string
	)
	record := func(what string, r *apitest.Resp, ok int) {
		mu.Lock()
		defer mu.Unlock()
		statuses[r.Status]++
		switch {
		case r.Status == ok:
		case r.Status == 503 && (r.Str("error") == "storageUnavailable" || r.Str("error") == "serviceUnavailable") && r.Header.Get("Retry-After") != "":
		default:
			if len(bad) < 10 {
				bad = append(bad, fmt.Sprintf("%s: %d %s", what, r.Status, r.Body))
			}
		}
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				switch i % 4 {
				case 0:
					record("GET /account/jwt", e.Do("GET", "/account/jwt", nil, u.JWT()), 200)
				case 1:
					record("GET /whoami/key", e.Do("GET", "/whoami/key", nil, u.KeyAuth()), 200)
				case 2:
					record("PATCH /account/jwt", e.Do("PATCH", "/account/jwt", map[string]any{"bio": fmt.Sprintf("w%d-%d", w, i)}, u.JWT()), 200)
				case 3:
					record("POST /sets/jwt", e.Do("POST", "/sets/jwt", map[string]any{"name": fmt.Sprintf("set %d %d", w, i), "measies": map[string]any{"chest": 1000}}, u.JWT()), 201)
				}
			}
		}(w)
	}
	for round := 0; round < 8; round++ {
		time.Sleep(60 * time.Millisecond) // let requests get going on fresh connections
		terminate(t, admin, name)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("answers while connections were cut: %v", statuses)
	for _, b := range bad {
		t.Error(b)
	}
	if statuses[500] > 0 {
		t.Errorf("%d answers were 500", statuses[500])
	}

	// Recovered, in this same process.
	deadline := time.Now().Add(10 * time.Second)
	for e.Do("GET", "/ready", nil, apitest.None).Status != 200 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	e.Do("PATCH", "/account/jwt", map[string]any{"bio": "after the restarts"}, u.JWT()).Expect(t, 200, "")
	if b := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Str("account.bio"); b != "after the restarts" {
		t.Errorf("bio after recovery %q", b)
	}
}
