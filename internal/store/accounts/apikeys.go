package accounts

import "context"

// APIKey is a decrypted key row. SecretHash is never shown to clients.
type APIKey struct {
	ID         string
	UserID     int64
	Name       string
	Level      int
	SecretHash []byte
	ExpiresAt  int64
	CreatedAt  int64
	LastSeen   int64
	Calls      int64
}

const keyColumns = "id, user_id, name_enc, level, secret_hash, expires_at, created_at, last_seen, calls"

func (st Keys) scan(row interface{ Scan(...any) error }) (*APIKey, error) {
	db := st.db
	var k APIKey
	var name string
	if err := row.Scan(&k.ID, &k.UserID, &name, &k.Level, &k.SecretHash, &k.ExpiresAt, &k.CreatedAt, &k.LastSeen, &k.Calls); err != nil {
		return nil, mapErr(err)
	}
	var err error
	if k.Name, err = db.v.Decrypt("apikeys.name", name); err != nil {
		return nil, err
	}
	return &k, nil
}

// CreateKey stores a key; CreatedAt is set here.
func (st Keys) Create(ctx context.Context, k *APIKey) error {
	db, q := st.db, st.q
	name, err := db.v.Encrypt("apikeys.name", k.Name)
	if err != nil {
		return err
	}
	if k.CreatedAt == 0 {
		k.CreatedAt = Now()
	}
	_, err = q.Exec(ctx, "INSERT INTO apikeys (id, user_id, name_enc, level, secret_hash, expires_at, created_at) VALUES (?,?,?,?,?,?,?)",
		k.ID, k.UserID, name, k.Level, k.SecretHash, k.ExpiresAt, k.CreatedAt)
	return mapErr(err)
}

// KeyByID reads one key. Outside a transaction it is answered from the
// principal cache when fresh (cache.go).
func (st Keys) ByID(ctx context.Context, id string) (*APIKey, error) {
	db, q := st.db, st.q
	if d, ok := q.(*Base); ok && d == db && db.cache != nil {
		e, err := db.cache.key(ctx, db, id)
		if err != nil {
			return nil, err
		}
		return &APIKey{ID: id, UserID: e.userID, Name: e.name, Level: e.level, SecretHash: e.secretHash, ExpiresAt: e.expiresAt,
			CreatedAt: e.createdAt, LastSeen: e.lastSeen, Calls: e.calls}, nil
	}
	return (Keys{conn{db, db}}).scan(q.QueryRow(ctx, "SELECT "+keyColumns+" FROM apikeys WHERE id = ?", id))
}

// KeysByUser lists a user's keys, newest first.
func (st Keys) ByUser(ctx context.Context, userID int64) ([]*APIKey, error) {
	db, q := st.db, st.q
	rows, err := q.Query(ctx, "SELECT "+keyColumns+" FROM apikeys WHERE user_id = ? ORDER BY created_at DESC, id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*APIKey{}
	for rows.Next() {
		k, err := (Keys{conn{db, db}}).scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeleteKey removes a key; ErrNotFound when it was already gone, so of
// several parallel deletes exactly one succeeds.
func (st Keys) Delete(ctx context.Context, id string) error {
	q := st.q
	res, err := q.Exec(ctx, "DELETE FROM apikeys WHERE id = ?", id)
	st.revokeCred(id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// KeyPrincipal is what the auth layer reads for a Basic request.
type KeyPrincipal struct {
	Principal
	KeyID      string
	Level      int
	SecretHash []byte
	ExpiresAt  int64
}

// KeyPrincipalByID reads a key and its owner in one indexed read, or none
// when cached (cache.go).
func (st Keys) Principal(ctx context.Context, id string) (KeyPrincipal, error) {
	db := st.db
	var p KeyPrincipal
	if db.cache != nil {
		k, err := db.cache.key(ctx, db, id)
		if err != nil {
			return p, err
		}
		u, err := db.cache.user(ctx, db, k.userID)
		if err != nil {
			return p, err
		}
		return KeyPrincipal{Principal: Principal{UserID: u.ID, Username: u.Username, Role: u.Role, Status: u.Status, Consent: u.Consent},
			KeyID: id, Level: k.level, SecretHash: k.secretHash, ExpiresAt: k.expiresAt}, nil
	}
	err := db.QueryRow(ctx, `SELECT k.id, k.level, k.secret_hash, k.expires_at, u.id, u.username, u.role, u.status, u.consent
 FROM apikeys k JOIN users u ON u.id = k.user_id WHERE k.id = ?`, id).Scan(&p.KeyID, &p.Level, &p.SecretHash, &p.ExpiresAt,
		&p.UserID, &p.Username, &p.Role, &p.Status, &p.Consent)
	return p, mapErr(err)
}
