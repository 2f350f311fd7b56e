package api

import (
	"bobbin/internal/apikey"
	"bobbin/internal/store"
)

// The key answer of internal/apikey, by the names the account export and
// the admin view of a user still use here until they move to their
// domains.
type APIKey = apikey.APIKey

func asAPIKey(k *store.APIKey) APIKey { return apikey.AsAPIKey(k) }
