//go:build !race

package api_test

// raceEnabled reports whether the race detector is on: it slows CPU work
// several times more than I/O, so timing comparisons are made without it.
const raceEnabled = false
