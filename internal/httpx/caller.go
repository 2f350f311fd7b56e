// Package httpx is what every domain's handlers share: the caller of a
// request, decoding and encoding, and Op, the typed adapter that turns a
// rule taking a request type and giving a response type into an endpoint
// (and tells the OpenAPI description both types). The server (internal/api)
// builds on it; domain packages import it, never the server.
package httpx

import (
	"context"
	"net/http"
	"strconv"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
)

// Method names the authentication method of one endpoint.
type Method string

// The methods.
const (
	MethodNone Method = ""
	MethodJWT  Method = "jwt"
	MethodKey  Method = "key"
)

// Caller is the authenticated principal of a request. Role, status and
// consent are read from the database for this request, never from the token.
type Caller struct {
	UserID   int64
	Username string
	Role     auth.Role
	Status   auth.Status
	Consent  int
	Level    auth.Level
	Method   Method
	JTI      string // the session, for jwt callers
	KeyID    string // the key, for key callers
	IP       string
	// Impersonator is the admin who signed this session in as the user
	// (GET /admin/impersonate), 0 for the user's own sessions and keys.
	Impersonator int64
	// Problem is set on guest routes when status or consent would have
	// refused the request.
	Problem apierr.Code
}

type callerKey struct{}
type ipKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf returns the caller in ctx; routes with an auth method always
// have one, public routes none (nil).
func CallerOf(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// WithIP returns ctx carrying the client address (the server works it out
// from the peer and the trusted proxies).
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// IP is the client address of the request in ctx: the caller's, or the
// one WithIP put there for a public route.
func IP(ctx context.Context) string {
	if c := CallerOf(ctx); c != nil {
		return c.IP
	}
	s, _ := ctx.Value(ipKey{}).(string)
	return s
}

// MayAccess allows the owner of an object, or a caller whose level grants
// access to other users' objects (403 insufficientAccessLevel).
func MayAccess(c *Caller, ownerID int64, min auth.Level) error {
	if c.UserID == ownerID || c.Level >= min {
		return nil
	}
	return apierr.InsufficientAccessLevel
}

// PathID reads an integer id path value; anything else is 404.
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		return 0, apierr.NotFound
	}
	return id, nil
}

// Itoa formats an id.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }
