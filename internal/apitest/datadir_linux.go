package apitest

import (
	"os"
	"syscall"
	"testing"
)

// dataDir is a fresh data folder for one test server: in memory-backed
// /dev/shm when it has room (a real SQLite file whose fsyncs cost
// nothing, as the test PostgreSQL runs with fsync=off), else t.TempDir().
// A container's /dev/shm is often 64 MiB, too small for sixteen servers'
// WALs at once, so it is used only with at least 1 GiB free. The
// durability tests (kill -9 of a server: internal/systest) make their own
// folders on disk and are not affected.
func dataDir(t testing.TB) string {
	const shm = "/dev/shm"
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err == nil && uint64(st.Bavail)*uint64(st.Bsize) >= 1<<30 {
		if dir, err := os.MkdirTemp(shm, "bobbin-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}
