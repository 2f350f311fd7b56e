package apierr

// Curated sets, option packs, suggestions (docs/curated.md).
var (
	// 400
	NameEnMissing        = e(400, "nameEnMissing")
	PackDesignMissing    = e(400, "designMissing")
	CuratedHeightInvalid = e(400, "heightInvalid")
	CuratedTagsInvalid   = e(400, "tagsInvalid")
	CuratedInfoTooLong   = e(400, "infoTooLong")
	PackOptionsInvalid   = e(400, "optionsInvalid")
	PackOptionsMissing   = e(400, "optionsMissing")
	PackOptionsTooLarge  = e(400, "optionsTooLarge")
	PackDesignTooLong    = e(400, "designTooLong")
	SuggestSetMissing    = e(400, "setMissing")
	SuggestNameTooLong   = e(400, "nameTooLong")
	SuggestNotesTooLong  = e(400, "notesTooLong")
)
