// Package userdata is the user's own data: measurement sets, patterns and
// bookmarks, and the images attached to sets and patterns (through
// internal/images). It owns their handlers, their rules (names, notes,
// measies, pattern settings and data, bookmark urls, who may read, clone
// and change which object) and the part of the database it needs,
// declared as DB below. The server lists its routes in
// internal/api/routes.go.
package userdata

import (
	"context"
	"time"

	"bobbin/internal/audit"
	"bobbin/internal/images"
	"bobbin/internal/store"
)

// DB is what this package needs of the database: its tables, inside and
// outside a write transaction.
type DB interface {
	Bookmarks() store.Bookmarks
	Sets() store.Sets
	Patterns() store.Patterns
	Curated() store.Curated // the curated set a pattern names
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB     DB
	Now    func() time.Time
	Images *images.Service // img values of sets and patterns
	Audit  *audit.Log      // changes made by staff to a user's data

	// SiteName is the author of the public .json/.yaml documents.
	SiteName string

	// CuratedSet is the curatedSet object of a stored curated set (owned
	// by the curation domain), included in the patterns made from one.
	CuratedSet func(*store.CuratedSet) any
}
