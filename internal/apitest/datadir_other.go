//go:build !linux

package apitest

import "testing"

// dataDir is a fresh data folder for one test server (on Linux, in
// /dev/shm when it has room: datadir_linux.go).
func dataDir(t testing.TB) string { return t.TempDir() }
