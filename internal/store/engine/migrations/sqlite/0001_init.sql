-- Bobbin schema, SQLite. Timestamps are Unix milliseconds; booleans 0/1.
-- Columns named *_enc hold AES-GCM ciphertext (see internal/vault).
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO meta (k, v) VALUES ('ready', '1');

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL,
  lusername TEXT NOT NULL UNIQUE,
  email_enc TEXT NOT NULL,
  ehash TEXT NOT NULL UNIQUE,
  initial_enc TEXT NOT NULL,
  ihash TEXT NOT NULL,
  bio_enc TEXT NOT NULL DEFAULT '',
  data_enc TEXT NOT NULL DEFAULT '',
  consent INTEGER NOT NULL DEFAULT 0,
  control INTEGER NOT NULL DEFAULT 1,
  compare INTEGER NOT NULL DEFAULT 1,
  imperial INTEGER NOT NULL DEFAULT 0,
  newsletter INTEGER NOT NULL DEFAULT 0,
  language TEXT NOT NULL DEFAULT 'en',
  role TEXT NOT NULL DEFAULT 'user',
  status INTEGER NOT NULL DEFAULT 0,
  patron INTEGER NOT NULL DEFAULT 0,
  password TEXT NOT NULL DEFAULT '',
  mfa_enabled INTEGER NOT NULL DEFAULT 0,
  mfa_secret_enc TEXT NOT NULL DEFAULT '',
  mfa_scratch TEXT NOT NULL DEFAULT '',
  mfa_last_step INTEGER NOT NULL DEFAULT 0,
  img TEXT NOT NULL DEFAULT '',
  jwt_calls INTEGER NOT NULL DEFAULT 0,
  key_calls INTEGER NOT NULL DEFAULT 0,
  last_seen INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE apikeys (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name_enc TEXT NOT NULL,
  level INTEGER NOT NULL,
  secret_hash BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL DEFAULT 0,
  calls INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX apikeys_user ON apikeys(user_id);

CREATE TABLE confirmations (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  data_enc TEXT NOT NULL DEFAULT '',
  check_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX confirmations_user ON confirmations(user_id);

CREATE TABLE sets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name_enc TEXT NOT NULL,
  notes_enc TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 0,
  imperial INTEGER NOT NULL DEFAULT 0,
  measies_enc TEXT NOT NULL DEFAULT '',
  img TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX sets_user ON sets(user_id);

CREATE TABLE patterns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  design TEXT NOT NULL,
  name_enc TEXT NOT NULL DEFAULT '',
  notes_enc TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 0,
  settings_enc TEXT NOT NULL DEFAULT '',
  data_enc TEXT NOT NULL DEFAULT '',
  img TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX patterns_user ON patterns(user_id);

CREATE TABLE bookmarks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX bookmarks_user ON bookmarks(user_id);

CREATE TABLE curated_sets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name_de TEXT NOT NULL DEFAULT '', name_en TEXT NOT NULL DEFAULT '', name_es TEXT NOT NULL DEFAULT '',
  name_fr TEXT NOT NULL DEFAULT '', name_nl TEXT NOT NULL DEFAULT '', name_uk TEXT NOT NULL DEFAULT '',
  notes_de TEXT NOT NULL DEFAULT '', notes_en TEXT NOT NULL DEFAULT '', notes_es TEXT NOT NULL DEFAULT '',
  notes_fr TEXT NOT NULL DEFAULT '', notes_nl TEXT NOT NULL DEFAULT '', notes_uk TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  measies TEXT NOT NULL DEFAULT '{}',
  height INTEGER NOT NULL DEFAULT 0,
  info TEXT NOT NULL DEFAULT '',
  published INTEGER NOT NULL DEFAULT 0,
  img TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE option_packs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  design TEXT NOT NULL,
  name_de TEXT NOT NULL DEFAULT '', name_en TEXT NOT NULL DEFAULT '', name_es TEXT NOT NULL DEFAULT '',
  name_fr TEXT NOT NULL DEFAULT '', name_nl TEXT NOT NULL DEFAULT '', name_uk TEXT NOT NULL DEFAULT '',
  notes_de TEXT NOT NULL DEFAULT '', notes_en TEXT NOT NULL DEFAULT '', notes_es TEXT NOT NULL DEFAULT '',
  notes_fr TEXT NOT NULL DEFAULT '', notes_nl TEXT NOT NULL DEFAULT '', notes_uk TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  options TEXT NOT NULL DEFAULT '{}',
  info TEXT NOT NULL DEFAULT '',
  img TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE suggestions (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  data_enc TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE subscribers (
  id TEXT PRIMARY KEY,
  email_enc TEXT NOT NULL,
  ehash TEXT NOT NULL UNIQUE,
  language TEXT NOT NULL DEFAULT 'en',
  active INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  method TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_user_at ON audit(user_id, at);
CREATE INDEX audit_at ON audit(at);
