// Package ident prepares the identifiers people choose: usernames and
// emails. A username is prepared under the PRECIS UsernameCaseMapped
// profile (RFC 8265) and kept unique by its confusable skeleton (Unicode
// UTS #39, data from go.mau.fi/util/confusable, generated from Unicode's
// confusables.txt), so that `admin`, `ａｄｍｉｎ`, `аdmin` (Cyrillic а),
// `admın` (dotless i) and `Ådmin` (U+212B) cannot be five accounts. An
// email is trimmed and NFC-normalised, and refused when it hides
// characters a reader cannot see or names an IP address.
//
// Errors are the apierr codes the API answers with (400 usernameInvalid,
// usernameTooShort, usernameTooLong, emailInvalid, emailMissing).
package ident

import (
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"bobbin/internal/apierr"
)

// Username limits, in characters of the prepared form.
const (
	MinUsername = 2
	MaxUsername = 64
)

// Name is a username prepared for storage and comparison.
type Name struct {
	// Display is what the person typed, width-mapped and NFC-normalised
	// with its case kept (PRECIS UsernameCasePreserved): the username shown.
	Display string
	// Key is the UsernameCaseMapped form (also case-folded): two
	// usernames with the same Key are the same username.
	Key string
	// Skeleton is the confusable skeleton of Key: two usernames with the
	// same Skeleton look alike and cannot both exist.
	Skeleton string
}

// Username prepares a new username (signup, rename). Beyond the PRECIS
// profile it keeps Bobbin's rule that a username is letters, digits and
// . _ - only, and not all digits, so it never looks like an email or a
// numeric id.
func Username(raw string) (Name, error) {
	if !utf8.ValidString(raw) {
		return Name{}, apierr.UsernameInvalid
	}
	display, err := precis.UsernameCasePreserved.String(raw)
	if err != nil {
		return Name{}, apierr.UsernameInvalid
	}
	key, err := precis.UsernameCaseMapped.String(raw)
	if err != nil {
		return Name{}, apierr.UsernameInvalid
	}
	n := utf8.RuneCountInString(key)
	if n < MinUsername {
		return Name{}, apierr.UsernameTooShort
	}
	if n > MaxUsername || utf8.RuneCountInString(display) > MaxUsername {
		return Name{}, apierr.UsernameTooLong
	}
	allDigits := true
	for i, r := range display {
		if !unicode.IsDigit(r) {
			allDigits = false
		}
		if !usernameRune(r, i) {
			return Name{}, apierr.UsernameInvalid
		}
	}
	// The key too: case mapping can add a mark the display did not have
	// ("İ" maps to "i" and U+0307), and a name must prepare again to the
	// same key (FuzzUsername).
	for i, r := range key {
		if !usernameRune(r, i) {
			return Name{}, apierr.UsernameInvalid
		}
	}
	if allDigits {
		return Name{}, apierr.UsernameInvalid
	}
	return Name{Display: display, Key: key, Skeleton: skeleton(key)}, nil
}

// usernameRune is what a username holds at byte offset i: letters,
// digits, '.', '_', '-', and after the first character the nonspacing
// marks that letters carry where no precomposed form exists (the dot of
// "i̇", the case mapping of "İ"; skeletons drop them, so they make no
// look-alike).
func usernameRune(r rune, i int) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-' || (i > 0 && unicode.Is(unicode.Mn, r))
}

// Skeleton is the skeleton of any stored username, also one that the
// profile would refuse today (rows older than this package): it never
// fails, so every existing row gets one.
func Skeleton(username string) string {
	if key, err := precis.UsernameCaseMapped.String(username); err == nil {
		return skeleton(key)
	}
	// Refused by the profile: the closest preparation that cannot fail.
	s := norm.NFKC.String(strings.ToValidUTF8(username, "\uFFFD"))
	return skeleton(strings.ToLower(s))
}

// skeleton is the UTS #39 skeleton (NFD, map each character to its
// prototype, NFD) with, beyond UTS #39, every nonspacing mark removed and
// the result case-folded: `Ådmin` and `admin` differ only by a ring above,
// which is not enough to tell two accounts apart.
func skeleton(key string) string {
	s := confusable.Skeleton(key)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	// A prototype can itself have a prototype once marks are gone or case
	// is folded (e.g. a capital the table maps to): map once more, so the
	// result does not depend on which form the person typed.
	s = confusable.Skeleton(b.String())
	b.Reset()
	for _, r := range s {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// AutoPrefix starts the username Bobbin gives a new account: "user-<id>".
const AutoPrefix = "user-"

// AutoUsername is the prepared username of a new account with this id.
func AutoUsername(id int64) Name {
	n, err := Username(AutoPrefix + strconv.FormatInt(id, 10))
	if err != nil {
		panic("ident: the automatic username is refused: " + err.Error())
	}
	return n
}

// digitOf inverts the skeletons of the ASCII digits (UTS #39 maps 0 to o
// and 1 to l; the others are their own).
var digitOf = func() map[rune]byte {
	m := map[rune]byte{}
	for d := byte('0'); d <= '9'; d++ {
		for _, r := range skeleton(string(rune(d))) {
			m[r] = d
		}
	}
	return m
}()

// Automatic reports whether n looks like the automatic username of an
// account (AutoUsername), and whose: a person choosing `user-1o` would
// otherwise hold the skeleton that signup number 10 is to get. A handler
// lets a user take back their own automatic name and refuses anyone
// else's (400 usernameTaken), whether or not that account exists yet.
func (n Name) Automatic() (id int64, ok bool) {
	rest, found := strings.CutPrefix(n.Skeleton, skeleton(AutoPrefix))
	if !found || rest == "" || len(rest) > 19 {
		return 0, false
	}
	digits := make([]byte, 0, len(rest))
	for _, r := range rest {
		d, isDigit := digitOf[r]
		if !isDigit {
			return 0, false
		}
		digits = append(digits, d)
	}
	if digits[0] == '0' {
		return 0, false // "user-05" is no account's name
	}
	v, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return v, true
}

// MaxEmail is the longest address in octets (RFC 5321's 256-octet path
// less the angle brackets).
const MaxEmail = 254

// Email prepares an email address: trimmed and NFC-normalised. It refuses
// (400 emailInvalid) invalid UTF-8, control, format (zero-width space,
// bidi controls, soft hyphen), private-use and unassigned characters, any
// space or separator, a display name or comment, an IP-literal or numeric
// IP domain, a domain without a dot, and addresses over 254 octets or
// with a local part over 64. An empty address is 400 emailMissing.
func Email(raw string) (string, error) {
	e := strings.TrimSpace(raw)
	if e == "" {
		return "", apierr.EmailMissing
	}
	if !utf8.ValidString(e) {
		return "", apierr.EmailInvalid
	}
	e = norm.NFC.String(e)
	if len(e) > MaxEmail {
		return "", apierr.EmailInvalid
	}
	for _, r := range e {
		if invisible(r) || r == '<' || r == '>' || r == '"' || r == '\\' || r == '(' || r == ')' {
			return "", apierr.EmailInvalid
		}
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", apierr.EmailInvalid
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at > 64 {
		return "", apierr.EmailInvalid
	}
	domain := e[at+1:]
	if domain == "" || strings.HasPrefix(domain, "[") || !strings.Contains(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.HasPrefix(domain, ".") || strings.Contains(domain, "..") {
		return "", apierr.EmailInvalid
	}
	if _, err := netip.ParseAddr(domain); err == nil {
		return "", apierr.EmailInvalid
	}
	return e, nil
}

// invisible: characters an address must not hold because a reader cannot
// see them or they reorder what is seen.
func invisible(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
		return true
	case unicode.IsSpace(r), unicode.Is(unicode.Z, r):
		return true
	case unicode.Is(unicode.Variation_Selector, r), unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		return true
	case !unicode.Is(unicode.L, r) && !unicode.Is(unicode.M, r) && !unicode.Is(unicode.N, r) &&
		!unicode.Is(unicode.P, r) && !unicode.Is(unicode.S, r):
		return true // unassigned (Cn)
	}
	return false
}
