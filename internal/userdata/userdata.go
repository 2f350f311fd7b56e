// Package userdata is the user's own data: measurement sets, patterns and
// bookmarks. It owns their handlers, their rules (names, notes, measies,
// bookmark urls, who may read and write which object) and the part of the
// database it needs, declared as DB below. The server lists its routes in
// internal/api/routes.go.
package userdata

import (
	"context"
	"time"

	"bobbin/internal/store"
)

// DB is what this package needs of the database: its tables, inside and
// outside a write transaction.
type DB interface {
	Bookmarks() store.Bookmarks
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB  DB
	Now func() time.Time
}
