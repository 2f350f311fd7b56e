package accounts

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"bobbin/internal/vault"
)

func TestAuditLaterIsReadAndNeverLost(t *testing.T) {
	ctx := context.Background()
	v, err := vault.New(strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	url := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	db, err := Open(ctx, url, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := &User{Username: "later", Email: "later@example.com", Language: "en", Role: "user", Status: 1}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.Users().Create(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	// Read right after: the pending events are part of the answer.
	for i := 0; i < 20; i++ {
		db.Audit().AddLater(AuditEvent{UserID: u.ID, Event: "signin.failed"}, func(err error) { t.Error(err) })
		ev, err := db.Audit().ByUser(ctx, u.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != i+1 {
			t.Fatalf("after %d events AuditByUser saw %d", i+1, len(ev))
		}
	}
	// Close right after: nothing is lost.
	for i := 0; i < 50; i++ {
		db.Audit().AddLater(AuditEvent{UserID: u.ID, Event: "signin.failed"}, func(err error) { t.Error(err) })
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, url, v)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ev, err := db.Audit().ByUser(ctx, u.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 70 {
		t.Fatalf("%d events after close and reopen, want 70", len(ev))
	}
	// A write that fails is reported, not lost silently.
	errs := make(chan error, 1)
	db.Audit().AddLater(AuditEvent{UserID: 999999, Event: "x"}, func(err error) { errs <- err })
	if err := <-errs; err == nil {
		t.Fatal("no error for an event of a user that does not exist")
	}
}
