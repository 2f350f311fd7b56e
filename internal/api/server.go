// Package api is Bobbin's HTTP surface. routes.go lists every route on one
// screen; each file beside it holds the handlers of one resource. Handlers
// return error; errors.go alone turns errors into answers.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"bobbin/internal/activity"
	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/mail"
	"bobbin/internal/password"
	"bobbin/internal/store"
	"bobbin/internal/throttle"
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
	Now      func() time.Time
}

// Server is the HTTP handler of the whole API.
type Server struct {
	Deps
	mux    *http.ServeMux
	routes []Route

	signinFailsAccount *throttle.Limiter
	signinFailsAddress *throttle.Limiter
	keyFailsKey        *throttle.Limiter
	keyFailsAddress    *throttle.Limiter
	mailsRecipient     *throttle.Limiter
	mailsAddress       *throttle.Limiter
}

// NewServer builds the handler and registers every route of routes.go.
func NewServer(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	c := d.Config
	s := &Server{
		Deps:               d,
		mux:                http.NewServeMux(),
		signinFailsAccount: throttle.New(c.SigninFailsPerAccount, c.ThrottleWindow),
		signinFailsAddress: throttle.New(c.SigninFailsPerAddress, c.ThrottleWindow),
		keyFailsKey:        throttle.New(c.KeyFailsPerKey, c.ThrottleWindow),
		keyFailsAddress:    throttle.New(c.KeyFailsPerAddress, c.ThrottleWindow),
		mailsRecipient:     throttle.New(c.MailsPerRecipient, c.MailWindow),
		mailsAddress:       throttle.New(c.MailsPerAddress, c.MailWindow),
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		for _, ep := range rt.Endpoints() {
			s.mux.Handle(ep.Pattern(), s.endpoint(rt, ep))
		}
	}
	s.mux.Handle("/", s.fallback())
	return s
}

// Routes is the route table (the matrix tests and OpenAPI read it).
func (s *Server) Routes() []Route { return s.routes }

// ServeHTTP adds the headers every answer carries and recovers panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Log.Error("panic in handler", "pattern", r.Pattern, "panic", v)
			s.writeError(w, r, errPanic)
		}
	}()
	s.mux.ServeHTTP(w, r)
}

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
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := peer.Addr().Unmap()
	if !s.trusted(addr) {
		return addr.String()
	}
	xff := r.Header.Values("X-Forwarded-For")
	var hops []string
	for _, v := range xff {
		hops = append(hops, splitComma(v)...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a.String()
		}
		addr = a
	}
	return addr.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.Config.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func splitComma(v string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == ',' {
			part := v[start:i]
			for len(part) > 0 && (part[0] == ' ' || part[0] == '\t') {
				part = part[1:]
			}
			for len(part) > 0 && (part[len(part)-1] == ' ' || part[len(part)-1] == '\t') {
				part = part[:len(part)-1]
			}
			if part != "" {
				out = append(out, part)
			}
			start = i + 1
		}
	}
	return out
}

// SweepLimiters drops expired throttle entries; the app calls it now and then.
func (s *Server) SweepLimiters(now time.Time) {
	for _, l := range []*throttle.Limiter{s.signinFailsAccount, s.signinFailsAddress, s.keyFailsKey,
		s.keyFailsAddress, s.mailsRecipient, s.mailsAddress} {
		l.Sweep(now)
	}
}

// ImageStore keeps uploaded images (implemented with the user-data routes).
type ImageStore interface {
	// Put stores an image for an owner and returns its public URL.
	Put(ctx context.Context, owner string, contentType string, data []byte) (string, error)
	// DeleteOwner removes every image of an owner.
	DeleteOwner(ctx context.Context, owner string) error
}
