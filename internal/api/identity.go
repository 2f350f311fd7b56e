package api

import (
	"bobbin/internal/identity"
	"bobbin/internal/store"
)

// The account lives in internal/identity; these names keep the files of
// this package that still use it (admin, subscribers, export) short until
// they move to their domains.
type (
	Account       = identity.Account
	TokenResponse = identity.TokenResponse
)

func asAccount(u *store.User) Account { return identity.AsAccount(u) }
