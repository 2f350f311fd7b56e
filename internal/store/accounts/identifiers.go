package accounts

import (
	"context"
	"sort"

	"bobbin/internal/ident"
)

// Usernames are unique by their confusable skeleton (internal/ident), kept
// in users.username_skeleton under a UNIQUE index (migration 0030). NULL
// means "not filled yet" or "left out because an earlier user holds it";
// NULLs never collide, so the index holds for every row that has one.

// UserRef names a user in a report.
type UserRef struct {
	ID       int64
	Username string
}

// UsernameCollision is a set of existing users whose usernames share a
// skeleton: Holder keeps it, the Others were left without one (and can
// still sign in; an operator decides, e.g. by renaming).
type UsernameCollision struct {
	Skeleton string
	Holder   UserRef
	Others   []UserRef
}

var (
	sqlSkeletonHolder = ("SELECT id, username FROM users WHERE username_skeleton = ?")
	sqlSetSkeleton    = ("UPDATE users SET username_skeleton = ? WHERE id = ?")
	sqlFillSkeleton   = ("UPDATE users SET username_skeleton = ? WHERE id = ? AND username_skeleton IS NULL")
	sqlUnfilled       = ("SELECT id, username FROM users WHERE username_skeleton IS NULL AND id > ? ORDER BY id LIMIT ?")
)

// SkeletonHolder answers the id of the user whose username has this
// skeleton (ErrNotFound when none): a new or changed username with a taken
// skeleton is 400 usernameTaken.
func (st Users) SkeletonHolder(ctx context.Context, skeleton string) (int64, error) {
	var id int64
	var name string
	err := st.q.QueryRow(ctx, sqlSkeletonHolder, skeleton).Scan(&id, &name)
	return id, mapErr(err)
}

// SetSkeleton records a user's skeleton, in the transaction that
// creates the user or changes the username. Another user holding it is
// ErrConflict, also when two replicas write look-alikes at once (the
// UNIQUE index decides).
func (st Users) SetSkeleton(ctx context.Context, userID int64, skeleton string) error {
	res, err := st.q.Exec(ctx, sqlSetSkeleton, skeleton, userID)
	st.revokeUser(userID) // nothing cached holds the skeleton; said for the cache's audit
	if err != nil {
		return mapErr(err)
	}
	return mustAffect(res)
}

// backfillBatch is how many users one transaction fills.
const backfillBatch = 500

// BackfillSkeletons gives every user without a skeleton theirs, in
// id order (so the oldest account keeps a contested skeleton), and reports
// every user left without one because another holds it. It never changes
// a username or merges accounts. It is safe to run again (each `bobbin
// migrate` does): filled rows are skipped, and the collisions still
// unresolved are reported again.
func (st Users) BackfillSkeletons(ctx context.Context) ([]UsernameCollision, error) {
	db := st.db
	found := map[string]*UsernameCollision{}
	after := int64(0)
	for {
		var batch []UserRef
		rows, err := db.Query(ctx, sqlUnfilled, after, backfillBatch)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var u UserRef
			if err := rows.Scan(&u.ID, &u.Username); err != nil {
				rows.Close()
				return nil, err
			}
			batch = append(batch, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].ID
		err = db.Write(ctx, func(tx *Tx) error {
			for _, u := range batch {
				sk := ident.Skeleton(u.Username)
				var holder UserRef
				err := tx.QueryRow(ctx, sqlSkeletonHolder, sk).Scan(&holder.ID, &holder.Username)
				switch err = mapErr(err); {
				case err == nil:
					c := found[sk]
					if c == nil {
						c = &UsernameCollision{Skeleton: sk, Holder: holder}
						found[sk] = c
					}
					c.Others = append(c.Others, u)
				case err == ErrNotFound:
					if _, err := tx.Exec(ctx, sqlFillSkeleton, sk, u.ID); err != nil {
						return mapErr(err)
					}
				default:
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	invalidate(db, db, true) // a migration step: nothing cached holds the skeleton, but say so
	out := make([]UsernameCollision, 0, len(found))
	for _, c := range found {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Holder.ID < out[j].Holder.ID })
	return out, nil
}
