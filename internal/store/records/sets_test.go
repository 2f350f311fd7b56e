package records

import (
	"testing"

	"bobbin/internal/store/engine"
	"bobbin/internal/store/storetest"
)

// The set read and writes find their row through an index: no table scan,
// whatever the size (the authenticated request path: internal/store/accounts,
// TestHotPathUsesIndexes).
func TestSetPathUsesIndexes(t *testing.T) {
	db := storetest.Open(t, storetest.URL(t, "sqlite"), true, engine.Open)
	storetest.UsesIndexes(t, db,
		"SELECT "+setColumns+" FROM sets WHERE id = ?",
		"UPDATE sets SET updated_at = updated_at WHERE id = ?",
	)
}
