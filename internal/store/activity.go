package store

import "context"

// UserActivity is what piled up for one user since the last flush.
type UserActivity struct {
	JWTCalls, KeyCalls int64
	LastSeen           int64
}

// KeyActivity is what piled up for one key since the last flush.
type KeyActivity struct {
	Calls    int64
	LastSeen int64
}

// FlushActivity adds the counters in one transaction. Rows deleted in the
// meantime are skipped silently.
func (st Activity) Flush(ctx context.Context, users map[int64]UserActivity, keys map[string]KeyActivity) error {
	db := st.db
	if len(users) == 0 && len(keys) == 0 {
		return nil
	}
	return db.Write(ctx, func(tx *Tx) error {
		for id, a := range users {
			if _, err := tx.exec(ctx, sqlFlushUser, a.JWTCalls, a.KeyCalls, a.LastSeen, a.LastSeen, id); err != nil {
				return err
			}
			// Counters only, but a cached user shows them: refresh it.
			tx.Activity().revokeUser(id)
		}
		for id, a := range keys {
			// Cached keys hold no counters: nothing to invalidate.
			if _, err := tx.exec(ctx, sqlFlushKey, a.Calls, a.LastSeen, a.LastSeen, id); err != nil {
				return err
			}
		}
		return nil
	})
}

var (
	sqlFlushUser = (`UPDATE users SET jwt_calls = jwt_calls + ?, key_calls = key_calls + ?,
 last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? END WHERE id = ?`)
	sqlFlushKey = (`UPDATE apikeys SET calls = calls + ?,
 last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? END WHERE id = ?`)
)
