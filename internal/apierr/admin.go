package apierr

// Codes of the newsletter-subscriber and admin routes.
var (
	// 400
	IDMissing         = e(400, "idMissing")
	EHashMissing      = e(400, "ehashMissing")
	QMissing          = e(400, "qMissing")
	QTooLong          = e(400, "qTooLong")
	RoleInvalid       = e(400, "roleInvalid")
	StatusInvalid     = e(400, "statusInvalid")
	MFAEnabledInvalid = e(400, "mfaEnabledInvalid")
	// 403
	CannotChangeSelf       = e(403, "cannotChangeSelf")
	CannotImpersonateStaff = e(403, "cannotImpersonateStaff")
)
