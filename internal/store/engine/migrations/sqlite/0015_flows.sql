-- Flows: what people submit for the operator (issues, discussions, blog and
-- showcase posts, language suggestions). Title and text are encrypted.
CREATE TABLE flow_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  slug TEXT NOT NULL DEFAULT '',
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  title_enc TEXT NOT NULL,
  text_enc TEXT NOT NULL,
  remote_url TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX flow_items_kind_slug ON flow_items(kind, slug);
