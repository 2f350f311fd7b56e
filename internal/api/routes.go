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
		twin("POST /sets", auth.WriteSome, s.createSet).io(SetRequest{}, SetResponse{}).status(http.StatusCreated).limit(ImageBody).doc("Create a measurement set"),
		twin("GET /sets", auth.ReadSome, s.listSets).io(nil, SetsResponse{}).doc("List own measurement sets"),
		twin("GET /sets/{id}", auth.ReadSome, s.getSet).io(nil, SetResponse{}).doc("Read a set (own, or level 6)"),
		twin("PATCH /sets/{id}", auth.WriteSome, s.patchSet).io(SetRequest{}, SetResponse{}).limit(ImageBody).doc("Update a set (own, or level 8); measies merge, null deletes"),
		twin("DELETE /sets/{id}", auth.WriteSome, s.deleteSet).status(http.StatusNoContent).doc("Delete a set (own, or level 8)"),
		twin("POST /sets/{id}/clone", auth.WriteSome, s.cloneSet).io(nil, SetResponse{}).status(http.StatusCreated).doc("Copy an own, public (or, level 8, any) set into the caller's account"),
		public("GET /sets/{file}", s.publicSet).io(nil, SetDocument{}).doc("A public set as {id}.json or {id}.yaml"),

		// Patterns (patterns.go)
		twin("POST /patterns", auth.WriteSome, s.createPattern).io(PatternRequest{}, PatternResponse{}).status(http.StatusCreated).limit(ImageBody).doc("Create a pattern"),
		twin("GET /patterns", auth.ReadSome, s.listPatterns).io(nil, PatternsResponse{}).doc("List own patterns"),
		twin("GET /patterns/{id}", auth.ReadSome, s.getPattern).io(nil, PatternResponse{}).doc("Read a pattern (own, or level 6)"),
		twin("PATCH /patterns/{id}", auth.WriteSome, s.patchPattern).io(PatternRequest{}, PatternResponse{}).limit(ImageBody).doc("Update a pattern (own, or level 8); settings and data are replaced"),
		twin("DELETE /patterns/{id}", auth.WriteSome, s.deletePattern).status(http.StatusNoContent).doc("Delete a pattern (own, or level 8)"),
		twin("POST /patterns/{id}/clone", auth.WriteSome, s.clonePattern).io(nil, PatternResponse{}).status(http.StatusCreated).doc("Copy an own, public (or, level 8, any) pattern into the caller's account"),
		public("GET /patterns/{file}", s.publicPattern).io(nil, PatternDocument{}).doc("A public pattern as {id}.json or {id}.yaml"),

		// Bookmarks (bookmarks.go)
		twin("POST /bookmarks", auth.WriteSome, s.createBookmark).io(BookmarkRequest{}, BookmarkResponse{}).status(http.StatusCreated).doc("Create a bookmark"),
		twin("GET /bookmarks", auth.ReadSome, s.listBookmarks).io(nil, BookmarksResponse{}).doc("List own bookmarks"),
		twin("GET /bookmarks/{id}", auth.ReadSome, s.getBookmark).io(nil, BookmarkResponse{}).doc("Read an own bookmark"),
		twin("PATCH /bookmarks/{id}", auth.WriteSome, s.patchBookmark).io(BookmarkRequest{}, BookmarkResponse{}).doc("Change an own bookmark's title or url"),
		twin("DELETE /bookmarks/{id}", auth.WriteSome, s.deleteBookmark).status(http.StatusNoContent).doc("Delete an own bookmark"),

		// Images (images.go)
		public("GET /images/{name}", s.getImage).doc("An uploaded image (PNG, JPEG or WebP), cacheable for good"),

		// Curated sets and option packs (curated.go, optionpacks.go)

		// Account life: MFA, sign-in links, email change, consent, export, audit, profiles (issue 4 files)

		// Newsletter subscribers (subscribers.go)

		// Admin (admin.go)

		// Info and operations (info.go)
	}
}
