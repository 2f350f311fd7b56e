package records

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"bobbin/internal/store/engine"
	"bobbin/internal/store/storetest"
)

// TestSetWritesSaySo keeps the set-row cache honest as the store grows:
// every function of internal/store and its packages whose SQL inserts,
// updates, deletes or upserts sets must say what it changed
// (conn.setChanged, conn.allChanged), and every one that deletes users
// (the user's sets cascade away) must revoke everything (revokeAll: the
// global generation, which every cached set carries).
func TestSetWritesSaySo(t *testing.T) {
	exempt := map[string]string{
		"Sets.Lock": "a no-op update (updated_at = updated_at) that takes the row's lock: nothing changes",
	}
	writesSets := regexp.MustCompile(`(?is)^\s*(with\b.*)?(update|delete|replace|insert)\b.*\bsets\b`)
	deletesUsers := regexp.MustCompile(`(?is)^\s*delete\s+from\s+users\b`)
	sets := storetest.Writers(t, "..", writesSets)
	for name, calls := range sets {
		if _, ok := exempt[name]; ok {
			continue
		}
		if !calls[".setChanged"] && !calls[".allChanged"] {
			t.Errorf("%s writes sets but says nothing to the set-row cache (call setChanged or allChanged)", name)
		}
	}
	// Create, Save, Delete, Lock, Import.Set at least.
	if len(sets) < 5 {
		t.Errorf("found only %d functions writing sets: the scan is broken (%v)", len(sets), sets)
	}
	users := storetest.Writers(t, "..", deletesUsers)
	for name, calls := range users {
		if !calls[".revokeAll"] {
			t.Errorf("%s deletes users, whose sets cascade away, but does not revoke everything (revokeAll)", name)
		}
	}
	if len(users) == 0 {
		t.Error("found no function deleting users: the scan is broken")
	}
}

// openCached opens a migrated SQLite file with its set-row cache.
func openCached(t *testing.T) *DB {
	t.Helper()
	db := New(storetest.Open(t, storetest.URL(t, "sqlite"), true, engine.Open))
	if db.sets == nil {
		t.Fatal("no set-row cache on SQLite")
	}
	return db
}

// newOwner inserts a bare user row (this package does not write users).
func newOwner(t *testing.T, db *DB, name string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := db.Write(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, "INSERT INTO users (username, lusername, email_enc, ehash, initial_enc, ihash, created_at, updated_at) VALUES (?,?,'','h-'||?,'','',1,1) RETURNING id",
			name, name, name).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newSet(t *testing.T, db *DB, owner int64, name, notes string) *Set {
	t.Helper()
	ctx := context.Background()
	s := &Set{UserID: owner, Name: name, Notes: notes, Measies: map[string]float64{"chest": 1000}}
	if err := db.Write(ctx, func(tx *Tx) error { return db.In(tx).Sets().Create(ctx, s) }); err != nil {
		t.Fatal(err)
	}
	return s
}

// A read from the cache is a copy: a caller changing what it got (or
// opening it) changes nothing cached, and a second read is a hit.
func TestCachedSetIsACopy(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	s := newSet(t, db, newOwner(t, db, "copy"), "mine", "notes")
	sets := db.Outside().Sets()
	a, err := sets.ByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "" || a.sealed == nil {
		t.Fatal("a set read by id must come back sealed, to be opened after the access check")
	}
	if err := sets.Open(a); err != nil {
		t.Fatal(err)
	}
	a.Name, a.Measies["chest"] = "changed", 1
	b, err := sets.ByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.sealed == nil || b.sealed.plain == nil {
		t.Fatal("the second read was not served from the cache")
	}
	if err := sets.Open(b); err != nil {
		t.Fatal(err)
	}
	if b.Name != "mine" || b.Measies["chest"] != 1000 {
		t.Fatalf("cache changed through a returned copy: %+v", b)
	}
	l, err := sets.ByUser(ctx, s.UserID)
	if err != nil || len(l) != 1 || l[0].Name != "mine" || string(l[0].MeasiesJSON) != `{"chest":1000}` {
		t.Fatalf("list: %+v %v", l, err)
	}
	l[0].Name = "changed"
	if l, err = sets.ByUser(ctx, s.UserID); err != nil || l[0].Name != "mine" {
		t.Fatalf("list changed through a returned copy: %+v %v", l, err)
	}
}

// The cache never holds more than its limit in bytes, however many sets
// are read, and still serves what it holds.
func TestSetCacheIsBoundedByBytes(t *testing.T) {
	db := openCached(t)
	db.sets.limit = 64 << 10
	ctx := context.Background()
	owner := newOwner(t, db, "many")
	notes := strings.Repeat("n", 900)
	var ids []int64
	err := db.Write(ctx, func(tx *Tx) error {
		for i := range 300 {
			s := &Set{UserID: owner, Name: "set " + strconv.Itoa(i), Notes: notes, Measies: map[string]float64{"chest": float64(i)}}
			if err := db.In(tx).Sets().Create(ctx, s); err != nil {
				return err
			}
			ids = append(ids, s.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sets := db.Outside().Sets()
	for round := range 2 {
		for _, id := range ids {
			s, err := sets.ByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := sets.OpenView(s); err != nil || s.Notes != notes {
				t.Fatalf("round %d, set %d: %v", round, id, err)
			}
			db.sets.mu.RLock()
			n, sum := db.sets.bytes, int64(0)
			for _, e := range db.sets.byID {
				sum += e.row.size()
			}
			for _, e := range db.sets.lists {
				sum += e.size
			}
			db.sets.mu.RUnlock()
			if n > db.sets.limit || n != sum {
				t.Fatalf("cache holds %d bytes (entries add up to %d), limit %d", n, sum, db.sets.limit)
			}
		}
	}
	// The list of 300 sets (~330 KiB) is more than a sixteenth of the
	// limit: answered, not cached.
	if l, err := sets.ByUser(ctx, owner); err != nil || len(l) != 300 {
		t.Fatalf("list: %d %v", len(l), err)
	}
	db.sets.mu.RLock()
	_, listed := db.sets.lists[owner]
	held := len(db.sets.byID)
	db.sets.mu.RUnlock()
	if listed || held == 0 {
		t.Fatalf("list cached %v, sets held %d", listed, held)
	}
}

// Readers hammer a set while it is changed and then deleted: no read that
// starts after the write has returned may see what it replaced.
func TestCachedSetWritesAreLinearizable(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	s := newSet(t, db, newOwner(t, db, "race"), "v0", "")
	var version atomic.Int64 // the last version whose write has returned
	sets := db.Outside().Sets()
	name := func(x *Set) int64 { v, _ := strconv.ParseInt(strings.TrimPrefix(x.Name, "v"), 10, 64); return v }
	stop := storetest.Hammer(4, func() bool {
		want := version.Load()
		got, err := sets.ByID(ctx, s.ID)
		switch {
		case want < 0:
			return err == nil // deleted
		case err == ErrNotFound:
			return false // the delete committed; version is not yet -1
		case err != nil:
			t.Error(err)
			return false
		}
		if err := sets.OpenView(got); err != nil {
			t.Error(err)
			return false
		}
		l, err := sets.ByUser(ctx, s.UserID)
		if err != nil || len(l) > 1 {
			t.Errorf("list: %d %v", len(l), err)
			return false
		}
		return name(got) < want || (len(l) == 1 && name(l[0]) < want)
	})
	for v := int64(1); v <= 50; v++ {
		err := db.Write(ctx, func(tx *Tx) error {
			x, err := db.In(tx).Sets().ByIDLocked(ctx, s.ID)
			if err != nil {
				return err
			}
			if err := db.In(tx).Sets().Open(x); err != nil {
				return err
			}
			x.Name = "v" + strconv.FormatInt(v, 10)
			return db.In(tx).Sets().Save(ctx, x)
		})
		if err != nil {
			t.Fatal(err)
		}
		version.Store(v)
	}
	if err := db.Write(ctx, func(tx *Tx) error { return db.In(tx).Sets().Delete(ctx, s.ID) }); err != nil {
		t.Fatal(err)
	}
	version.Store(-1)
	for range 100 {
		if _, err := sets.ByID(ctx, s.ID); err != ErrNotFound {
			t.Fatalf("deleted set: %v", err)
		}
	}
	if n := stop(); n > 0 {
		t.Fatalf("%d reads started after a write had returned saw what it replaced", n)
	}
}

// Save refuses a set whose owner is not the stored one (it would make the
// wrong list stale), and writes nothing.
func TestSaveChecksTheOwner(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	a, b := newOwner(t, db, "a"), newOwner(t, db, "b")
	s := newSet(t, db, a, "a's", "")
	s.UserID, s.Name = b, "moved?"
	if err := db.Write(ctx, func(tx *Tx) error { return db.In(tx).Sets().Save(ctx, s) }); err != ErrNotFound {
		t.Fatalf("save with another owner: %v", err)
	}
	got, err := db.Outside().Sets().ByID(ctx, s.ID)
	if err != nil || got.UserID != a || db.Outside().Sets().OpenView(got) != nil || got.Name != "a's" {
		t.Fatalf("after a refused save: %+v %v", got, err)
	}
}
