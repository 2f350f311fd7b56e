package api

import (
	"testing"

	"bobbin/internal/apierr"
)

// Every line of routeErrors names a route of the table (a renamed route
// must not silently lose its codes) and lists each code once.
func TestRouteErrorsNameRoutes(t *testing.T) {
	t.Parallel()
	routes := map[string]bool{}
	for _, rt := range (&Server{}).routeTable() {
		routes[rt.Verb+" "+rt.Path] = true
	}
	for key, codes := range routeErrors {
		if !routes[key] {
			t.Errorf("routeErrors[%q]: no such route in routes.go", key)
		}
		seen := map[apierr.Code]bool{}
		for _, c := range codes {
			if seen[c] {
				t.Errorf("routeErrors[%q] lists %s twice", key, c.Name())
			}
			seen[c] = true
		}
	}
}
