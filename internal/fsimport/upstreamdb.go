package fsimport

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// UpstreamSchema is the FreeSewing v3 backend's database as Prisma lays it
// out in SQLite (schema.prisma: one table per model, named after it, with
// camelCase columns; DateTime as Unix milliseconds, Boolean as 0/1). The
// import reads this shape; tests and the generator make it. Columns that
// later upstream versions added (User.data, Apikey.aud, CuratedSet.tags*,
// OptionPack) are here; the import also reads databases without them.
const UpstreamSchema = `
CREATE TABLE "User" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "bio" TEXT NOT NULL DEFAULT '',
  "compare" BOOLEAN NOT NULL DEFAULT true,
  "consent" INTEGER NOT NULL DEFAULT 0,
  "control" INTEGER NOT NULL DEFAULT 1,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "data" TEXT NOT NULL DEFAULT '',
  "ehash" TEXT NOT NULL,
  "email" TEXT NOT NULL,
  "ihash" TEXT NOT NULL,
  "img" TEXT,
  "initial" TEXT NOT NULL,
  "imperial" BOOLEAN NOT NULL DEFAULT false,
  "jwtCalls" INTEGER NOT NULL DEFAULT 0,
  "keyCalls" INTEGER NOT NULL DEFAULT 0,
  "language" TEXT NOT NULL DEFAULT 'en',
  "lastSeen" DATETIME,
  "lusername" TEXT NOT NULL,
  "mfaSecret" TEXT NOT NULL DEFAULT '',
  "mfaEnabled" BOOLEAN NOT NULL DEFAULT false,
  "newsletter" BOOLEAN NOT NULL DEFAULT false,
  "password" TEXT NOT NULL,
  "patron" INTEGER NOT NULL DEFAULT 0,
  "role" TEXT NOT NULL DEFAULT 'user',
  "status" INTEGER NOT NULL DEFAULT 0,
  "updatedAt" DATETIME,
  "username" TEXT NOT NULL
);
CREATE UNIQUE INDEX "User_ehash_key" ON "User"("ehash");
CREATE UNIQUE INDEX "User_lusername_key" ON "User"("lusername");
CREATE INDEX "User_ihash_idx" ON "User"("ihash");
CREATE TABLE "Apikey" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "aud" TEXT NOT NULL DEFAULT '',
  "calls" INTEGER NOT NULL DEFAULT 0,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expiresAt" DATETIME NOT NULL,
  "name" TEXT NOT NULL DEFAULT '',
  "lastSeen" DATETIME,
  "level" INTEGER NOT NULL DEFAULT 0,
  "secret" TEXT NOT NULL,
  "userId" INTEGER NOT NULL,
  CONSTRAINT "Apikey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE TABLE "Bookmark" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "type" TEXT NOT NULL DEFAULT '',
  "title" TEXT NOT NULL DEFAULT '',
  "url" TEXT NOT NULL DEFAULT '',
  "userId" INTEGER NOT NULL,
  CONSTRAINT "Bookmark_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE TABLE "Confirmation" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "data" TEXT NOT NULL,
  "type" TEXT NOT NULL,
  "userId" INTEGER,
  CONSTRAINT "Confirmation_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE TABLE "Subscriber" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "active" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "ehash" TEXT NOT NULL,
  "email" TEXT NOT NULL,
  "language" TEXT NOT NULL DEFAULT 'en',
  "updatedAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "Subscriber_ehash_key" ON "Subscriber"("ehash");
CREATE TABLE "Pattern" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "data" TEXT NOT NULL,
  "design" TEXT NOT NULL,
  "img" TEXT,
  "name" TEXT NOT NULL DEFAULT '',
  "notes" TEXT NOT NULL,
  "setId" INTEGER,
  "csetId" INTEGER,
  "public" BOOLEAN NOT NULL DEFAULT false,
  "settings" TEXT NOT NULL,
  "userId" INTEGER NOT NULL,
  "updatedAt" DATETIME NOT NULL,
  CONSTRAINT "Pattern_setId_fkey" FOREIGN KEY ("setId") REFERENCES "Set" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT "Pattern_csetId_fkey" FOREIGN KEY ("csetId") REFERENCES "CuratedSet" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT "Pattern_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "Pattern_userId_setId_idx" ON "Pattern"("userId", "setId");
CREATE TABLE "Set" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "img" TEXT,
  "imperial" BOOLEAN NOT NULL DEFAULT false,
  "name" TEXT NOT NULL DEFAULT '',
  "notes" TEXT NOT NULL DEFAULT '',
  "userId" INTEGER NOT NULL,
  "measies" TEXT NOT NULL DEFAULT '{}',
  "public" BOOLEAN NOT NULL DEFAULT false,
  "updatedAt" DATETIME NOT NULL,
  CONSTRAINT "Set_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "Set_userId_idx" ON "Set"("userId");
CREATE TABLE "CuratedSet" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "img" TEXT,
  "nameDe" TEXT NOT NULL DEFAULT '', "nameEn" TEXT NOT NULL DEFAULT '', "nameEs" TEXT NOT NULL DEFAULT '',
  "nameFr" TEXT NOT NULL DEFAULT '', "nameNl" TEXT NOT NULL DEFAULT '', "nameUk" TEXT NOT NULL DEFAULT '',
  "notesDe" TEXT NOT NULL DEFAULT '', "notesEn" TEXT NOT NULL DEFAULT '', "notesEs" TEXT NOT NULL DEFAULT '',
  "notesFr" TEXT NOT NULL DEFAULT '', "notesNl" TEXT NOT NULL DEFAULT '', "notesUk" TEXT NOT NULL DEFAULT '',
  "tagsDe" TEXT NOT NULL DEFAULT '{}', "tagsEn" TEXT NOT NULL DEFAULT '{}', "tagsEs" TEXT NOT NULL DEFAULT '{}',
  "tagsFr" TEXT NOT NULL DEFAULT '{}', "tagsNl" TEXT NOT NULL DEFAULT '{}', "tagsUk" TEXT NOT NULL DEFAULT '{}',
  "measies" TEXT NOT NULL DEFAULT '{}',
  "updatedAt" DATETIME NOT NULL
);
CREATE TABLE "OptionPack" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "design" TEXT NOT NULL DEFAULT '',
  "img" TEXT,
  "nameDe" TEXT NOT NULL DEFAULT '', "nameEn" TEXT NOT NULL DEFAULT '', "nameEs" TEXT NOT NULL DEFAULT '',
  "nameFr" TEXT NOT NULL DEFAULT '', "nameNl" TEXT NOT NULL DEFAULT '', "nameUk" TEXT NOT NULL DEFAULT '',
  "notesDe" TEXT NOT NULL DEFAULT '', "notesEn" TEXT NOT NULL DEFAULT '', "notesEs" TEXT NOT NULL DEFAULT '',
  "notesFr" TEXT NOT NULL DEFAULT '', "notesNl" TEXT NOT NULL DEFAULT '', "notesUk" TEXT NOT NULL DEFAULT '',
  "tagsDe" TEXT NOT NULL DEFAULT '{}', "tagsEn" TEXT NOT NULL DEFAULT '{}', "tagsEs" TEXT NOT NULL DEFAULT '{}',
  "tagsFr" TEXT NOT NULL DEFAULT '{}', "tagsNl" TEXT NOT NULL DEFAULT '{}', "tagsUk" TEXT NOT NULL DEFAULT '{}',
  "options" TEXT NOT NULL DEFAULT '{}',
  "updatedAt" DATETIME NOT NULL
);
`

// Upstream writes an upstream-shaped database (tests, the generator).
type Upstream struct {
	DB     *sql.DB
	Cipher *Cipher
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt
}

// CreateUpstream makes a new upstream database at path with UpstreamSchema,
// whose fields Enc encrypts under encKey.
func CreateUpstream(path, encKey string) (*Upstream, error) {
	c, err := NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(UpstreamSchema); err != nil {
		db.Close()
		return nil, err
	}
	return &Upstream{DB: db, Cipher: c, stmts: map[string]*sql.Stmt{}}, nil
}

// Enc encrypts v as upstream stores it; it panics only if randomness fails.
func (u *Upstream) Enc(v any) string {
	s, err := u.Cipher.Encrypt(v)
	if err != nil {
		panic(err)
	}
	return s
}

// Begin and Commit group inserts into one transaction (the generator).
func (u *Upstream) Begin() error {
	tx, err := u.DB.Begin()
	u.tx = tx
	return err
}

// Commit ends the transaction Begin started.
func (u *Upstream) Commit() error {
	if u.tx == nil {
		return errors.New("fsimport: no transaction")
	}
	err := u.tx.Commit()
	u.tx = nil
	for k, s := range u.stmts {
		s.Close()
		delete(u.stmts, k)
	}
	return err
}

// Insert adds one row of values as stored (encrypt personal fields with Enc
// first). Columns left out take the table's defaults.
func (u *Upstream) Insert(table string, row map[string]any) error {
	cols := make([]string, 0, len(row))
	for c := range row {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	q := `INSERT INTO "` + table + `" ("` + strings.Join(cols, `", "`) + `") VALUES (?` + strings.Repeat(",?", len(cols)-1) + ")"
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = row[c]
	}
	if u.tx == nil {
		_, err := u.DB.Exec(q, args...)
		return err
	}
	s := u.stmts[q]
	if s == nil {
		var err error
		if s, err = u.tx.PrepareContext(context.Background(), q); err != nil {
			return err
		}
		u.stmts[q] = s
	}
	_, err := s.Exec(args...)
	return err
}

// Close closes the database.
func (u *Upstream) Close() error { return u.DB.Close() }

// HashV3 stores a password or an API key secret the way upstream does:
// {"type":"v3","hash": hex scrypt(secret, salt, 64),"salt": hex salt}.
func HashV3(secret string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := scrypt.Key([]byte(secret), salt, 16384, 8, 1, 64)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]string{"type": "v3", "hash": hex.EncodeToString(key), "salt": hex.EncodeToString(salt)})
	return string(b), err
}

// HashV2 stores a password as upstream kept FreeSewing v2's: bcrypt, cost 10.
func HashV2(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), 10)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]string{"type": "v2", "data": string(h)})
	return string(b), err
}

// quoteIdent quotes a table or column name for SQLite.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

var _ = fmt.Sprint
