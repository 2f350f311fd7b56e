// Package app wires Bobbin together from a Config: the one place that
// builds the store, keys, mailers and HTTP server, used by the binary and
// by tests alike, so tests run what production runs.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"bobbin/internal/activity"
	"bobbin/internal/api"
	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/images"
	"bobbin/internal/mail"
	"bobbin/internal/metrics"
	"bobbin/internal/password"
	"bobbin/internal/store"
	"bobbin/internal/tlsserve"
	"bobbin/internal/vault"
	"bobbin/internal/webapp"
)

// App is a built, migrated Bobbin.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *store.DB
	Server   *api.Server
	Activity *activity.Recorder
	Outbox   *mail.Outbox
	Metrics  *metrics.Registry
	TLS      *tlsserve.Server // nil: plain HTTP (behind a TLS-terminating proxy, or on a laptop)

	stop     context.CancelFunc
	stopped  chan struct{}
	mailDone chan struct{} // the mail queue's worker has stopped
}

// Options tune New for tests and tools.
type Options struct {
	HashParams *password.Params // default password.Default
	Now        func() time.Time
	// NoMailWorker leaves the mail queue to the serving processes: the
	// operator commands open the app without delivering mail.
	NoMailWorker bool
}

// New builds the app: secrets, database, migrations, server. Background
// work (counter flushes, pruning) starts here and ends in Close.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opt Options) (*App, error) {
	if err := cfg.EnsureSecrets(func(b []byte) error { _, err := rand.Read(b); return err }); err != nil {
		return nil, err
	}
	v, err := vault.New(cfg.EncKey)
	if err != nil {
		return nil, err
	}
	db, err := store.OpenWith(ctx, cfg.DBURL, v, store.Options{MaxConns: cfg.DBPool, StatementTimeout: cfg.DBStatementTimeout})
	if err != nil {
		if cfg.IsPostgres() {
			// Name the setting to fix, on one line (pgx's messages hold no password).
			one := strings.Join(strings.Fields(err.Error()), " ")
			return nil, &config.Error{Env: "BACKEND_DB_URL", Flag: "db-url", Err: errors.New(one)}
		}
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Username skeletons of rows older than them (idempotent: filled rows
	// are skipped). Look-alikes are reported, never merged (auth.md
	// "Identifiers"); `bobbin migrate` lists them with their names.
	cs, err := db.Users().BackfillSkeletons(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("username skeletons: %w", err)
	}
	for _, c := range cs {
		ids := make([]int64, len(c.Others))
		for i, o := range c.Others {
			ids[i] = o.ID
		}
		log.Warn("look-alike usernames (not merged; see bobbin migrate)", "keeps", c.Holder.ID, "others", ids)
	}
	a, err := build(cfg, log, db, v, opt)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func build(cfg *config.Config, log *slog.Logger, db *store.DB, v *vault.Vault, opt Options) (*App, error) {
	tokens, err := newTokens(cfg, v)
	if err != nil {
		return nil, err
	}
	secrets, err := auth.NewSecretHasher(v.SecretKey())
	if err != nil {
		return nil, err
	}
	params := password.Default
	if opt.HashParams != nil {
		params = *opt.HashParams
	}
	outbox, err := mail.NewOutbox(filepath.Join(cfg.DataDir, "outbox"), cfg.MailFrom, log)
	if err != nil {
		return nil, err
	}
	if cfg.Production() {
		outbox.HideLinks() // a link in a log is a sign-in for whoever reads the log
	}
	var mailer mail.Mailer = outbox
	if cfg.SMTPURL != "" {
		smtp, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom, ehloName(cfg.URL))
		if err != nil {
			return nil, fmt.Errorf("config: BACKEND_SMTP_URL: %v", err)
		}
		mailer = smtp
	}
	rec := activity.New(db.Activity(), log)
	imgs, err := imageStore(cfg, db)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	m.DBPools(db.PoolStats)
	srv := api.NewServer(api.Deps{
		Config: cfg, DB: db, Log: log, Tokens: tokens, Secrets: secrets,
		Hasher: password.NewHasher(params, cfg.HashConcurrency, cfg.HashWait),
		Mailer: mailer, Outbox: outbox, Activity: rec, Images: imgs, Metrics: m, Now: opt.Now,
		Web: func(fallback http.Handler) http.Handler { return webapp.Handler(webapp.Config{NotFound: fallback}) },
	})
	refused := map[string]func() uint64{}
	for name, l := range srv.Limiters() {
		refused[name] = l.Refused
	}
	m.Limiters(refused)
	var tlsSrv *tlsserve.Server
	if cfg.TLS() {
		opts := tlsserve.Options{
			CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey,
			Domains: cfg.TLSDomains, ACMEURL: cfg.ACMEURL, ACMEEmail: cfg.ACMEEmail, CacheDir: filepath.Join(cfg.DataDir, "acme"),
			PublicURL: cfg.URL, Log: log,
		}
		if cfg.TLSCache == "db" { // replicas on one PostgreSQL share the account and certificates
			opts.Cache, opts.CacheDir = tlsserve.NewDBCache(db, log), ""
		}
		tlsSrv, err = tlsserve.New(opts)
		if err != nil {
			return nil, fmt.Errorf("config: BACKEND_TLS_CERT/BACKEND_TLS_KEY/BACKEND_TLS_DOMAINS: %v", err)
		}
	}
	bg, stop := context.WithCancel(context.Background())
	a := &App{Config: cfg, Log: log, DB: db, Server: srv, Activity: rec, Outbox: outbox, Metrics: m, TLS: tlsSrv, stop: stop, stopped: make(chan struct{})}
	a.mailDone = make(chan struct{})
	go func() {
		defer close(a.mailDone)
		if !opt.NoMailWorker {
			srv.DeliverMail(bg)
		}
	}()
	m.MailQueue(func() (float64, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, _, err := srv.MailQueueDepth(ctx)
		return float64(n), err == nil
	})
	go a.background(bg)
	return a, nil
}

// ehloName is the name Bobbin gives itself to an SMTP server: the public
// host of BACKEND_URL ("localhost" when that is an address or unset).
func ehloName(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" || net.ParseIP(u.Hostname()) != nil {
		return "localhost"
	}
	return u.Hostname()
}

// imageStore keeps uploaded images in files under <data dir>/images/ for
// SQLite installs, and in the database for PostgreSQL installs, so that
// stateless replicas behind one URL serve every image.
func imageStore(cfg *config.Config, db *store.DB) (api.ImageStore, error) {
	base := cfg.URL + "/images/"
	if db.Dialect() == store.Postgres {
		return images.NewDBStore(db, base), nil
	}
	fs, err := images.NewFileStore(filepath.Join(cfg.DataDir, "images"), base)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	return fs, nil
}

// newTokens builds the token signer of the configured mode. In EdDSA mode
// the keys of the current and the previous version verify, so raising
// BACKEND_JWT_KEY_VERSION rotates the key without signing anyone out.
func newTokens(cfg *config.Config, v *vault.Vault) (*auth.Tokens, error) {
	if cfg.JWTAlg != "EdDSA" {
		return auth.NewTokens(v.SigningKey(), cfg.URL, cfg.Audience(), cfg.JWTExpiry)
	}
	key := func(version int) (auth.EdKey, error) {
		k, err := v.Ed25519Key(version)
		return auth.EdKey{ID: "v" + strconv.Itoa(version), Private: k}, err
	}
	cur, err := key(cfg.JWTKeyVersion)
	if err != nil {
		return nil, err
	}
	var accepted []auth.EdKey
	if cfg.JWTKeyVersion > 1 {
		prev, err := key(cfg.JWTKeyVersion - 1)
		if err != nil {
			return nil, err
		}
		accepted = append(accepted, prev)
	}
	return auth.NewEdDSATokens(cur, accepted, cfg.URL, cfg.Audience(), cfg.JWTExpiry)
}

// background flushes counters and prunes expired rows until stopped.
func (a *App) background(ctx context.Context) {
	defer close(a.stopped)
	flush := time.NewTicker(a.Config.FlushInterval)
	prune := time.NewTicker(10 * time.Minute)
	defer flush.Stop()
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			if err := a.Activity.Flush(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("activity flush failed; will retry", "err", err)
			}
		case now := <-prune.C:
			a.Server.SweepLimiters(now)
			if err := a.DB.Sessions().Prune(ctx, now.UnixMilli()); err != nil && ctx.Err() == nil {
				a.Log.Warn("pruning sessions failed", "err", err)
			}
			if err := a.DB.Audit().Prune(ctx, now.Add(-a.Config.AuditRetention).UnixMilli()); err != nil && ctx.Err() == nil {
				a.Log.Warn("pruning audit failed", "err", err)
			}
		}
	}
}

// Close stops background work, flushes counters and closes the database.
func (a *App) Close() error {
	a.stop()
	<-a.stopped
	<-a.mailDone    // a mail being sent is released, due again at the next start
	a.Server.Wait() // mail and rows answered before they were done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.Activity.Flush(ctx)
	return errors.Join(err, a.DB.Close())
}

// Handler is the API as the main listener serves it: the API server behind
// the guard of /metrics; in production, credentials over plain HTTP are
// refused before they are checked (auth.md, Transport); HTTPS answers
// carry Strict-Transport-Security.
func (a *App) Handler() http.Handler {
	h := a.guardMetrics(a.Server)
	if a.Config.Production() {
		h = tlsserve.RequireHTTPS(a.Config.TrustedProxies, api.SecretInBody, h)
	}
	if a.TLS != nil {
		h = tlsserve.HSTS(h)
	}
	return h
}

// guardMetrics keeps /metrics on the main listener to those who may read
// it: with BACKEND_METRICS_TOKEN set, callers presenting it as a bearer
// token; in production without a token, nobody (it is served only on
// BACKEND_METRICS_ADDR then); in development without a token, anyone.
func (a *App) guardMetrics(next http.Handler) http.Handler {
	token := a.Config.MetricsToken
	if token == "" && !a.Config.Production() {
		return next
	}
	guarded := metrics.RequireBearer(token, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		if token == "" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"result":"error","error":"notFound"}`)
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

// metricsHandler serves /metrics alone on BACKEND_METRICS_ADDR (behind
// the token too, when one is set).
func (a *App) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	var h http.Handler = a.Metrics.Handler()
	if a.Config.MetricsToken != "" {
		h = metrics.RequireBearer(a.Config.MetricsToken, h)
	}
	mux.Handle("GET /metrics", h)
	return mux
}

// plainServer is the plain-HTTP listener beside HTTPS: ACME challenges
// and redirects, with short timeouts (it serves nothing else).
func (a *App) plainServer() *http.Server {
	return &http.Server{
		Handler:           a.TLS.HTTPHandler(),
		ReadHeaderTimeout: a.Config.ReadHeaderTimeout,
		ReadTimeout:       a.Config.ReadHeaderTimeout,
		WriteTimeout:      a.Config.ReadHeaderTimeout,
		IdleTimeout:       a.Config.ReadHeaderTimeout,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
}

// firstScreen says, at start, where things are: the URL, the API docs, the
// data, where mail goes.
func (a *App) firstScreen(addr string) {
	c := a.Config
	data, err := filepath.Abs(c.DataDir)
	if err != nil {
		data = c.DataDir
	}
	mailTo := "outbox " + a.Outbox.Dir() + " (.eml files; each mail's link is logged)"
	switch {
	case c.SMTPURL != "":
		mailTo = "SMTP " + smtpHost(c.SMTPURL)
	case c.Production():
		mailTo = "outbox " + a.Outbox.Dir() + " (.eml files; BACKEND_MAIL=outbox; links are not logged in production)"
	}
	db := "SQLite " + c.SQLitePath()
	if c.IsPostgres() {
		db = "PostgreSQL"
	}
	attrs := []any{"url", c.URL, "docs", c.URL + "/docs", "listen", addr, "data", data, "db", db, "mail", mailTo,
		"env", c.Env, "test_mode", c.TestMode(), "https", a.TLS != nil}
	if a.TLS != nil && c.HTTPPort != 0 {
		attrs = append(attrs, "http_redirect_port", c.HTTPPort)
	}
	a.Log.Info("bobbin listening", attrs...)
}

// smtpHost is the host:port of an SMTP URL, without its credentials.
func smtpHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Host
}

// HTTPServer is the configured listener's server: timeouts and header limit.
func (a *App) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              a.Config.Addr(),
		Handler:           a.Handler(),
		ReadHeaderTimeout: a.Config.ReadHeaderTimeout,
		ReadTimeout:       a.Config.ReadTimeout,
		WriteTimeout:      a.Config.WriteTimeout,
		IdleTimeout:       a.Config.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
}

// Serve listens and serves until ctx ends, then shuts down gracefully:
// stop accepting, finish requests in flight (bounded), flush, close.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	hs := a.HTTPServer()
	errc := make(chan error, 3)
	if a.TLS != nil {
		hs.TLSConfig = a.TLS.TLSConfig() // ServeTLS adds HTTP/2
		go func() { errc <- hs.ServeTLS(ln, "", "") }()
		if a.Config.HTTPPort != 0 {
			pln, err := net.Listen("tcp", net.JoinHostPort(a.Config.Host, strconv.Itoa(a.Config.HTTPPort)))
			if err != nil {
				hs.Close()
				return fmt.Errorf("config: BACKEND_HTTP_PORT: %v", err)
			}
			ps := a.plainServer()
			go func() { errc <- ps.Serve(pln) }()
			defer ps.Close()
		}
	} else {
		go func() { errc <- hs.Serve(ln) }()
	}
	var ms *http.Server
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			hs.Close()
			return fmt.Errorf("config: BACKEND_METRICS_ADDR: %v", err)
		}
		ms = &http.Server{Handler: a.metricsHandler(), ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}
		go func() { errc <- ms.Serve(mln) }()
		defer ms.Close()
	}
	a.firstScreen(ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "grace", a.Config.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		a.Log.Warn("requests still running at the end of the grace period; closing them")
		hs.Close()
		err = nil
	}
	return err
}
