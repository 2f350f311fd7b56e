package apierr

// Account life: MFA, sign-in links, email change, consent, export, audit,
// profiles. The MFA codes of api.md already live in apierr.go.
var (
	// 400
	EmailTaken          = e(400, "emailTaken")          // the confirmed new email belongs to another account
	ConfirmInvalid      = e(400, "confirmInvalid")      // PATCH /account confirm is not "emailchange"
	ConfirmationMissing = e(400, "confirmationMissing") // confirm:"emailchange" without confirmation
	CheckMissing        = e(400, "checkMissing")        // confirm:"emailchange" without check
	// 409
	AccountChanged = e(409, "accountChanged") // the password changed while a PATCH was checking it
)
