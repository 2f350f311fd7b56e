package store

import (
	"bobbin/internal/store/accounts"
	"bobbin/internal/store/engine"
	"bobbin/internal/store/records"
)

// The engine's names (internal/store/engine).
type (
	Dialect   = engine.Dialect
	Options   = engine.Options
	Migration = engine.Migration
)

const (
	SQLite       = engine.SQLite
	Postgres     = engine.Postgres
	ListenerName = engine.ListenerName
)

var (
	ErrNotFound  = engine.ErrNotFound  // a row does not exist
	ErrConflict  = engine.ErrConflict  // a unique constraint refused a write
	ErrBadURL    = engine.ErrBadURL    // a PostgreSQL URL pgx cannot use
	ErrFileMoved = engine.ErrFileMoved // the SQLite file is no longer at its path
)

// Unavailable reports whether err says the database cannot take the
// request now, though the request itself is fine (engine.Unavailable).
func Unavailable(err error) bool { return engine.Unavailable(err) }

// Now is the store's clock in Unix milliseconds.
func Now() int64 { return engine.Now() }

// The accounts' names (internal/store/accounts).
type (
	User              = accounts.User
	APIKey            = accounts.APIKey
	Principal         = accounts.Principal
	KeyPrincipal      = accounts.KeyPrincipal
	AdminChange       = accounts.AdminChange
	AuditEvent        = accounts.AuditEvent
	Confirmation      = accounts.Confirmation
	Identity          = accounts.Identity
	Passkey           = accounts.Passkey
	Subscriber        = accounts.Subscriber
	UserActivity      = accounts.UserActivity
	KeyActivity       = accounts.KeyActivity
	UserRef           = accounts.UserRef
	UsernameCollision = accounts.UsernameCollision
	LegacyJWT         = accounts.LegacyJWT
	DBLimiter         = accounts.DBLimiter
	DBKnown           = accounts.DBKnown

	Users         = accounts.Users
	Sessions      = accounts.Sessions
	Keys          = accounts.Keys
	Confirmations = accounts.Confirmations
	Audit         = accounts.Audit
	Subscribers   = accounts.Subscribers
	Activity      = accounts.Activity
	Identities    = accounts.Identities
	Passkeys      = accounts.Passkeys
)

// Confirmation types.
const (
	ConfirmSignup      = accounts.ConfirmSignup
	ConfirmSigninLink  = accounts.ConfirmSigninLink
	ConfirmEmailChange = accounts.ConfirmEmailChange
	ConfirmNewsletter  = accounts.ConfirmNewsletter
	ConfirmOAuth       = accounts.ConfirmOAuth
	ConfirmPasskey     = accounts.ConfirmPasskey
)

// LegacyKeyMarker is stored in secret_hash of a key imported with
// upstream's hash of its secret (accounts.LegacyKeyMarker).
var LegacyKeyMarker = accounts.LegacyKeyMarker

// IsLegacyKeyHash reports whether a stored secret hash is LegacyKeyMarker.
func IsLegacyKeyHash(h []byte) bool { return accounts.IsLegacyKeyHash(h) }

// LegacySessionID is the session row that stands for every sign-in token
// upstream issued to a user (accounts.LegacySessionID).
func LegacySessionID(userID int64) string { return accounts.LegacySessionID(userID) }

// The records' names (internal/store/records).
type (
	Set        = records.Set
	Pattern    = records.Pattern
	Bookmark   = records.Bookmark
	CuratedSet = records.CuratedSet
	OptionPack = records.OptionPack
	Suggestion = records.Suggestion
	FlowItem   = records.FlowItem
	ImageInfo  = records.ImageInfo
	QueuedMail = records.QueuedMail
	Stats      = records.Stats

	Sets      = records.Sets
	Patterns  = records.Patterns
	Bookmarks = records.Bookmarks
	Images    = records.Images
	Curated   = records.Curated
	Info      = records.Info
	Flows     = records.Flows
	Mail      = records.Mail
	ACME      = records.ACME
)

// Suggestion types and mail statuses.
const (
	SuggestCuratedSet = records.SuggestCuratedSet
	SuggestOptionPack = records.SuggestOptionPack
	MailQueued        = records.MailQueued
	MailFailed        = records.MailFailed
)

// CuratedLangs are the languages of curated names and notes, in the order
// of the name_* and notes_* columns.
var CuratedLangs = records.CuratedLangs

// ErrUnknownKind is returned for an image owner kind with no table.
var ErrUnknownKind = records.ErrUnknownKind

// CuratedLangIndex is the position of a language in CuratedLangs, or -1.
func CuratedLangIndex(lang string) int { return records.CuratedLangIndex(lang) }
