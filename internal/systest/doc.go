// Package systest holds system tests that build the real bobbin binary,
// run it as a separate process on a free port and a temporary data
// folder, and do to it what a host does: kill -9 under a write load,
// SIGTERM with a request in flight, restarts. It has no code of its own;
// see systest_test.go. The tests are skipped, with the reason, where the
// go tool is not available to build the binary.
package systest
