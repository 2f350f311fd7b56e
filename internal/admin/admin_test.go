package admin

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/store"
)

func ptr[T any](v T) *T { return &v }

func TestQuery(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want string
		code apierr.Code
	}{
		{``, "", apierr.QMissing},
		{`null`, "", apierr.QMissing},
		{`"  "`, "", apierr.QMissing},
		{`" ada "`, "ada", 0},
		{`42`, "42", 0},
		{`1e2`, "1e2", 0},
		{`true`, "", apierr.QInvalid},
		{`{"a":1}`, "", apierr.QInvalid},
		{`"` + strings.Repeat("a", 254) + `"`, strings.Repeat("a", 254), 0},
		{`"` + strings.Repeat("a", 255) + `"`, "", apierr.QTooLong},
	} {
		got, err := Query(json.RawMessage(tc.raw))
		if tc.code != 0 {
			if !errors.Is(err, tc.code) {
				t.Errorf("Query(%.20s) err = %v, want %s", tc.raw, err, tc.code.Name())
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Query(%.20s) = %q, %v", tc.raw, got, err)
		}
	}
}

func TestPatchCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    AdminUserPatch
		self int64
		code apierr.Code
	}{
		{"role", AdminUserPatch{Role: ptr(auth.RoleCurator)}, 1, 0},
		{"blocked is a role", AdminUserPatch{Role: ptr(auth.RoleBlocked)}, 1, 0},
		{"unknown role", AdminUserPatch{Role: ptr(auth.Role("root"))}, 1, apierr.RoleInvalid},
		{"roles are case-sensitive", AdminUserPatch{Role: ptr(auth.Role("Admin"))}, 1, apierr.RoleInvalid},
		{"disable", AdminUserPatch{Status: ptr(auth.StatusDisabled)}, 1, 0},
		{"restrict", AdminUserPatch{Status: ptr(auth.StatusRestricted)}, 1, 0},
		{"unconfirm", AdminUserPatch{Status: ptr(auth.StatusUnconfirmed)}, 1, apierr.StatusInvalid},
		{"out of range", AdminUserPatch{Status: ptr(auth.Status(2))}, 1, apierr.StatusInvalid},
		{"mfa off", AdminUserPatch{MFAEnabled: ptr(false)}, 1, 0},
		{"mfa on", AdminUserPatch{MFAEnabled: ptr(true)}, 1, apierr.MFAEnabledInvalid},
		{"oneself", AdminUserPatch{Role: ptr(auth.RoleUser)}, 2, apierr.CannotChangeSelf},
		// The body's problems are answered before the self check.
		{"oneself, bad role", AdminUserPatch{Role: ptr(auth.Role("x"))}, 2, apierr.RoleInvalid},
	} {
		err := tc.p.Check(tc.self, 2)
		if tc.code == 0 && err != nil || tc.code != 0 && !errors.Is(err, tc.code) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.code)
		}
	}
}

func TestPatchChangesAndEnds(t *testing.T) {
	old := &store.User{ID: 2, Role: auth.RoleSupport, Status: auth.StatusActive, MFAEnabled: true}
	for _, tc := range []struct {
		name            string
		p               AdminUserPatch
		old             *store.User
		what            []string
		sessions, links bool
	}{
		{"nothing", AdminUserPatch{}, old, nil, false, false},
		{"same values change nothing", AdminUserPatch{Role: ptr(auth.RoleSupport), Status: ptr(auth.StatusActive)}, old, nil, false, false},
		{"lowered role ends sessions", AdminUserPatch{Role: ptr(auth.RoleUser)}, old, []string{"role support->user"}, true, false},
		{"raised role keeps them", AdminUserPatch{Role: ptr(auth.RoleAdmin)}, old, []string{"role support->admin"}, false, false},
		{"blocked ends sessions and links", AdminUserPatch{Role: ptr(auth.RoleBlocked)}, old, []string{"role support->blocked"}, true, true},
		{"disabled ends links", AdminUserPatch{Status: ptr(auth.StatusDisabled)}, old, []string{"status 1->-2"}, false, true},
		{"reactivated ends old sessions",
			AdminUserPatch{Status: ptr(auth.StatusActive)}, &store.User{Role: auth.RoleUser, Status: auth.StatusDisabled},
			[]string{"status -2->1"}, true, false},
		{"mfa off", AdminUserPatch{MFAEnabled: ptr(false)}, old, []string{"mfa off"}, false, false},
		{"mfa already off", AdminUserPatch{MFAEnabled: ptr(false)}, &store.User{Role: auth.RoleUser, Status: auth.StatusActive}, nil, false, false},
		{"all three, in order", AdminUserPatch{Role: ptr(auth.RoleCurator), Status: ptr(auth.StatusRestricted), MFAEnabled: ptr(false)}, old,
			[]string{"role support->curator", "status 1->-1", "mfa off"}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Changes(tc.old); !reflect.DeepEqual(got, tc.what) {
				t.Errorf("Changes = %q, want %q", got, tc.what)
			}
			s, l := tc.p.Ends(tc.old)
			if s != tc.sessions || l != tc.links {
				t.Errorf("Ends = sessions %v links %v, want %v %v", s, l, tc.sessions, tc.links)
			}
			if c := tc.p.Change(); c.DisableMFA != (tc.p.MFAEnabled != nil) || c.Role != tc.p.Role || c.Status != tc.p.Status {
				t.Errorf("Change = %+v", c)
			}
		})
	}
}

func TestMayImpersonate(t *testing.T) {
	for _, tc := range []struct {
		role auth.Role
		id   int64
		ok   bool
	}{
		{auth.RoleUser, 2, true}, {auth.RoleTester, 2, true}, {auth.RoleCurator, 2, true}, {auth.RoleBughunter, 2, true},
		{auth.RoleBlocked, 2, true}, {auth.RoleSupport, 2, false}, {auth.RoleAdmin, 2, false}, {auth.RoleUser, 1, false},
	} {
		err := MayImpersonate(1, &store.User{ID: tc.id, Role: tc.role})
		if tc.ok != (err == nil) || err != nil && !errors.Is(err, apierr.CannotImpersonateStaff) {
			t.Errorf("MayImpersonate(%s, id %d) = %v", tc.role, tc.id, err)
		}
	}
}
