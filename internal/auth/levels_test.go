package auth

import (
	"testing"

	"bobbin/internal/apierr"
)

func TestRoleLevel(t *testing.T) {
	tests := []struct {
		role string
		want Level
	}{
		{"user", 4},
		{"tester", 4},
		{"curator", 5},
		{"bughunter", 6},
		{"support", 8},
		{"admin", 9},
		{"blocked", -1},
		{"", -1},
		{"Admin", -1},
		{"ADMIN", -1},
		{" admin", -1},
		{"root", -1},
	}
	for _, tc := range tests {
		if got := Role(tc.role).Level(); got != tc.want {
			t.Errorf("Role(%q).Level() = %d, want %d", tc.role, got, tc.want)
		}
	}
	if RoleBlocked.Level() >= ReadNone {
		t.Error("blocked reaches ReadNone")
	}
}

func TestLevelValues(t *testing.T) {
	got := []Level{ReadNone, ReadSome, ReadOnly, WriteSome, User, Curator, Bughunter, Support, Admin}
	want := []int{0, 1, 2, 3, 4, 5, 6, 8, 9}
	for i := range got {
		if int(got[i]) != want[i] {
			t.Errorf("level %d = %d, want %d", i, got[i], want[i])
		}
	}
}

func TestValidRole(t *testing.T) {
	for _, r := range Roles {
		if !r.Valid() {
			t.Errorf("%q.Valid() = false", r)
		}
		if r != RoleBlocked && r.Level() < User {
			t.Errorf("role %q has level %d", r, r.Level())
		}
	}
	for _, r := range []Role{"", "User", "root", "user ", "superadmin"} {
		if r.Valid() {
			t.Errorf("%q.Valid() = true", r)
		}
	}
	if len(Roles) != 7 {
		t.Errorf("%d roles, want 7", len(Roles))
	}
}

func TestProblem(t *testing.T) {
	tests := []struct {
		role    Role
		status  Status
		consent int
		want    apierr.Code
		signin  apierr.Code
	}{
		{RoleUser, StatusActive, 1, 0, 0},
		{RoleUser, StatusActive, 0, apierr.ConsentLacking, 0},
		{RoleBlocked, StatusActive, 1, apierr.AccountBlocked, apierr.AccountBlocked},
		{RoleUser, StatusDisabled, 1, apierr.AccountBlocked, apierr.AccountBlocked},
		{RoleUser, StatusRestricted, 1, apierr.AccountDisabled, apierr.StatusLacking},
		{RoleUser, StatusUnconfirmed, 1, apierr.AccountInactive, apierr.StatusLacking},
		{RoleAdmin, Status(7), 3, apierr.AccountInactive, apierr.StatusLacking},
	}
	for _, tc := range tests {
		if got := Problem(tc.role, tc.status, tc.consent); got != tc.want {
			t.Errorf("Problem(%s, %s, %d) = %v, want %v", tc.role, tc.status, tc.consent, got, tc.want)
		}
		if got := SignInProblem(tc.role, tc.status); got != tc.signin {
			t.Errorf("SignInProblem(%s, %s) = %v, want %v", tc.role, tc.status, got, tc.signin)
		}
	}
	if StatusDisabled.String() != "disabled" || StatusRestricted.String() != "restricted" {
		t.Error("status names: -2 is disabled (by an admin), -1 restricted (by the user)")
	}
}
