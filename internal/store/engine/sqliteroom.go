package engine

import (
	"context"
	"errors"
	"path/filepath"
)

// ErrFull is /ready's answer when the SQLite database has no room for a
// write that needs a page: its file is at max_page_count with no free
// page, or the disk it is on has less than minFreeBytes left. A ready
// probe that rewrites an existing row needs no new page (and its WAL
// frame may reuse space the WAL file already has), so it passes on a full
// disk; this check is what makes /ready fail there, as the writes do.
var ErrFull = errors.New("store: the SQLite database has no room for writes (disk full)")

// minFreeBytes is the least free space /ready asks of the database's
// disk: room for a write transaction's pages in the WAL and the
// checkpoint that follows.
const minFreeBytes = 4 << 20

// checkRoom fails with ErrFull when the SQLite database cannot grow;
// nothing for PostgreSQL (its server says so in the probe's write).
func checkRoom(ctx context.Context, db *Pool) error {
	if db.file == nil {
		return nil
	}
	var pages, limit, free int64
	if err := db.w.QueryRowContext(ctx, "SELECT page_count, max_page_count, freelist_count FROM pragma_page_count, pragma_max_page_count, pragma_freelist_count").Scan(&pages, &limit, &free); err != nil {
		return err
	}
	if pages >= limit && free == 0 {
		return ErrFull
	}
	if avail, ok := freeBytes(filepath.Dir(db.path)); ok && avail < minFreeBytes {
		return ErrFull
	}
	return nil
}
