package tlsserve

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/acme/autocert"

	"bobbin/internal/store"
	"bobbin/internal/store/storetest"
	"bobbin/internal/vault"
)

// sharedDatabase makes an empty database of the dialect for one test (a
// SQLite file, or a PostgreSQL database of its own, skipped with the reason
// when PostgreSQL is not configured).
func sharedDatabase(t *testing.T, dialect string) string { return storetest.URL(t, dialect) }

// openDB opens one handle on the database at dbURL, as one replica does,
// with the root secret root; migrate says whether this handle migrates.
func openDB(t *testing.T, dbURL, root string, migrate bool) *store.DB {
	t.Helper()
	v, err := vault.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return storetest.OpenVault(t, dbURL, v, migrate, store.Open)
}

var dialects = []string{"sqlite", "postgres"}

// TestDBCache checks autocert's cache in the database, on a SQLite file and
// on PostgreSQL: a miss is autocert.ErrCacheMiss itself (autocert compares
// with ==), values come back byte for byte, are replaced and deleted, the
// stored column holds neither the value nor its base64, a value moved
// under another key does not open, and a replica with another root secret
// gets an error, not a miss (which would order new certificates).
func TestDBCache(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dbURL := sharedDatabase(t, dialect)
			root := strings.Repeat("r", 32)
			db := openDB(t, dbURL, root, true)
			c := NewDBCache(db, nil)

			if _, err := c.Get(ctx, "bobbin.test"); err != autocert.ErrCacheMiss {
				t.Fatalf("Get of a missing key: %v, want autocert.ErrCacheMiss", err)
			}
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			der, err := x509.MarshalECPrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			secret := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
			binary := []byte{0, 0xff, 0xfe, '\n', 0x80, 'x'} // not UTF-8
			for k, v := range map[string][]byte{"bobbin.test": secret, "acme_account+key": binary} {
				if err := c.Put(ctx, k, v); err != nil {
					t.Fatal(err)
				}
				got, err := c.Get(ctx, k)
				if err != nil || !bytes.Equal(got, v) {
					t.Fatalf("Get(%s) = %q, %v; want %q", k, got, err, v)
				}
			}

			// At rest: no PEM, no key bytes, no base64 of either.
			var stored string
			if err := db.QueryRow(ctx, "SELECT data_enc FROM acme_cache WHERE k = ?", "bobbin.test").Scan(&stored); err != nil {
				t.Fatal(err)
			}
			for _, leak := range []string{"PRIVATE KEY", string(der), base64.StdEncoding.EncodeToString(der)[:24], string(secret[30:60])} {
				if strings.Contains(stored, leak) {
					t.Fatalf("the stored value holds %q: %s", leak, stored)
				}
			}
			if stored == "" {
				t.Fatal("nothing stored")
			}

			// Put again replaces.
			if err := c.Put(ctx, "acme_account+key", []byte("second")); err != nil {
				t.Fatal(err)
			}
			if got, err := c.Get(ctx, "acme_account+key"); err != nil || string(got) != "second" {
				t.Fatalf("after a second Put: %q, %v", got, err)
			}

			// The value is bound to its key: copied under another, it does not open.
			if _, err := db.Exec(ctx, "INSERT INTO acme_cache (k, data_enc, updated_at) VALUES (?, ?, 0)", "evil.test", stored); err != nil {
				t.Fatal(err)
			}
			if got, err := c.Get(ctx, "evil.test"); err == nil || err == autocert.ErrCacheMiss {
				t.Fatalf("a value moved under another key: %q, %v", got, err)
			}

			// Another root secret (a misconfigured replica): an error, not a miss.
			other := NewDBCache(openDB(t, dbURL, strings.Repeat("o", 32), false), nil)
			if got, err := other.Get(ctx, "bobbin.test"); err == nil || errors.Is(err, autocert.ErrCacheMiss) {
				t.Fatalf("read with another root secret: %q, %v", got, err)
			}
			// The same root secret (another replica): the same value.
			same := NewDBCache(openDB(t, dbURL, root, false), nil)
			if got, err := same.Get(ctx, "bobbin.test"); err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("another replica read %q, %v", got, err)
			}

			if err := c.Delete(ctx, "bobbin.test"); err != nil {
				t.Fatal(err)
			}
			if _, err := same.Get(ctx, "bobbin.test"); err != autocert.ErrCacheMiss {
				t.Fatalf("Get after Delete: %v", err)
			}
			if err := c.Delete(ctx, "never.stored"); err != nil {
				t.Fatalf("Delete of a missing key: %v", err)
			}

			// A cancelled context is honoured, not ignored.
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := c.Get(cancelled, "acme_account+key"); err == nil {
				t.Fatal("Get ran with a cancelled context")
			}
		})
	}
}
