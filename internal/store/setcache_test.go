package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"bobbin/internal/store/storetest"
)

// The set-row cache (records/setcache.go) follows every write of the sets
// table: on the same handle, from another process on the same SQLite file
// (a second handle, as `bobbin ...` beside a serving Bobbin), and from
// another PostgreSQL replica. Every step first reads through the reader
// twice (the second read is the cached one), then writes through the
// writer, then expects the reader's next read to show the write. Taking
// any one of the stores' invalidations out makes its step fail.
func TestCachedSetsFollowEveryWrite(t *testing.T) {
	t.Run("one process", func(t *testing.T) {
		db := openSQLite(t)
		followsEveryWrite(t, db, db, 0)
	})
	t.Run("another process on the same SQLite file", func(t *testing.T) {
		u := storetest.URL(t, "sqlite")
		reader := storetest.Open(t, u, true, Open)
		writer := storetest.Open(t, u, false, Open)
		followsEveryWrite(t, reader, writer, 0)
	})
	t.Run("another PostgreSQL replica", func(t *testing.T) {
		u := storetest.URL(t, "postgres")
		reader := storetest.Open(t, u, true, Open)
		writer := storetest.Open(t, u, false, Open)
		// A replica hears of a commit through NOTIFY, a moment after it:
		// the principal cache's tests measure that delay (19 ms at worst).
		followsEveryWrite(t, reader, writer, 2*time.Second)
	})
}

// shown is what a reader shows of a set: "gone", or its fields.
func shown(t *testing.T, db *DB, id int64) string {
	t.Helper()
	s, err := db.Sets().ByID(context.Background(), id)
	if errors.Is(err, ErrNotFound) {
		return "gone"
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Sets().OpenView(s); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("owner %d %q %q public=%v %s img=%q", s.UserID, s.Name, s.Notes, s.Public, s.MeasiesJSON, s.Img)
}

// listed is what a reader lists of a user's sets.
func listed(t *testing.T, db *DB, user int64) string {
	t.Helper()
	l, err := db.Sets().ByUser(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range l {
		out = append(out, fmt.Sprintf("%d %q %s", s.ID, s.Name, s.MeasiesJSON))
	}
	return fmt.Sprint(out)
}

func followsEveryWrite(t *testing.T, reader, writer *DB, wait time.Duration) {
	ctx := context.Background()
	write := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := writer.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	// seen warms the reader's cache with what it shows now, lets write
	// change it, and expects the reader to show want next (on PostgreSQL:
	// within wait).
	seen := func(step string, read func() string, change func(), wantf func() string) {
		t.Helper()
		before := read()
		if read() != before {
			t.Fatalf("%s: two reads in a row differ", step)
		}
		change()
		want := wantf()
		deadline := time.Now().Add(wait)
		for {
			got := read()
			if got == want {
				return
			}
			if !time.Now().Before(deadline) {
				t.Fatalf("%s: the reader shows\n  %s\nwant\n  %s", step, got, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	ann, bob := pgUser(t, writer, "ann"), pgUser(t, writer, "bob")
	s := &Set{UserID: ann.ID, Name: "first", Notes: "n", Measies: map[string]float64{"chest": 1000}}
	write(func(tx *Tx) error { return tx.Sets().Create(ctx, s) })
	byID := func() string { return shown(t, reader, s.ID) }
	annList := func() string { return listed(t, reader, ann.ID) }
	bobList := func() string { return listed(t, reader, bob.ID) }
	row := func(owner int64, name, notes string, public bool, measies, img string) string {
		return fmt.Sprintf("owner %d %q %q public=%v %s img=%q", owner, name, notes, public, measies, img)
	}
	is := func(s string) func() string { return func() string { return s } }
	save := func(fn func(*Set)) func() {
		return func() {
			write(func(tx *Tx) error {
				x, err := tx.Sets().ByIDLocked(ctx, s.ID)
				if err != nil {
					return err
				}
				if err := tx.Sets().Open(x); err != nil {
					return err
				}
				fn(x)
				return tx.Sets().Save(ctx, x)
			})
		}
	}

	// On SQLite the cache serves: a write that says nothing (the engine's
	// own Exec, beneath the stores) is not seen until a write that says
	// so. On PostgreSQL the table's trigger says so whoever writes (a
	// replica of an older version during a rolling upgrade, a SQL tool):
	// the other replica sees it.
	if !reader.CacheEnabled() {
		t.Fatal("no cache")
	}
	if wait == 0 {
		seen("a write beneath the stores (not seen: the cache serves)", byID, func() {
			if _, err := writer.e.Exec(ctx, "UPDATE sets SET img = 'unsaid' WHERE id = ?", s.ID); err != nil {
				t.Fatal(err)
			}
		}, is(row(ann.ID, "first", "n", false, `{"chest":1000}`, "")))
	} else {
		seen("a write beneath the stores (the trigger tells)", byID, func() {
			if _, err := writer.e.Exec(ctx, "UPDATE sets SET img = 'unsaid' WHERE id = ?", s.ID); err != nil {
				t.Fatal(err)
			}
		}, is(row(ann.ID, "first", "n", false, `{"chest":1000}`, "unsaid")))
	}

	var second Set
	seen("create (the owner's list)", annList, func() {
		second = Set{UserID: ann.ID, Name: "second", Measies: map[string]float64{}}
		write(func(tx *Tx) error { return tx.Sets().Create(ctx, &second) })
	}, func() string { return fmt.Sprintf(`[%d "first" {"chest":1000} %d "second" {}]`, s.ID, second.ID) })

	seen("patch name, notes, measies (by id)", byID, save(func(x *Set) {
		x.Name, x.Notes, x.Measies["neck"] = "renamed", "new notes", 380
	}), is(row(ann.ID, "renamed", "new notes", false, `{"chest":1000,"neck":380}`, "unsaid")))
	seen("patch (the owner's list)", annList, save(func(x *Set) { x.Name = "renamed again" }),
		is(fmt.Sprintf(`[%d "renamed again" {"chest":1000,"neck":380} %d "second" {}]`, s.ID, second.ID)))
	seen("public flag", byID, save(func(x *Set) { x.Public = true }),
		is(row(ann.ID, "renamed again", "new notes", true, `{"chest":1000,"neck":380}`, "unsaid")))

	var clone Set
	seen("clone (the cloner's list)", bobList, func() {
		clone = Set{UserID: bob.ID, Name: "renamed again", Measies: map[string]float64{"chest": 1000}}
		write(func(tx *Tx) error { return tx.Sets().Create(ctx, &clone) })
	}, func() string { return fmt.Sprintf(`[%d "renamed again" {"chest":1000}]`, clone.ID) })

	seen("delete (by id)", func() string { return shown(t, reader, second.ID) }, func() {
		write(func(tx *Tx) error { return tx.Sets().Delete(ctx, second.ID) })
	}, is("gone"))
	seen("delete (the owner's list)", annList, func() {
		third := Set{UserID: ann.ID, Name: "third", Measies: map[string]float64{}}
		write(func(tx *Tx) error { return tx.Sets().Create(ctx, &third) })
		listed(t, reader, ann.ID) // cache the list with the third
		write(func(tx *Tx) error { return tx.Sets().Delete(ctx, third.ID) })
	}, is(fmt.Sprintf(`[%d "renamed again" {"chest":1000,"neck":380}]`, s.ID)))

	seen("raw SQL (store.DB.Exec)", byID, func() {
		if _, err := writer.Exec(ctx, "UPDATE sets SET img = 'raw' WHERE id = ?", s.ID); err != nil {
			t.Fatal(err)
		}
	}, is(row(ann.ID, "renamed again", "new notes", true, `{"chest":1000,"neck":380}`, "raw")))

	// The import's upsert moves the set to bob: both lists and the set.
	annList()
	seen("import (by id)", byID, func() {
		write(func(tx *Tx) error {
			return tx.Import().Set(ctx, &Set{ID: s.ID, UserID: bob.ID, Name: "imported", Measies: map[string]float64{"hip": 990}, CreatedAt: 1, UpdatedAt: 2})
		})
	}, is(row(bob.ID, "imported", "", false, `{"hip":990}`, "")))
	if got := annList(); got != "[]" {
		t.Fatalf("import: the old owner's list still shows %s", got)
	}
	if got, want := bobList(), fmt.Sprintf(`[%d "imported" {"hip":990} %d "renamed again" {"chest":1000}]`, s.ID, clone.ID); got != want {
		t.Fatalf("import: the new owner's list shows %s, want %s", got, want)
	}

	// The user's deletion: the sets go with the user (ON DELETE CASCADE).
	bobList()
	seen("the owner's deletion (by id)", byID, func() {
		write(func(tx *Tx) error { return tx.Users().DeleteAccount(ctx, bob.ID, "") })
	}, is("gone"))
	if got := bobList(); got != "[]" {
		t.Fatalf("the deleted owner's list still shows %s", got)
	}
}

// A replica whose listening connection dropped reads sets from the
// database until it listens again (and then bumps every generation), so a
// write made meanwhile on another replica is never missed.
func TestCachedSetsAfterAListenerDrop(t *testing.T) {
	u := storetest.URL(t, "postgres")
	a := storetest.Open(t, u, true, Open)
	b := storetest.Open(t, u, false, Open)
	ctx := context.Background()
	owner := pgUser(t, b, "drop")
	s := &Set{UserID: owner.ID, Name: "before", Measies: map[string]float64{}}
	if err := b.Write(ctx, func(tx *Tx) error { return tx.Sets().Create(ctx, s) }); err != nil {
		t.Fatal(err)
	}
	want := func(name string) {
		t.Helper()
		if got := shown(t, a, s.ID); got != fmt.Sprintf("owner %d %q \"\" public=false {} img=\"\"", owner.ID, name) {
			t.Fatalf("replica a shows %s, want the name %q", got, name)
		}
	}
	want("before")
	want("before") // cached
	conns, pid := a.e.Listening()
	if _, err := b.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !a.e.Gens().Stale() {
		if n, _ := a.e.Listening(); n != conns {
			break // already back: it bumped everything when it listened again
		}
		if time.Now().After(deadline) {
			t.Fatal("the dropped listener was not noticed")
		}
		time.Sleep(time.Millisecond)
	}
	// Committed while a may not be listening: NOTIFY reaches only the
	// connections listening at the commit.
	x := &Set{ID: s.ID, UserID: owner.ID, Name: "during the drop", Measies: map[string]float64{}}
	if err := b.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Sets().ByIDLocked(ctx, s.ID); err != nil {
			return err
		}
		return tx.Sets().Save(ctx, x)
	}); err != nil {
		t.Fatal(err)
	}
	want("during the drop")
}
