package auth

import "testing"

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
		if got := RoleLevel(tc.role); got != tc.want {
			t.Errorf("RoleLevel(%q) = %d, want %d", tc.role, got, tc.want)
		}
	}
	if RoleLevel("blocked") >= ReadNone {
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
		if !ValidRole(r) {
			t.Errorf("ValidRole(%q) = false", r)
		}
		if r != "blocked" && RoleLevel(r) < User {
			t.Errorf("role %q has level %d", r, RoleLevel(r))
		}
	}
	for _, r := range []string{"", "User", "root", "user ", "superadmin"} {
		if ValidRole(r) {
			t.Errorf("ValidRole(%q) = true", r)
		}
	}
	if len(Roles) != 7 {
		t.Errorf("%d roles, want 7", len(Roles))
	}
}
