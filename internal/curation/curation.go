// Package curation is what curators publish and users suggest: curated
// measurement sets, option packs and the suggestions of both
// (docs/curated.md). It owns their handlers, their rules (names and notes
// per language, tags, info, height, design names, option merging, who may
// see an unpublished set) and the part of the database it needs, declared
// as DB below. The server lists its routes in internal/api/routes.go.
package curation

import (
	"context"
	"errors"
	"log/slog"

	"bobbin/internal/audit"
	"bobbin/internal/images"
	"bobbin/internal/store"
)

// DB is what this package needs of the database: its tables, inside and
// outside a write transaction.
type DB interface {
	Curated() store.Curated
	Sets() store.Sets
	Users() store.Users
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB     DB
	Images *images.Service
	Audit  *audit.Log
	Log    *slog.Logger
	// WebsiteURL is the author named in the public documents.
	WebsiteURL string
}

// attachImage accepts an image for a row just created (its owner name
// holds the new id, so it can only be stored once the row exists) and
// saves it with save; when the image is refused, undo removes the row
// again and the images stored for the owner go.
func (d *Deps) attachImage(ctx context.Context, owner, value string, img *string, save, undo func(tx *store.Tx) error) error {
	v, err := d.Images.Accept(ctx, owner, value)
	if err == nil {
		*img = v
		err = d.DB.Write(ctx, save)
	}
	if err != nil {
		if uerr := d.DB.Write(ctx, undo); uerr != nil && !errors.Is(uerr, store.ErrNotFound) {
			d.Log.ErrorContext(ctx, "removing a row after its image failed", "owner", owner, "err", uerr.Error())
		}
		d.Images.Drop(ctx, owner)
		return err
	}
	return nil
}
