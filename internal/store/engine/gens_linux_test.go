package engine

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The generation file's blocks are allocated when it is mapped: a store
// into a hole of a mapped file on a full disk is a SIGBUS that ends the
// process (the first write after a tmpfs filled up did). A file made by
// an older version (sparse, from a truncate) gets its blocks too, and
// keeps its contents.
func TestGenerationFileIsAllocated(t *testing.T) {
	dir := t.TempDir()
	allocated := func(path string) int64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Blocks * 512
	}
	fresh := filepath.Join(dir, "fresh-authgen")
	if _, err := openGens(fresh); err != nil {
		t.Fatal(err)
	}
	if got := allocated(fresh); got < gensBytes {
		t.Fatalf("a new generation file has %d of its %d bytes allocated", got, gensBytes)
	}
	old := filepath.Join(dir, "old-authgen")
	f, err := os.Create(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(gensBytes); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{7}, 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if allocated(old) >= gensBytes {
		t.Skip("this file system does not make sparse files: nothing to show")
	}
	g, err := openGens(old)
	if err != nil {
		t.Fatal(err)
	}
	if got := allocated(old); got < gensBytes {
		t.Fatalf("a sparse generation file has %d of its %d bytes allocated after mapping", got, gensBytes)
	}
	if g.words[0].Load()&0xff != 7 {
		t.Fatal("allocating changed the file's contents")
	}
}
