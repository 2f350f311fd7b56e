package accounts

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"bobbin/internal/store/engine"
)

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

// flushChunk bounds the rows one flush statement writes (about 20 KB of
// JSON): a flush of 8,000 rows is 16 statements, not 8,000, and none is huge.
const flushChunk = 500

// Flush adds the counters in one transaction, one statement per table and
// chunk of rows: the rows go in as one JSON argument, read as a table
// (json_each on SQLite, jsonb_to_recordset on PostgreSQL) and joined to
// the table by its primary key, so the writer's time per flush no longer
// grows by a statement per row. Rows deleted in the meantime are skipped
// silently (the join finds nothing). Ids are written in order, so two
// replicas flushing at once lock the rows in the same order. Counters
// revoke nothing: the cached users and keys are counted in place once
// the commit is done (cache.go), and other replicas are told which to
// read again.
func (st Activity) Flush(ctx context.Context, users map[int64]UserActivity, keys map[string]KeyActivity) error {
	db := st.db
	if len(users) == 0 && len(keys) == 0 {
		return nil
	}
	if db.cache != nil {
		db.cache.startFlush()
	}
	userSQL, keySQL := sqlFlushUsers.in(db.dialect), sqlFlushKeys.in(db.dialect)
	err := db.Write(ctx, func(tx *Tx) error {
		for ids := range slices.Chunk(slices.Sorted(maps.Keys(users)), flushChunk) {
			rows := make([]userFlushRow, len(ids))
			for i, id := range ids {
				a := users[id]
				rows[i] = userFlushRow{id, a.JWTCalls, a.KeyCalls, a.LastSeen}
				tx.NotifyRemote(userStripe(id))
			}
			if err := execJSON(ctx, tx, userSQL, rows); err != nil {
				return err
			}
		}
		for ids := range slices.Chunk(slices.Sorted(maps.Keys(keys)), flushChunk) {
			rows := make([]keyFlushRow, len(ids))
			for i, id := range ids {
				a := keys[id]
				rows[i] = keyFlushRow{id, a.Calls, a.LastSeen}
				tx.NotifyRemote(credStripe(id))
			}
			if err := execJSON(ctx, tx, keySQL, rows); err != nil {
				return err
			}
		}
		return nil
	})
	if db.cache != nil {
		db.cache.counted(err == nil, users, keys)
	}
	return err
}

// The rows of a flush statement, as its JSON argument carries them.
type userFlushRow struct {
	ID       int64 `json:"i"`
	JWTCalls int64 `json:"j"`
	KeyCalls int64 `json:"k"`
	LastSeen int64 `json:"s"`
}

type keyFlushRow struct {
	ID       string `json:"i"`
	Calls    int64  `json:"c"`
	LastSeen int64  `json:"s"`
}

// execJSON runs query with rows, JSON-encoded, as its one argument.
func execJSON[R any](ctx context.Context, tx *Tx, query string, rows []R) error {
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, query, string(b))
	return err
}

// flushSQL is a flush statement whose FROM clause, the rows of its JSON
// argument as a table a, depends on the engine.
type flushSQL struct{ query, sqlite, postgres string }

// On SQLite the statement is UPDATE OR FAIL: a failing row ends the
// statement without undoing the rows before it, which spares SQLite the
// statement journal a multi-row UPDATE otherwise writes (a copy of every
// page it changes, to a temporary file); any error fails the whole flush,
// whose transaction (or savepoint) is then rolled back.
func (f flushSQL) in(d engine.Dialect) string {
	if d == engine.Postgres {
		return strings.Replace(f.query, "{rows}", f.postgres, 1)
	}
	q := strings.Replace(f.query, "UPDATE ", "UPDATE OR FAIL ", 1)
	return strings.Replace(q, "{rows}", f.sqlite, 1)
}

var (
	sqlFlushUsers = flushSQL{
		query: `UPDATE users SET jwt_calls = jwt_calls + a.j, key_calls = key_calls + a.k,
 last_seen = CASE WHEN last_seen > a.s THEN last_seen ELSE a.s END FROM {rows} WHERE users.id = a.i`,
		sqlite:   `(SELECT value->>'i' AS i, value->>'j' AS j, value->>'k' AS k, value->>'s' AS s FROM json_each(?)) AS a`,
		postgres: `jsonb_to_recordset(?::jsonb) AS a(i BIGINT, j BIGINT, k BIGINT, s BIGINT)`,
	}
	sqlFlushKeys = flushSQL{
		query: `UPDATE apikeys SET calls = calls + a.c,
 last_seen = CASE WHEN last_seen > a.s THEN last_seen ELSE a.s END FROM {rows} WHERE apikeys.id = a.i`,
		sqlite:   `(SELECT value->>'i' AS i, value->>'c' AS c, value->>'s' AS s FROM json_each(?)) AS a`,
		postgres: `jsonb_to_recordset(?::jsonb) AS a(i TEXT, c BIGINT, s BIGINT)`,
	}
)
