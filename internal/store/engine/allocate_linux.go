package engine

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// allocate gives the first n bytes of f their disk blocks (the contents
// are kept: a range already allocated is left as it is). A file system
// without fallocate is left to allocate at the first store.
func allocate(f *os.File, n int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, n)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		return nil
	}
	return err
}
