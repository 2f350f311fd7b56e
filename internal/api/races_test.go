package api_test

// Races and database failures, in process on both engines: parallel
// signups of one email make one account, parallel deletes of one key give
// one 204, and a vanished or read-only database answers 503 (with /ready
// failing) and recovers without a restart.

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bobbin/internal/apitest"
)

// engines runs a test on SQLite and, when configured, PostgreSQL.
func engines(t *testing.T, run func(t *testing.T, opts ...apitest.Option)) {
	t.Run("sqlite", func(t *testing.T) { run(t) })
	t.Run("postgres", func(t *testing.T) { run(t, apitest.WithPostgres()) })
}

func TestParallelSignupsOfOneEmail(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, opts ...apitest.Option) {
		e := apitest.New(t, append(opts,
			apitest.WithEnv("BACKEND_MAILS_PER_RECIPIENT", "1000"),
			apitest.WithEnv("BACKEND_MAILS_PER_ADDRESS", "1000"))...)
		variants := []string{"race.signup@example.com", "RACE.SIGNUP@EXAMPLE.COM", "Race.Signup@Example.com", " race.signup@example.com ", "race.SIGNUP@example.COM"}
		const n = 50
		var wg sync.WaitGroup
		status := make([]int, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				r := e.Do("POST", "/signup", map[string]any{"email": variants[i%len(variants)], "language": "en"}, apitest.None)
				status[i] = r.Status
			}(i)
		}
		close(start)
		wg.Wait()
		for i, s := range status {
			if s != 201 {
				t.Errorf("signup %d answered %d", i, s)
			}
		}
		var users, withHash int
		db := e.App.DB
		if err := db.QueryRow(ctxb(), "SELECT COUNT(*) FROM users").Scan(&users); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctxb(), "SELECT COUNT(*) FROM users WHERE ehash = ?", db.Vault().EHash("race.signup@example.com")).Scan(&withHash); err != nil {
			t.Fatal(err)
		}
		if users != 1 || withHash != 1 {
			t.Fatalf("%d parallel signups made %d users (%d with the email's hash), want 1", n, users, withHash)
		}
		// Every signup mailed; exactly one mail carries the confirmation
		// link of the one account, the rest a sign-in link.
		mails := e.Outbox()
		confirms := 0
		for _, m := range mails {
			if strings.Contains(m.Text, "/confirm/signup/") {
				confirms++
			}
		}
		if len(mails) != n || confirms != 1 {
			t.Errorf("%d mails, %d with a signup confirmation link; want %d and 1", len(mails), confirms, n)
		}
	})
}

func TestParallelDeletesOfOneKey(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, opts ...apitest.Option) {
		e := apitest.New(t, opts...)
		u := e.NewUser("user")
		key, _ := e.NewKey(u, 1)
		const n = 20
		var wg sync.WaitGroup
		codes := make(chan int, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				a := u.JWT()
				if i%2 == 1 {
					a = u.KeyAuth()
				}
				r := e.Do("DELETE", "/apikeys/"+key+"/"+map[bool]string{true: "key", false: "jwt"}[i%2 == 1], nil, a)
				if r.Status != 204 {
					checkErrorShape(t, "parallel delete", r)
				}
				codes <- r.Status
			}(i)
		}
		close(start)
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[204] != 1 || count[404] != n-1 {
			t.Fatalf("%d parallel deletes answered %v, want one 204 and %d 404", n, count, n-1)
		}
		ev, err := e.App.DB.Audit().ByUser(ctxb(), u.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		deleted := 0
		for _, x := range ev {
			if x.Event == "apikey.deleted" && x.Detail == key {
				deleted++
			}
		}
		if deleted != 1 {
			t.Errorf("%d apikey.deleted events, want 1", deleted)
		}
	})
}

// dbOutage checks the answers while the database is away and after it is
// back: 503 code (serviceUnavailable when it does not answer,
// storageUnavailable when it answers but cannot take writes) on /ready
// and on a write, then 200 again with no restart, and the write refused
// during the outage left nothing.
func dbOutage(t *testing.T, e *apitest.Env, u *apitest.User, code string, breakIt, fixIt func()) {
	t.Helper()
	e.Do("GET", "/ready", nil, apitest.None).Expect(t, 200, "")
	breakIt()
	r := e.Do("GET", "/ready", nil, apitest.None)
	expectErr(t, "/ready while the database is away", r, 503, code)
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	r = e.Do("PATCH", "/account/jwt", map[string]any{"bio": "written during the outage"}, u.JWT())
	expectErr(t, "a write while the database is away", r, 503, code)
	if strings.Contains(string(r.Body), "sql") || strings.Contains(string(r.Body), "SQL") {
		t.Errorf("503 body leaks detail: %s", r.Body)
	}
	e.Do("GET", "/health", nil, apitest.None).Expect(t, 200, "")
	fixIt()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = e.Do("GET", "/ready", nil, apitest.None)
		if r.Status == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Expect(t, 200, "")
	got := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	if got.Str("account.bio") == "written during the outage" {
		t.Error("the refused write is there")
	}
	e.Do("PATCH", "/account/jwt", map[string]any{"bio": "after"}, u.JWT()).Expect(t, 200, "")
	if b := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Str("account.bio"); b != "after" {
		t.Errorf("bio after recovery %q", b)
	}
}

// SQLite: the database file is moved away (a volume unmounted, a file
// deleted by mistake). SQLite notices that its file is gone and refuses
// writes (SQLITE_READONLY_DBMOVED); moving it back recovers.
func TestDatabaseVanishesSQLite(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	u := e.NewUser("user")
	path := e.App.Config.SQLitePath()
	away := filepath.Join(filepath.Dir(path), "moved-away.db")
	dbOutage(t, e, u, "serviceUnavailable", func() {
		if err := os.Rename(path, away); err != nil {
			t.Fatal(err)
		}
	}, func() {
		if err := os.Rename(away, path); err != nil {
			t.Fatal(err)
		}
	})
}

// pgAdmin connects to the test server's maintenance database and names
// the test's own database.
func pgAdmin(t *testing.T, e *apitest.Env) (*sql.DB, string) {
	u, err := url.Parse(e.App.Config.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", os.Getenv(apitest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return admin, name
}

func pgExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func terminate(t *testing.T, db *sql.DB, name string) {
	pgExec(t, db, fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()", name))
}

// PostgreSQL: the database refuses connections (a failover, a restart):
// every connection is cut and no new one is allowed; then allowed again.
func TestDatabaseVanishesPostgres(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	u := e.NewUser("user")
	admin, name := pgAdmin(t, e)
	dbOutage(t, e, u, "serviceUnavailable", func() {
		pgExec(t, admin, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false")
		terminate(t, admin, name)
	}, func() {
		pgExec(t, admin, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true")
	})
}

// PostgreSQL: the database turns read-only (a standby promoted the wrong
// way, an operator's default_transaction_read_only): connections work,
// writes fail. /ready must see it, and writes must answer 503, not 500.
func TestDatabaseReadOnlyPostgres(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	u := e.NewUser("user")
	admin, name := pgAdmin(t, e)
	dbOutage(t, e, u, "storageUnavailable", func() {
		pgExec(t, admin, "ALTER DATABASE "+name+" SET default_transaction_read_only = on")
		terminate(t, admin, name)
	}, func() {
		pgExec(t, admin, "ALTER DATABASE "+name+" RESET default_transaction_read_only")
		terminate(t, admin, name)
	})
}
