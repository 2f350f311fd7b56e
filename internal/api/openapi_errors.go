package api

import "bobbin/internal/apierr"

// routeErrors lists, per route of the table ("VERB /path" as written in
// routes.go, without /jwt or /key), the codes its rule answers beyond what
// RouteErrors derives by itself (authentication, level, the body, its
// fields' types and required fields, path parameters). A test checks that
// every key names a route.
var routeErrors = map[string][]apierr.Code{
	"POST /signup":                  {apierr.EmailMissing, apierr.EmailInvalid, apierr.LanguageMissing, apierr.UnsupportedLanguage, apierr.TooManyRequests},
	"POST /confirm/signup/{id}":     {apierr.ConsentRequired},
	"POST /signin":                  {apierr.UsernameMissing, apierr.PasswordMissing, apierr.SignInFailed, apierr.MFATokenRequired, apierr.MFATokenInvalid, apierr.AccountBlocked, apierr.StatusLacking, apierr.ConsentLacking, apierr.TooManyRequests},
	"POST /signinlink":              {apierr.UsernameMissing, apierr.TooManyRequests},
	"POST /signinlink/{id}/{check}": {apierr.MFATokenRequired, apierr.MFATokenInvalid, apierr.AccountBlocked, apierr.StatusLacking, apierr.ConsentLacking},
	"PATCH /account": {apierr.AccountChanged, apierr.EmailTaken, apierr.UsernameTaken, apierr.UsernameInvalid, apierr.UsernameTooLong, apierr.UsernameTooShort,
		apierr.CurrentPasswordMissing, apierr.PasswordInvalid, apierr.PasswordTooCommon, apierr.PasswordTooLong, apierr.PasswordTooShort,
		apierr.BioTooLong, apierr.ConsentInvalid, apierr.ControlInvalid, apierr.UnsupportedLanguage, apierr.PatternDataTooLarge,
		apierr.CheckMissing, apierr.ConfirmInvalid, apierr.ConfirmationMissing, apierr.EmailInvalid, apierr.EmailMissing, apierr.ImgInvalid, apierr.ImgTooLarge},
	"POST /available/username": {apierr.UsernameMissing},
	"POST /account/mfa":        {apierr.InvalidMFASetting, apierr.MFAActive, apierr.MFATokenMissing, apierr.MFATokenInvalid, apierr.PasswordMissing},
	"PATCH /consent":           {apierr.ConsentInvalid},

	"POST /apikeys": {apierr.NameMissing, apierr.NameTooLong, apierr.LevelMissing, apierr.LevelNotNumeric, apierr.InvalidLevel, apierr.KeyLevelExceedsRoleLevel,
		apierr.ExpiresInMissing, apierr.ExpiresIsNotNumeric, apierr.ExpiresIsLowerThanMin, apierr.ExpiresIsHigherThanMax},

	"POST /sets":                    {apierr.NameMissing, apierr.NameTooLong, apierr.NotesTooLong, apierr.MeasiesInvalid, apierr.ImgInvalid, apierr.ImgTooLarge},
	"PATCH /sets/{id}":              {apierr.NameMissing, apierr.NameTooLong, apierr.NotesTooLong, apierr.MeasiesInvalid, apierr.ImgInvalid, apierr.ImgTooLarge},
	"POST /patterns":                {apierr.DesignMissing, apierr.DesignNotStringy, apierr.DesignTooLong, apierr.NameTooLong, apierr.NotesTooLong, apierr.SettingsNotAnObj, apierr.SettingsTooLarge, apierr.PatternDataNotObj, apierr.PatternDataTooLarge, apierr.ImgInvalid, apierr.ImgTooLarge},
	"PATCH /patterns/{id}":          {apierr.DesignNotStringy, apierr.DesignTooLong, apierr.NameTooLong, apierr.NotesTooLong, apierr.SettingsNotAnObj, apierr.SettingsTooLarge, apierr.PatternDataNotObj, apierr.PatternDataTooLarge, apierr.ImgInvalid, apierr.ImgTooLarge},
	"POST /bookmarks":               {apierr.BookmarkTypeMissing, apierr.BookmarkTypeInvalid, apierr.BookmarkTitleMissing, apierr.BookmarkTitleTooLong, apierr.BookmarkURLMissing, apierr.BookmarkURLInvalid, apierr.BookmarkURLTooLong},
	"PATCH /bookmarks/{id}":         {apierr.BookmarkTitleMissing, apierr.BookmarkTitleTooLong, apierr.BookmarkURLMissing, apierr.BookmarkURLInvalid, apierr.BookmarkURLTooLong},
	"POST /curated-sets":            {apierr.NameEnMissing, apierr.CuratedHeightInvalid, apierr.CuratedInfoTooLong, apierr.CuratedTagsInvalid, apierr.MeasiesInvalid, apierr.ImgInvalid, apierr.ImgTooLarge},
	"PATCH /curated-sets/{id}":      {apierr.NameEnMissing, apierr.CuratedHeightInvalid, apierr.CuratedInfoTooLong, apierr.CuratedTagsInvalid, apierr.MeasiesInvalid, apierr.ImgInvalid, apierr.ImgTooLarge},
	"POST /curated-sets/{id}/clone": {apierr.LanguageMissing, apierr.UnsupportedLanguage},
	"POST /curated-sets/suggest":    {apierr.SuggestSetMissing, apierr.NameMissing, apierr.NameTooLong, apierr.NotesTooLong},
	"POST /option-packs":            {apierr.NameEnMissing, apierr.DesignMissing, apierr.DesignTooLong, apierr.PackOptionsMissing, apierr.PackOptionsInvalid, apierr.PackOptionsTooLarge},
	"PATCH /option-packs/{id}":      {apierr.DesignTooLong, apierr.PackOptionsInvalid, apierr.PackOptionsTooLarge},
	"POST /option-packs/suggest":    {apierr.PackOptionsMissing, apierr.NameTooLong, apierr.NotesTooLong},

	"POST /subscriber":            {apierr.EmailMissing, apierr.EmailInvalid, apierr.LanguageMissing, apierr.UnsupportedLanguage, apierr.TooManyRequests},
	"PUT /subscriber":             {apierr.IDMissing, apierr.EHashMissing, apierr.NotFound},
	"POST /admin/search/users":    {apierr.QMissing, apierr.QInvalid, apierr.QTooLong},
	"PATCH /admin/user/{id}":      {apierr.CannotChangeSelf, apierr.RoleInvalid, apierr.StatusInvalid, apierr.MFAEnabledInvalid},
	"GET /admin/impersonate/{id}": {apierr.CannotImpersonateStaff},

	"POST /issues":                    {apierr.BookmarkTitleMissing, apierr.BookmarkTitleTooLong, apierr.BodyMissing, apierr.BodyTooLong, apierr.TooManyRequests},
	"POST /discussions":               {apierr.BookmarkTitleMissing, apierr.BookmarkTitleTooLong, apierr.BodyMissing, apierr.BodyTooLong, apierr.TooManyRequests},
	"POST /flows/translator-invite":   {apierr.LanguageMissing},
	"POST /flows/language-suggestion": {apierr.LanguageMissing, apierr.BodyTooLong},
	"POST /flows/pr/{type}":           {apierr.LanguageMissing, apierr.SlugMissing, apierr.SlugInvalid, apierr.MarkdownMissing, apierr.BodyTooLong},

	"POST /signin/oauth/init":              {apierr.InvalidProvider, apierr.InvalidLanguage},
	"POST /signin/oauth":                   {apierr.InvalidProvider, apierr.StateInvalid, apierr.CodeInvalid, apierr.EmailNotVerified, apierr.MFATokenRequired, apierr.MFATokenInvalid, apierr.AccountBlocked, apierr.StatusLacking, apierr.ConsentLacking, apierr.Unavailable},
	"DELETE /account/providers/{provider}": {apierr.LastSigninMethod},
	"POST /passkeys/register/finish":       {apierr.CeremonyExpired, apierr.CredentialInvalid, apierr.PasskeyInvalid, apierr.NameInvalid, apierr.Unavailable},
	"POST /signin/passkey/finish":          {apierr.CeremonyExpired, apierr.CredentialInvalid, apierr.PasskeyInvalid, apierr.AccountBlocked, apierr.StatusLacking, apierr.ConsentLacking, apierr.Unavailable},
	"POST /passkeys/register/begin":        {apierr.Unavailable},
	"POST /signin/passkey/begin":           {apierr.Unavailable},
}
