//go:build unix

package engine

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// openGens maps the generation file beside the SQLite database, shared by
// every Bobbin process using it (the server, `bobbin user ...` run while it
// serves), so a revocation written by any of them reaches every cache.
func openGens(path string) (*Gens, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < gensBytes {
		// Growing with zeroes is what every process would do; a race
		// between two of them ends with the same size and content.
		if err := f.Truncate(gensBytes); err != nil {
			return nil, err
		}
	}
	// The blocks behind the map are allocated now, not at the first
	// store into a page: a store into a hole of a file on a full disk is a
	// SIGBUS that ends the process (seen on a full tmpfs at the first
	// write after the disk filled), where a failed start of the map only
	// turns the cache off.
	if err := allocate(f, gensBytes); err != nil {
		return nil, err
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, gensBytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	if uintptr(unsafe.Pointer(&b[0]))%8 != 0 {
		syscall.Munmap(b)
		return nil, errors.New("store: generation map not aligned")
	}
	words := unsafe.Slice((*atomic.Uint64)(unsafe.Pointer(&b[0])), gensWords)
	return &Gens{words: words}, nil
}
