package api

import (
	"net/http"

	"bobbin/internal/auth"
	"bobbin/internal/curation"
	"bobbin/internal/httpx"
	"bobbin/internal/identity"
	"bobbin/internal/signin"
	"bobbin/internal/signin/oauth"
	"bobbin/internal/signin/passkey"
	"bobbin/internal/userdata"
)

// routeTable is the whole API on one screen. A twin line serves both
// <path>/jwt (sign-in token) and <path>/key (API key), at the level named.
func (s *Server) routeTable() []Route {
	return []Route{
		// Operations
		public("GET /health", raw(s.health)).io(nil, Health{}).doc("Liveness"),
		public("GET /ready", raw(s.ready)).io(nil, Health{}).doc("Readiness: the database answers"),
		public("GET /openapi.json", raw(s.openapi)).doc("This API as an OpenAPI 3.1 document"),
		public("GET /docs", raw(s.docs)).doc("A page that renders /openapi.json"),
		public("GET /jwks.json", raw(s.jwks)).io(nil, JWKS{}).doc("Public keys that verify sign-in tokens (EdDSA mode; empty with HS256)"),

		// Signup, confirmation, sign-in
		public("POST /signup", httpx.Made(s.accounts.Signup)).doc("Sign up with an email"),
		public("POST /confirm/signup/{id}", httpx.OK(s.accounts.ConfirmSignup).OptionalBody()).doc("Confirm a signup and give consent"),
		public("POST /signin", httpx.Raw(http.StatusOK, nil, s.signin.Password)).io(signin.SigninRequest{}, TokenResponse{}).doc("Sign in with a password"),
		jwtOnly("POST /signout", auth.ReadNone, httpx.Empty(s.signin.Signout)).doc("Revoke this token"),
		twin("POST /signout/all", auth.User, httpx.Empty(s.signin.SignoutAll)).doc("Revoke every token of the user"),

		// Sign-in with a provider (internal/signin/oauth)
		public("GET /signin/providers", httpx.OK(s.oauth.List)).doc("The sign-in providers this server is configured with (names for POST /signin/oauth/init), github and google first"),
		public("POST /signin/oauth/init", httpx.OK(s.oauth.Init)).doc("Start signing in with github, google or a configured OpenID Connect provider: the URL to send the person to"),
		public("POST /signin/oauth", httpx.Raw(http.StatusOK, nil, s.oauth.Callback)).io(oauth.CallbackRequest{}, TokenResponse{}).doc("Finish a provider sign-in with the state and code it sent back; token is the MFA code when MFA is on"),
		twin("DELETE /account/providers/{provider}", auth.User, httpx.Empty(s.oauth.Unlink)).doc("Unlink a sign-in provider while another way to sign in remains"),

		// Passkeys (internal/signin/passkey)
		jwtOnly("POST /passkeys/register/begin", auth.User, httpx.OK(s.passkeys.RegisterBegin).OptionalBody()).doc("Start registering a passkey: options for navigator.credentials.create() and the ceremony id"),
		jwtOnly("POST /passkeys/register/finish", auth.User, httpx.Made(s.passkeys.RegisterFinish)).doc("Finish registering a passkey with the ceremony, a name and the PublicKeyCredential"),
		twin("GET /passkeys", auth.User, httpx.OK(s.passkeys.List)).doc("List own passkeys"),
		twin("DELETE /passkeys/{id}", auth.User, httpx.Empty(s.passkeys.Delete)).doc("Delete an own passkey"),
		public("POST /signin/passkey/begin", httpx.OK(s.passkeys.SigninBegin).OptionalBody()).doc("Start a passkey sign-in: options for navigator.credentials.get() (discoverable, user verification required)"),
		public("POST /signin/passkey/finish", httpx.Raw(http.StatusOK, nil, s.passkeys.SigninFinish)).io(passkey.SigninRequest{}, TokenResponse{}).doc("Finish a passkey sign-in; answers as POST /signin and counts as MFA"),

		// Account
		jwtGuest("GET /whoami", auth.ReadNone, httpx.Raw(http.StatusOK, identity.AccountResponse{}, s.accounts.Whoami)).doc("The signed-in account, problems reported"),
		keyOnly("GET /whoami", auth.ReadNone, httpx.OK(s.apikeys.Whoami)).doc("The API key in use"),
		twin("GET /account", auth.ReadSome, httpx.OK(s.accounts.Get)).doc("Read the account"),
		twin("PATCH /account", auth.WriteSome, httpx.OK(s.accounts.Patch)).limit(ImageBody).doc("Update the account"),
		twin("POST /available/username", auth.ReadSome, httpx.OK(s.accounts.AvailableUsername)).doc("200 when taken, 404 when free"),

		// API keys (internal/apikey)
		twin("POST /apikeys", auth.User, httpx.Made(s.apikeys.Create)).doc("Create an API key; the secret is shown once"),
		twin("GET /apikeys", auth.ReadSome, httpx.OK(s.apikeys.List)).doc("List own keys"),
		twin("GET /apikeys/{id}", auth.ReadSome, httpx.OK(s.apikeys.Get)).doc("Read a key"),
		twin("DELETE /apikeys/{id}", auth.User, httpx.Empty(s.apikeys.Delete)).doc("Delete a key"),

		// Measurement sets (internal/userdata)
		twin("POST /sets", auth.WriteSome, httpx.Made(s.sets.Create)).limit(ImageBody).doc("Create a measurement set"),
		twin("GET /sets", auth.ReadSome, httpx.OK(s.sets.List)).doc("List own measurement sets"),
		twin("GET /sets/{id}", auth.ReadSome, httpx.OK(s.sets.Get)).doc("Read a set (own, or level 6)"),
		twin("PATCH /sets/{id}", auth.WriteSome, userdata.IDFirst(httpx.OK(s.sets.Patch))).limit(ImageBody).doc("Update a set (own, or level 8); measies merge, null deletes"),
		twin("DELETE /sets/{id}", auth.WriteSome, httpx.Empty(s.sets.Delete)).doc("Delete a set (own, or level 8)"),
		twin("POST /sets/{id}/clone", auth.WriteSome, httpx.Made(s.sets.Clone)).doc("Copy an own, public (or, level 8, any) set into the caller's account"),
		public("GET /sets/{file}", httpx.Raw(http.StatusOK, userdata.SetDocument{}, s.sets.Document)).media("application/json", "text/yaml; charset=utf-8").doc("A public set as {id}.json or {id}.yaml"),

		// Patterns (internal/userdata)
		twin("POST /patterns", auth.WriteSome, httpx.Made(s.patterns.Create)).limit(ImageBody).doc("Create a pattern"),
		twin("GET /patterns", auth.ReadSome, httpx.OK(s.patterns.List)).doc("List own patterns"),
		twin("GET /patterns/{id}", auth.ReadSome, httpx.OK(s.patterns.Get)).doc("Read a pattern (own, or level 6)"),
		twin("PATCH /patterns/{id}", auth.WriteSome, userdata.IDFirst(httpx.OK(s.patterns.Patch))).limit(ImageBody).doc("Update a pattern (own, or level 8); settings and data are replaced"),
		twin("DELETE /patterns/{id}", auth.WriteSome, httpx.Empty(s.patterns.Delete)).doc("Delete a pattern (own, or level 8)"),
		twin("POST /patterns/{id}/clone", auth.WriteSome, httpx.OK(s.patterns.Clone)).doc("Copy an own, public (or, level 8, any) pattern into the caller's account"),
		public("GET /patterns/{file}", httpx.Raw(http.StatusOK, userdata.PatternDocument{}, s.patterns.Document)).media("application/json", "text/yaml; charset=utf-8").doc("A public pattern as {id}.json or {id}.yaml"),

		// Bookmarks (internal/userdata)
		twin("POST /bookmarks", auth.WriteSome, httpx.Made(s.bookmarks.Create)).doc("Create a bookmark"),
		twin("GET /bookmarks", auth.ReadSome, httpx.OK(s.bookmarks.List)).doc("List own bookmarks"),
		twin("GET /bookmarks/{id}", auth.ReadSome, httpx.OK(s.bookmarks.Get)).doc("Read an own bookmark"),
		twin("PATCH /bookmarks/{id}", auth.WriteSome, httpx.OK(s.bookmarks.Patch)).doc("Change an own bookmark's title or url"),
		twin("DELETE /bookmarks/{id}", auth.WriteSome, httpx.Empty(s.bookmarks.Delete)).doc("Delete an own bookmark"),

		// Images (internal/images; attached to objects through their img field)
		public("GET /images/{name}", httpx.Raw(http.StatusOK, nil, s.images.Serve)).media("image/png", "image/jpeg", "image/webp").doc("An uploaded image (PNG, JPEG or WebP), cacheable for good"),
		twin("POST /images", auth.WriteSome, httpx.Made(s.uploads.Upload)).limit(ImageBody).doc("Upload an image (data: URI, PNG, JPEG or WebP, at most 5 MiB)"),
		public("POST /images", httpx.Made(s.uploads.UploadAnon)).limit(AnonImageBody).doc("Upload an image for a support request (at most 1 MiB; throttled per address)"),
		twin("DELETE /images/{id}", auth.WriteSome, httpx.Empty(s.uploads.Delete)).doc("Delete an image one uploaded ({id} is its imgId)"),

		// Curated sets, option packs and suggestions (internal/curation)
		public("GET /curated-sets", httpx.OK(s.curatedSets.List)).doc("List published curated sets"),
		public("GET /curated-sets.json", httpx.OK(s.curatedSets.Array)).doc("Published curated sets as a JSON array"),
		public("GET /curated-sets.yaml", httpx.Raw(http.StatusOK, []curation.CuratedSet{}, s.curatedSets.YAML)).media("text/yaml; charset=utf-8").doc("Published curated sets as YAML"),
		public("GET /curated-sets/{file}", httpx.Raw(http.StatusOK, curation.CuratedSetResponse{}, s.curatedSets.File)).media("application/json", "text/yaml; charset=utf-8").doc("Read a published curated set; {id}.json and {id}.yaml answer a document"),
		twin("GET /curated-sets", auth.Curator, httpx.OK(s.curatedSets.List)).doc("List every curated set, unpublished too"),
		twin("GET /curated-sets/{id}", auth.Curator, httpx.OK(s.curatedSets.Get)).doc("Read a curated set, unpublished too"),
		twin("POST /curated-sets", auth.Curator, httpx.Made(s.curatedSets.Create)).limit(ImageBody).doc("Create a curated set"),
		twin("PATCH /curated-sets/{id}", auth.Curator, userdata.IDFirst(httpx.OK(s.curatedSets.Patch))).limit(ImageBody).doc("Update a curated set; measies merge"),
		twin("DELETE /curated-sets/{id}", auth.Curator, httpx.Empty(s.curatedSets.Delete)).doc("Delete a curated set"),
		twin("POST /curated-sets/{id}/clone", auth.WriteSome, userdata.IDFirst(httpx.Made(s.curatedSets.Clone))).doc("Copy a curated set into a set of one's own, in one language"),
		twin("POST /curated-sets/suggest", auth.User, httpx.OK(s.suggestions.SuggestSet)).limit(ImageBody).doc("Suggest a measurements set for curation"),
		twin("GET /suggested-sets", auth.Curator, httpx.OK(s.suggestions.Sets)).doc("List suggested curated sets"),
		twin("DELETE /suggested-sets/{id}", auth.Curator, httpx.Empty(s.suggestions.DeleteSet)).doc("Remove a suggested curated set"),
		twin("POST /curated-sets/from/{id}", auth.Curator, httpx.Made(s.suggestions.FromSuggestion).OptionalBody()).doc("Turn a suggested set into an unpublished curated set"),
		public("GET /option-packs", httpx.OK(s.optionPacks.List)).doc("List option packs"),
		public("GET /option-packs.json", httpx.OK(s.optionPacks.Array)).doc("Option packs as a JSON array"),
		public("GET /option-packs.yaml", httpx.Raw(http.StatusOK, []curation.OptionPack{}, s.optionPacks.YAML)).media("text/yaml; charset=utf-8").doc("Option packs as YAML"),
		public("GET /option-packs/{file}", httpx.Raw(http.StatusOK, curation.OptionPackResponse{}, s.optionPacks.File)).media("application/json", "text/yaml; charset=utf-8").doc("Read an option pack; {id}.json and {id}.yaml answer a document"),
		twin("POST /option-packs", auth.Curator, httpx.Made(s.optionPacks.Create)).limit(ImageBody).doc("Create an option pack"),
		twin("PATCH /option-packs/{id}", auth.Curator, userdata.IDFirst(httpx.OK(s.optionPacks.Patch))).limit(ImageBody).doc("Update an option pack; null in options removes one"),
		twin("DELETE /option-packs/{id}", auth.Curator, httpx.Empty(s.optionPacks.Delete)).doc("Delete an option pack"),
		twin("POST /option-packs/suggest", auth.User, httpx.OK(s.suggestions.SuggestPack)).doc("Suggest an option pack"),
		twin("GET /suggested-packs", auth.Curator, httpx.OK(s.suggestions.Packs)).doc("List suggested option packs"),
		twin("DELETE /suggested-packs/{id}", auth.Curator, httpx.Empty(s.suggestions.DeletePack)).doc("Remove a suggested option pack"),

		// Account life: MFA, sign-in links, email change, consent, export, audit, profiles (issue 4 files)
		twin("POST /account/mfa", auth.User, httpx.Raw(http.StatusOK, nil, s.signin.MFA)).io(signin.MFARequest{}, signin.MFASetupResponse{}).doc("Start, confirm or turn off MFA (TOTP); confirm answers {account, scratchCodes}, off answers {account}"),
		public("POST /signinlink", httpx.OK(s.signin.Link)).doc("Mail a sign-in link; the same answer for unknown users"),
		public("POST /signinlink/{id}/{check}", httpx.Raw(http.StatusOK, nil, s.signin.UseLink)).io(signin.SigninLinkUse{}, TokenResponse{}).doc("Sign in with a mailed link (once, before it expires)"),
		public("GET /confirmations/{id}/{check}", httpx.OK(s.accounts.Confirmation)).doc("Is this confirmation live and its check right"),
		jwtGuest("PATCH /consent", auth.WriteSome, httpx.Raw(http.StatusOK, nil, s.accounts.Consent)).io(identity.ConsentRequest{}, TokenResponse{}).doc("Set consent 0-2; answers a fresh token"),
		twin("GET /account/restrict", auth.User, httpx.OK(s.accounts.Restrict)).doc("Restrict the account (status -1)"),
		twin("DELETE /account", auth.User, httpx.OK(s.accounts.Delete)).doc("Delete the account and everything it owns"),
		twin("GET /account/export", auth.ReadOnly, raw(s.exportAccount)).io(nil, ExportResponse{}).doc("Everything the account holds, decrypted, as one document"),
		twin("GET /account/audit", auth.ReadOnly, httpx.OK(s.accounts.AuditLog)).doc("The account's recent security events, newest first"),
		public("GET /users/{id}", httpx.OK(s.accounts.PublicProfile)).doc("Public profile by id or username (never an email)"),
		public("GET /users/{id}/card", httpx.Raw(http.StatusOK, nil, s.accounts.Card)).media("image/svg+xml").doc("A user's card: an SVG image with the username and id"),
		twin("GET /users/{id}", auth.ReadSome, httpx.OK(s.userData)).doc("A user's API keys, bookmarks, patterns and sets: own, or level 6"),

		// Newsletter subscribers (internal/newsletter)
		public("POST /subscriber", httpx.OK(s.subscribers.Subscribe)).doc("Subscribe to the newsletter; mails a confirmation link"),
		public("PUT /subscriber", httpx.OK(s.subscribers.Activate)).doc("Confirm a subscription with the id and ehash of its link"),
		public("DELETE /subscriber/{ehash}", httpx.Empty(s.subscribers.Unsubscribe)).doc("Unsubscribe"),
		public("GET /ocunsub/{ehash}", httpx.Raw(http.StatusFound, nil, s.subscribers.OneClickPage)).doc("Opened in a browser: redirects to the website's unsubscribe page (never unsubscribes)"),
		public("POST /ocunsub/{ehash}", httpx.OK(s.subscribers.OneClick)).doc("RFC 8058 one-click unsubscribe (form body List-Unsubscribe=One-Click)"),

		// Admin (internal/admin)
		twin("POST /admin/search/users", auth.Support, httpx.OK(s.adminSearch)).doc("Find users by username part, exact email or id"),
		twin("GET /admin/user/{id}", auth.Support, httpx.OK(s.adminGet)).doc("A user with their sets, patterns and API keys"),
		twin("GET /admin/subscribers", auth.Support, httpx.OK(s.subscribers.List)).doc("Every newsletter subscriber"),
		twin("PATCH /admin/user/{id}", auth.Admin, userdata.IDFirst(httpx.OK(s.adminPatch))).doc("Change a user's role or status, or turn their MFA off"),
		jwtOnly("GET /admin/impersonate/{id}", auth.Admin, httpx.OK(s.adminImpersonate)).doc("Sign in as a (non-staff) user for at most an hour"),

		// Flows: what upstream sent to GitHub and Crowdin (internal/flows)
		public("POST /issues", httpx.Made(s.flows.Issue)).doc("Report an issue to the operator (throttled per address)"),
		public("POST /discussions", httpx.Made(s.flows.Discussion)).doc("Start a discussion with the operator (throttled per address)"),
		twin("POST /flows/translator-invite", auth.ReadSome, httpx.OK(s.flows.TranslatorInvite)).doc("Mail oneself an invite to join the translators"),
		twin("POST /flows/language-suggestion", auth.ReadSome, httpx.OK(s.flows.LanguageSuggestion)).doc("Suggest a new language to the operator"),
		twin("POST /flows/pr/{type}", auth.ReadSome, httpx.Made(s.flows.Post)).doc("Submit a blog or showcase post (type blog or showcase) for review"),
		twin("GET /slugs/{type}/{slug}", auth.ReadSome, httpx.OK(s.flows.Slug)).doc("200 when a blog or showcase slug is taken, 404 when free"),

		// Info (internal/admin)
		public("GET /info/stats", httpx.OK(s.stats.Get)).doc("Public counts and call totals"),
		public("GET /info/users", httpx.OK(s.stats.Users)).doc("The number of accounts"),
	}
}
