package records

import (
	"context"
	"errors"
)

// The ACME cache (table acme_cache, migration 0032): what autocert keeps
// between starts (internal/tlsserve), in the database so that replicas on
// one PostgreSQL share it. Keys are autocert's cache keys, values its
// bytes, encrypted by the vault with the key bound as associated data: a
// value cannot be read from a dump, nor moved under another key (a
// certificate's private key served as another name's).

// acmeField is the vault field of the value stored under key.
func acmeField(key string) string { return "acme_cache.data:" + key }

// Get reads the value stored under key; ErrNotFound when there is none.
func (st ACME) Get(ctx context.Context, key string) ([]byte, error) {
	var enc string
	if err := st.q.QueryRow(ctx, "SELECT data_enc FROM acme_cache WHERE k = ?", key).Scan(&enc); err != nil {
		return nil, mapErr(err)
	}
	if enc == "" {
		return nil, errors.New("store: empty ACME cache entry")
	}
	plain, err := st.db.v.Decrypt(acmeField(key), enc)
	if err != nil {
		return nil, err
	}
	return []byte(plain), nil
}

// Put stores data under key, replacing what was there; at is the time of
// the write in Unix ms.
func (st ACME) Put(ctx context.Context, key string, data []byte, at int64) error {
	enc, err := st.db.v.Encrypt(acmeField(key), string(data))
	if err != nil {
		return err
	}
	_, err = st.q.Exec(ctx, `INSERT INTO acme_cache (k, data_enc, updated_at) VALUES (?, ?, ?)
 ON CONFLICT (k) DO UPDATE SET data_enc = excluded.data_enc, updated_at = excluded.updated_at`, key, enc, at)
	return mapErr(err)
}

// Delete removes the value under key; none there is not an error.
func (st ACME) Delete(ctx context.Context, key string) error {
	_, err := st.q.Exec(ctx, "DELETE FROM acme_cache WHERE k = ?", key)
	return mapErr(err)
}
