package records

import "context"

// Stats are the public counts of GET /info/stats.
type Stats struct {
	Users, Sets, CuratedSets, Patterns, Bookmarks, APIKeys, Subscribers int64
	JWTCalls, KeyCalls                                                  int64
	Designs                                                             map[string]int64 // patterns per design
}

// Stats counts rows (the counts in one statement, so they agree). Call
// totals are what the activity recorder has flushed so far.
func (st Info) Stats(ctx context.Context) (*Stats, error) {
	db := st.db
	var s Stats
	err := db.QueryRow(ctx, `SELECT
 (SELECT COUNT(*) FROM users),
 (SELECT COUNT(*) FROM sets),
 (SELECT COUNT(*) FROM curated_sets),
 (SELECT COUNT(*) FROM patterns),
 (SELECT COUNT(*) FROM bookmarks),
 (SELECT COUNT(*) FROM apikeys),
 (SELECT COUNT(*) FROM subscribers),
 (SELECT CAST(COALESCE(SUM(jwt_calls), 0) AS BIGINT) FROM users),
 (SELECT CAST(COALESCE(SUM(key_calls), 0) AS BIGINT) FROM users)`).Scan(&s.Users, &s.Sets, &s.CuratedSets,
		&s.Patterns, &s.Bookmarks, &s.APIKeys, &s.Subscribers, &s.JWTCalls, &s.KeyCalls)
	if err != nil {
		return nil, mapErr(err)
	}
	rows, err := db.Query(ctx, "SELECT design, COUNT(*) FROM patterns GROUP BY design")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s.Designs = map[string]int64{}
	for rows.Next() {
		var d string
		var n int64
		if err := rows.Scan(&d, &n); err != nil {
			return nil, err
		}
		s.Designs[d] = n
	}
	return &s, rows.Err()
}

// UserCount is the number of accounts (GET /info/users).
func (st Info) UserCount(ctx context.Context) (int64, error) {
	var n int64
	err := st.q.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, mapErr(err)
}
