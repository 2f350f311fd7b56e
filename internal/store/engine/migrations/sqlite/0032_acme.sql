-- The ACME cache (autocert's Cache, internal/tlsserve): the account key,
-- the certificates with their private keys, and the http-01 challenge
-- tokens of orders in progress, so that replicas sharing the database
-- share one account and one certificate per name, and any replica answers
-- a challenge another one started. k is autocert's cache key (a domain
-- name, "acme_account+key", "<token>+http-01"); data_enc is the value
-- encrypted by the vault (bound to its key), so a dump does not give the
-- TLS private key away.
CREATE TABLE acme_cache (
  k TEXT PRIMARY KEY,
  data_enc TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
