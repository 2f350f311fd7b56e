package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"bobbin/internal/app"
	"bobbin/internal/store"
)

// seedQueue writes a queued and a failed mail into a migrated database in dir.
func seedQueue(t *testing.T, env map[string]string) {
	t.Helper()
	cfg, err := loadConfig(newRoot(func(k string) string { return env[k] }, nil, nil), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{NoMailWorker: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	db := a.DB
	now := time.Now().UnixMilli()
	ctx := context.Background()
	for _, to := range []string{"queued@example.com", "failed@example.org"} {
		m := &store.QueuedMail{Kind: "signup", To: to, Body: "{}", NextAt: now + 3600_000, CreatedAt: now}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.Mail().Enqueue(ctx, m) }); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(to, "failed") {
			if err := db.Mail().Fail(ctx, m.ID, 7, "mail: smtp connect (temporary): connection refused"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestMailListAndRetry(t *testing.T) {
	env := map[string]string{"BACKEND_DATA_DIR": t.TempDir(), "BACKEND_LOG_FORMAT": "json"}
	seedQueue(t, env)
	out, err := runCmd(t, env, "mail", "list")
	if err != nil || !strings.Contains(out, "2 mail(s)") || !strings.Contains(out, "q***@example.com") ||
		!strings.Contains(out, "f***@example.org") || strings.Contains(out, "queued@example.com") ||
		!strings.Contains(out, "connection refused") {
		t.Fatalf("mail list: %v\n%s", err, out)
	}
	out, err = runCmd(t, env, "mail", "list", "--status", "failed")
	if err != nil || !strings.Contains(out, "1 mail(s)") || !strings.Contains(out, "f***@example.org") || strings.Contains(out, "q***") {
		t.Fatalf("mail list --status failed: %v\n%s", err, out)
	}
	out, err = runCmd(t, env, "mail", "retry")
	if err != nil || !strings.Contains(out, "1 mail(s) queued again") {
		t.Fatalf("mail retry: %v\n%s", err, out)
	}
	out, err = runCmd(t, env, "mail", "list", "--status", "failed")
	if err != nil || !strings.Contains(out, "0 mail(s)") {
		t.Fatalf("after retry: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"mail", "retry", "abc"}, {"mail", "retry", "-2"}, {"mail", "list", "--status", "sent"}, {"mail"}} {
		if code, _, _ := runCode(t, env, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, out, _ := runCode(t, env, "mail", "retry", "--help"); code != 0 || !strings.Contains(out, "retry [ID...]") {
		t.Errorf("mail retry --help: %d\n%s", code, out)
	}
}
