package engine

import (
	"errors"
	"os"
)

// ErrFileMoved is returned for a write when the SQLite database file is no
// longer at its path (moved, deleted, its volume unmounted). SQLite in WAL
// mode keeps writing to the file it has open: writes to a deleted file
// would be acknowledged and then lost when the process ends, so they are
// refused instead (503), and /ready fails, until the file is back.
var ErrFileMoved = errors.New("store: the SQLite database file is no longer at its path")

// rememberFile records the identity (device and inode) of the open file.
func rememberFile(db *Pool, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	db.path, db.file = path, fi
	return nil
}

// checkFile fails when the path no longer names the file that is open.
// One stat per write transaction; nothing for PostgreSQL.
func checkFile(db *Pool) error {
	if db.file == nil {
		return nil
	}
	fi, err := os.Stat(db.path)
	if err != nil || !os.SameFile(fi, db.file) {
		return ErrFileMoved
	}
	return nil
}
