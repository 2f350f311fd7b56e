//go:build !unix

package engine

import "errors"

// Without a shared memory map another process's revocation could not reach
// this one's cache, so there is no cache (every request reads the database).
func openGens(string) (*Gens, error) {
	return nil, errors.New("store: no shared generation map on this platform")
}
