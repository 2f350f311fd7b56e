package accounts

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
// meantime are skipped silently. Counters revoke nothing: the cached users
// and keys are counted in place once the commit is done (cache.go), and
// other replicas are told which to read again.
func (st Activity) Flush(ctx context.Context, users map[int64]UserActivity, keys map[string]KeyActivity) error {
	db := st.db
	if len(users) == 0 && len(keys) == 0 {
		return nil
	}
	if db.cache != nil {
		db.cache.startFlush()
	}
	err := db.Write(ctx, func(tx *Tx) error {
		for id, a := range users {
			if _, err := tx.Exec(ctx, sqlFlushUser, a.JWTCalls, a.KeyCalls, a.LastSeen, a.LastSeen, id); err != nil {
				return err
			}
			tx.NotifyRemote(userStripe(id))
		}
		for id, a := range keys {
			if _, err := tx.Exec(ctx, sqlFlushKey, a.Calls, a.LastSeen, a.LastSeen, id); err != nil {
				return err
			}
			tx.NotifyRemote(credStripe(id))
		}
		return nil
	})
	if db.cache != nil {
		db.cache.counted(err == nil, users, keys)
	}
	return err
}

var (
	sqlFlushUser = (`UPDATE users SET jwt_calls = jwt_calls + ?, key_calls = key_calls + ?,
 last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? END WHERE id = ?`)
	sqlFlushKey = (`UPDATE apikeys SET calls = calls + ?,
 last_seen = CASE WHEN last_seen > ? THEN last_seen ELSE ? END WHERE id = ?`)
)
