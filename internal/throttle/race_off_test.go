//go:build !race

package throttle

// A million distinct keys (issue 12's flood) against a table of 16,384.
const floodKeys, floodCapacity = 1_000_000, 1 << 14

const raceEnabled = false
