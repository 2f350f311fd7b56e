package apierr

// Curated sets, option packs, suggestions (docs/curated.md). designMissing,
// designTooLong, nameTooLong and notesTooLong are shared with sets and
// patterns (data.go).
var (
	// 400
	NameEnMissing        = e(400, "nameEnMissing")
	CuratedHeightInvalid = e(400, "heightInvalid")
	CuratedTagsInvalid   = e(400, "tagsInvalid")
	CuratedInfoTooLong   = e(400, "infoTooLong")
	PackOptionsInvalid   = e(400, "optionsInvalid")
	PackOptionsMissing   = e(400, "optionsMissing")
	PackOptionsTooLarge  = e(400, "optionsTooLarge")
	SuggestSetMissing    = e(400, "setMissing")
)
