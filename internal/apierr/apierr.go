// Package apierr is the one list of errors Bobbin answers with. Each has an
// HTTP status and a stable camelCase code; clients branch on the code, so a
// code, once shipped, never changes meaning. Handlers return these; the api
// package alone turns them into answers.
package apierr

import (
	"fmt"
	"time"
)

// Error is an answer-worthy error.
type Error struct {
	Status     int
	Code       string
	RetryAfter time.Duration  // for 429 and 503: sets Retry-After
	Extra      map[string]any // extra fields in the error body (rare)
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Code) }

// With returns a copy carrying extra body fields.
func (e *Error) With(k string, v any) *Error {
	c := *e
	c.Extra = map[string]any{}
	for ek, ev := range e.Extra {
		c.Extra[ek] = ev
	}
	c.Extra[k] = v
	return &c
}

// Retry returns a copy with a Retry-After.
func (e *Error) Retry(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

func e(status int, code string) *Error { return &Error{Status: status, Code: code} }

// BadRequest makes a 400 with a field-specific code (e.g. "bioInvalid").
func BadRequest(code string) *Error { return e(400, code) }

// The stable list. Grouped by status; keep it sorted within a group.
var (
	// 400
	PostBodyMissing          = e(400, "postBodyMissing")
	InvalidJSON              = e(400, "invalidJson")
	EmailMissing             = e(400, "emailMissing")
	EmailInvalid             = e(400, "emailInvalid")
	LanguageMissing          = e(400, "languageMissing")
	UnsupportedLanguage      = e(400, "unsupportedLanguage")
	ConsentRequired          = e(400, "consentRequired")
	ConsentInvalid           = e(400, "consentInvalid")
	UsernameMissing          = e(400, "usernameMissing")
	UsernameTooShort         = e(400, "usernameTooShort")
	UsernameTooLong          = e(400, "usernameTooLong")
	UsernameInvalid          = e(400, "usernameInvalid")
	UsernameTaken            = e(400, "usernameTaken")
	PasswordMissing          = e(400, "passwordMissing")
	PasswordTooShort         = e(400, "passwordTooShort")
	PasswordTooLong          = e(400, "passwordTooLong")
	PasswordTooCommon        = e(400, "passwordTooCommon")
	CurrentPasswordMissing   = e(400, "currentPasswordMissing")
	NameMissing              = e(400, "nameMissing")
	LevelMissing             = e(400, "levelMissing")
	LevelNotNumeric          = e(400, "levelNotNumeric")
	InvalidLevel             = e(400, "invalidLevel")
	ExpiresInMissing         = e(400, "expiresInMissing")
	ExpiresIsNotNumeric      = e(400, "expiresIsNotNumeric")
	ExpiresIsHigherThanMax   = e(400, "expiresIsHigherThanMaximum")
	ExpiresIsLowerThanMin    = e(400, "expiresIsLowerThanMinimum")
	KeyLevelExceedsRoleLevel = e(400, "keyLevelExceedsRoleLevel")
	ControlInvalid           = e(400, "controlInvalid")
	MFAActive                = e(400, "mfaActive")
	InvalidMFASetting        = e(400, "invalidMfaSetting")
	MFATokenMissing          = e(400, "mfaTokenMissing")
	IDInvalid                = e(400, "idInvalid")
	// 401
	AuthenticationFailed = e(401, "authenticationFailed")
	SignInFailed         = e(401, "signInFailed")
	// 403
	InsufficientAccessLevel = e(403, "insufficientAccessLevel")
	AccountBlocked          = e(403, "accountBlocked")
	AccountDisabled         = e(403, "accountDisabled")
	AccountInactive         = e(403, "accountInactive")
	StatusLacking           = e(403, "statusLacking")
	MFATokenRequired        = e(403, "mfaTokenRequired")
	MFATokenInvalid         = e(403, "mfaTokenInvalid")
	// 404, 405, 413
	NotFound         = e(404, "notFound")
	MethodNotAllowed = e(405, "methodNotAllowed")
	BodyTooLarge     = e(413, "bodyTooLarge")
	UnsupportedMedia = e(415, "unsupportedMediaType")
	// 429, 451
	TooManyRequests = e(429, "tooManyRequests")
	ConsentLacking  = e(451, "consentLacking")
	// 5xx
	ServerError = e(500, "serverError")
	Busy        = e(503, "serviceBusy")
	Unavailable = e(503, "serviceUnavailable")
)
