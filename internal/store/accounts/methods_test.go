package accounts

import (
	"context"
	"testing"
)

// The sign-in methods GET /account shows are cached with the user; every
// write of links and passkeys (create, use, delete) is seen by the next
// read, and a caller changing what it got changes nothing cached.
func TestCachedSigninMethodsFollowEveryWrite(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u := newUser(t, db, "methods")
	want := func(step string, links, passkeys int, email string, used int64) {
		t.Helper()
		for i := 0; i < 2; i++ { // the second read is the cached one
			got, n, err := db.Identities().SigninMethods(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != links || n != passkeys || (links > 0 && (got[0].Email != email || got[0].LastUsedAt != used)) {
				t.Fatalf("%s (read %d): %d links %+v, %d passkeys; want %d links (%s, used %d), %d passkeys", step, i+1, len(got), got, n, links, email, used, passkeys)
			}
			if links > 0 {
				got[0].Email = "changed by the caller"
			}
		}
	}
	write := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := db.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	want("none yet", 0, 0, "", 0)
	it := &Identity{UserID: u.ID, Provider: "github", Subject: "s-1", Email: "a@example.com", CreatedAt: 1, LastUsedAt: 1}
	write(func(tx *Tx) error { return tx.Identities().Create(ctx, it) })
	want("linked", 1, 0, "a@example.com", 1)
	write(func(tx *Tx) error { return tx.Identities().Used(ctx, it.ID, "b@example.com", 2) })
	want("used", 1, 0, "b@example.com", 2)
	p := &Passkey{UserID: u.ID, CredentialID: "c-1", UserHandle: "h", Name: "Laptop", Credential: "{}", CreatedAt: 3, LastUsedAt: 3}
	write(func(tx *Tx) error { return tx.Passkeys().Create(ctx, p) })
	want("passkey added", 1, 1, "b@example.com", 2)
	write(func(tx *Tx) error { return tx.Passkeys().Delete(ctx, u.ID, p.ID) })
	want("passkey deleted", 1, 0, "b@example.com", 2)
	write(func(tx *Tx) error { return tx.Identities().Delete(ctx, u.ID, "github") })
	want("unlinked", 0, 0, "", 0)
}
