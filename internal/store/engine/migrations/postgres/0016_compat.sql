-- Issue 10 (what FreeSewing v3 clients expect).
-- Patterns name the measurements they were made for, as upstream: a set
-- (set_id) or a curated set (cset_id), each NULL when absent. Deleting the
-- set or curated set leaves the pattern, without it.
ALTER TABLE patterns ADD COLUMN set_id BIGINT REFERENCES sets(id) ON DELETE SET NULL;
ALTER TABLE patterns ADD COLUMN cset_id BIGINT REFERENCES curated_sets(id) ON DELETE SET NULL;
CREATE INDEX patterns_set ON patterns(set_id);
CREATE INDEX patterns_cset ON patterns(cset_id);
-- The account's GitHub username (PATCH /account github), as upstream.
ALTER TABLE users ADD COLUMN github TEXT NOT NULL DEFAULT '';
-- When the sign-in that began a session happened (Unix ms; 0: not a sign-in,
-- e.g. impersonation): a password change needs no currentPassword within
-- 15 minutes of it (auth.md).
ALTER TABLE sessions ADD COLUMN signed_in_at BIGINT NOT NULL DEFAULT 0;
