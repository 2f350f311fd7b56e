// Package config reads Bobbin's settings from environment variables and
// command-line flags. Every setting has both; a flag wins over the variable.
// Load is pure (it touches no file); EnsureSecrets creates the data folder
// and the persisted secrets on first start.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting. Zero values are never used: Load fills defaults.
type Config struct {
	Host            string
	Port            int
	URL             string // public base URL, no trailing slash
	DataDir         string
	DBURL           string // "sqlite:<path>" or "postgres://..."
	EncKey          string // root secret; derived keys come from it
	Instance        string
	JWTExpiry       time.Duration
	JWTAlg          string // HS256 | EdDSA
	JWTKeyVersion   int    // EdDSA: the current key's version; the previous one still verifies
	WebsiteURL      string
	SMTPURL         string
	Mail            string // "" (SMTP when BACKEND_SMTP_URL is set, else the outbox) or "outbox" (said on purpose)
	MailFrom        string
	EnableTests     bool
	Env             string // development | production
	LogFormat       string // text | json
	TrustedProxies  []netip.Prefix
	CORSOrigins     []string // "*" or exact origins; empty: no CORS headers
	ShutdownTimeout time.Duration
	MetricsAddr     string   // empty: /metrics on the main listener
	HTTPPort        int      // plain-HTTP listener beside HTTPS (ACME HTTP-01, redirects); 0: none
	TLSCert         string   // PEM certificate file (with TLSKey)
	TLSKey          string   // PEM key file
	TLSDomains      []string // ACME: the names to get certificates for
	ACMEURL         string   // ACME directory
	ACMEEmail       string   // ACME account contact
	TLSCache        string   // ACME: where certificates are kept, "dir" (<data dir>/acme) or "db"; default db on PostgreSQL, dir on SQLite
	MetricsToken    string   // bearer token /metrics asks for; empty: none (and, in production, no /metrics on the main listener)

	// HTTP server timeouts (slow clients are cut at these).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration

	HashConcurrency int // Argon2id hashes running at once
	HashWait        time.Duration
	MemoryLimit     int64 // bytes: the Go runtime's soft memory limit unless GOMEMLIMIT is set; 0: none

	ThrottleWindow        time.Duration
	SigninFailsPerAccount int
	SigninFailsPerAddress int
	KeyFailsPerKey        int
	KeyFailsPerAddress    int
	MailWindow            time.Duration
	MailRetryWindow       time.Duration // how long a mail is retried before it is marked failed
	MailRetryDelay        time.Duration // the first retry's delay; each next one doubles (at most an hour)
	MailsPerRecipient     int
	MailsPerAddress       int

	SigninLinkTTL  time.Duration
	AuditRetention time.Duration
	FlushInterval  time.Duration // activity counters

	Site   // site.go
	Signin // signin.go
	DB     // db.go

	// Set by EnsureSecrets when a secret was generated rather than given.
	GeneratedKey bool
}

// Production reports whether BACKEND_ENV is production.
func (c *Config) Production() bool { return c.Env == "production" }

// TestMode reports whether test requests are honoured.
func (c *Config) TestMode() bool { return c.EnableTests && !c.Production() }

// TLS reports whether Bobbin serves HTTPS itself (certificate files or ACME).
func (c *Config) TLS() bool { return c.TLSCert != "" || len(c.TLSDomains) > 0 }

// Addr is the listen address.
func (c *Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// Audience is the token audience: <URL>/<instance>.
func (c *Config) Audience() string { return c.URL + "/" + c.Instance }

// IsPostgres reports whether the database URL selects PostgreSQL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.DBURL, "postgres://") || strings.HasPrefix(c.DBURL, "postgresql://")
}

// SQLitePath is the file path of an sqlite: database URL.
func (c *Config) SQLitePath() string { return strings.TrimPrefix(c.DBURL, "sqlite:") }

// setting is one row of the table: an env variable, its flag, default and parser.
type setting struct {
	env, flag, def, help string
	set                  func(c *Config, v string) error
}

func settings() []setting {
	return append(append(append(coreSettings(), siteSettings()...), signinSettings()...), dbSettings()...)
}

func coreSettings() []setting {
	return []setting{
		{"BACKEND_HOST", "host", "127.0.0.1", "address to listen on", func(c *Config, v string) error {
			if v == "" {
				return errors.New("must not be empty")
			}
			c.Host = v
			return nil
		}},
		{"BACKEND_PORT", "port", "3000", "port to listen on", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return errors.New("must be a port number from 1 to 65535")
			}
			c.Port = n
			return nil
		}},
		{"BACKEND_URL", "url", "", "public base URL (default http://localhost:<port>)", func(c *Config, v string) error {
			c.URL = v
			return nil
		}},
		{"BACKEND_DATA_DIR", "data-dir", "./data", "folder for the SQLite file, secrets, outbox and images", func(c *Config, v string) error {
			if v == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = v
			return nil
		}},
		{"BACKEND_DB_URL", "db-url", "", "sqlite:<path> or postgres://... (default: SQLite file in the data dir)", func(c *Config, v string) error {
			c.DBURL = v
			return nil
		}},
		{"BACKEND_ENC_KEY", "enc-key", "", "root secret, at least 32 characters (default: generated once in the data dir)", func(c *Config, v string) error {
			if v != "" && len(v) < 32 {
				return errors.New("is too short: it must be at least 32 characters")
			}
			c.EncKey = v
			return nil
		}},
		{"BACKEND_INSTANCE", "instance", "", "instance name, part of the token audience (default: generated once)", func(c *Config, v string) error {
			if strings.ContainsAny(v, "/ \t\n") {
				return errors.New("must not contain '/' or spaces")
			}
			c.Instance = v
			return nil
		}},
		{"BACKEND_JWT_EXPIRY", "jwt-expiry", "7d", "sign-in token lifetime (90m, 12h, 7d)", durationSetter(func(c *Config) *time.Duration { return &c.JWTExpiry })},
		{"BACKEND_JWT_ALG", "jwt-alg", "HS256", "sign-in token algorithm: HS256 or EdDSA (Ed25519, published at /jwks.json)", func(c *Config, v string) error {
			if v != "HS256" && v != "EdDSA" {
				return errors.New("must be HS256 or EdDSA")
			}
			c.JWTAlg = v
			return nil
		}},
		{"BACKEND_JWT_KEY_VERSION", "jwt-key-version", "1", "EdDSA key version; raise by one to rotate (tokens of the previous version stay valid)", intSetter(func(c *Config) *int { return &c.JWTKeyVersion }, 1)},
		{"BACKEND_WEBSITE_URL", "website-url", "", "base of links in mails (default BACKEND_URL)", func(c *Config, v string) error {
			c.WebsiteURL = v
			return nil
		}},
		{"BACKEND_SMTP_URL", "smtp-url", "", "smtp://user:pass@host:port (STARTTLS required; ?starttls=opportunistic or ?starttls=none to relax) or smtps:// (TLS from the first byte); unset writes mail to <data dir>/outbox", func(c *Config, v string) error {
			if v == "" {
				c.SMTPURL = ""
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
				return errors.New("must be an smtp:// or smtps:// URL with a host")
			}
			c.SMTPURL = v
			return nil
		}},
		{"BACKEND_MAIL", "mail", "", "outbox: write every mail to <data dir>/outbox even in production (said on purpose); empty: SMTP when BACKEND_SMTP_URL is set, else the outbox", func(c *Config, v string) error {
			if v != "" && v != "outbox" {
				return errors.New("must be outbox or empty")
			}
			c.Mail = v
			return nil
		}},
		{"BACKEND_MAIL_FROM", "mail-from", "Bobbin <noreply@localhost>", "sender of mails", func(c *Config, v string) error {
			c.MailFrom = v
			return nil
		}},
		{"BACKEND_TLS_CERT", "tls-cert", "", "PEM certificate file (chain) to serve HTTPS with; read again when it changes", func(c *Config, v string) error {
			c.TLSCert = v
			return nil
		}},
		{"BACKEND_TLS_KEY", "tls-key", "", "PEM private key file of BACKEND_TLS_CERT", func(c *Config, v string) error {
			c.TLSKey = v
			return nil
		}},
		{"BACKEND_TLS_DOMAINS", "tls-domains", "", "comma-separated names to get HTTPS certificates for by ACME, kept where BACKEND_TLS_CACHE says", func(c *Config, v string) error {
			c.TLSDomains = nil
			for _, d := range strings.Split(v, ",") {
				d = strings.ToLower(strings.TrimSpace(d))
				if d == "" {
					continue
				}
				if !validDomain(d) {
					return fmt.Errorf("%q is not a domain name such as api.example.com", d)
				}
				c.TLSDomains = append(c.TLSDomains, d)
			}
			return nil
		}},
		{"BACKEND_TLS_CACHE", "tls-cache", "", "with BACKEND_TLS_DOMAINS: where the ACME account and certificates are kept, dir (<data dir>/acme) or db (the database, shared by replicas, encrypted); default db on PostgreSQL, dir on SQLite", func(c *Config, v string) error {
			if v != "" && v != "dir" && v != "db" {
				return errors.New("must be dir or db")
			}
			c.TLSCache = v
			return nil
		}},
		{"BACKEND_ACME_URL", "acme-url", "https://acme-v02.api.letsencrypt.org/directory", "ACME directory of the certificate authority", func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return errors.New("must be an https:// URL")
			}
			c.ACMEURL = v
			return nil
		}},
		{"BACKEND_ACME_EMAIL", "acme-email", "", "contact address for the ACME account (expiry notices)", func(c *Config, v string) error {
			if v != "" && !strings.Contains(v, "@") {
				return errors.New("must be an email address")
			}
			c.ACMEEmail = v
			return nil
		}},
		{"BACKEND_HTTP_PORT", "http-port", "", "with HTTPS: plain-HTTP port that answers ACME HTTP-01 challenges and redirects the rest to HTTPS (80 in production)", func(c *Config, v string) error {
			if v == "" {
				c.HTTPPort = 0
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return errors.New("must be a port number from 1 to 65535")
			}
			c.HTTPPort = n
			return nil
		}},
		{"BACKEND_ENABLE_TESTS", "enable-tests", "false", "test mode (never in production)", boolSetter(func(c *Config) *bool { return &c.EnableTests })},
		{"BACKEND_ENV", "env", "development", "development or production", func(c *Config, v string) error {
			if v != "development" && v != "production" {
				return errors.New("must be development or production")
			}
			c.Env = v
			return nil
		}},
		{"BACKEND_LOG_FORMAT", "log-format", "", "text or json (default: text on a terminal, else json)", func(c *Config, v string) error {
			if v != "" && v != "text" && v != "json" {
				return errors.New("must be text or json")
			}
			c.LogFormat = v
			return nil
		}},
		{"BACKEND_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDRs whose X-Forwarded-For is believed", func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, part := range strings.Split(v, ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if !strings.Contains(part, "/") {
					a, err := netip.ParseAddr(part)
					if err != nil {
						return fmt.Errorf("%q is not an address or CIDR", part)
					}
					part = netip.PrefixFrom(a, a.BitLen()).String()
				}
				p, err := netip.ParsePrefix(part)
				if err != nil {
					return fmt.Errorf("%q is not an address or CIDR", part)
				}
				c.TrustedProxies = append(c.TrustedProxies, p.Masked())
			}
			return nil
		}},
		{"BACKEND_CORS_ORIGINS", "cors-origins", "*", "origins whose browsers may call the API: * (any, as upstream), a comma-separated list, or none", func(c *Config, v string) error {
			c.CORSOrigins = nil
			if strings.TrimSpace(v) == "none" {
				return nil
			}
			for _, o := range strings.Split(v, ",") {
				o = strings.TrimRight(strings.TrimSpace(o), "/")
				if o == "" {
					continue
				}
				if o != "*" {
					u, err := url.Parse(o)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
						return fmt.Errorf("%q is not an origin such as https://example.com", o)
					}
				}
				c.CORSOrigins = append(c.CORSOrigins, o)
			}
			return nil
		}},
		{"BACKEND_SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long requests in flight may finish on SIGTERM", durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{"BACKEND_READ_HEADER_TIMEOUT", "read-header-timeout", "5s", "how long a client may take to send the request headers", durationSetter(func(c *Config) *time.Duration { return &c.ReadHeaderTimeout })},
		{"BACKEND_READ_TIMEOUT", "read-timeout", "30s", "how long a client may take to send a whole request, body included", durationSetter(func(c *Config) *time.Duration { return &c.ReadTimeout })},
		{"BACKEND_WRITE_TIMEOUT", "write-timeout", "30s", "how long a request may take from the end of its headers to the end of the answer", durationSetter(func(c *Config) *time.Duration { return &c.WriteTimeout })},
		{"BACKEND_IDLE_TIMEOUT", "idle-timeout", "2m", "how long an idle keep-alive connection is kept", durationSetter(func(c *Config) *time.Duration { return &c.IdleTimeout })},
		{"BACKEND_METRICS_ADDR", "metrics-addr", "", "separate listen address for /metrics (default: on the main listener)", func(c *Config, v string) error {
			if v != "" {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return errors.New("must be host:port")
				}
			}
			c.MetricsAddr = v
			return nil
		}},
		{"BACKEND_METRICS_TOKEN", "metrics-token", "", "bearer token a scraper presents for /metrics (in production /metrics is only on BACKEND_METRICS_ADDR or behind this token)", func(c *Config, v string) error {
			if v != "" && len(v) < 16 {
				return errors.New("is too short: it must be at least 16 characters")
			}
			c.MetricsToken = v
			return nil
		}},
		{"BACKEND_HASH_CONCURRENCY", "hash-concurrency", "0", "password hashes running at once (0: one per CPU)", intSetter(func(c *Config) *int { return &c.HashConcurrency }, 0)},
		{"BACKEND_HASH_WAIT", "hash-wait", "2s", "how long a sign-in waits for a hashing slot before 503", durationSetter(func(c *Config) *time.Duration { return &c.HashWait })},
		{"BACKEND_MEMORY_LIMIT", "memory-limit", "72MiB", "soft memory limit of the process (the collector works harder near it, it is not a cap), e.g. 96MiB or 1GiB; 0: none; GOMEMLIMIT, when set, wins", func(c *Config, v string) error {
			n, err := ParseSize(v)
			c.MemoryLimit = n
			return err
		}},
		{"BACKEND_THROTTLE_WINDOW", "throttle-window", "15m", "window of the failed sign-in and failed key limits", durationSetter(func(c *Config) *time.Duration { return &c.ThrottleWindow })},
		{"BACKEND_SIGNIN_FAILS_PER_ACCOUNT", "signin-fails-per-account", "10", "failed sign-ins per account per window", intSetter(func(c *Config) *int { return &c.SigninFailsPerAccount }, 1)},
		{"BACKEND_SIGNIN_FAILS_PER_ADDRESS", "signin-fails-per-address", "100", "failed sign-ins per client address per window", intSetter(func(c *Config) *int { return &c.SigninFailsPerAddress }, 1)},
		{"BACKEND_KEY_FAILS_PER_KEY", "key-fails-per-key", "10", "no effect (kept so older configurations start): a right key and secret always pass, and wrong ones are limited per address", intSetter(func(c *Config) *int { return &c.KeyFailsPerKey }, 1)},
		{"BACKEND_KEY_FAILS_PER_ADDRESS", "key-fails-per-address", "100", "failed API-key authentications per client address per window", intSetter(func(c *Config) *int { return &c.KeyFailsPerAddress }, 1)},
		{"BACKEND_MAIL_WINDOW", "mail-window", "1h", "window of the mail limits", durationSetter(func(c *Config) *time.Duration { return &c.MailWindow })},
		{"BACKEND_MAIL_RETRY_WINDOW", "mail-retry-window", "24h", "how long a queued mail is retried (SMTP down or answering 4xx) before it is marked failed", durationSetter(func(c *Config) *time.Duration { return &c.MailRetryWindow })},
		{"BACKEND_MAIL_RETRY_DELAY", "mail-retry-delay", "30s", "delay before the first retry of a mail; each next one doubles, at most an hour", durationSetter(func(c *Config) *time.Duration { return &c.MailRetryDelay })},
		{"BACKEND_MAILS_PER_RECIPIENT", "mails-per-recipient", "5", "mails per recipient per mail window", intSetter(func(c *Config) *int { return &c.MailsPerRecipient }, 1)},
		{"BACKEND_MAILS_PER_ADDRESS", "mails-per-address", "100", "mail-sending requests per client address per mail window", intSetter(func(c *Config) *int { return &c.MailsPerAddress }, 1)},
		{"BACKEND_SIGNIN_LINK_TTL", "signin-link-ttl", "1h", "lifetime of a sign-in link", durationSetter(func(c *Config) *time.Duration { return &c.SigninLinkTTL })},
		{"BACKEND_AUDIT_RETENTION", "audit-retention", "90d", "how long security events are kept", durationSetter(func(c *Config) *time.Duration { return &c.AuditRetention })},
		{"BACKEND_FLUSH_INTERVAL", "flush-interval", "2s", "how often activity counters are written", durationSetter(func(c *Config) *time.Duration { return &c.FlushInterval })},
	}
}

func durationSetter(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := ParseDuration(v)
		if err != nil {
			return err
		}
		*field(c) = d
		return nil
	}
}

func intSetter(field func(*Config) *int, min int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("must be a whole number of at least %d", min)
		}
		*field(c) = n
		return nil
	}
}

func boolSetter(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			*field(c) = true
		case "", "0", "false", "no", "off":
			*field(c) = false
		default:
			return errors.New("must be true or false")
		}
		return nil
	}
}

// validDomain accepts a DNS name of at least two labels (what ACME issues
// for): letters, digits and hyphens, no leading or trailing hyphen.
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// ParseSize accepts a number of bytes with an optional binary unit: 0,
// 1048576, 512KiB, 96MiB, 2GiB.
func ParseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	unit := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(v, u.suffix); ok {
			v, unit = rest, u.n
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/unit {
		return 0, errors.New("must be a size such as 96MiB or 1GiB (0: none)")
	}
	return n * unit, nil
}

// ParseDuration accepts Go durations and a day suffix: 90m, 12h, 7d, 1d12h.
func ParseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	var days time.Duration
	if i := strings.Index(v, "d"); i > 0 {
		n, err := strconv.Atoi(v[:i])
		if err != nil || n < 0 || n > 36500 {
			return 0, errors.New("must be a duration such as 90m, 12h or 7d")
		}
		days = time.Duration(n) * 24 * time.Hour
		v = v[i+1:]
		if v == "" {
			if days == 0 {
				return 0, errors.New("must be longer than zero")
			}
			return days, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("must be a duration such as 90m, 12h or 7d")
	}
	d += days
	if d <= 0 {
		return 0, errors.New("must be longer than zero")
	}
	return d, nil
}

// Error names the setting that is wrong; its text is one line.
type Error struct {
	Env, Flag string
	Err       error
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s (--%s) %v", e.Env, e.Flag, e.Err)
}

// Load reads the settings from getenv and args (flags). It returns the
// remaining positional arguments. Unknown flags are an error.
func Load(args []string, getenv func(string) string) (*Config, []string, error) {
	table := settings()
	fs := flag.NewFlagSet("bobbin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := make(map[string]*string, len(table))
	for _, s := range table {
		flags[s.flag] = fs.String(s.flag, "", s.help+" (env "+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, fmt.Errorf("config: %v", err)
	}
	given := map[string]string{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = *flags[f.Name] })
	c, err := FromValues(given, getenv)
	if err != nil {
		return nil, nil, err
	}
	return c, fs.Args(), nil
}

// Setting describes one setting for a command line: its variable, its flag
// (without the dashes), its default and a one-line meaning.
type Setting struct{ Env, Flag, Default, Help string }

// Settings lists every setting, in the order of the README's table.
func Settings() []Setting {
	table := settings()
	out := make([]Setting, len(table))
	for i, s := range table {
		out[i] = Setting{Env: s.env, Flag: s.flag, Default: s.def, Help: s.help}
	}
	return out
}

// FromValues builds the config from the flags given on the command line
// (keyed by flag name, without dashes; a flag wins) and getenv.
func FromValues(given map[string]string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	for _, s := range settings() {
		v, ok := getenv(s.env), getenv(s.env) != ""
		if fv, isGiven := given[s.flag]; isGiven {
			v, ok = fv, true
		}
		if !ok {
			v = s.def
		}
		if err := s.set(c, v); err != nil {
			return nil, &Error{Env: s.env, Flag: s.flag, Err: err}
		}
	}
	if err := c.finish(getenv); err != nil {
		return nil, err
	}
	return c, nil
}

// finish fills the defaults that depend on other settings and checks the
// settings that depend on each other.
func (c *Config) finish(getenv func(string) string) error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		if c.TLSCert == "" {
			return &Error{Env: "BACKEND_TLS_CERT", Flag: "tls-cert", Err: errors.New("must be set with BACKEND_TLS_KEY")}
		}
		return &Error{Env: "BACKEND_TLS_KEY", Flag: "tls-key", Err: errors.New("must be set with BACKEND_TLS_CERT")}
	}
	if c.TLSCert != "" && len(c.TLSDomains) > 0 {
		return &Error{Env: "BACKEND_TLS_DOMAINS", Flag: "tls-domains", Err: errors.New("cannot be set with BACKEND_TLS_CERT (certificate files or ACME, not both)")}
	}
	if c.HTTPPort != 0 && !c.TLS() {
		return &Error{Env: "BACKEND_HTTP_PORT", Flag: "http-port", Err: errors.New("is only for HTTPS (set BACKEND_TLS_CERT or BACKEND_TLS_DOMAINS)")}
	}
	if c.HTTPPort != 0 && c.HTTPPort == c.Port {
		return &Error{Env: "BACKEND_HTTP_PORT", Flag: "http-port", Err: errors.New("must differ from BACKEND_PORT")}
	}
	if c.URL == "" && c.TLS() {
		host := "localhost"
		if len(c.TLSDomains) > 0 {
			host = c.TLSDomains[0]
		}
		c.URL = "https://" + host
		if c.Port != 443 {
			c.URL += ":" + strconv.Itoa(c.Port)
		}
	}
	if c.URL == "" {
		c.URL = "http://localhost:" + strconv.Itoa(c.Port)
	}
	c.URL = strings.TrimRight(c.URL, "/")
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{Env: "BACKEND_URL", Flag: "url", Err: errors.New("must be an http:// or https:// URL")}
	}
	if c.WebsiteURL == "" {
		c.WebsiteURL = c.URL
	}
	c.WebsiteURL = strings.TrimRight(c.WebsiteURL, "/")
	if u, err := url.Parse(c.WebsiteURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{Env: "BACKEND_WEBSITE_URL", Flag: "website-url", Err: errors.New("must be an http:// or https:// URL")}
	}
	if err := c.finishSite(); err != nil {
		return err
	}
	if err := c.finishSignin(getenv); err != nil {
		return err
	}
	if c.DBURL == "" {
		c.DBURL = "sqlite:" + filepath.Join(c.DataDir, "bobbin.db")
	}
	if !strings.HasPrefix(c.DBURL, "sqlite:") && !c.IsPostgres() {
		return &Error{Env: "BACKEND_DB_URL", Flag: "db-url", Err: errors.New("must start with sqlite: or postgres://")}
	}
	if c.IsPostgres() {
		if err := checkPostgresURL(c.DBURL); err != nil {
			return &Error{Env: "BACKEND_DB_URL", Flag: "db-url", Err: err}
		}
	}
	if c.TLSCache != "" && len(c.TLSDomains) == 0 {
		return &Error{Env: "BACKEND_TLS_CACHE", Flag: "tls-cache", Err: errors.New("is only for ACME (set BACKEND_TLS_DOMAINS)")}
	}
	if c.TLSCache == "" && len(c.TLSDomains) > 0 {
		c.TLSCache = "dir"
		if c.IsPostgres() {
			c.TLSCache = "db" // replicas share the database, not a disk
		}
	}
	if c.Production() && c.EnableTests {
		return &Error{Env: "BACKEND_ENABLE_TESTS", Flag: "enable-tests", Err: errors.New("cannot be on when BACKEND_ENV is production")}
	}
	if c.Mail == "outbox" && c.SMTPURL != "" {
		return &Error{Env: "BACKEND_MAIL", Flag: "mail", Err: errors.New("is outbox but BACKEND_SMTP_URL is set too: say one")}
	}
	if c.Production() && c.SMTPURL == "" && c.Mail != "outbox" {
		return &Error{Env: "BACKEND_SMTP_URL", Flag: "smtp-url", Err: errors.New("must be set in production (or say BACKEND_MAIL=outbox to keep mail in files on purpose)")}
	}
	return nil
}

// Usage writes the table of settings.
func Usage(w io.Writer) {
	for _, s := range settings() {
		fmt.Fprintf(w, "  --%-26s %-32s %s (default %q)\n", s.flag, s.env, s.help, s.def)
	}
}

// EnsureSecrets creates the data folder and, where BACKEND_ENC_KEY or
// BACKEND_INSTANCE is not given, reads or generates them in the data folder
// (mode 0600), so tokens and keys survive restarts. In production a
// generated key is refused.
func (c *Config) EnsureSecrets(random func([]byte) error) error {
	if c.EncKey == "" && c.Production() { // refused before anything is made
		return &Error{Env: "BACKEND_ENC_KEY", Flag: "enc-key", Err: errors.New("must be set in production (a generated key is refused)")}
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: BACKEND_DATA_DIR: %v", err)
	}
	if c.EncKey == "" {
		k, err := readOrCreate(filepath.Join(c.DataDir, "enc.key"), 32, random)
		if err != nil {
			return fmt.Errorf("config: BACKEND_ENC_KEY: %v", err)
		}
		if len(k) < 32 {
			return &Error{Env: "BACKEND_ENC_KEY", Flag: "enc-key", Err: errors.New("stored key in the data dir is too short")}
		}
		c.EncKey, c.GeneratedKey = k, true
	}
	if c.Instance == "" {
		v, err := readOrCreate(filepath.Join(c.DataDir, "instance"), 8, random)
		if err != nil {
			return fmt.Errorf("config: BACKEND_INSTANCE: %v", err)
		}
		c.Instance = v
	}
	return nil
}

func readOrCreate(path string, n int, random func([]byte) error) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, n)
	if err := random(raw); err != nil {
		return "", err
	}
	v := fmt.Sprintf("%x", raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process won the race: use its value
		b, err := os.ReadFile(path)
		return strings.TrimSpace(string(b)), err
	}
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(v + "\n"); err != nil {
		f.Close()
		return "", err
	}
	return v, f.Close()
}
