package images

import (
	"context"
	"errors"
	"time"

	"bobbin/internal/store"
)

// DBStore keeps images in the database's images table, so every replica
// of a PostgreSQL install serves every image. Its writes run outside the
// caller's transaction, on their own connection: use it where the database
// takes concurrent writers (PostgreSQL), not inside a SQLite write.
type DBStore struct {
	db      *store.DB
	baseURL string
}

// NewDBStore serves names under baseURL.
func NewDBStore(db *store.DB, baseURL string) *DBStore { return &DBStore{db: db, baseURL: baseURL} }

// Put stores the image; the same bytes for the same owner refresh the row's time.
func (d *DBStore) Put(ctx context.Context, owner, contentType string, data []byte) (string, error) {
	name, err := check(owner, contentType, data)
	if err != nil {
		return "", err
	}
	if err := d.db.Images().Put(ctx, name, owner, contentType, data, time.Now().UnixMilli()); err != nil {
		return "", err
	}
	return d.baseURL + name, nil
}

// Get reads an image by name.
func (d *DBStore) Get(ctx context.Context, name string) (string, []byte, error) {
	if _, _, ok := ParseName(name); !ok {
		return "", nil, ErrNotFound
	}
	ct, b, err := d.db.Images().ByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, ErrNotFound
	}
	return ct, b, err
}

// List names an owner's images.
func (d *DBStore) List(ctx context.Context, owner string) ([]Info, error) {
	if _, _, ok := ParseOwner(owner); !ok {
		return nil, ErrOwner
	}
	rows, err := d.db.Images().ByOwner(ctx, owner)
	if err != nil {
		return nil, err
	}
	out := make([]Info, len(rows))
	for i, r := range rows {
		out[i] = Info{Name: r.Name, Created: time.UnixMilli(r.CreatedAt)}
	}
	return out, nil
}

// Delete removes one image.
func (d *DBStore) Delete(ctx context.Context, name string) error {
	return d.db.Images().Delete(ctx, name)
}

// DeleteOwner removes every image of an owner.
func (d *DBStore) DeleteOwner(ctx context.Context, owner string) error {
	if _, _, ok := ParseOwner(owner); !ok {
		return ErrOwner
	}
	return d.db.Images().DeleteByOwner(ctx, owner)
}
