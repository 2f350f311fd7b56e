package auth

// Impersonation (auth.md): an admin's impersonation token reads and makes
// ordinary writes as the user, but nothing that outlives it or takes the
// account. Such a token has Claims.Impersonator set (IssueImpersonation);
// these are the actions it is refused, with 403 impersonationForbidden.

// impersonationForbidden are the routes, as "METHOD pattern" without the
// /jwt or /key suffix, that an impersonation token may not call at all.
var impersonationForbidden = map[string]bool{
	"POST /apikeys":               true, // a key outlives the token
	"POST /account/mfa":           true, // MFA on, off or re-keyed takes the account
	"POST /signout/all":           true, // would sign the owner out
	"GET /account/restrict":       true,
	"DELETE /account":             true,
	"GET /admin/impersonate/{id}": true, // no chains of impersonation
}

// ImpersonationForbiddenRoute reports whether an impersonation token is
// refused the route named by its method and pattern ("POST /apikeys").
func ImpersonationForbiddenRoute(methodPattern string) bool {
	return impersonationForbidden[methodPattern]
}

// ImpersonationForbiddenRoutes lists them (for the route table's test).
func ImpersonationForbiddenRoutes() []string {
	out := make([]string, 0, len(impersonationForbidden))
	for k := range impersonationForbidden {
		out = append(out, k)
	}
	return out
}

// ImpersonationForbiddenAccountFields are the fields of PATCH /account an
// impersonation token may not send (a request carrying any of them is
// refused whole, before anything is written): they change how the account
// is reached or proven.
var ImpersonationForbiddenAccountFields = []string{"email", "password", "currentPassword", "username"}
