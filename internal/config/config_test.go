package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, rest, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr() != "127.0.0.1:3000" || c.URL != "http://localhost:3000" || c.WebsiteURL != c.URL ||
		c.DBURL != "sqlite:"+filepath.Join("data", "bobbin.db") || c.JWTExpiry != 7*24*time.Hour || c.TestMode() ||
		c.SigninFailsPerAccount != 10 || c.SigninFailsPerAddress != 100 || c.MailsPerRecipient != 5 || len(rest) != 0 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsWinOverEnv(t *testing.T) {
	c, _, err := Load([]string{"--port", "4000", "--jwt-expiry=12h"}, env(map[string]string{"BACKEND_PORT": "5000", "BACKEND_JWT_EXPIRY": "1d"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 4000 || c.JWTExpiry != 12*time.Hour || c.URL != "http://localhost:4000" {
		t.Fatalf("%+v", c)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"BACKEND_PORT":            {"BACKEND_PORT": "70000"},
		"BACKEND_URL":             {"BACKEND_URL": "ftp://x"},
		"BACKEND_ENC_KEY":         {"BACKEND_ENC_KEY": "short"},
		"BACKEND_JWT_EXPIRY":      {"BACKEND_JWT_EXPIRY": "forever"},
		"BACKEND_DB_URL":          {"BACKEND_DB_URL": "mysql://x"},
		"BACKEND_SMTP_URL":        {"BACKEND_SMTP_URL": "http://mail"},
		"BACKEND_ENABLE_TESTS":    {"BACKEND_ENABLE_TESTS": "true", "BACKEND_ENV": "production"},
		"BACKEND_ENV":             {"BACKEND_ENV": "staging"},
		"BACKEND_TRUSTED_PROXIES": {"BACKEND_TRUSTED_PROXIES": "not-an-ip"},
		"BACKEND_LOG_FORMAT":      {"BACKEND_LOG_FORMAT": "xml"},
		"BACKEND_MAIL":            {"BACKEND_MAIL": "smtp"},
		"BACKEND_TLS_KEY":         {"BACKEND_TLS_CERT": "c.pem"},
		"BACKEND_TLS_CERT":        {"BACKEND_TLS_KEY": "k.pem"},
		"BACKEND_TLS_DOMAINS":     {"BACKEND_TLS_DOMAINS": "localhost"},
		"BACKEND_HTTP_PORT":       {"BACKEND_HTTP_PORT": "80"},
		"BACKEND_ACME_URL":        {"BACKEND_ACME_URL": "http://acme.example/dir"},
		"BACKEND_TLS_CACHE":       {"BACKEND_TLS_DOMAINS": "a.example.com", "BACKEND_TLS_CACHE": "s3"},
		"BACKEND_METRICS_TOKEN":   {"BACKEND_METRICS_TOKEN": "short"},
		"BACKEND_MEMORY_LIMIT":    {"BACKEND_MEMORY_LIMIT": "96MB"},
	}
	for name, e := range cases {
		_, _, err := Load(nil, env(e))
		var ce *Error
		if !errors.As(err, &ce) || ce.Env != name || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%s: got %v", name, err)
		}
		if name == "BACKEND_ENC_KEY" && strings.Contains(err.Error(), "short") && strings.Contains(err.Error(), `"short"`) {
			t.Fatal("the key value was echoed")
		}
	}
}

func TestProductionMail(t *testing.T) {
	_, _, err := Load(nil, env(map[string]string{"BACKEND_ENV": "production"}))
	var ce *Error
	if !errors.As(err, &ce) || ce.Env != "BACKEND_SMTP_URL" || !strings.Contains(err.Error(), "BACKEND_MAIL=outbox") {
		t.Fatalf("production without SMTP: %v", err)
	}
	if _, _, err := Load(nil, env(map[string]string{"BACKEND_ENV": "production", "BACKEND_MAIL": "outbox"})); err != nil {
		t.Fatalf("outbox said on purpose: %v", err)
	}
	if _, _, err := Load(nil, env(map[string]string{"BACKEND_ENV": "production", "BACKEND_SMTP_URL": "smtp://mail.example"})); err != nil {
		t.Fatalf("with SMTP: %v", err)
	}
	if _, _, err := Load(nil, env(map[string]string{"BACKEND_MAIL": "outbox", "BACKEND_SMTP_URL": "smtp://mail.example"})); err == nil {
		t.Fatal("outbox and SMTP both said")
	}
}

func TestTLSSettings(t *testing.T) {
	c, _, err := Load(nil, env(map[string]string{"BACKEND_TLS_DOMAINS": "API.example.com, www.example.com", "BACKEND_PORT": "443", "BACKEND_HTTP_PORT": "80"}))
	if err != nil || !c.TLS() || len(c.TLSDomains) != 2 || c.TLSDomains[0] != "api.example.com" || c.URL != "https://api.example.com" || c.HTTPPort != 80 ||
		c.ACMEURL != "https://acme-v02.api.letsencrypt.org/directory" {
		t.Fatalf("%+v %v", c, err)
	}
	c, _, err = Load(nil, env(map[string]string{"BACKEND_TLS_CERT": "c.pem", "BACKEND_TLS_KEY": "k.pem"}))
	if err != nil || c.URL != "https://localhost:3000" {
		t.Fatalf("files: %+v %v", c, err)
	}
	if _, _, err := Load(nil, env(map[string]string{"BACKEND_TLS_CERT": "c.pem", "BACKEND_TLS_KEY": "k.pem", "BACKEND_HTTP_PORT": "3000"})); err == nil {
		t.Fatal("HTTP port equal to the HTTPS port accepted")
	}
	if _, _, err := Load(nil, env(map[string]string{"BACKEND_TLS_CERT": "c.pem", "BACKEND_TLS_KEY": "k.pem", "BACKEND_TLS_DOMAINS": "a.example.com"})); err == nil {
		t.Fatal("files and ACME both accepted")
	}
}

// TestTLSCache: the ACME cache is the database on PostgreSQL (replicas
// share it, not a disk) and the data dir on SQLite, unless
// BACKEND_TLS_CACHE says; it means nothing without ACME, so it is refused.
func TestTLSCache(t *testing.T) {
	const pg = "postgres://bobbin@db.example:5432/bobbin?sslmode=verify-full"
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"BACKEND_TLS_DOMAINS": "a.example.com"}, "dir"},
		{map[string]string{"BACKEND_TLS_DOMAINS": "a.example.com", "BACKEND_DB_URL": pg}, "db"},
		{map[string]string{"BACKEND_TLS_DOMAINS": "a.example.com", "BACKEND_DB_URL": pg, "BACKEND_TLS_CACHE": "dir"}, "dir"},
		{map[string]string{"BACKEND_TLS_DOMAINS": "a.example.com", "BACKEND_TLS_CACHE": "db"}, "db"},
		{map[string]string{"BACKEND_TLS_CERT": "c.pem", "BACKEND_TLS_KEY": "k.pem"}, ""},
		{nil, ""},
	} {
		cfg, _, err := Load(nil, env(c.env))
		if err != nil {
			t.Errorf("%v: %v", c.env, err)
		} else if cfg.TLSCache != c.want {
			t.Errorf("%v: TLSCache %q, want %q", c.env, cfg.TLSCache, c.want)
		}
	}
	cfg, _, err := Load([]string{"--tls-cache", "db"}, env(map[string]string{"BACKEND_TLS_DOMAINS": "a.example.com", "BACKEND_TLS_CACHE": "dir"}))
	if err != nil || cfg.TLSCache != "db" {
		t.Errorf("the flag: %+v, %v", cfg, err)
	}
	for _, e := range []map[string]string{
		{"BACKEND_TLS_CACHE": "db"},
		{"BACKEND_TLS_CERT": "c.pem", "BACKEND_TLS_KEY": "k.pem", "BACKEND_TLS_CACHE": "dir"},
	} {
		_, _, err := Load(nil, env(e))
		var ce *Error
		if !errors.As(err, &ce) || ce.Env != "BACKEND_TLS_CACHE" || !strings.Contains(err.Error(), "BACKEND_TLS_DOMAINS") {
			t.Errorf("%v: %v", e, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "12h": 12 * time.Hour, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "30s": 30 * time.Second} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Fatalf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "0d", "-1h", "d", "7x"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1048576": 1 << 20, "512KiB": 512 << 10, "96MiB": 96 << 20, " 2GiB ": 2 << 30, "10B": 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "96MB", "1.5GiB", "MiB", "2000000000GiB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	c, _, err := Load([]string{"--memory-limit", "0"}, env(nil))
	if err != nil || c.MemoryLimit != 0 {
		t.Fatalf("--memory-limit 0: %d %v", c.MemoryLimit, err)
	}
	if c, _, err := Load(nil, env(nil)); err != nil || c.MemoryLimit != 72<<20 {
		t.Fatalf("default memory limit: %d %v", c.MemoryLimit, err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, _, err := Load(nil, env(map[string]string{"BACKEND_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1,::1"}))
	if err != nil || len(c.TrustedProxies) != 3 || c.TrustedProxies[1].Bits() != 32 {
		t.Fatalf("%v %v", c.TrustedProxies, err)
	}
}

func TestEnsureSecretsPersistsAndRefusesGeneratedKeyInProduction(t *testing.T) {
	dir := t.TempDir()
	c, _, _ := Load(nil, env(map[string]string{"BACKEND_DATA_DIR": dir}))
	rnd := func(b []byte) error {
		for i := range b {
			b[i] = byte(i)
		}
		return nil
	}
	if err := c.EnsureSecrets(rnd); err != nil {
		t.Fatal(err)
	}
	if len(c.EncKey) != 64 || c.Instance == "" || !c.GeneratedKey {
		t.Fatalf("%q %q", c.EncKey, c.Instance)
	}
	st, err := os.Stat(filepath.Join(dir, "enc.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	c2, _, _ := Load(nil, env(map[string]string{"BACKEND_DATA_DIR": dir}))
	if err := c2.EnsureSecrets(func([]byte) error { return errors.New("must not generate again") }); err != nil || c2.EncKey != c.EncKey || c2.Instance != c.Instance {
		t.Fatalf("not persisted: %v", err)
	}
	prodDir := filepath.Join(t.TempDir(), "data")
	p, _, _ := Load(nil, env(map[string]string{"BACKEND_DATA_DIR": prodDir, "BACKEND_ENV": "production", "BACKEND_MAIL": "outbox"}))
	if err := p.EnsureSecrets(rnd); err == nil || !strings.Contains(err.Error(), "BACKEND_ENC_KEY") {
		t.Fatalf("production with a generated key: %v", err)
	}
	if _, err := os.Stat(prodDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused start made its data dir: %v", err)
	}
}

// readmeTable is the README's configuration table: for each variable, its
// flag and default columns (without backquotes; "—" for none).
func readmeTable(t *testing.T) map[string][2]string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string][2]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`BACKEND_") {
			continue
		}
		unquote := func(c string) string { return strings.Trim(strings.TrimSpace(c), "`") }
		env := unquote(cells[1])
		if _, dup := rows[env]; dup {
			t.Errorf("README.md lists %s twice", env)
		}
		rows[env] = [2]string{unquote(cells[2]), unquote(cells[3])}
	}
	return rows
}

// TestREADMEListsEverySetting keeps the README's configuration table in
// step with the settings table: one row per setting, with its flag and
// its default, and no row for a setting that does not exist.
func TestREADMEListsEverySetting(t *testing.T) {
	rows := readmeTable(t)
	known := map[string]bool{}
	for _, s := range settings() {
		known[s.env] = true
		row, ok := rows[s.env]
		if !ok {
			t.Errorf("README.md's configuration table has no row for %s", s.env)
			continue
		}
		def := s.def
		if def == "" {
			def = "—"
		}
		if row != [2]string{"--" + s.flag, def} {
			t.Errorf("README.md: %s is listed as %q with default %q; the setting is --%s, default %q", s.env, row[0], row[1], s.flag, def)
		}
	}
	for env := range rows {
		if !known[env] {
			t.Errorf("README.md lists %s, which is no setting", env)
		}
	}
}

// specSettings are the variables run.md and auth.md name, with the
// defaults they fix (empty: none given, or one computed from other
// settings, which TestDefaults checks).
var specSettings = map[string]string{
	"BACKEND_HOST": "127.0.0.1", "BACKEND_PORT": "3000", "BACKEND_URL": "", "BACKEND_DATA_DIR": "./data",
	"BACKEND_DB_URL": "", "BACKEND_ENC_KEY": "", "BACKEND_INSTANCE": "", "BACKEND_JWT_EXPIRY": "7d",
	"BACKEND_WEBSITE_URL": "", "BACKEND_SMTP_URL": "", "BACKEND_ENABLE_TESTS": "false", "BACKEND_ENV": "development",
	"BACKEND_LOG_FORMAT": "", "BACKEND_TLS_CERT": "", "BACKEND_TLS_KEY": "", "BACKEND_TLS_DOMAINS": "",
	"BACKEND_ACME_URL": "https://acme-v02.api.letsencrypt.org/directory", "BACKEND_HTTP_PORT": "", "BACKEND_MAIL": "",
	"BACKEND_METRICS_ADDR": "", "BACKEND_METRICS_TOKEN": "", "BACKEND_TRUSTED_PROXIES": "", "BACKEND_OPERATOR_EMAIL": "",
}

// TestSpecSettingsExist: every variable of the contract is a setting under
// its name, with the contract's default, and a flag. When the contract
// itself is beside the repository (../shared/spec, as in CI), every
// BACKEND_ name it mentions is in specSettings (or is the OIDC family).
func TestSpecSettingsExist(t *testing.T) {
	byEnv := map[string]setting{}
	for _, s := range settings() {
		byEnv[s.env] = s
	}
	for env, def := range specSettings {
		s, ok := byEnv[env]
		if !ok {
			t.Errorf("%s (run.md) is no setting", env)
			continue
		}
		if s.flag == "" || (def != "" && s.def != def) {
			t.Errorf("%s: flag %q, default %q; run.md says %q", env, s.flag, s.def, def)
		}
	}
	name := regexp.MustCompile(`BACKEND_[A-Z_]*[A-Z]`)
	for _, f := range []string{"run.md", "auth.md", "api.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "spec", f))
		if err != nil {
			t.Logf("the contract is not beside the repository (%v): checked the names above only", err)
			return
		}
		for _, env := range name.FindAllString(string(b), -1) {
			if _, ok := specSettings[env]; !ok && !strings.HasPrefix(env, "BACKEND_OIDC") {
				t.Errorf("%s names %s: add it to specSettings (and the settings)", f, env)
			}
		}
	}
}
