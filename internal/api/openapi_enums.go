package api

import (
	"fmt"
	"slices"
	"strings"

	"bobbin/internal/auth"
	"bobbin/internal/identity"
	"bobbin/internal/userdata"
)

// The named enums of the OpenAPI document (components/schemas), each
// taken from the list the code itself checks against. A field names one
// with the tag enum:"<Name>"; fields of the Go types in typeEnums get one
// without a tag.

// levels are the permission levels, with the name each is known by.
var levels = []struct {
	L    auth.Level
	Name string
}{
	{auth.ReadNone, "authenticate only"},
	{auth.ReadSome, "read own sets and patterns"},
	{auth.ReadOnly, "read all own account data"},
	{auth.WriteSome, "write own sets, patterns, bookmarks"},
	{auth.User, "write all own account data, manage own API keys"},
	{auth.Curator, "curator"},
	{auth.Bughunter, "bughunter: read other users' data"},
	{auth.Support, "support"},
	{auth.Admin, "admin"},
}

func levelName(l auth.Level) string {
	for _, x := range levels {
		if x.L == l {
			return x.Name
		}
	}
	return "level " + fmt.Sprint(int(l))
}

type namedEnum struct {
	typ    string // JSON Schema type
	doc    string
	values func() []any
}

func (e namedEnum) schema() map[string]any {
	return map[string]any{"type": e.typ, "description": e.doc, "enum": e.values()}
}

func strs(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

var namedEnums = map[string]namedEnum{
	"Level": {"integer", levelsDoc(), func() []any {
		out := make([]any, len(levels))
		for i, x := range levels {
			out[i] = int(x.L)
		}
		return out
	}},
	"Role": {"string", "An account's role; its level is what a sign-in token acts with (blocked: none).",
		func() []any { return strs(auth.RoleNames()) }},
	"Status": {"integer", "An account's status: -2 disabled by an admin, -1 restricted by the user, 0 unconfirmed, 1 active.",
		func() []any {
			return []any{int(auth.StatusDisabled), int(auth.StatusRestricted), int(auth.StatusUnconfirmed), int(auth.StatusActive)}
		}},
	"Language":     {"string", "A language the site speaks.", func() []any { return strs(languages()) }},
	"BookmarkType": {"string", "What a bookmark points at.", func() []any { return strs(userdata.BookmarkTypes()) }},
}

func levelsDoc() string {
	var b strings.Builder
	b.WriteString("A permission level:")
	for _, x := range levels {
		fmt.Fprintf(&b, " %d %s;", int(x.L), x.Name)
	}
	return strings.TrimSuffix(b.String(), ";") + "."
}

// languages are the accepted languages in the site's order: English first.
func languages() []string {
	out := []string{"en"}
	for _, l := range slices.Sorted(mapKeys(identity.Languages)) {
		if l != "en" {
			out = append(out, l)
		}
	}
	return out
}
