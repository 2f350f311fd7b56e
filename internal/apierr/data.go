package apierr

// The user's data: measurement sets, patterns, bookmarks, images.
// (Names are prefixed where a bare name could be wanted by another area.)
var (
	// Sets and patterns; name, notes and design also for curated sets,
	// option packs and suggestions
	NameTooLong         = e(400, "nameTooLong")
	NotesTooLong        = e(400, "notesTooLong")
	MeasiesInvalid      = e(400, "measiesInvalid")
	DesignMissing       = e(400, "designMissing")
	DesignNotStringy    = e(400, "designNotStringy")
	DesignTooLong       = e(400, "designTooLong")
	SettingsNotAnObj    = e(400, "settingsNotAnObject")
	SettingsTooLarge    = e(400, "settingsTooLarge")
	PatternDataNotObj   = e(400, "dataNotAnObject")
	PatternDataTooLarge = e(400, "dataTooLarge")
	// Bookmarks
	BookmarkTypeMissing  = e(400, "typeMissing")
	BookmarkTypeInvalid  = e(400, "typeInvalid")
	BookmarkTitleMissing = e(400, "titleMissing")
	BookmarkTitleTooLong = e(400, "titleTooLong")
	BookmarkURLMissing   = e(400, "urlMissing")
	BookmarkURLInvalid   = e(400, "urlInvalid")
	BookmarkURLTooLong   = e(400, "urlTooLong")
	// Images
	ImgInvalid  = e(400, "imgInvalid")
	ImgTooLarge = e(400, "imgTooLarge")
)
