package engine

import "database/sql"

// PoolStats reports the connection pools' statistics by pool name ("write",
// and "read" where reads have a pool of their own), for the metrics.
func (d *Pool) PoolStats() map[string]sql.DBStats {
	out := map[string]sql.DBStats{"write": d.w.Stats()}
	if d.r != nil && d.r != d.w {
		out["read"] = d.r.Stats()
	}
	return out
}
