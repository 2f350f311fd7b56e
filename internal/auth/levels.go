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

// Roles lists every known role.
var Roles = []string{"user", "tester", "curator", "bughunter", "support", "admin", "blocked"}

// RoleLevel returns the level of a role. The role "blocked" and unknown
// roles get -1, which is below every named level.
func RoleLevel(role string) Level {
	switch role {
	case "user", "tester":
		return User
	case "curator":
		return Curator
	case "bughunter":
		return Bughunter
	case "support":
		return Support
	case "admin":
		return Admin
	default:
		return noAccess
	}
}

// ValidRole reports whether role is one of Roles (exact, case-sensitive).
func ValidRole(role string) bool {
	return slices.Contains(Roles, role)
}
