-- Uploaded images kept in the database, so stateless replicas share them.
-- name is content-addressed per owner: <owner>-<hash>.<ext>.
CREATE TABLE images (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  content_type TEXT NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX images_owner ON images(owner);
