//go:build !unix

package engine

// freeBytes is not measured here: the max_page_count check and the
// writes' own SQLITE_FULL still say when the database is full.
func freeBytes(string) (uint64, bool) { return 0, false }
