package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bobbin/internal/fsimport"
)

func TestImportFreesewingCommand(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(t.TempDir(), "db.sqlite")
	const key = "an upstream key for the command test"
	up, err := fsimport.CreateUpstream(from, key)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := fsimport.HashV3("pw")
	if err := up.Insert("User", map[string]any{"id": 3, "username": "u3", "lusername": "u3", "email": up.Enc("u3@example.com"),
		"initial": up.Enc("u3@example.com"), "ehash": "x", "ihash": "x", "password": pw, "status": 1, "consent": 1}); err != nil {
		t.Fatal(err)
	}
	up.Close()
	env := map[string]string{"BACKEND_DATA_DIR": dir, "BACKEND_LOG_FORMAT": "json"}

	// A dry run on a data dir with nothing in it creates nothing.
	out, err := runCmd(t, env, "import", "freesewing", "--from", from, "--enc-key", key, "--dry-run")
	if err != nil || !strings.Contains(out, "dry run, nothing written") || !strings.Contains(out, "counted as if it were empty") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("dry run created %v", entries)
	}
	// The wrong key: one clear line, nothing written.
	if _, err := runCmd(t, env, "import", "freesewing", "--from", from, "--enc-key", "wrong"); err == nil ||
		!strings.Contains(err.Error(), "--enc-key") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("wrong key: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a wrong key created %v", entries)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte(key+"\n"), 0o600)
	out, err = runCmd(t, env, "import", "freesewing", "--from="+from, "--enc-key-file", keyFile, "--progress", "lines")
	if err != nil || !strings.Contains(out, "users: 1 rows upstream") || !strings.Contains(out, "imported:") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = runCmd(t, env, "import", "freesewing", "--from", from, "--enc-key", key)
	if err != nil || !strings.Contains(out, "nothing new or changed upstream") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"import"}, {"import", "mongodb"}, {"import", "freesewing", "--from", from}, {"import", "freesewing", "--enc-key", key}} {
		if _, err := runCmd(t, env, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
