// Package api is Bobbin's HTTP surface. routes.go lists every route on one
// screen; each file beside it holds the handlers of one resource. Handlers
// return error; errors.go alone turns errors into answers.
package api

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"bobbin/internal/activity"
	"bobbin/internal/admin"
	"bobbin/internal/apierr"
	"bobbin/internal/apikey"
	"bobbin/internal/audit"
	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/courier"
	"bobbin/internal/curation"
	"bobbin/internal/flows"
	"bobbin/internal/httpx"
	"bobbin/internal/identity"
	"bobbin/internal/images"
	"bobbin/internal/mail"
	"bobbin/internal/metrics"
	"bobbin/internal/newsletter"
	"bobbin/internal/password"
	"bobbin/internal/session"
	"bobbin/internal/signin"
	"bobbin/internal/signin/oauth"
	"bobbin/internal/signin/passkey"
	"bobbin/internal/store"
	"bobbin/internal/throttle"
	"bobbin/internal/userdata"
)

// Deps is everything the server needs from outside.
type Deps struct {
	Config   *config.Config
	DB       *store.DB
	Log      *slog.Logger
	Tokens   *auth.Tokens
	Secrets  *auth.SecretHasher
	Hasher   *password.Hasher
	Mailer   mail.Mailer  // SMTP when configured, else the outbox
	Outbox   *mail.Outbox // where test-mode mail always goes
	Activity *activity.Recorder
	Images   ImageStore // may be nil until images are configured
	Metrics  *metrics.Registry
	Now      func() time.Time
	// Web wraps the JSON 404/405 fallback with the web app and /docs
	// (internal/webapp); nil serves the API alone.
	Web func(fallback http.Handler) http.Handler
}

// Server is the HTTP handler of the whole API.
type Server struct {
	Deps
	mux        *http.ServeMux
	routes     []Route
	openapiDoc openapiCache
	bg         sync.WaitGroup // work answered before it was done (later)

	// Throttles (auth.md "Abuse limits"): in the database on PostgreSQL,
	// so that every replica counts once for all; in process on SQLite.
	signinPolicy *throttle.SignIn
	keyPolicy    *throttle.Keys
	sweeps       []func(now time.Time) // drop ended windows (SweepLimiters)
	memLimiters  map[string]*throttle.Limiter

	images   *images.Service
	uploads  *images.Uploads
	auditLog *audit.Log
	courier  *courier.Courier

	// Domain handlers (one field per resource; routes.go names them),
	// built by domains() below. One block per domain package.

	// internal/identity, internal/signin
	accounts *identity.Accounts
	signin   *signin.Signin

	// internal/signin/oauth, internal/signin/passkey
	oauth    *oauth.OAuth
	passkeys *passkey.Passkeys

	// internal/userdata
	bookmarks *userdata.Bookmarks
	sets      *userdata.Sets
	patterns  *userdata.Patterns

	// internal/curation
	curatedSets *curation.CuratedSets
	optionPacks *curation.OptionPacks
	suggestions *curation.Suggestions

	// internal/apikey
	apikeys *apikey.Keys

	// internal/newsletter
	subscribers *newsletter.Subscribers

	// internal/admin
	adminSearch      httpx.Rule[admin.AdminSearchRequest, AdminUsersResponse]
	adminGet         httpx.Rule[httpx.None, AdminUserResponse]
	adminPatch       httpx.Rule[admin.AdminUserPatch, AdminUserChanged]
	adminImpersonate httpx.Rule[httpx.None, TokenResponse]
	stats            *admin.Stats

	// internal/flows
	flows *flows.Handlers
}

// NewServer builds the handler and registers every route of routes.go.
func NewServer(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	c := d.Config
	s := &Server{
		Deps: d,
		mux:  http.NewServeMux(),
	}
	throttles(s)
	if s.Metrics == nil {
		s.Metrics = metrics.New()
	}
	backend, _ := d.Images.(images.Backend)
	s.images = images.NewService(backend, c.URL, d.DB.Images(), d.Log)
	s.uploads = images.NewUploads(s.images, d.Now)
	s.auditLog = audit.New(d.DB, d.Log, d.Now)
	s.courier = courier.New(d.Mailer, d.Outbox, d.DB.Vault().EHash,
		courier.Limits{PerRecipient: c.MailsPerRecipient, PerAddress: c.MailsPerAddress, Window: c.MailWindow,
			Recipient: s.counter("mail.recipient", c.MailsPerRecipient, c.MailWindow),
			Address:   s.counter("mail.address", c.MailsPerAddress, c.MailWindow)}, d.Log, d.Now)
	if d.Outbox == nil || d.Mailer != mail.Mailer(d.Outbox) { // SMTP: through the queue (the outbox is written at once)
		s.courier.Queue(courier.QueueOptions{DB: d.DB, Metrics: s.Metrics, Window: c.MailRetryWindow, Delay: c.MailRetryDelay})
	}
	s.domains()
	s.routes = s.routeTable()
	if c.MetricsAddr == "" { // else served on its own listener (app.go)
		s.routes = append(s.routes, public("GET /metrics", raw(s.metrics)).doc("Prometheus metrics"))
	}
	root := s.fallback()
	if d.Web != nil {
		root = d.Web(root)
	}
	for _, rt := range s.routes {
		for _, ep := range rt.Endpoints() {
			h := s.endpoint(rt, ep)
			if d.Web != nil && ep.Pattern() == "GET /docs" {
				h = root // the web app's Swagger UI replaces the plain page
			}
			s.mux.Handle(muxPattern(ep.Pattern()), h)
		}
	}
	s.mux.Handle("/", root)
	return s
}

// later runs fn after the answer, tracked so that Wait (called on a clean
// stop, before the database closes) lets it finish. It is for work whose
// duration would otherwise tell a caller something: mail to a known
// account versus none for an unknown one.
func (s *Server) later(name string, fn func(ctx context.Context) error) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		// Not at once: work started with the answer competes with it, and
		// with the caller's next request, for the CPU, which is what made
		// a known name's answer measurably slower than an unknown one's
		// (TestAccountEnumerationTiming, where fsyncs are cheap). After a
		// random pause it lands on whatever requests are running then.
		time.Sleep(laterMin + rand.N(laterSpread))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := fn(ctx); err != nil {
			s.Log.Error("background work failed", "work", name, "err", err.Error())
		}
	}()
}

// The pause before work started by later: between laterMin and
// laterMin+laterSpread, at random. A mailed sign-in link is that much later.
const (
	laterMin    = 20 * time.Millisecond
	laterSpread = 200 * time.Millisecond
)

// Wait blocks until the work started by later has finished.
func (s *Server) Wait() { s.bg.Wait() }

// Routes is the route table (the matrix tests and OpenAPI read it).
func (s *Server) Routes() []Route { return s.routes }

// ServeHTTP adds the headers every answer carries and recovers panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["X-Content-Type-Options"] = hNosniff
	h["Referrer-Policy"] = hNoReferrer
	h["X-Frame-Options"] = hDeny
	h["Cache-Control"] = hNoStore
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Log.Error("panic in handler", "pattern", r.Pattern, "panic", v)
			s.writeError(w, r, errPanic)
		}
	}()
	if s.cors(w, r) {
		return
	}
	if !pathText(r.URL.Path) {
		s.writeError(w, r, apierr.NotFound)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// pathText reports whether a decoded request path is text a store can
// hold: valid UTF-8 without U+0000. PostgreSQL refuses both in a query
// parameter (a 500 for /users/%00 or /confirmations/%ff/x), and no id,
// username, ehash or file name has them, so such a path names nothing:
// 404 on both engines, before any route runs.
func pathText(p string) bool {
	return strings.IndexByte(p, 0) < 0 && utf8.ValidString(p)
}

// Values of the headers every answer carries, shared (a handler that sets
// one replaces the slice; Add copies it, as its capacity is its length).
var (
	hNosniff    = []string{"nosniff"}
	hNoReferrer = []string{"no-referrer"}
	hDeny       = []string{"DENY"}
	hNoStore    = []string{"no-store"}
)

var errPanic = &panicError{}

type panicError struct{}

func (*panicError) Error() string { return "panic" }

// fallback answers JSON for unknown paths (404) and known paths with
// another method (405), instead of the mux's plain text.
func (s *Server) fallback() http.Handler {
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range methods {
			if m == r.Method {
				continue
			}
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, p := s.mux.Handler(r2); p != "" && p != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			for _, m := range allow {
				w.Header().Add("Allow", m)
			}
			return errMethod
		}
		return errNotFound
	})
}

// clientIP is the socket peer, or, when the peer is a trusted proxy, the
// last address in X-Forwarded-For that is not itself a trusted proxy.
func (s *Server) clientIP(r *http.Request) string {
	a, ok := httpx.ClientAddr(r, s.Config.TrustedProxies)
	if !ok {
		return r.RemoteAddr
	}
	return a.String()
}

// SweepLimiters drops expired throttle entries; the app calls it now and then.
func (s *Server) SweepLimiters(now time.Time) {
	for _, sweep := range s.sweeps {
		sweep(now)
	}
	s.flows.Sweep(now)
	s.uploads.Sweep(now)
}

// DeliverMail runs the mail queue's worker until ctx ends (the app runs
// one per replica); it returns at once when mail is not queued.
func (s *Server) DeliverMail(ctx context.Context) { s.courier.Run(ctx) }

// MailQueueDepth counts the mails waiting for delivery, for the metric.
func (s *Server) MailQueueDepth(ctx context.Context) (n int64, queued bool, err error) {
	n, err = s.courier.Depth(ctx)
	return n, s.courier.Queued(), err
}

// Limiters names the in-process throttles, for the metrics of their
// refusals (none on PostgreSQL, where they are in the database).
func (s *Server) Limiters() map[string]*throttle.Limiter { return s.memLimiters }

// KnownAddressTTL is how long an address that signed in to an account
// stays known to it (for the sign-in throttles).
const KnownAddressTTL = 90 * 24 * time.Hour

// throttles builds the sign-in and key policies.
func throttles(s *Server) {
	c := s.Config
	w := c.ThrottleWindow
	var known throttle.Known
	if s.DB.Dialect() == store.Postgres {
		k := s.DB.KnownAddresses(throttle.KnownPerAccount, KnownAddressTTL)
		s.sweeps = append(s.sweeps, func(now time.Time) { sweepErr(s, "signin.known", k.Sweep(context.Background(), now)) })
		known = k
	} else {
		known = throttle.NewMemoryKnown(1<<16, KnownAddressTTL)
	}
	s.signinPolicy = &throttle.SignIn{
		PerAccount: s.counter("signin.account", c.SigninFailsPerAccount, w),
		PerAddress: s.counter("signin.address", c.SigninFailsPerAddress, w),
		PerKnown:   s.counter("signin.known", c.SigninFailsPerAccount, w),
		Known:      known,
		// ASVS 2.2.1: at most 100 failures per account an hour, known
		// sources included (strangers alone reach at most 50 an hour).
		PerAccountTotal: s.counter("signin.total", max(100, 5*c.SigninFailsPerAccount), time.Hour),
	}
	s.keyPolicy = &throttle.Keys{PerAddress: s.counter("key.address", c.KeyFailsPerAddress, w)}
}

// counter is one limit: in the database on PostgreSQL (counted once for
// every replica), in process on SQLite (one process owns the file).
func (s *Server) counter(name string, limit int, window time.Duration) throttle.Counter {
	if s.DB.Dialect() == store.Postgres {
		l := s.DB.Limiter(name, limit, window)
		s.sweeps = append(s.sweeps, func(now time.Time) { sweepErr(s, name, l.Sweep(context.Background(), now)) })
		return l
	}
	l := throttle.New(limit, window)
	s.sweeps = append(s.sweeps, l.Sweep)
	if s.memLimiters == nil {
		s.memLimiters = map[string]*throttle.Limiter{}
	}
	s.memLimiters[strings.ReplaceAll(name, ".", "_per_")] = l
	return l
}

// deviceCookies signs the browsers' device cookies under a key derived
// from the server's secret key (every replica verifies every cookie).
// Secure unless the public URL is plain HTTP (a development install).
func deviceCookies(s *Server) *auth.DeviceCookies {
	d, err := auth.NewDeviceCookies(s.DB.Vault().SecretKey())
	if err != nil {
		s.Log.Error("device cookies disabled", "err", err)
		return nil
	}
	d.Secure = s.Config.Production() || !strings.HasPrefix(s.Config.URL, "http://")
	return d
}

func sweepErr(s *Server, name string, err error) {
	if err != nil {
		s.Log.Warn("throttle sweep failed", "limiter", name, "err", err)
	}
}

// ImageStore keeps uploaded images (implemented with the user-data routes).
type ImageStore interface {
	// Put stores an image for an owner and returns its public URL.
	Put(ctx context.Context, owner string, contentType string, data []byte) (string, error)
	// DeleteOwner removes every image of an owner.
	DeleteOwner(ctx context.Context, owner string) error
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	return s.Metrics.WriteText(w)
}

// MetricsHandler serves /metrics alone, for a separate listen address.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.handle(s.metrics))
	return mux
}

// domains builds each domain's handlers from the server's dependencies.
func (s *Server) domains() {
	// internal/identity, internal/signin
	sessions := &session.Issuer{Tokens: s.Tokens, Now: s.Now}
	s.accounts = identity.New(identity.Deps{DB: s.DB, Config: s.Config, Hasher: s.Hasher, Sessions: sessions,
		Audit: s.auditLog, Courier: s.courier, Images: s.images, Log: s.Log, Now: s.Now})
	s.signin = signin.New(signin.Deps{DB: s.DB, Config: s.Config, Hasher: s.Hasher, Sessions: sessions, Failures: s.Metrics,
		Audit: s.auditLog, Courier: s.courier, Log: s.Log, Now: s.Now, Later: s.later,
		Guard: &signin.Guard{Policy: s.signinPolicy, Devices: deviceCookies(s), Log: s.Log}})

	// internal/signin/oauth, internal/signin/passkey (starts: bounded
	// capacity, old keys evicted; failures: the password sign-in's limiter)
	limits := signin.Limits{Begins: s.counter("signin.begin", s.Config.SigninFailsPerAddress, s.Config.ThrottleWindow), Fails: s.signinPolicy.PerAddress}
	s.oauth = oauth.New(oauth.Deps{DB: s.DB, Config: s.Config, Sessions: sessions, Audit: s.auditLog, Images: s.images, Limits: limits,
		Providers: oauth.Providers(s.Config, &http.Client{Timeout: 15 * time.Second}),
		Avatars:   oauth.NewAvatars(s.Config.TestMode()), Log: s.Log, Now: s.Now})
	s.passkeys = passkey.New(passkey.Deps{DB: s.DB, Config: s.Config, Sessions: sessions, Audit: s.auditLog, Limits: limits, Log: s.Log, Now: s.Now})

	// internal/userdata
	data := userdata.Deps{DB: s.DB, Now: s.Now, Images: s.images, Audit: s.auditLog, SiteName: s.Config.SiteName,
		CuratedSet: func(c *store.CuratedSet) any { return curation.AsCuratedSet(c) }}
	s.bookmarks = userdata.NewBookmarks(data)
	s.sets = userdata.NewSets(data)
	s.patterns = userdata.NewPatterns(data)

	// internal/curation
	cur := curation.Deps{DB: s.DB, Images: s.images, Audit: s.auditLog, Log: s.Log, SiteName: s.Config.SiteName}
	s.curatedSets = curation.NewCuratedSets(cur)
	s.optionPacks = curation.NewOptionPacks(cur)
	s.suggestions = curation.NewSuggestions(cur)

	// internal/apikey
	s.apikeys = apikey.New(apikey.Deps{DB: s.DB, Audit: s.auditLog, Secrets: s.Secrets, Now: s.Now})

	// internal/newsletter
	s.subscribers = newsletter.New(newsletter.Deps{DB: s.DB, Courier: s.courier, EHash: s.DB.Vault().EHash,
		TestMode: s.Config.TestMode, URL: s.Config.URL, WebsiteURL: s.Config.WebsiteURL, Now: s.Now})

	// internal/admin
	ad := admin.Deps{DB: s.DB, Audit: s.auditLog, Tokens: s.Tokens, Now: s.Now}
	users := admin.New(ad)
	s.adminSearch = admin.Answer(users.Search, adminUsers)
	s.adminGet = admin.Get(users, s.adminUser)
	s.adminPatch = admin.Answer(users.Patch, adminChanged)
	s.adminImpersonate = admin.Answer(users.Impersonate, impersonated)
	s.stats = admin.NewStats(ad)

	// internal/flows
	s.flows = flows.New(flows.Deps{DB: s.DB, Courier: s.courier, Forwarder: forwarder(s),
		OperatorEmail: s.Config.OperatorEmail, InviteURL: s.Config.TranslatorURL, Now: s.Now})
}

// forwarder is the configured issue API, or nil (items stored and mailed).
func forwarder(s *Server) flows.Forwarder {
	c := s.Config
	if c.FlowsRepo == "" {
		return nil
	}
	f, err := flows.NewGitHubAPI(c.FlowsAPIURL, c.FlowsRepo, c.FlowsToken)
	if err != nil {
		s.Log.Error("flows: issue API not used", "err", err.Error())
		return nil
	}
	return f
}
