package auth

import "slices"

// Level is a permission level (spec/auth.md, "Roles and levels"). A caller
// may do something when its level is at least the level that thing needs.
type Level int

// The named levels. There is no level 7.
const (
	ReadNone  Level = 0 // authenticate only
	ReadSome  Level = 1 // read own sets and patterns
	ReadOnly  Level = 2 // read all own account data
	WriteSome Level = 3 // write own sets, patterns, bookmarks
	User      Level = 4 // write all own account data; manage own API keys
	Curator   Level = 5 // manage curated sets and option packs
	Bughunter Level = 6 // read other users' data
	Support   Level = 8 // support actions on other users
	Admin     Level = 9 // change roles and status, impersonate
)

// noAccess is below every level, including ReadNone.
const noAccess Level = -1

// Role is an account's role. Its level is what a sign-in token acts with.
type Role string

// The roles.
const (
	RoleUser      Role = "user"
	RoleTester    Role = "tester"
	RoleCurator   Role = "curator"
	RoleBughunter Role = "bughunter"
	RoleSupport   Role = "support"
	RoleAdmin     Role = "admin"
	RoleBlocked   Role = "blocked" // cannot sign in; every credential refused
)

// Roles lists every known role.
var Roles = []Role{RoleUser, RoleTester, RoleCurator, RoleBughunter, RoleSupport, RoleAdmin, RoleBlocked}

// Level returns the level of a role. RoleBlocked and unknown roles get -1,
// which is below every named level.
func (r Role) Level() Level {
	switch r {
	case RoleUser, RoleTester:
		return User
	case RoleCurator:
		return Curator
	case RoleBughunter:
		return Bughunter
	case RoleSupport:
		return Support
	case RoleAdmin:
		return Admin
	default:
		return noAccess
	}
}

// Valid reports whether r is one of Roles (exact, case-sensitive).
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Staff reports whether the role is above a user's (curator and up).
func (r Role) Staff() bool { return r.Level() > User }

// RoleNames lists the roles as strings (for messages and enums).
func RoleNames() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = string(r)
	}
	return out
}
