-- Usernames are unique by their confusable skeleton (internal/ident:
-- PRECIS UsernameCaseMapped, then UTS #39), not only by lower case.
-- NULL until filled: the backfill (identifiers.go, run by `bobbin migrate`)
-- gives every existing user theirs, in id order; a user whose skeleton an
-- earlier user already holds keeps NULL and is reported, never merged.
-- NULLs do not collide in a UNIQUE index, so the index holds from now on:
-- two new look-alikes cannot both be written, on any replica.
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX users_username_skeleton ON users(username_skeleton);
