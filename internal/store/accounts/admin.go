package accounts

import (
	"bobbin/internal/auth"

	"context"
	"strconv"
	"strings"
)

// SearchUsers finds accounts for support staff: usernames containing q
// (case-insensitive), the account whose email is exactly q (through its
// keyed hash) and the account whose id is q. At most limit rows, by id.
func (st Users) Search(ctx context.Context, query string, limit int) ([]*User, error) {
	db, q := st.db, st.q
	query = strings.TrimSpace(query)
	like := "%" + adminLikeEscaper.Replace(strings.ToLower(query)) + "%"
	var id int64
	if n, err := strconv.ParseInt(query, 10, 64); err == nil && n > 0 {
		id = n
	}
	rows, err := q.Query(ctx, "SELECT "+userColumns+` FROM users WHERE lusername LIKE ? ESCAPE '\' OR ehash = ? OR id = ?
 ORDER BY id LIMIT ?`, like, db.v.EHash(query), id, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*User{}
	for rows.Next() {
		u, err := (Users{conn{db, db}}).scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// adminLikeEscaper makes user text literal inside a LIKE pattern (ESCAPE '\').
var adminLikeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// AdminChange is what an admin may change on an account; nil leaves a
// field alone.
type AdminChange struct {
	Role       *auth.Role
	Status     *auth.Status
	DisableMFA bool // clears the MFA secret, scratch codes and last step too
}

// AdminUpdateUser writes only the fields an admin changes, so it never
// overwrites what the user changed meanwhile.
func (st Users) AdminUpdate(ctx context.Context, id int64, c AdminChange, now int64) error {
	q := st.q
	if c.Role != nil {
		if err := adminAffect(q.Exec(ctx, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", *c.Role, now, id)); err != nil {
			return err
		}
	}
	if c.Status != nil {
		if err := adminAffect(q.Exec(ctx, "UPDATE users SET status = ?, updated_at = ? WHERE id = ?", *c.Status, now, id)); err != nil {
			return err
		}
	}
	if c.DisableMFA {
		if err := adminAffect(q.Exec(ctx, `UPDATE users SET mfa_enabled = ?, mfa_secret_enc = '', mfa_scratch = '', mfa_last_step = 0,
 updated_at = ? WHERE id = ?`, false, now, id)); err != nil {
			return err
		}
	}
	st.revokeUser(id)
	return nil
}

func adminAffect(res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}
