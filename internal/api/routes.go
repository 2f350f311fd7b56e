package api

import (
	"net/http"

	"bobbin/internal/auth"
)

// routeTable is the whole API on one screen. A twin line serves both
// <path>/jwt (sign-in token) and <path>/key (API key), at the level named.
func (s *Server) routeTable() []Route {
	return []Route{
		// Operations
		public("GET /health", s.health).io(nil, Health{}).doc("Liveness"),
		public("GET /ready", s.ready).io(nil, Health{}).doc("Readiness: the database answers"),

		// Signup, confirmation, sign-in
		public("POST /signup", s.signup).io(SignupRequest{}, SignupResponse{}).status(http.StatusCreated).doc("Sign up with an email"),
		public("POST /confirm/signup/{id}", s.confirmSignup).io(ConfirmSignupRequest{}, TokenResponse{}).doc("Confirm a signup and give consent"),
		public("POST /signin", s.signin).io(SigninRequest{}, TokenResponse{}).doc("Sign in with a password"),
		jwtOnly("POST /signout", auth.ReadNone, s.signout).status(http.StatusNoContent).doc("Revoke this token"),
		twin("POST /signout/all", auth.User, s.signoutAll).status(http.StatusNoContent).doc("Revoke every token of the user"),

		// Account
		jwtGuest("GET /whoami", auth.ReadNone, s.whoamiJWT).io(nil, AccountResponse{}).doc("The signed-in account, problems reported"),
		keyOnly("GET /whoami", auth.ReadNone, s.whoamiKey).io(nil, APIKeyResponse{}).doc("The API key in use"),
		twin("GET /account", auth.ReadSome, s.getAccount).io(nil, AccountResponse{}).doc("Read the account"),
		twin("PATCH /account", auth.WriteSome, s.patchAccount).io(AccountPatch{}, AccountResponse{}).limit(ImageBody).doc("Update the account"),
		twin("POST /available/username", auth.ReadSome, s.availableUsername).io(UsernameRequest{}, UsernameAvailability{}).doc("200 when taken, 404 when free"),

		// API keys
		twin("POST /apikeys", auth.User, s.createKey).io(APIKeyRequest{}, APIKeyResponse{}).status(http.StatusCreated).doc("Create an API key; the secret is shown once"),
		twin("GET /apikeys", auth.ReadSome, s.listKeys).io(nil, APIKeysResponse{}).doc("List own keys"),
		twin("GET /apikeys/{id}", auth.ReadSome, s.getKey).io(nil, APIKeyResponse{}).doc("Read a key"),
		twin("DELETE /apikeys/{id}", auth.User, s.deleteKey).status(http.StatusNoContent).doc("Delete a key"),

		// Measurement sets (sets.go)

		// Patterns (patterns.go)

		// Bookmarks (bookmarks.go)

		// Images (images.go)

		// Curated sets and option packs (curated.go, optionpacks.go)

		// Account life: MFA, sign-in links, email change, consent, export, audit, profiles (issue 4 files)
		twin("POST /account/mfa", auth.User, s.accountMFA).io(MFARequest{}, MFASetupResponse{}).doc("Start, confirm or turn off MFA (TOTP); confirm answers {account, scratchCodes}, off answers {account}"),
		public("POST /signinlink", s.signinLink).io(SigninLinkRequest{}, SigninLinkResponse{}).doc("Mail a sign-in link; the same answer for unknown users"),
		public("POST /signinlink/{id}/{check}", s.useSigninLink).io(SigninLinkUse{}, TokenResponse{}).doc("Sign in with a mailed link (once, before it expires)"),
		public("GET /confirmations/{id}/{check}", s.getConfirmation).io(nil, ConfirmationResponse{}).doc("Is this confirmation live and its check right"),
		jwtGuest("PATCH /consent", auth.WriteSome, s.patchConsent).io(ConsentRequest{}, TokenResponse{}).doc("Set consent 0-2; answers a fresh token"),
		twin("GET /account/restrict", auth.User, s.restrictAccount).io(nil, Result{}).doc("Restrict the account (status -1)"),
		twin("DELETE /account", auth.User, s.deleteAccount).io(nil, Result{}).doc("Delete the account and everything it owns"),
		twin("GET /account/export", auth.ReadOnly, s.exportAccount).io(nil, ExportResponse{}).doc("Everything the account holds, decrypted, as one document"),
		twin("GET /account/audit", auth.ReadOnly, s.accountAudit).io(nil, SecurityEventsResponse{}).doc("The account's recent security events, newest first"),
		public("GET /users/{id}", s.publicProfile).io(nil, PublicProfileResponse{}).doc("Public profile by id, username or email"),
		twin("GET /users/{id}", auth.ReadSome, s.readUser).io(nil, UserProfileResponse{}).doc("A user's profile and account: own, or level 6"),

		// Newsletter subscribers (subscribers.go)

		// Admin (admin.go)

		// Info and operations (info.go)
	}
}
