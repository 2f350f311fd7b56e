package tlsserve

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"golang.org/x/crypto/acme/autocert"

	"bobbin/internal/store"
)

// DBCache is autocert's cache in the database (store.ACME, table
// acme_cache): the ACME account key, the certificates with their private
// keys and the http-01 tokens of orders in progress. Replicas on one
// PostgreSQL share it, so they use one account, one certificate per name
// (a replica that starts, or gets its first handshake, after another has
// obtained it serves the same certificate without ordering a new one),
// and any replica answers a challenge that another one started. Values
// are encrypted by the vault; a value that does not decrypt (another
// BACKEND_ENC_KEY) is an error, logged, never taken for a miss, so a
// wrong key does not order new certificates in a loop.
type DBCache struct {
	db  *store.DB
	log *slog.Logger
}

var _ autocert.Cache = (*DBCache)(nil)

// NewDBCache keeps the ACME cache in db.
func NewDBCache(db *store.DB, log *slog.Logger) *DBCache {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &DBCache{db: db, log: log}
}

// Get implements autocert.Cache: autocert.ErrCacheMiss when key is not stored.
func (c *DBCache) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := c.db.ACME().Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, autocert.ErrCacheMiss
	}
	if err != nil {
		c.log.Warn("ACME cache: cannot read an entry", "key", key, "err", err.Error())
		return nil, err
	}
	return b, nil
}

// Put implements autocert.Cache.
func (c *DBCache) Put(ctx context.Context, key string, data []byte) error {
	if err := c.db.ACME().Put(ctx, key, data, store.Now()); err != nil {
		c.log.Warn("ACME cache: cannot store an entry", "key", key, "err", err.Error())
		return err
	}
	return nil
}

// Delete implements autocert.Cache; a key not stored is not an error.
func (c *DBCache) Delete(ctx context.Context, key string) error {
	return c.db.ACME().Delete(ctx, key)
}
