package accounts

import "context"

// Identity links an account to a subject at a sign-in provider (github,
// google, or a configured OpenID Connect issuer). A subject links to one
// account; an account links to a provider at most once.
type Identity struct {
	ID         int64
	UserID     int64
	Provider   string
	Subject    string
	Email      string // as the provider last told it
	CreatedAt  int64
	LastUsedAt int64
}

// Create stores a link and sets its id; ErrConflict when the subject or
// the account's link to that provider exists.
func (st Identities) Create(ctx context.Context, it *Identity) error {
	email, err := st.db.v.Encrypt("user_identities.email", it.Email)
	if err != nil {
		return err
	}
	it.ID, err = insertID(ctx, st.q, "INSERT INTO user_identities (user_id, provider, subject, email_enc, created_at, last_used_at) VALUES (?,?,?,?,?,?)",
		it.UserID, it.Provider, it.Subject, email, it.CreatedAt, it.LastUsedAt)
	st.revokeUser(it.UserID) // the account answer lists the links (cached, also when there were none)
	return err
}

func (st Identities) scan(row interface{ Scan(...any) error }) (*Identity, error) {
	var it Identity
	var email string
	if err := row.Scan(&it.ID, &it.UserID, &it.Provider, &it.Subject, &email, &it.CreatedAt, &it.LastUsedAt); err != nil {
		return nil, mapErr(err)
	}
	var err error
	if it.Email, err = st.db.v.Decrypt("user_identities.email", email); err != nil {
		return nil, err
	}
	return &it, nil
}

const identityColumns = "id, user_id, provider, subject, email_enc, created_at, last_used_at"

// BySubject reads the link of a provider's subject.
func (st Identities) BySubject(ctx context.Context, provider, subject string) (*Identity, error) {
	return st.scan(st.q.QueryRow(ctx, "SELECT "+identityColumns+" FROM user_identities WHERE provider = ? AND subject = ?", provider, subject))
}

// OfUser lists an account's links, oldest first.
func (st Identities) OfUser(ctx context.Context, userID int64) ([]Identity, error) {
	return st.read(ctx, userID)
}

// SigninMethods is what the account answer shows of how the user signs
// in: the provider links, oldest first, and the number of passkeys. Read
// outside a transaction, it comes from the principal cache when that is
// on (every write of links and passkeys revokes the user's stripe).
func (st Identities) SigninMethods(ctx context.Context, userID int64) ([]Identity, int, error) {
	db, q := st.db, st.q
	if d, ok := q.(*Base); ok && d == db && db.cache != nil {
		return db.cache.signinMethods(ctx, db, userID)
	}
	links, err := st.read(ctx, userID)
	if err != nil {
		return nil, 0, err
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM passkeys WHERE user_id = ?", userID).Scan(&n); err != nil {
		return nil, 0, mapErr(err)
	}
	return links, n, nil
}

func (st Identities) read(ctx context.Context, userID int64) ([]Identity, error) {
	rows, err := st.q.Query(ctx, "SELECT "+identityColumns+" FROM user_identities WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		it, err := st.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	return out, rows.Err()
}

// Used records a sign-in through the link and the email the provider told.
func (st Identities) Used(ctx context.Context, id int64, email string, at int64) error {
	enc, err := st.db.v.Encrypt("user_identities.email", email)
	if err != nil {
		return err
	}
	var userID int64
	err = st.q.QueryRow(ctx, "UPDATE user_identities SET email_enc = ?, last_used_at = ? WHERE id = ? RETURNING user_id", enc, at, id).Scan(&userID)
	if err = mapErr(err); err != nil {
		return err
	}
	st.revokeUser(userID) // the account answer shows the link's email and last use
	return nil
}

// Delete removes an account's link to a provider; ErrNotFound when none.
func (st Identities) Delete(ctx context.Context, userID int64, provider string) error {
	res, err := st.q.Exec(ctx, "DELETE FROM user_identities WHERE user_id = ? AND provider = ?", userID, provider)
	st.revokeUser(userID) // the account answer lists the links
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// Passkey is a WebAuthn credential of an account. Credential is the
// library's JSON of it (public key, sign counter, flags, transports);
// CredentialID is its id, base64url; UserHandle the user handle it was
// registered under.
type Passkey struct {
	ID           int64
	UserID       int64
	CredentialID string
	UserHandle   string
	Name         string
	Credential   string
	CreatedAt    int64
	LastUsedAt   int64
}

const passkeyColumns = "id, user_id, credential_id, user_handle, name, credential, created_at, last_used_at"

func scanPasskey(row interface{ Scan(...any) error }) (*Passkey, error) {
	var p Passkey
	err := row.Scan(&p.ID, &p.UserID, &p.CredentialID, &p.UserHandle, &p.Name, &p.Credential, &p.CreatedAt, &p.LastUsedAt)
	return &p, mapErr(err)
}

// Create stores a passkey and sets its id; ErrConflict when its
// credential id is registered already.
func (st Passkeys) Create(ctx context.Context, p *Passkey) error {
	var err error
	p.ID, err = insertID(ctx, st.q, "INSERT INTO passkeys (user_id, credential_id, user_handle, name, credential, created_at, last_used_at) VALUES (?,?,?,?,?,?,?)",
		p.UserID, p.CredentialID, p.UserHandle, p.Name, p.Credential, p.CreatedAt, p.LastUsedAt)
	st.revokeUser(p.UserID) // the account answer counts the passkeys
	return err
}

// ByCredentialID reads the passkey of a credential id.
func (st Passkeys) ByCredentialID(ctx context.Context, credentialID string) (*Passkey, error) {
	p, err := scanPasskey(st.q.QueryRow(ctx, "SELECT "+passkeyColumns+" FROM passkeys WHERE credential_id = ?", credentialID))
	if err != nil {
		return nil, err
	}
	return p, nil
}

// OfUser lists an account's passkeys, oldest first.
func (st Passkeys) OfUser(ctx context.Context, userID int64) ([]Passkey, error) {
	rows, err := st.q.Query(ctx, "SELECT "+passkeyColumns+" FROM passkeys WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// Used stores the credential after a sign-in (new counter, flags) and when.
// It changes nothing when the stored credential is no longer prev: a
// parallel sign-in with the same passkey won, and the caller refuses.
func (st Passkeys) Used(ctx context.Context, id int64, prev, credential string, at int64) error {
	res, err := st.q.Exec(ctx, "UPDATE passkeys SET credential = ?, last_used_at = ? WHERE id = ? AND credential = ?", credential, at, id, prev)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// Delete removes an own passkey; ErrNotFound when the account has none by that id.
func (st Passkeys) Delete(ctx context.Context, userID, id int64) error {
	res, err := st.q.Exec(ctx, "DELETE FROM passkeys WHERE user_id = ? AND id = ?", userID, id)
	st.revokeUser(userID) // the account answer counts the passkeys
	if err != nil {
		return err
	}
	return mustAffect(res)
}
