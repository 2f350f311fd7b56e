//go:build race

package throttle

// Under the race detector every map access is instrumented about tenfold:
// the floods are a tenth as long, against a table a tenth as large, so the
// flood still overflows the table many times over.
const floodKeys, floodCapacity = 100_000, 1 << 11

const raceEnabled = true
