package accounts

import (
	"context"
	"strconv"
	"testing"

	"bobbin/internal/ident"
)

// Issue 12: `admin` existed and its look-alikes were accepted beside it.
// The migration's backfill gives the oldest its skeleton, reports the
// others, and changes no username.
func TestBackfillReportsLookAlikesAndMergesNothing(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			db := openReplicas(t, dialect, 1)[0]
			ctx := context.Background()
			names := []string{"admin", "jane", "ａｄｍｉｎ", "\u0430dmin", "adm\u0131n", "\u212Bdmin", "bob"}
			ids := map[string]int64{}
			for i, n := range names {
				u := &User{Username: n, Email: "u" + strconv.Itoa(i) + "@example.com", Language: "en", Role: "user"}
				if err := db.Write(ctx, func(tx *Tx) error { return tx.Users().Create(ctx, u) }); err != nil {
					t.Fatalf("create %q: %v", n, err)
				}
				ids[n] = u.ID
			}
			for round := 0; round < 2; round++ { // a second `bobbin migrate` reports the same
				got, err := db.Users().BackfillSkeletons(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 {
					t.Fatalf("round %d: %d collisions, want 1: %+v", round, len(got), got)
				}
				c := got[0]
				if c.Holder.ID != ids["admin"] || c.Holder.Username != "admin" || c.Skeleton != ident.Skeleton("admin") {
					t.Fatalf("holder %+v skeleton %q", c.Holder, c.Skeleton)
				}
				if len(c.Others) != 4 {
					t.Fatalf("others %+v, want the four look-alikes", c.Others)
				}
				for i, o := range c.Others {
					if want := names[i+2]; o.ID != ids[want] || o.Username != want {
						t.Fatalf("other %d: %+v, want %q (id %d)", i, o, want, ids[want])
					}
				}
			}
			for n, id := range ids {
				u, err := db.Users().ByID(ctx, id)
				if err != nil || u.Username != n {
					t.Fatalf("user %d: %v %v, want username %q unchanged", id, u, err, n)
				}
			}
			for _, n := range []string{"jane", "bob", "admin"} {
				h, err := db.Users().SkeletonHolder(ctx, ident.Skeleton(n))
				if err != nil || h != ids[n] {
					t.Fatalf("holder of %q: %d %v", n, h, err)
				}
			}
			// From now on the index refuses a look-alike, whoever writes it.
			if err := db.Users().SetSkeleton(ctx, ids["bob"], ident.Skeleton("ADMIN")); err != ErrConflict {
				t.Fatalf("a second admin skeleton: %v, want ErrConflict", err)
			}
			if _, err := db.Users().SkeletonHolder(ctx, ident.Skeleton("nobody")); err != ErrNotFound {
				t.Fatalf("free skeleton: %v", err)
			}
			fresh := &User{Username: "carol", Email: "carol@example.com", Language: "en", Role: "user"}
			err := db.Write(ctx, func(tx *Tx) error {
				if err := tx.Users().Create(ctx, fresh); err != nil {
					return err
				}
				return tx.Users().SetSkeleton(ctx, fresh.ID, ident.Skeleton("Carol"))
			})
			if err != nil {
				t.Fatal(err)
			}
			if h, _ := db.Users().SkeletonHolder(ctx, ident.Skeleton("cаrol")); h != fresh.ID {
				t.Fatalf("carol's look-alike resolves to %d, want %d", h, fresh.ID)
			}
		})
	}
}

// More users than one batch: every one is filled.
func TestBackfillCrossesBatches(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	n := backfillBatch*2 + 7
	err := db.Write(ctx, func(tx *Tx) error {
		for i := 0; i < n; i++ {
			u := &User{Username: "user-" + strconv.Itoa(i), Email: "u" + strconv.Itoa(i) + "@example.com", Language: "en", Role: "user"}
			if err := tx.Users().Create(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Users().BackfillSkeletons(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
	var left int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE username_skeleton IS NULL").Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d users without a skeleton (%v)", left, err)
	}
}
