package accounts

import (
	"context"
	"strings"
	"testing"
	"time"
)

// twoReplicas opens the same fresh PostgreSQL database twice, as two
// replicas would; skipped without BOBBIN_TEST_POSTGRES_URL.
func twoReplicas(t *testing.T) (a, b *Base) {
	t.Helper()
	dbs := openReplicas(t, "postgres", 2)
	return dbs[0], dbs[1]
}

// refusedWithin polls a's view of the session until it is refused, and
// reports how long that took after the revoking commit.
func refusedWithin(t *testing.T, a *Base, jti string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		_, err := a.Sessions().Principal(context.Background(), jti, Now())
		if err == ErrNotFound {
			return time.Since(start)
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > limit {
			t.Fatalf("replica still accepts a revoked session after %s", limit)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPostgresRevocationReachesOtherReplicas(t *testing.T) {
	a, b := twoReplicas(t)
	ctx := context.Background()
	if !a.CacheEnabled() {
		t.Fatal("no principal cache on PostgreSQL")
	}
	u := newUser(t, a, "jane")
	var worst time.Duration
	for i := range 20 {
		jti := "jti-" + strings.Repeat("x", i+1)
		if err := a.Write(ctx, func(tx *Tx) error { return tx.Sessions().Create(ctx, jti, u.ID, Now()+3600_000) }); err != nil {
			t.Fatal(err)
		}
		for range 3 { // warm a's cache
			if _, err := a.Sessions().Principal(ctx, jti, Now()); err != nil {
				t.Fatal(err)
			}
		}
		a.cache.mu.RLock()
		e, cached := a.cache.sessions[jti]
		a.cache.mu.RUnlock()
		if !cached || !a.cache.fresh(e.st, credStripe(jti)) || a.cache.g.Stale() {
			t.Fatal("replica a does not serve the session from its cache")
		}
		if err := b.Write(ctx, func(tx *Tx) error { return tx.Sessions().Revoke(ctx, jti) }); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, refusedWithin(t, a, jti, 2*time.Second))
	}
	t.Logf("longest delay from a revoking commit on one replica to refusal on another: %s (20 revocations)", worst)

	// A role change on b (the user's stripe) reaches a's cached user.
	if _, err := a.Users().ByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(ctx, func(tx *Tx) error {
		x, err := tx.Users().ByID(ctx, u.ID)
		if err != nil {
			return err
		}
		x.Role = "blocked"
		return tx.Users().Save(ctx, x)
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		x, err := a.Users().ByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.Role == "blocked" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replica a still serves the old role")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPostgresListenerDropMakesCacheStale(t *testing.T) {
	a, b := twoReplicas(t)
	ctx := context.Background()
	u := newUser(t, a, "sam")
	jti := "jti-drop"
	if err := a.Write(ctx, func(tx *Tx) error { return tx.Sessions().Create(ctx, jti, u.ID, Now()+3600_000) }); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sessions().Principal(ctx, jti, Now()); err != nil {
		t.Fatal(err)
	}
	conns, pid := a.Listening()
	// Kill a's listening connection, then revoke on b while a cannot hear.
	if _, err := b.Pool.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !a.cache.g.Stale() && listenerConns(a) == conns {
		if time.Now().After(deadline) {
			t.Fatal("the dropped listener was not noticed")
		}
		time.Sleep(time.Millisecond)
	}
	if err := b.Write(ctx, func(tx *Tx) error { return tx.Sessions().Revoke(ctx, jti) }); err != nil {
		t.Fatal(err)
	}
	// Whether a is still stale or has listened again, it must refuse.
	if _, err := a.Sessions().Principal(ctx, jti, Now()); err != ErrNotFound {
		t.Fatalf("after a dropped listener, the revoked session answers %v", err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for listenerConns(a) == conns || a.cache.g.Stale() {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not come back")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func listenerConns(db *Base) int64 {
	n, _ := db.Listening()
	return n
}
