// Package measure knows the measurement names a set may hold (a copy of
// the spec's measurements.txt, embedded) and cleans client input down to
// what may be stored: known names with positive finite numbers.
package measure

import (
	_ "embed"
	"encoding/json"
	"math"
	"strings"
)

//go:embed measurements.txt
var list string

// Names is every known measurement name, in the order of the list.
var Names []string

var known = map[string]bool{}

func init() {
	for _, line := range strings.Split(list, "\n") {
		if name := strings.TrimSpace(line); name != "" && !known[name] {
			known[name] = true
			Names = append(Names, name)
		}
	}
}

// Known reports whether name is a measurement name (exact, case-sensitive).
func Known(name string) bool { return known[name] }

// Set is a clean set of measurements: known names to positive finite
// numbers (millimetres; shoulderSlope in degrees).
type Set map[string]float64

// value reads one raw JSON value as a measurement: ok only for a JSON
// number that is finite and above zero.
func value(raw json.RawMessage) (float64, bool) {
	var f float64
	s := strings.TrimSpace(string(raw))
	if s == "" || s[0] == '"' || s == "null" {
		return 0, false
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, false
	}
	return f, f > 0 && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// Clean keeps the known names whose values are positive finite numbers and
// silently drops everything else (unknown names, strings, zero, negative,
// null, nested values).
func Clean(in map[string]json.RawMessage) Set {
	out := Set{}
	for name, raw := range in {
		if !known[name] {
			continue
		}
		if f, ok := value(raw); ok {
			out[name] = f
		}
	}
	return out
}

// Merge applies an update to a stored set and returns the result (stored
// is not modified): a known name with a positive finite number is set,
// a known name with null is deleted, and everything else is ignored (an
// invalid value leaves the stored one alone).
func Merge(stored Set, update map[string]json.RawMessage) Set {
	out := make(Set, len(stored)+len(update))
	for name, f := range stored {
		if known[name] {
			out[name] = f
		}
	}
	for name, raw := range update {
		if !known[name] {
			continue
		}
		if strings.TrimSpace(string(raw)) == "null" {
			delete(out, name)
			continue
		}
		if f, ok := value(raw); ok {
			out[name] = f
		}
	}
	return out
}
