package api

import (
	"context"

	"bobbin/internal/admin"
	"bobbin/internal/store"
	"bobbin/internal/userdata"
)

// The admin routes live in internal/admin. Their answers are made of the
// account, set and pattern objects, which are still this package's until
// they move to their domains; so are these answer types, and the
// functions below that fill them from what the admin rules give.

// AdminUsersResponse is {result, users}.
type AdminUsersResponse struct {
	Result
	Users []Account `json:"users"`
}

// AdminUserResponse is {result, user, sets, patterns, apikeys}.
type AdminUserResponse struct {
	Result
	User     Account            `json:"user"`
	Sets     []userdata.Set     `json:"sets"`
	Patterns []userdata.Pattern `json:"patterns"`
	APIKeys  []APIKey           `json:"apikeys"`
}

// AdminUserChanged is {result, user}.
type AdminUserChanged struct {
	Result
	User Account `json:"user"`
}

func adminUsers(users []*store.User) AdminUsersResponse {
	return AdminUsersResponse{success, asList(users, asAccount)}
}

func (s *Server) adminUser(ctx context.Context, id int64) (AdminUserResponse, error) {
	o, err := s.userObjects(ctx, id)
	if err != nil {
		return AdminUserResponse{}, err
	}
	return AdminUserResponse{Result: success, User: o.account, Sets: o.sets, Patterns: o.patterns, APIKeys: o.keys}, nil
}

func adminChanged(u *store.User) AdminUserChanged { return AdminUserChanged{success, asAccount(u)} }

func impersonated(s admin.Session) TokenResponse {
	return TokenResponse{Result: success, Token: s.Token, Account: asAccount(s.User)}
}
