package apierr

// The closed list of codes, sorted by status, then code. A new code is a
// line here and one in the table below; nothing outside this package can
// make or change one.
const (
	none Code = iota
	// 400
	BodyMissing
	BodyTooLong
	MarkdownMissing
	SlugMissing
	SlugInvalid
	BioTooLong
	CheckMissing        // confirm:"emailchange" without check
	ConfirmationMissing // confirm:"emailchange" without confirmation
	ConfirmInvalid      // PATCH /account confirm is not "emailchange"
	ConsentInvalid
	ConsentRequired
	ControlInvalid
	CurrentPasswordMissing
	PatternDataNotObj
	PatternDataTooLarge
	DesignMissing
	DesignNotStringy
	DesignTooLong
	EHashMissing
	EmailInvalid
	EmailMissing
	EmailTaken // the confirmed new email belongs to another account
	GitHubInvalid
	GitHubTooLong
	ExpiresInMissing
	ExpiresIsHigherThanMax
	ExpiresIsLowerThanMin
	ExpiresIsNotNumeric
	CuratedHeightInvalid
	IDInvalid
	IDMissing
	ImgInvalid
	ImgOrURLMissing
	ImgTooLarge
	SuggestHeightTooLong
	CuratedInfoTooLong
	InvalidJSON
	InvalidLevel
	InvalidMFASetting
	KeyLevelExceedsRoleLevel
	LanguageMissing
	LevelMissing
	LevelNotNumeric
	MeasiesInvalid
	MFAActive
	MFAInvalid // mfa is not a boolean (answered as invalidMfaSetting)
	MFAEnabledInvalid
	MFATokenMissing
	NameDeTooLong
	NameEnMissing
	NameEnTooLong
	NameEsTooLong
	NameFrTooLong
	NameMissing
	NameNlTooLong
	NameTooLong
	NameUkTooLong
	NotesDeTooLong
	NotesEnTooLong
	NotesEsTooLong
	NotesFrTooLong
	NotesNlTooLong
	NotesTooLong
	NotesUkTooLong
	PackOptionsInvalid
	PackOptionsMissing
	PackOptionsTooLarge
	PasswordInvalid
	PasswordMissing
	PasswordTooCommon
	PasswordTooLong
	PasswordTooShort
	PostBodyMissing
	QInvalid
	QMissing
	QTooLong
	RoleInvalid
	SetNotNumeric
	CsetNotNumeric
	SettingsNotAnObj
	SettingsTooLarge
	StatusInvalid
	CuratedTagsInvalid
	TagsDeInvalid
	TagsEnInvalid
	TagsEsInvalid
	TagsFrInvalid
	TagsNlInvalid
	TagsUkInvalid
	BookmarkTitleMissing
	BookmarkTitleTooLong
	BookmarkTypeInvalid
	BookmarkTypeMissing
	UnsupportedLanguage
	BookmarkURLInvalid
	BookmarkURLMissing
	BookmarkURLTooLong
	UsernameInvalid
	UsernameMissing
	UsernameTaken
	UsernameTooLong
	UsernameTooShort
	// 400, a body field of the wrong JSON type (decode; a test keeps the list complete)
	BodyInvalid
	LabelsInvalid
	MarkdownInvalid
	BioInvalid
	CheckInvalid
	CompareInvalid
	ConfirmationInvalid
	CredentialInvalid
	CeremonyInvalid
	CsetInvalid
	CurrentPasswordInvalid
	DataInvalid
	DesignInvalid
	EHashInvalid
	ExpiresInInvalid
	ImperialInvalid
	InfoInvalid
	LanguageInvalid
	LevelInvalid
	NameDeInvalid
	NameEnInvalid
	NameEsInvalid
	NameFrInvalid
	NameInvalid
	NameNlInvalid
	NameUkInvalid
	NewsletterInvalid
	NotesDeInvalid
	NotesEnInvalid
	NotesEsInvalid
	NotesFrInvalid
	NotesInvalid
	NotesNlInvalid
	NotesUkInvalid
	ProviderInvalid
	PublicInvalid
	PublishedInvalid
	SecretInvalid
	SetInvalid
	SettingsInvalid
	TestInvalid
	TitleInvalid
	TokenInvalid
	// 401
	AuthenticationFailed
	SignInFailed
	// 403
	// (upstream answered a suggestion's missing fields with 403)
	SuggestDesignMissing
	SuggestHeightMissing
	SuggestImgMissing
	SuggestNameMissing
	SuggestNotesMissing
	SuggestOptionsMissing
	SuggestSetMissing
	AccountBlocked
	AccountDisabled
	AccountInactive
	CannotChangeSelf
	CannotImpersonateStaff
	HTTPSRequired // credentials over plain HTTP in production (auth.md, Transport)
	ImpersonationForbidden
	CeremonyExpired // a passkey ceremony unknown, expired or used
	CodeInvalid     // an OAuth code the provider refused, or whose ID token failed
	EmailNotVerified
	InsufficientAccessLevel
	InvalidLanguage
	InvalidProvider
	MFATokenInvalid
	MFATokenRequired
	PasskeyInvalid // an assertion or attestation that fails verification
	StateInvalid   // an OAuth state unknown, foreign, expired or used
	StatusLacking
	// 404
	NotFound
	// 405
	MethodNotAllowed
	// 409
	AccountChanged // the password changed while a PATCH was checking it
	LastSigninMethod
	// 413
	BodyTooLarge
	// 415
	UnsupportedMedia
	// 429
	TooManyRequests
	// 451
	ConsentLacking
	// 500
	ServerError
	// 503
	Busy
	StorageUnavailable // the database cannot take writes now (disk full, read-only, restarting)
	Unavailable
	numCodes
)

// table gives each code its status and wire name.
var table = [numCodes]entry{
	BodyInvalid:              {400, "bodyInvalid"},
	LabelsInvalid:            {400, "labelsInvalid"},
	MarkdownInvalid:          {400, "markdownInvalid"},
	BodyMissing:              {400, "bodyMissing"},
	BodyTooLong:              {400, "bodyTooLong"},
	MarkdownMissing:          {400, "markdownMissing"},
	SlugMissing:              {400, "slugMissing"},
	SlugInvalid:              {400, "slugInvalid"},
	BioInvalid:               {400, "bioInvalid"},
	CheckInvalid:             {400, "checkInvalid"},
	CompareInvalid:           {400, "compareInvalid"},
	CredentialInvalid:        {400, "credentialInvalid"},
	CeremonyInvalid:          {400, "ceremonyInvalid"},
	ConfirmationInvalid:      {400, "confirmationInvalid"},
	CsetInvalid:              {400, "csetInvalid"},
	CurrentPasswordInvalid:   {400, "currentPasswordInvalid"},
	DataInvalid:              {400, "dataInvalid"},
	DesignInvalid:            {400, "designInvalid"},
	EHashInvalid:             {400, "ehashInvalid"},
	ExpiresInInvalid:         {400, "expiresInInvalid"},
	ImperialInvalid:          {400, "imperialInvalid"},
	InfoInvalid:              {400, "infoInvalid"},
	LanguageInvalid:          {400, "languageInvalid"},
	LevelInvalid:             {400, "levelInvalid"},
	NameDeInvalid:            {400, "nameDeInvalid"},
	NameEnInvalid:            {400, "nameEnInvalid"},
	NameEsInvalid:            {400, "nameEsInvalid"},
	NameFrInvalid:            {400, "nameFrInvalid"},
	NameInvalid:              {400, "nameInvalid"},
	NameNlInvalid:            {400, "nameNlInvalid"},
	NameUkInvalid:            {400, "nameUkInvalid"},
	NewsletterInvalid:        {400, "newsletterInvalid"},
	NotesDeInvalid:           {400, "notesDeInvalid"},
	NotesEnInvalid:           {400, "notesEnInvalid"},
	NotesEsInvalid:           {400, "notesEsInvalid"},
	NotesFrInvalid:           {400, "notesFrInvalid"},
	NotesInvalid:             {400, "notesInvalid"},
	NotesNlInvalid:           {400, "notesNlInvalid"},
	NotesUkInvalid:           {400, "notesUkInvalid"},
	ProviderInvalid:          {400, "providerInvalid"},
	PublicInvalid:            {400, "publicInvalid"},
	PublishedInvalid:         {400, "publishedInvalid"},
	SecretInvalid:            {400, "secretInvalid"},
	SetInvalid:               {400, "setInvalid"},
	SettingsInvalid:          {400, "settingsInvalid"},
	TestInvalid:              {400, "testInvalid"},
	TitleInvalid:             {400, "titleInvalid"},
	TokenInvalid:             {400, "tokenInvalid"},
	BioTooLong:               {400, "bioTooLong"},
	CheckMissing:             {400, "checkMissing"},
	ConfirmationMissing:      {400, "confirmationMissing"},
	ConfirmInvalid:           {400, "confirmInvalid"},
	ConsentInvalid:           {400, "consentInvalid"},
	ConsentRequired:          {400, "consentRequired"},
	ControlInvalid:           {400, "controlInvalid"},
	CurrentPasswordMissing:   {400, "currentPasswordMissing"},
	PatternDataNotObj:        {400, "dataNotAnObject"},
	PatternDataTooLarge:      {400, "dataTooLarge"},
	DesignMissing:            {400, "designMissing"},
	DesignNotStringy:         {400, "designNotStringy"},
	DesignTooLong:            {400, "designTooLong"},
	EHashMissing:             {400, "ehashMissing"},
	EmailInvalid:             {400, "emailInvalid"},
	EmailMissing:             {400, "emailMissing"},
	EmailTaken:               {400, "emailTaken"},
	GitHubInvalid:            {400, "githubInvalid"},
	GitHubTooLong:            {400, "githubTooLong"},
	ExpiresInMissing:         {400, "expiresInMissing"},
	ExpiresIsHigherThanMax:   {400, "expiresIsHigherThanMaximum"},
	ExpiresIsLowerThanMin:    {400, "expiresIsLowerThanMinimum"},
	ExpiresIsNotNumeric:      {400, "expiresIsNotNumeric"},
	CuratedHeightInvalid:     {400, "heightInvalid"},
	IDInvalid:                {400, "idInvalid"},
	IDMissing:                {400, "idMissing"},
	ImgInvalid:               {400, "imgInvalid"},
	ImgOrURLMissing:          {400, "imgOrUrlMissing"},
	ImgTooLarge:              {400, "imgTooLarge"},
	CuratedInfoTooLong:       {400, "infoTooLong"},
	InvalidJSON:              {400, "invalidJson"},
	InvalidLevel:             {400, "invalidLevel"},
	InvalidMFASetting:        {400, "invalidMfaSetting"},
	KeyLevelExceedsRoleLevel: {400, "keyLevelExceedsRoleLevel"},
	LanguageMissing:          {400, "languageMissing"},
	LevelMissing:             {400, "levelMissing"},
	LevelNotNumeric:          {400, "levelNotNumeric"},
	MeasiesInvalid:           {400, "measiesInvalid"},
	MFAInvalid:               {400, "mfaInvalid"},
	MFAActive:                {400, "mfaActive"},
	MFAEnabledInvalid:        {400, "mfaEnabledInvalid"},
	MFATokenMissing:          {400, "mfaTokenMissing"},
	NameDeTooLong:            {400, "nameDeTooLong"},
	NameEnMissing:            {400, "nameEnMissing"},
	NameEnTooLong:            {400, "nameEnTooLong"},
	NameEsTooLong:            {400, "nameEsTooLong"},
	NameFrTooLong:            {400, "nameFrTooLong"},
	NameMissing:              {400, "nameMissing"},
	NameNlTooLong:            {400, "nameNlTooLong"},
	NameTooLong:              {400, "nameTooLong"},
	NameUkTooLong:            {400, "nameUkTooLong"},
	NotesDeTooLong:           {400, "notesDeTooLong"},
	NotesEnTooLong:           {400, "notesEnTooLong"},
	NotesEsTooLong:           {400, "notesEsTooLong"},
	NotesFrTooLong:           {400, "notesFrTooLong"},
	NotesNlTooLong:           {400, "notesNlTooLong"},
	NotesTooLong:             {400, "notesTooLong"},
	NotesUkTooLong:           {400, "notesUkTooLong"},
	PackOptionsInvalid:       {400, "optionsInvalid"},
	PackOptionsMissing:       {400, "optionsMissing"},
	PackOptionsTooLarge:      {400, "optionsTooLarge"},
	PasswordInvalid:          {400, "passwordInvalid"},
	PasswordMissing:          {400, "passwordMissing"},
	PasswordTooCommon:        {400, "passwordTooCommon"},
	PasswordTooLong:          {400, "passwordTooLong"},
	PasswordTooShort:         {400, "passwordTooShort"},
	PostBodyMissing:          {400, "postBodyMissing"},
	QInvalid:                 {400, "qInvalid"},
	QMissing:                 {400, "qMissing"},
	QTooLong:                 {400, "qTooLong"},
	RoleInvalid:              {400, "roleInvalid"},
	SetNotNumeric:            {400, "setNotNumeric"},
	CsetNotNumeric:           {400, "csetNotNumeric"},
	SettingsNotAnObj:         {400, "settingsNotAnObject"},
	SettingsTooLarge:         {400, "settingsTooLarge"},
	StatusInvalid:            {400, "statusInvalid"},
	CuratedTagsInvalid:       {400, "tagsInvalid"},
	TagsDeInvalid:            {400, "tagsDeInvalid"},
	TagsEnInvalid:            {400, "tagsEnInvalid"},
	TagsEsInvalid:            {400, "tagsEsInvalid"},
	TagsFrInvalid:            {400, "tagsFrInvalid"},
	TagsNlInvalid:            {400, "tagsNlInvalid"},
	TagsUkInvalid:            {400, "tagsUkInvalid"},
	BookmarkTitleMissing:     {400, "titleMissing"},
	BookmarkTitleTooLong:     {400, "titleTooLong"},
	BookmarkTypeInvalid:      {400, "typeInvalid"},
	BookmarkTypeMissing:      {400, "typeMissing"},
	UnsupportedLanguage:      {400, "unsupportedLanguage"},
	BookmarkURLInvalid:       {400, "urlInvalid"},
	BookmarkURLMissing:       {400, "urlMissing"},
	BookmarkURLTooLong:       {400, "urlTooLong"},
	UsernameInvalid:          {400, "usernameInvalid"},
	UsernameMissing:          {400, "usernameMissing"},
	UsernameTaken:            {400, "usernameTaken"},
	UsernameTooLong:          {400, "usernameTooLong"},
	UsernameTooShort:         {400, "usernameTooShort"},
	AuthenticationFailed:     {401, "authenticationFailed"},
	SignInFailed:             {401, "signInFailed"},
	SuggestDesignMissing:     {403, "designMissing"},
	SuggestHeightMissing:     {403, "heightMissing"},
	SuggestImgMissing:        {403, "imgMissing"},
	SuggestNameMissing:       {403, "nameMissing"},
	SuggestNotesMissing:      {403, "notesMissing"},
	SuggestOptionsMissing:    {403, "optionsMissing"},
	SuggestSetMissing:        {403, "setMissing"},
	SuggestHeightTooLong:     {400, "heightTooLong"},
	AccountBlocked:           {403, "accountBlocked"},
	AccountDisabled:          {403, "accountDisabled"},
	AccountInactive:          {403, "accountInactive"},
	CannotChangeSelf:         {403, "cannotChangeSelf"},
	CannotImpersonateStaff:   {403, "cannotImpersonateStaff"},
	HTTPSRequired:            {403, "httpsRequired"},
	ImpersonationForbidden:   {403, "impersonationForbidden"},
	CeremonyExpired:          {403, "ceremonyExpired"},
	CodeInvalid:              {403, "codeInvalid"},
	EmailNotVerified:         {403, "emailNotVerified"},
	InsufficientAccessLevel:  {403, "insufficientAccessLevel"},
	InvalidLanguage:          {403, "invalidLanguage"},
	InvalidProvider:          {403, "invalidProvider"},
	MFATokenInvalid:          {403, "mfaTokenInvalid"},
	MFATokenRequired:         {403, "mfaTokenRequired"},
	PasskeyInvalid:           {403, "passkeyInvalid"},
	StateInvalid:             {403, "stateInvalid"},
	StatusLacking:            {403, "statusLacking"},
	NotFound:                 {404, "notFound"},
	MethodNotAllowed:         {405, "methodNotAllowed"},
	AccountChanged:           {409, "accountChanged"},
	LastSigninMethod:         {409, "lastSigninMethod"},
	BodyTooLarge:             {413, "bodyTooLarge"},
	UnsupportedMedia:         {415, "unsupportedMediaType"},
	TooManyRequests:          {429, "tooManyRequests"},
	ConsentLacking:           {451, "consentLacking"},
	ServerError:              {500, "serverError"},
	Busy:                     {503, "serviceBusy"},
	StorageUnavailable:       {503, "storageUnavailable"},
	Unavailable:              {503, "serviceUnavailable"},
}
