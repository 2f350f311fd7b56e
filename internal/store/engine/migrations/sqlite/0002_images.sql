-- Uploaded images, for installs that keep them in the database (the
-- PostgreSQL default: replicas share them). SQLite installs keep images as
-- files under <data dir>/images/; the table exists for symmetry.
-- name is content-addressed per owner: <owner>-<hash>.<ext>.
CREATE TABLE images (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  content_type TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX images_owner ON images(owner);
