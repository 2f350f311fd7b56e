package accounts

import (
	"bobbin/internal/auth"

	"context"
	"encoding/json"
	"strings"
)

// User is a decrypted account row.
type User struct {
	ID          int64
	Username    string
	Email       string
	EHash       string
	Initial     string
	IHash       string
	Bio         string
	Data        map[string]any
	Consent     int
	Control     int
	Compare     bool
	Imperial    bool
	Newsletter  bool
	Language    string
	Role        auth.Role
	Status      auth.Status
	Patron      int
	Password    string // encoded hash; "" when none is set
	MFAEnabled  bool
	MFASecret   string
	MFAScratch  []string // hashed scratch codes
	MFALastStep int64
	Img         string
	GitHub      string // the GitHub username the user gave (plain: it is public)
	JWTCalls    int64
	KeyCalls    int64
	LastSeen    int64
	CreatedAt   int64
	UpdatedAt   int64
}

const userColumns = `id, username, email_enc, ehash, initial_enc, ihash, bio_enc, data_enc, consent, control, compare,
 imperial, newsletter, language, role, status, patron, password, mfa_enabled, mfa_secret_enc, mfa_scratch, mfa_last_step,
 img, github, jwt_calls, key_calls, last_seen, created_at, updated_at`

func (st Users) scan(row interface{ Scan(...any) error }) (*User, error) {
	db := st.db
	var u User
	var email, initial, bio, data, secret, scratch string
	err := row.Scan(&u.ID, &u.Username, &email, &u.EHash, &initial, &u.IHash, &bio, &data, &u.Consent, &u.Control,
		&u.Compare, &u.Imperial, &u.Newsletter, &u.Language, &u.Role, &u.Status, &u.Patron, &u.Password, &u.MFAEnabled,
		&secret, &scratch, &u.MFALastStep, &u.Img, &u.GitHub, &u.JWTCalls, &u.KeyCalls, &u.LastSeen, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	v := db.v
	if u.Email, err = v.Decrypt("users.email", email); err != nil {
		return nil, err
	}
	if u.Initial, err = v.Decrypt("users.initial", initial); err != nil {
		return nil, err
	}
	if u.Bio, err = v.Decrypt("users.bio", bio); err != nil {
		return nil, err
	}
	if u.MFASecret, err = v.Decrypt("users.mfa_secret", secret); err != nil {
		return nil, err
	}
	plainData, err := v.Decrypt("users.data", data)
	if err != nil {
		return nil, err
	}
	u.Data = map[string]any{}
	if plainData != "" {
		if err := json.Unmarshal([]byte(plainData), &u.Data); err != nil {
			return nil, err
		}
	}
	if scratch != "" {
		if err := json.Unmarshal([]byte(scratch), &u.MFAScratch); err != nil {
			return nil, err
		}
	}
	return &u, nil
}

// encrypted fields of a user, ready to write.
type userEnc struct{ email, initial, bio, data, secret, scratch string }

func (st Users) enc(u *User) (userEnc, error) {
	db := st.db
	var e userEnc
	var err error
	v := db.v
	if e.email, err = v.Encrypt("users.email", u.Email); err != nil {
		return e, err
	}
	if e.initial, err = v.Encrypt("users.initial", u.Initial); err != nil {
		return e, err
	}
	if e.bio, err = v.Encrypt("users.bio", u.Bio); err != nil {
		return e, err
	}
	if e.secret, err = v.Encrypt("users.mfa_secret", u.MFASecret); err != nil {
		return e, err
	}
	if u.Data == nil {
		u.Data = map[string]any{}
	}
	d, err := json.Marshal(u.Data)
	if err != nil {
		return e, err
	}
	if e.data, err = v.Encrypt("users.data", string(d)); err != nil {
		return e, err
	}
	if len(u.MFAScratch) > 0 {
		s, err := json.Marshal(u.MFAScratch)
		if err != nil {
			return e, err
		}
		e.scratch = string(s)
	}
	return e, nil
}

// CreateUser inserts u and sets u.ID. EHash and IHash are computed from
// Email and Initial. A duplicate email or username is ErrConflict.
func (st Users) Create(ctx context.Context, u *User) error {
	db, q := st.db, st.q
	u.EHash = db.v.EHash(u.Email)
	if u.Initial == "" {
		u.Initial = u.Email
	}
	u.IHash = db.v.EHash(u.Initial)
	if u.CreatedAt == 0 {
		u.CreatedAt = Now()
	}
	u.UpdatedAt = u.CreatedAt
	e, err := (Users{conn{db, db}}).enc(u)
	if err != nil {
		return err
	}
	id, err := insertID(ctx, q, `INSERT INTO users (username, lusername, email_enc, ehash, initial_enc, ihash, bio_enc, data_enc,
 consent, control, compare, imperial, newsletter, language, role, status, patron, password, mfa_enabled, mfa_secret_enc,
 mfa_scratch, mfa_last_step, img, github, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		u.Username, strings.ToLower(u.Username), e.email, u.EHash, e.initial, u.IHash, e.bio, e.data, u.Consent, u.Control,
		u.Compare, u.Imperial, u.Newsletter, u.Language, u.Role, u.Status, u.Patron, u.Password, u.MFAEnabled, e.secret,
		e.scratch, u.MFALastStep, u.Img, u.GitHub, u.CreatedAt, u.UpdatedAt)
	if err != nil {
		return err
	}
	u.ID = id
	return nil
}

// SaveUser writes every mutable field of u and bumps UpdatedAt.
func (st Users) Save(ctx context.Context, u *User) error {
	db, q := st.db, st.q
	u.EHash = db.v.EHash(u.Email)
	u.UpdatedAt = Now()
	e, err := (Users{conn{db, db}}).enc(u)
	if err != nil {
		return err
	}
	res, err := q.Exec(ctx, sqlSaveUser,
		u.Username, strings.ToLower(u.Username), e.email, u.EHash, e.bio, e.data, u.Consent, u.Control, u.Compare,
		u.Imperial, u.Newsletter, u.Language, u.Role, u.Status, u.Patron, u.Password, u.MFAEnabled, e.secret, e.scratch,
		u.MFALastStep, u.Img, u.GitHub, u.UpdatedAt, u.ID)
	st.revokeUser(u.ID) // role, status, consent, ... may have changed
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

var sqlSaveUser = (`UPDATE users SET username=?, lusername=?, email_enc=?, ehash=?, bio_enc=?, data_enc=?, consent=?,
 control=?, compare=?, imperial=?, newsletter=?, language=?, role=?, status=?, patron=?, password=?, mfa_enabled=?,
 mfa_secret_enc=?, mfa_scratch=?, mfa_last_step=?, img=?, github=?, updated_at=? WHERE id=?`)

// UserByID reads one user. Outside a transaction it is answered from the
// principal cache when fresh (cache.go); the copy returned is the caller's.
func (st Users) ByID(ctx context.Context, id int64) (*User, error) {
	db, q := st.db, st.q
	if d, ok := q.(*Base); ok && d == db && db.cache != nil {
		u, err := db.cache.user(ctx, db, id)
		if err != nil {
			return nil, err
		}
		return u.clone(), nil
	}
	return (Users{conn{db, db}}).scan(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// UserByUsername reads a user by username, case-insensitively.
func (st Users) ByUsername(ctx context.Context, username string) (*User, error) {
	db, q := st.db, st.q
	return (Users{conn{db, db}}).scan(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE lusername = ?", strings.ToLower(username)))
}

// UserByEmail reads a user by email through its keyed hash.
func (st Users) ByEmail(ctx context.Context, email string) (*User, error) {
	db, q := st.db, st.q
	return (Users{conn{db, db}}).scan(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE ehash = ?", db.v.EHash(email)))
}

// UsernameTaken reports whether a username (any case) is in use by
// another user than except.
func (st Users) UsernameTaken(ctx context.Context, username string, except int64) (bool, error) {
	db := st.db
	var id int64
	err := db.QueryRow(ctx, "SELECT id FROM users WHERE lusername = ?", strings.ToLower(username)).Scan(&id)
	if err = mapErr(err); err == ErrNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return id != except, nil
}

// DeleteUser removes a user; everything owned goes with it (ON DELETE CASCADE).
func (st Users) Delete(ctx context.Context, id int64) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM users WHERE id = ?", id)
	st.revokeAll() // the user, the sessions and keys that went with it, and the sets (records/setcache.go)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// Principal is what the auth layer needs of a user on every request.
type Principal struct {
	UserID   int64
	Username string
	Role     auth.Role
	Status   auth.Status
	Consent  int
}

// SessionPrincipal reads the user behind a live session (a token's jti).
// It is one indexed read, or none when cached (cache.go); an expired or
// revoked session is ErrNotFound.
func (st Sessions) Principal(ctx context.Context, jti string, now int64) (Principal, error) {
	db := st.db
	var p Principal
	if db.cache != nil {
		s, err := db.cache.session(ctx, db, jti)
		if err != nil {
			return p, err
		}
		if s.expiresAt <= now {
			return p, ErrNotFound
		}
		u, err := db.cache.user(ctx, db, s.userID)
		if err != nil {
			return p, err
		}
		return Principal{UserID: u.ID, Username: u.Username, Role: u.Role, Status: u.Status, Consent: u.Consent}, nil
	}
	err := db.QueryRow(ctx, `SELECT u.id, u.username, u.role, u.status, u.consent FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.id = ? AND s.expires_at > ?`, jti, now).Scan(&p.UserID, &p.Username, &p.Role, &p.Status, &p.Consent)
	return p, mapErr(err)
}

// UsernameOf reads a user's username (for public documents).
func (st Users) UsernameOf(ctx context.Context, userID int64) (string, error) {
	db := st.db
	var name string
	err := db.QueryRow(ctx, "SELECT username FROM users WHERE id = ?", userID).Scan(&name)
	return name, mapErr(err)
}
