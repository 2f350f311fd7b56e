package password

import (
	_ "embed"
	"errors"
	"strings"
	"unicode/utf8"
)

// Length limits, in Unicode code points.
const (
	minLength = 8
	maxLength = 1024
)

// Errors returned by Validate.
var (
	ErrTooShort  = errors.New("password: shorter than 8 characters")
	ErrTooLong   = errors.New("password: longer than 1024 characters")
	ErrTooCommon = errors.New("password: one of the most common passwords")
)

// common.txt holds the 1,000 most common passwords, one per line, lower case.
//
//go:embed common.txt
var commonList string

var common = func() map[string]struct{} {
	set := make(map[string]struct{}, 1000)
	for _, line := range strings.Split(commonList, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			set[line] = struct{}{}
		}
	}
	return set
}()

// Validate checks a new password: 8 to 1024 characters counted as Unicode
// code points, nothing truncated, no composition rules, and not one of the
// 1,000 most common passwords (compared after lower-casing, without trimming).
func Validate(password string) error {
	n := utf8.RuneCountInString(password)
	if n < minLength {
		return ErrTooShort
	}
	if n > maxLength {
		return ErrTooLong
	}
	if _, found := common[strings.ToLower(password)]; found {
		return ErrTooCommon
	}
	return nil
}
