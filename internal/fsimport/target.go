package fsimport

import "context"

// Target is everything the import needs of Bobbin's database: one narrow
// interface, so that the import does not depend on how internal/store is
// shaped (target_store.go adapts today's store to it).
type Target interface {
	// Digests returns the digests recorded by earlier runs for these
	// upstream ids of table; ids never imported are absent.
	Digests(ctx context.Context, table string, ids []string) (map[string]string, error)
	// Apply writes one batch in one transaction: each item's record and its
	// digest. A record the target refuses (a username or email another
	// account holds, an id taken by an account made in Bobbin) is returned
	// with the reason and leaves nothing behind; the other items are
	// written. With commit false (--dry-run) the checks run and nothing is
	// kept: users and subscribers are written and rolled back (their
	// checks read what the batch wrote); rows of the other tables, whose
	// owners a dry run never keeps, are checked but not written.
	Apply(ctx context.Context, b *Batch, commit bool) ([]Skip, error)
	// Finish runs once all tables are done: sequences past the highest
	// ids, and the legacy token settings and sessions when l is not nil.
	Finish(ctx context.Context, l *LegacyJWT, commit bool) error
}

// Batch is a run of rows of one upstream table.
type Batch struct {
	Table string
	Items []Item
}

// Item is one row to write: its upstream id, the digest of its upstream
// columns, and the record (*User, *Key, *Set, *Pattern, *Bookmark,
// *CuratedSet, *OptionPack or *Subscriber).
type Item struct {
	ID     string
	Digest string
	New    bool // no earlier run imported it: its id must be free in Bobbin
	Record any
}

// Skip is a row left out, and why.
type Skip struct {
	Table  string `json:"table"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// LegacyJWT is what the server needs to accept upstream's tokens.
type LegacyJWT struct {
	Secret, Issuer, Audience string
	IssuedBefore             int64 // Unix seconds
	SessionsUntil            int64 // Unix ms: the legacy sessions' expiry
}

// The records, in Bobbin's terms, decrypted. Times are Unix milliseconds.

type User struct {
	ID                                 int64
	Username, Email, Initial, Bio      string
	Data                               map[string]any
	Consent, Control, Status, Patron   int
	Compare, Imperial, Newsletter, MFA bool
	Language, Role, Password           string
	MFASecret, Img                     string
	JWTCalls, KeyCalls, LastSeen       int64
	CreatedAt, UpdatedAt               int64
}

type Key struct {
	ID                                    string
	UserID                                int64
	Name                                  string
	Level                                 int
	LegacySecret                          string // upstream's {"type":"v3",...} hash of the secret
	ExpiresAt, CreatedAt, LastSeen, Calls int64
}

type Set struct {
	ID, UserID           int64
	Name, Notes, Img     string
	Public, Imperial     bool
	Measies              map[string]float64
	CreatedAt, UpdatedAt int64
}

type Pattern struct {
	ID, UserID               int64
	Design, Name, Notes, Img string
	Public                   bool
	Settings, Data           map[string]any
	CreatedAt, UpdatedAt     int64
}

type Bookmark struct {
	ID, UserID           int64
	Type, Title, URL     string
	CreatedAt, UpdatedAt int64
}

type Subscriber struct {
	ID, Email, Language  string
	Active               bool
	CreatedAt, UpdatedAt int64
}

// Names and notes by language, in the order de, en, es, fr, nl, uk.
type CuratedSet struct {
	ID                   int64
	Name, Notes          [6]string
	Tags                 [6][]string // by store.CuratedLangs
	Measies              map[string]float64
	Height               int64
	Info, Img            string
	Published            bool
	CreatedAt, UpdatedAt int64
}

type OptionPack struct {
	ID                   int64
	Design               string
	Name, Notes          [6]string
	Tags                 [6][]string // by store.CuratedLangs
	Options              map[string]any
	Info, Img            string
	CreatedAt, UpdatedAt int64
}
