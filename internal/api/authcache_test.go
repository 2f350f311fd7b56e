package api_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

// The principal cache (store/cache.go) and the verified-token memory
// (auth/token.go) must never outlive a revocation, an expiry or a
// throttle. Each test warms the cache first (two successful calls), then
// revokes, then expects the very next request to be refused.

func cachedEnv(t *testing.T, opts ...apitest.Option) *apitest.Env {
	t.Helper()
	e := apitest.New(t, opts...)
	if !e.App.DB.CacheEnabled() {
		t.Fatal("principal cache is off on SQLite: these tests would prove nothing")
	}
	return e
}

func warm(t *testing.T, e *apitest.Env, path string, a ...apitest.Auth) {
	t.Helper()
	for _, au := range a {
		for range 2 {
			e.Do("GET", path, nil, au).Expect(t, 200, "")
		}
	}
}

func TestCacheSignoutRevokesAtOnce(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	u := e.NewUser("user")
	warm(t, e, "/account/jwt", u.JWT())
	e.Do("POST", "/signout/jwt", nil, u.JWT()).Expect(t, 204, "")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/whoami/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "") // the key is not a session
}

func TestCacheSignoutAllRevokesEveryToken(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	u := e.NewUser("user")
	other := e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 200, "").Str("token")
	warm(t, e, "/account/jwt", u.JWT(), apitest.Bearer(other))
	e.Do("POST", "/signout/all/key", nil, u.KeyAuth()).Expect(t, 204, "")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(other)).Expect(t, 401, "authenticationFailed")
}

func TestCachePasswordChangeKeepsOnlyTheChangingToken(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	u := e.NewUser("user")
	other := e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 200, "").Str("token")
	warm(t, e, "/account/jwt", u.JWT(), apitest.Bearer(other))
	e.Do("PATCH", "/account/jwt", map[string]any{"password": "a brand new passphrase", "currentPassword": u.Password}, u.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(other)).Expect(t, 401, "authenticationFailed")
}

func TestCacheKeyDeleteRevokesAtOnce(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	u := e.NewUser("user")
	warm(t, e, "/account/key", u.KeyAuth())
	e.Do("DELETE", "/apikeys/"+u.Key+"/jwt", nil, u.JWT()).Expect(t, 204, "")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/whoami/key", nil, u.KeyAuth()).Expect(t, 401, "authenticationFailed")
}

// A support user may read another user's key (level 8); with the role
// lowered the next request has level 4 and is refused — by either method,
// whichever way the role was written: the store's SaveUser (what the admin
// routes use) or any other UPDATE on users, inside a transaction or not.
func TestCacheRoleChangeSeenAtOnce(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	s := e.NewUser("support")
	b := e.NewUser("user")
	ctx := context.Background()
	db := e.App.DB
	path := "/apikeys/" + b.Key
	check := func(want int) {
		t.Helper()
		code := ""
		if want == 403 {
			code = "insufficientAccessLevel"
		}
		e.Do("GET", path+"/jwt", nil, s.JWT()).Expect(t, want, code)
		e.Do("GET", path+"/key", nil, s.KeyAuth()).Expect(t, want, code)
	}
	check(200)
	check(200)

	u, err := db.Users().ByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.Role = "user"
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.Users().Save(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	check(403)

	if _, err := db.Exec(ctx, "UPDATE users SET role = ? WHERE id = ?", "support", s.ID); err != nil {
		t.Fatal(err)
	}
	check(200)

	err = db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET role = ? WHERE id = ?", "user", s.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	check(403)
}

func TestCacheStatusConsentAndDeletionSeenAtOnce(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	ctx := context.Background()
	db := e.App.DB
	u := e.NewUser("user")
	warm(t, e, "/account/key", u.KeyAuth())
	warm(t, e, "/account/jwt", u.JWT())
	set := func(f func(*store.User)) {
		t.Helper()
		acc, err := db.Users().ByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		f(acc)
		if err := db.Users().Save(ctx, acc); err != nil { // outside a transaction too
			t.Fatal(err)
		}
	}
	set(func(a *store.User) { a.Status = -2 })
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 403, "accountBlocked")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 403, "accountBlocked")
	set(func(a *store.User) { a.Status = 1; a.Consent = 0 })
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 451, "consentLacking")
	set(func(a *store.User) { a.Consent = 2 })
	warm(t, e, "/account/key", u.KeyAuth())
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.Users().Delete(ctx, u.ID) }); err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
}

// `bobbin user disable` runs as another process on the same SQLite file
// while the server serves: its write must reach the server's cache. A
// second store.DB on the file is what that command opens.
func TestCacheRevocationByAnotherProcess(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	ctx := context.Background()
	u := e.NewUser("user")
	warm(t, e, "/account/key", u.KeyAuth())
	warm(t, e, "/account/jwt", u.JWT())
	other, err := store.Open(ctx, e.App.Config.DBURL, e.App.DB.Vault())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	acc, err := other.Users().ByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	acc.Status = -2
	err = other.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Users().Save(ctx, acc); err != nil {
			return err
		}
		return tx.Sessions().RevokeOthers(ctx, u.ID, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 403, "accountBlocked")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
}

func TestCacheExpiryChecked(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	start := time.Now()
	now.Store(start.UnixMilli())
	clock := func() time.Time { return time.UnixMilli(now.Load()) }
	e := cachedEnv(t, apitest.WithClock(clock), apitest.WithEnv("BACKEND_JWT_EXPIRY", "1h"))
	u := e.NewUser("user")
	r := e.Do("POST", "/apikeys/jwt", map[string]any{"name": "short", "level": 4, "expiresIn": 60}, u.JWT()).Expect(t, 201, "")
	short := apitest.Basic(r.Str("apikey.key"), r.Str("apikey.secret"))
	warm(t, e, "/account/key", short)
	warm(t, e, "/account/jwt", u.JWT())

	// A clock turned back before the token's issue (beyond the leeway):
	// a remembered token is refused as a fresh one would be.
	now.Store(start.Add(-2 * time.Minute).UnixMilli())
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	now.Store(start.UnixMilli())
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")

	now.Store(start.Add(61 * time.Second).UnixMilli())
	e.Do("GET", "/account/key", nil, short).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")

	now.Store(start.Add(time.Hour + 61*time.Second).UnixMilli())
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
}

func TestCacheKeyThrottleStillApplies(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	u := e.NewUser("user")
	warm(t, e, "/account/key", u.KeyAuth())
	// A wrong secret: the real one with its first digit changed (a fixed
	// "0" was the real secret one time in sixteen).
	wrong := "0" + u.Secret[1:]
	if wrong == u.Secret {
		wrong = "1" + u.Secret[1:]
	}
	for range 10 { // BACKEND_KEY_FAILS_PER_KEY default
		e.Do("GET", "/account/key", nil, apitest.Basic(u.Key, wrong)).Expect(t, 401, "authenticationFailed")
	}
	r := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 429, "")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// Counters are written behind; a cached account must show them once
// flushed, not the values of when it was cached.
func TestCacheShowsFlushedCounters(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	u := e.NewUser("user")
	warm(t, e, "/account/jwt", u.JWT())
	if err := e.App.Activity.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "")
	if n := r.Num("account.jwtCalls"); n < 2 {
		t.Fatalf("jwtCalls %v after two calls and a flush; body %s", n, r.Body)
	}
	e.Do("PATCH", "/account/key", map[string]any{"bio": "new bio"}, u.KeyAuth()).Expect(t, 200, "")
	if got := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "").Str("account.bio"); got != "new bio" {
		t.Fatalf("bio %q after PATCH", got)
	}
}

// With PostgreSQL the cache is kept across replicas by LISTEN/NOTIFY
// (internal/store/notify.go, whose tests run two replicas); a revocation
// still takes effect on the next request.
func TestCacheOnPostgresRevokes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	if !e.App.DB.CacheEnabled() {
		t.Fatal("principal cache off with PostgreSQL")
	}
	u := e.NewUser("user")
	warm(t, e, "/account/jwt", u.JWT())
	e.Do("POST", "/signout/jwt", nil, u.JWT()).Expect(t, 204, "")
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
}
