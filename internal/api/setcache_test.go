package api_test

import (
	"context"
	"fmt"
	"testing"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

// The set-row cache (store/records/setcache.go) behind the routes: every
// route that writes a set, and the owner's deletion (also from another
// process on the same SQLite file), is seen by the very next read, once
// the reads have been served from the cache (each read twice first). The
// access rules are unchanged: the cache holds rows, userdata decides.
func TestSetCacheFollowsEveryRoute(t *testing.T) {
	t.Parallel()
	setCacheFollowsEveryRoute(t, cachedEnv(t))
}

func TestSetCacheFollowsEveryRoutePostgres(t *testing.T) {
	t.Parallel()
	setCacheFollowsEveryRoute(t, apitest.New(t, apitest.WithPostgres()))
}

func setCacheFollowsEveryRoute(t *testing.T, e *apitest.Env) {
	owner, other, support, cur := e.NewUser("user"), e.NewUser("user"), e.NewUser("support"), e.NewUser("curator")
	r := e.Do("POST", "/sets/jwt", map[string]any{"name": "Mine", "notes": "n", "measies": map[string]any{"chest": 1000}}, owner.JWT()).Expect(t, 201, "")
	sid := dataID(r.Num("set.id"))
	read := func(path string, a apitest.Auth, status int, code string) *apitest.Resp {
		t.Helper()
		e.Do("GET", path, nil, a).Expect(t, status, code)
		return e.Do("GET", path, nil, a).Expect(t, status, code)
	}
	count := func(u *apitest.User, want int) {
		t.Helper()
		if l := e.Do("GET", "/sets/key", nil, u.KeyAuth()).Expect(t, 200, ""); len(l.Get("sets").([]any)) != want {
			t.Fatalf("the list shows %s, want %d sets", l.Body, want)
		}
	}

	// Patch (by the owner, then by support: level 8), by id and in the list.
	read("/sets/"+sid+"/key", owner.KeyAuth(), 200, "")
	read("/sets/key", owner.KeyAuth(), 200, "")
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"name": "Renamed", "measies": map[string]any{"neck": 380}}, owner.JWT()).Expect(t, 200, "")
	if g := e.Do("GET", "/sets/"+sid+"/key", nil, owner.KeyAuth()).Expect(t, 200, ""); g.Str("set.name") != "Renamed" || g.Num("set.measies.neck") != 380 {
		t.Fatalf("after the patch: %s", g.Body)
	}
	if l := e.Do("GET", "/sets/jwt", nil, owner.JWT()).Expect(t, 200, ""); l.Str("sets.0.name") != "Renamed" {
		t.Fatalf("the list after the patch: %s", l.Body)
	}
	read("/sets/"+sid+"/jwt", support.JWT(), 200, "")
	e.Do("PATCH", "/sets/"+sid+"/key", map[string]any{"notes": "by support"}, support.KeyAuth()).Expect(t, 200, "")
	if g := e.Do("GET", "/sets/"+sid+"/jwt", nil, owner.JWT()).Expect(t, 200, ""); g.Str("set.notes") != "by support" {
		t.Fatalf("after support's patch: %s", g.Body)
	}

	// The public flag: the document and another user's clone follow it.
	read("/sets/"+sid+".json", apitest.None, 404, "notFound")
	e.Do("POST", "/sets/"+sid+"/clone/jwt", nil, other.JWT()).Expect(t, 403, "insufficientAccessLevel")
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"public": true}, owner.JWT()).Expect(t, 200, "")
	if d := e.Do("GET", "/sets/"+sid+".json", nil, apitest.None).Expect(t, 200, ""); d.Str("name") != "Renamed" {
		t.Fatalf("public document: %s", d.Body)
	}
	read("/sets/"+sid+".yaml", apitest.None, 200, "")
	// The owner's level decides, not the cached row: another user still
	// may not read it by id (only its document), nor change it.
	read("/sets/"+sid+"/jwt", other.JWT(), 403, "insufficientAccessLevel")
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"name": "x"}, other.JWT()).Expect(t, 403, "insufficientAccessLevel")

	// Create and clone reach the lists.
	count(other, 0)
	count(other, 0)
	e.Do("POST", "/sets/"+sid+"/clone/key", nil, other.KeyAuth()).Expect(t, 201, "")
	count(other, 1)
	e.Do("POST", "/sets/jwt", map[string]any{"name": "Second"}, other.JWT()).Expect(t, 201, "")
	count(other, 2)
	cs := e.Do("POST", "/curated-sets/jwt", map[string]any{"nameEn": "Curated", "published": true, "measies": map[string]any{"chest": 900}}, cur.JWT()).Expect(t, 201, "")
	e.Do("POST", fmt.Sprintf("/curated-sets/%d/clone/jwt", int64(cs.Num("curatedSet.id"))), map[string]any{"language": "en"}, other.JWT()).Expect(t, 201, "")
	count(other, 3)

	// Private again: the document is gone at once.
	read("/sets/"+sid+".json", apitest.None, 200, "")
	e.Do("PATCH", "/sets/"+sid+"/key", map[string]any{"public": false}, owner.KeyAuth()).Expect(t, 200, "")
	e.Do("GET", "/sets/"+sid+".json", nil, apitest.None).Expect(t, 404, "notFound")

	// Delete: by id and in the list.
	d := e.Do("POST", "/sets/key", map[string]any{"name": "Doomed"}, owner.KeyAuth()).Expect(t, 201, "")
	did := dataID(d.Num("set.id"))
	read("/sets/"+did+"/key", owner.KeyAuth(), 200, "")
	count(owner, 2)
	e.Do("DELETE", "/sets/"+did+"/jwt", nil, owner.JWT()).Expect(t, 204, "")
	e.Do("GET", "/sets/"+did+"/key", nil, owner.KeyAuth()).Expect(t, 404, "notFound")
	count(owner, 1)

	// The owner's deletion (DELETE /account): the public set goes with it.
	e.Do("PATCH", "/sets/"+sid+"/jwt", map[string]any{"public": true}, owner.JWT()).Expect(t, 200, "")
	read("/sets/"+sid+".json", apitest.None, 200, "")
	read("/sets/"+sid+"/jwt", support.JWT(), 200, "")
	e.Do("DELETE", "/account/jwt", nil, owner.JWT()).Expect(t, 200, "")
	e.Do("GET", "/sets/"+sid+".json", nil, apitest.None).Expect(t, 404, "notFound")
	e.Do("GET", "/sets/"+sid+"/jwt", nil, support.JWT()).Expect(t, 404, "notFound")
}

// Another process on the same SQLite file (a second store.DB, as a
// `bobbin ...` command opens) deletes an account, or changes a set, while
// the server serves them from its cache: the next request sees it.
func TestSetCacheSeesAnotherProcess(t *testing.T) {
	t.Parallel()
	e := cachedEnv(t)
	ctx := context.Background()
	u := e.NewUser("user")
	r := e.Do("POST", "/sets/jwt", map[string]any{"name": "Shared", "public": true}, u.JWT()).Expect(t, 201, "")
	sid, id := dataID(r.Num("set.id")), int64(r.Num("set.id"))
	for range 2 {
		e.Do("GET", "/sets/"+sid+".json", nil, apitest.None).Expect(t, 200, "")
		e.Do("GET", "/sets/jwt", nil, u.JWT()).Expect(t, 200, "")
	}
	other, err := store.Open(ctx, e.App.Config.DBURL, e.App.DB.Vault())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = other.Write(ctx, func(tx *store.Tx) error {
		s, err := tx.Sets().ByIDLocked(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.Sets().Open(s); err != nil {
			return err
		}
		s.Name = "Changed elsewhere"
		return tx.Sets().Save(ctx, s)
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := e.Do("GET", "/sets/"+sid+".json", nil, apitest.None).Expect(t, 200, ""); d.Str("name") != "Changed elsewhere" {
		t.Fatalf("after another process's save: %s", d.Body)
	}
	if l := e.Do("GET", "/sets/jwt", nil, u.JWT()).Expect(t, 200, ""); l.Str("sets.0.name") != "Changed elsewhere" {
		t.Fatalf("the list after another process's save: %s", l.Body)
	}
	if err := other.Write(ctx, func(tx *store.Tx) error { return tx.Users().DeleteAccount(ctx, u.ID, "") }); err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/sets/"+sid+".json", nil, apitest.None).Expect(t, 404, "notFound")
}
