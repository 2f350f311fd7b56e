-- bobbin import freesewing (internal/fsimport, internal/store/import.go).
-- A key imported from FreeSewing keeps upstream's hash of its secret here
-- until its first successful use, which replaces it with Bobbin's keyed hash
-- in secret_hash and empties this column. '' for every other key.
ALTER TABLE apikeys ADD COLUMN legacy_secret TEXT NOT NULL DEFAULT '';

-- What the import wrote, so that a second run writes only rows that are new
-- or changed upstream: one row per imported upstream row, with a digest of
-- its upstream columns.
CREATE TABLE fsimport_rows (
  tbl TEXT NOT NULL,
  id TEXT NOT NULL,
  digest TEXT NOT NULL,
  imported_at BIGINT NOT NULL,
  PRIMARY KEY (tbl, id)
);
