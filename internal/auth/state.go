package auth

import (
	"strconv"

	"bobbin/internal/apierr"
)

// Status is an account's state (spec/auth.md, "Account state").
type Status int

// The states. Only StatusActive passes authentication.
const (
	StatusDisabled    Status = -2 // disabled by an admin
	StatusRestricted  Status = -1 // restricted by the user
	StatusUnconfirmed Status = 0  // signed up, not yet confirmed
	StatusActive      Status = 1
)

// Valid reports whether s is one of the four states.
func (s Status) Valid() bool { return s >= StatusDisabled && s <= StatusActive }

// String names the state as operators read it.
func (s Status) String() string {
	switch s {
	case StatusDisabled:
		return "disabled"
	case StatusRestricted:
		return "restricted"
	case StatusUnconfirmed:
		return "unconfirmed"
	case StatusActive:
		return "active"
	}
	return "status " + strconv.Itoa(int(s))
}

// Refused reports whether an account in this role and state is refused
// every credential and every mail (a blocked role, or disabled by an admin).
func Refused(r Role, s Status) bool { return r == RoleBlocked || s == StatusDisabled }

// Problem is the one place that says what an account's state refuses on
// an authenticated request: the code to answer, or 0 when it passes.
//   - blocked role, or disabled by an admin (-2): accountBlocked
//   - restricted by the user (-1): accountDisabled
//   - any other state but active: accountInactive
//   - consent below 1: consentLacking
func Problem(r Role, s Status, consent int) apierr.Code {
	switch {
	case Refused(r, s):
		return apierr.AccountBlocked
	case s == StatusRestricted:
		return apierr.AccountDisabled
	case s != StatusActive:
		return apierr.AccountInactive
	case consent < 1:
		return apierr.ConsentLacking
	}
	return 0
}

// SignInProblem is what a sign-in with the right credentials answers for
// an account's state (api.md: accountBlocked, statusLacking), or 0. Consent
// is told apart by the caller, which still issues a guest token.
func SignInProblem(r Role, s Status) apierr.Code {
	switch {
	case Refused(r, s):
		return apierr.AccountBlocked
	case s != StatusActive:
		return apierr.StatusLacking
	}
	return 0
}
