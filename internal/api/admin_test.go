package api_test

import (
	"bobbin/internal/apitest"
)

var methods = []string{"jwt", "key"}

// authFor is the user's credentials for a method: token or key.
func authFor(u *apitest.User, method string) apitest.Auth {
	if method == "key" {
		return u.KeyAuth()
	}
	return u.JWT()
}
