package api

import (
	"net/http"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
)

// Access says how a route authenticates.
type Access int

const (
	Public   Access = iota // no credentials
	Twin                   // two routes: <path>/jwt and <path>/key
	JWTOnly                // <path>/jwt only
	JWTGuest               // <path>/jwt only; status and consent problems let through
	KeyOnly                // <path>/key only
)

// Method names the authentication method of one endpoint.
type Method = httpx.Method

const (
	MethodNone = httpx.MethodNone
	MethodJWT  = httpx.MethodJWT
	MethodKey  = httpx.MethodKey
)

// Body size limits.
const (
	SmallBody = 64 << 10 // JSON
	ImageBody = 8 << 20  // JSON carrying a data: URI image
	// AnonImageBody is an anonymous upload: a 1 MiB image as base64, and a little.
	AnonImageBody = 2 << 20
)

// handlerFunc is a handler that returns its error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// raw adapts a handler that decodes and encodes by itself (the routes
// that have not moved to an httpx.Op of their domain yet); its line in
// routes.go names its types with .io and its status with .status.
func raw(h handlerFunc) httpx.Handler { return httpx.Raw(http.StatusOK, nil, h) }

// Route is one line of the route table. Twin routes are declared once and
// served twice, as <Path>/jwt and <Path>/key.
type Route struct {
	Verb    string // GET, POST, ...
	Path    string // e.g. /sets/{id}; for Twin/JWTOnly/KeyOnly without the method suffix
	Access  Access
	Level   auth.Level // minimum caller level (authenticated routes)
	Body    int64      // body limit; 0 means SmallBody
	Status  int        // success status, for the docs
	Req     any        // zero value of the request body type, nil if none
	Resp    any        // zero value of the success body type, nil if empty
	Media   []string   // the success answer's media types, for the docs; nil is JSON
	Summary string
	h       httpx.Handler
}

// Endpoint is one served (verb, path, method) of a route.
type Endpoint struct {
	Verb   string
	Path   string
	Method Method
}

// muxOverlaps are upstream paths that net/http cannot tell from another
// route's: POST /curated-sets/from/{id} and POST /curated-sets/{id}/clone
// both match /curated-sets/from/clone. Such a route is registered under a
// pattern the other is more specific than, and its handler checks the
// literal segment (the route table keeps the upstream path).
var muxOverlaps = map[string]string{
	"POST /curated-sets/from/{id}/jwt": "POST /curated-sets/{from}/{id}/jwt",
	"POST /curated-sets/from/{id}/key": "POST /curated-sets/{from}/{id}/key",
}

// muxPattern is the pattern an endpoint is registered under.
func muxPattern(p string) string {
	if m, ok := muxOverlaps[p]; ok {
		return m
	}
	return p
}

// Pattern is the net/http pattern.
func (e Endpoint) Pattern() string { return e.Verb + " " + e.Path }

// Endpoints expands a route into what is served.
func (rt Route) Endpoints() []Endpoint {
	switch rt.Access {
	case Twin:
		return []Endpoint{{rt.Verb, rt.Path + "/jwt", MethodJWT}, {rt.Verb, rt.Path + "/key", MethodKey}}
	case JWTOnly, JWTGuest:
		return []Endpoint{{rt.Verb, rt.Path + "/jwt", MethodJWT}}
	case KeyOnly:
		return []Endpoint{{rt.Verb, rt.Path + "/key", MethodKey}}
	}
	return []Endpoint{{rt.Verb, rt.Path, MethodNone}}
}

// Route constructors keep routes.go to one line a route. The handler
// (an httpx.Op of a domain package) says what the route takes, gives and
// answers with; the OpenAPI description reads it from there.
func public(pattern string, h httpx.Handler) Route { return newRoute(pattern, Public, 0, h) }
func twin(pattern string, lvl auth.Level, h httpx.Handler) Route {
	return newRoute(pattern, Twin, lvl, h)
}
func jwtOnly(pattern string, lvl auth.Level, h httpx.Handler) Route {
	return newRoute(pattern, JWTOnly, lvl, h)
}
func jwtGuest(pattern string, lvl auth.Level, h httpx.Handler) Route {
	return newRoute(pattern, JWTGuest, lvl, h)
}
func keyOnly(pattern string, lvl auth.Level, h httpx.Handler) Route {
	return newRoute(pattern, KeyOnly, lvl, h)
}

func newRoute(pattern string, a Access, lvl auth.Level, h httpx.Handler) Route {
	verb, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("api: route pattern needs a verb: " + pattern)
	}
	status := h.Status
	if status == 0 {
		status = http.StatusOK
	}
	return Route{Verb: verb, Path: path, Access: a, Level: lvl, Status: status, Req: h.Req, Resp: h.Resp, h: h}
}

// io records the request and response body types (for docs and OpenAPI).
func (rt Route) io(req, resp any) Route { rt.Req, rt.Resp = req, resp; return rt }

// limit sets the body limit.
// media names the success answer's media types (for the docs).
func (rt Route) media(types ...string) Route { rt.Media = types; return rt }

func (rt Route) limit(n int64) Route { rt.Body = n; return rt }

// doc sets the one-line summary.
func (rt Route) doc(s string) Route { rt.Summary = s; return rt }

// endpoint wraps a handler with what every request of it needs: a body
// limit, authentication for its method, the level check and a log line.
func (s *Server) endpoint(rt Route, ep Endpoint) http.Handler {
	limit := rt.Body
	if limit == 0 {
		limit = SmallBody
	}
	// An impersonation token may not make what outlives it (auth.md
	// "Impersonation"): refused before the handler runs, so before any write.
	noImpersonation := auth.ImpersonationForbiddenRoute(rt.Verb + " " + rt.Path)
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if r.ContentLength > limit {
			return errTooLarge
		}
		if r.Body != nil && r.Body != http.NoBody { // a GET's empty body needs no limit
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if ep.Method != MethodNone {
			c, err := s.authenticate(r, ep.Method, rt.Access == JWTGuest)
			if err != nil {
				return err
			}
			if c.Level < rt.Level {
				return errLevel
			}
			if noImpersonation && c.Impersonator != 0 {
				return apierr.ImpersonationForbidden
			}
			r = r.WithContext(withCaller(r.Context(), c))
		} else {
			r = r.WithContext(httpx.WithIP(r.Context(), s.clientIP(r)))
		}
		return rt.h.Serve(w, r)
	})
}

// handle turns a handlerFunc into an http.Handler, answering its error and
// logging the request without its path values (they may hold secrets).
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		if err := h(sw, r); err != nil {
			s.writeError(sw, r, err)
		}
		took := time.Since(start)
		pattern := r.Pattern
		if pattern == "" || pattern == "/" {
			pattern = "unmatched"
		}
		s.Metrics.Request(pattern, sw.status, took)
		if lvl := levelFor(sw.status); s.Log.Handler().Enabled(r.Context(), lvl) {
			s.Log.LogAttrs(r.Context(), lvl, "request", logAttrs(r, sw.status, took)...)
		}
	})
}

// statusWriter remembers the status for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
