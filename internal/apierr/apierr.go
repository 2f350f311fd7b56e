// Package apierr is the one list of errors Bobbin answers with. Each Code
// has an HTTP status and a stable camelCase wire name; clients branch on
// the name, so a code, once shipped, never changes meaning. The list is
// closed: codes are constants of this package (codes.go), so no other
// package can make one at run time or change one. Handlers return a Code,
// or an *Error when the answer needs a Retry-After or the log a cause; the
// HTTP layer alone turns them into answers.
package apierr

import (
	"errors"
	"fmt"
	"time"
)

// Code is one entry of the closed list.
type Code uint16

type entry struct {
	status int
	name   string
}

// Status is the HTTP status the code answers with.
func (c Code) Status() int {
	if c == none || c >= numCodes {
		return 500
	}
	return table[c].status
}

// Name is the wire name ("postBodyMissing").
func (c Code) Name() string {
	if c == none || c >= numCodes {
		return "serverError"
	}
	return table[c].name
}

func (c Code) Error() string { return fmt.Sprintf("%d %s", c.Status(), c.Name()) }

// Retry returns the code with a Retry-After (for 429 and 503).
func (c Code) Retry(d time.Duration) *Error { return &Error{Code: c, RetryAfter: d} }

// Because returns the code carrying the error that caused it, for the log
// line; the answer is the code's alone.
func (c Code) Because(cause error) *Error { return &Error{Code: c, Cause: cause} }

// Error is a code with what its answer or its log line needs beyond it.
type Error struct {
	Code       Code
	RetryAfter time.Duration // sets Retry-After
	Cause      error         // logged, never answered
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code.Error() + ": " + e.Cause.Error()
	}
	return e.Code.Error()
}

// Unwrap gives errors.Is/As the code and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Code, e.Cause}
	}
	return []error{e.Code}
}

// From finds the answer an error carries: its code and Retry-After. ok is
// false for an error that carries no code (an internal failure).
func From(err error) (c Code, retry time.Duration, ok bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, e.RetryAfter, true
	}
	if errors.As(err, &c) {
		return c, 0, true
	}
	return 0, 0, false
}

// All lists every code (for tests and the OpenAPI description).
func All() []Code {
	out := make([]Code, 0, numCodes-1)
	for c := none + 1; c < numCodes; c++ {
		out = append(out, c)
	}
	return out
}

// ByName finds a code by its wire name.
func ByName(name string) (Code, bool) {
	for c := none + 1; c < numCodes; c++ {
		if table[c].name == name {
			return c, true
		}
	}
	return 0, false
}

// Invalid is the code for a body field of the wrong JSON type: the field's
// "<field>Invalid" code where the list has one, else invalidJson.
func Invalid(field string) Code {
	if c, ok := byName[field+"Invalid"]; ok {
		return c
	}
	return InvalidJSON
}

// TooLong is the "<field>TooLong" code of a field, else invalidJson.
func TooLong(field string) Code {
	if c, ok := byName[field+"TooLong"]; ok {
		return c
	}
	return InvalidJSON
}

var byName = func() map[string]Code {
	m := make(map[string]Code, numCodes)
	for c := none + 1; c < numCodes; c++ {
		m[table[c].name] = c
	}
	return m
}()
