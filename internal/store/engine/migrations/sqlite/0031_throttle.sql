-- Abuse limits counted in the database, once for every replica
-- (throttle.go). Keys are keyed hashes (vault.Check), never the address,
-- name or key id itself. One row per (limiter, key): the window starts at
-- the key's first event and the count restarts when it ends.
CREATE TABLE throttle_counts (
  limiter TEXT NOT NULL,
  k TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (limiter, k)
);
CREATE INDEX throttle_counts_window ON throttle_counts(limiter, window_start);

-- Addresses that signed in to an account successfully (the sign-in policy's
-- "known" addresses), at most a few per account, as keyed hashes.
CREATE TABLE signin_known (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  k TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (user_id, k)
);
