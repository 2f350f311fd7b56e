package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

var methods = []string{"jwt", "key"}

// authFor is the user's credentials for a method: token or key.
func authFor(u *apitest.User, method string) apitest.Auth {
	if method == "key" {
		return u.KeyAuth()
	}
	return u.JWT()
}

func uid(u *apitest.User) string { return fmt.Sprint(u.ID) }

// auditEvents lists the event names of a user's audit log (with details).
func auditEvents(t *testing.T, e *apitest.Env, userID int64) []store.AuditEvent {
	t.Helper()
	ev, err := e.App.DB.Audit().ByUser(context.Background(), userID, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func hasAudit(t *testing.T, e *apitest.Env, userID int64, event, detailPart string) bool {
	t.Helper()
	for _, ev := range auditEvents(t, e, userID) {
		if ev.Event == event && strings.Contains(ev.Detail, detailPart) {
			return true
		}
	}
	return false
}

func TestAdminAccess(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	user := e.NewUser("user")
	bughunter := e.NewUser("bughunter")
	support := e.NewUser("support")
	admin := e.NewUser("admin")
	target := e.NewUser("user")
	low := &apitest.User{ID: admin.ID, Token: admin.Token}
	low.Key, low.Secret = e.NewKey(admin, 4) // an admin's key at level 4 acts at 4

	type route struct {
		verb, path string
		body       any
		level      int
	}
	routes := []route{
		{"POST", "/admin/search/users", map[string]any{"q": "user"}, 8},
		{"GET", "/admin/user/" + uid(target), nil, 8},
		{"GET", "/admin/subscribers", nil, 8},
		{"PATCH", "/admin/user/" + uid(target), map[string]any{"status": 1}, 9},
	}
	for _, rt := range routes {
		for _, m := range methods {
			path := rt.path + "/" + m
			t.Run(rt.verb+" "+path, func(t *testing.T) {
				e.Do(rt.verb, path, rt.body, apitest.None).Expect(t, 401, "authenticationFailed")
				for _, u := range []*apitest.User{user, bughunter} {
					e.Do(rt.verb, path, rt.body, authFor(u, m)).Expect(t, 403, "insufficientAccessLevel")
				}
				if m == "key" {
					e.Do(rt.verb, path, rt.body, low.KeyAuth()).Expect(t, 403, "insufficientAccessLevel")
				}
				if rt.level == 8 {
					e.Do(rt.verb, path, rt.body, authFor(support, m)).Expect(t, 200, "")
				} else {
					e.Do(rt.verb, path, rt.body, authFor(support, m)).Expect(t, 403, "insufficientAccessLevel")
				}
				e.Do(rt.verb, path, rt.body, authFor(admin, m)).Expect(t, 200, "")
			})
		}
	}
	imp := "/admin/impersonate/" + uid(target) + "/jwt"
	e.Do("GET", imp, nil, apitest.None).Expect(t, 401, "authenticationFailed")
	for _, u := range []*apitest.User{user, bughunter, support} {
		e.Do("GET", imp, nil, u.JWT()).Expect(t, 403, "insufficientAccessLevel")
	}
	e.Do("GET", imp, nil, admin.JWT()).Expect(t, 200, "")
	// There is no key variant: impersonation is a person's act.
	e.Do("GET", "/admin/impersonate/"+uid(target)+"/key", nil, admin.KeyAuth()).Expect(t, 404, "notFound")
}

func TestAdminSearchUsers(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	support := e.NewUser("support")
	jane := e.NewUser("user")
	bob := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "Jane_Doe-Sews"}, jane.JWT()).Expect(t, 200, "")
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "bob.builder"}, bob.JWT()).Expect(t, 200, "")

	ids := func(r *apitest.Resp) []int64 {
		users, _ := r.Get("users").([]any)
		out := []int64{}
		for _, u := range users {
			out = append(out, int64(u.(map[string]any)["id"].(float64)))
		}
		return out
	}
	for _, m := range methods {
		search := func(q any) *apitest.Resp {
			return e.Do("POST", "/admin/search/users/"+m, map[string]any{"q": q}, authFor(support, m)).Expect(t, 200, "")
		}
		for _, tc := range []struct {
			name string
			q    any
			want []int64
		}{
			{"username part, any case", "DOE-s", []int64{jane.ID}},
			{"exact email, any case", " " + strings.ToUpper(bob.Email) + " ", []int64{bob.ID}},
			{"part of an email is not a match", bob.Email[:8] + "x", []int64{}},
			{"id as string", uid(jane), []int64{jane.ID}},
			{"id as number", jane.ID, []int64{jane.ID}},
			{"LIKE wildcards are literal", "%", []int64{}},
			{"underscore is literal", "e_d", []int64{jane.ID}},
			{"underscore is not a wildcard", "b_b", []int64{}},
			{"nothing", "zzzz-nobody", []int64{}},
		} {
			t.Run(m+" "+tc.name, func(t *testing.T) {
				r := search(tc.q)
				if got := ids(r); fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("ids %v, want %v; %s", got, tc.want, r.Body)
				}
			})
		}
		r := search("jane_doe")
		if r.Str("users.0.email") != jane.Email || r.Str("users.0.lusername") != "jane_doe-sews" ||
			r.Get("users.0.password") != nil || r.Str("users.0.role") != "user" {
			t.Fatalf("account in search: %s", r.Body)
		}
	}
	for _, tc := range []struct {
		name string
		body any
		code string
	}{
		{"no body", nil, "postBodyMissing"},
		{"no q", map[string]any{"x": 1}, "qMissing"},
		{"null q", map[string]any{"q": nil}, "qMissing"},
		{"blank q", map[string]any{"q": "  "}, "qMissing"},
		{"object q", map[string]any{"q": map[string]any{}}, "qInvalid"},
		{"bool q", map[string]any{"q": true}, "qInvalid"},
		{"long q", map[string]any{"q": strings.Repeat("a", 255)}, "qTooLong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Do("POST", "/admin/search/users/jwt", tc.body, support.JWT()).Expect(t, 400, tc.code)
		})
	}
}

func TestAdminSearchIsBounded(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	support := e.NewUser("support")
	for i := 0; i < 52; i++ {
		e.SignupConfirmed(fmt.Sprintf("many%d@example.com", i), "")
	}
	r := e.Do("POST", "/admin/search/users/key", map[string]any{"q": "user-"}, support.KeyAuth()).Expect(t, 200, "")
	if users, _ := r.Get("users").([]any); len(users) != 50 {
		t.Fatalf("%d users answered, want the bound of 50", len(users))
	}
}

func TestAdminGetUser(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	support := e.NewUser("support")
	target := e.NewUser("user")
	ctx := context.Background()
	db := e.App.DB
	v := db.Vault()
	enc := func(field, plain string) string {
		s, err := v.Encrypt(field, plain)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Rows as the sets and patterns resources store them (agreed vault fields).
	if _, err := db.Exec(ctx, `INSERT INTO sets (user_id, name_enc, notes_enc, public, imperial, measies_enc, img, created_at, updated_at)
 VALUES (?,?,?,?,?,?,?,?,?)`, target.ID, enc("sets.name", "My body"), enc("sets.notes", "measured twice"), true, false,
		enc("sets.measies", `{"chest":900.5,"waist":800}`), "https://img.test/a.png", int64(1700000000123), int64(1700000000456)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO patterns (user_id, design, name_enc, notes_enc, public, settings_enc, data_enc, img, created_at, updated_at)
 VALUES (?,?,?,?,?,?,?,?,?,?)`, target.ID, "aaron", enc("patterns.name", "Summer top"), "", false,
		enc("patterns.settings", `{"sa":10,"options":{"x":1}}`), "", "", int64(1700000000789), int64(1700000000789)); err != nil {
		t.Fatal(err)
	}
	for _, m := range methods {
		r := e.Do("GET", "/admin/user/"+uid(target)+"/"+m, nil, authFor(support, m)).Expect(t, 200, "")
		checks := map[string]string{
			"user.id": uid(target), "user.email": target.Email,
			"sets.0.name": "My body", "sets.0.notes": "measured twice", "sets.0.public": "true", "sets.0.imperial": "false",
			"sets.0.measies.chest": "900.5", "sets.0.measies.waist": "800", "sets.0.userId": uid(target),
			"sets.0.img": "https://img.test/a.png", "sets.0.createdAt": "2023-11-14T22:13:20.123Z",
			"patterns.0.design": "aaron", "patterns.0.name": "Summer top", "patterns.0.notes": "",
			"patterns.0.settings.sa": "10", "patterns.0.settings.options.x": "1",
			"apikeys.0.key": target.Key, "apikeys.0.level": "4",
		}
		for path, want := range checks {
			if got := r.Str(path); got != want {
				t.Errorf("%s: %s = %q, want %q", m, path, got, want)
			}
		}
		if d, ok := r.Get("patterns.0.data").(map[string]any); !ok || len(d) != 0 {
			t.Errorf("empty pattern data should be {}: %s", r.Body)
		}
		if strings.Contains(string(r.Body), "secret") || strings.Contains(string(r.Body), "password") {
			t.Errorf("secrets in the answer: %s", r.Body)
		}
	}
	// A user with nothing answers empty arrays, not null.
	r := e.Do("GET", "/admin/user/"+uid(support)+"/jwt", nil, support.JWT()).Expect(t, 200, "")
	if sets, ok := r.Get("sets").([]any); !ok || len(sets) != 0 {
		t.Fatalf("sets: %s", r.Body)
	}
	if pats, ok := r.Get("patterns").([]any); !ok || len(pats) != 0 {
		t.Fatalf("patterns: %s", r.Body)
	}
	e.Do("GET", "/admin/user/999999/jwt", nil, support.JWT()).Expect(t, 404, "notFound")
	e.Do("GET", "/admin/user/abc/key", nil, support.KeyAuth()).Expect(t, 404, "notFound")
	// The read shows in both security logs.
	if !hasAudit(t, e, target.ID, "admin.read", "by user "+uid(support)) || !hasAudit(t, e, support.ID, "admin.read.user", "user "+uid(target)) {
		t.Fatal("staff read not audited in both logs")
	}
}

func TestAdminPatchValidation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	admin := e.NewUser("admin")
	target := e.NewUser("user")
	path := "/admin/user/" + uid(target) + "/jwt"
	for _, tc := range []struct {
		name   string
		path   string
		body   any
		status int
		code   string
	}{
		{"no body", path, nil, 400, "postBodyMissing"},
		{"unknown role", path, map[string]any{"role": "superuser"}, 400, "roleInvalid"},
		{"role case matters", path, map[string]any{"role": "Admin"}, 400, "roleInvalid"},
		{"role not a string", path, map[string]any{"role": 9}, 400, "roleInvalid"},
		{"status 0", path, map[string]any{"status": 0}, 400, "statusInvalid"},
		{"status 2", path, map[string]any{"status": 2}, 400, "statusInvalid"},
		{"status string", path, map[string]any{"status": "1"}, 400, "statusInvalid"},
		{"status fraction", path, map[string]any{"status": 1.5}, 400, "statusInvalid"},
		{"mfa on", path, map[string]any{"mfaEnabled": true}, 400, "mfaEnabledInvalid"},
		{"mfa not a bool", path, map[string]any{"mfaEnabled": "false"}, 400, "mfaEnabledInvalid"},
		{"valid and invalid together", path, map[string]any{"role": "support", "status": 7}, 400, "statusInvalid"},
		{"self", "/admin/user/" + uid(admin) + "/jwt", map[string]any{"role": "user"}, 403, "cannotChangeSelf"},
		{"self by key", "/admin/user/" + uid(admin) + "/key", map[string]any{"status": -2}, 403, "cannotChangeSelf"},
		{"unknown user", "/admin/user/999999/jwt", map[string]any{"status": 1}, 404, "notFound"},
		{"bad id", "/admin/user/x/jwt", map[string]any{"status": 1}, 404, "notFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := admin.JWT()
			if strings.HasSuffix(tc.path, "/key") {
				a = admin.KeyAuth()
			}
			e.Do("PATCH", tc.path, tc.body, a).Expect(t, tc.status, tc.code)
		})
	}
	// Nothing was written: the target is as it was, and the admin too.
	r := e.Do("GET", "/account/jwt", nil, target.JWT()).Expect(t, 200, "")
	if r.Str("account.role") != "user" || r.Num("account.status") != 1 {
		t.Fatalf("target changed by refused patches: %s", r.Body)
	}
	r = e.Do("GET", "/account/jwt", nil, admin.JWT()).Expect(t, 200, "")
	if r.Str("account.role") != "admin" || r.Num("account.status") != 1 {
		t.Fatalf("admin changed by refused patches: %s", r.Body)
	}
	// Unknown fields are ignored, never applied.
	r = e.Do("PATCH", path, map[string]any{"username": "hacked", "email": "x@example.com", "consent": 0}, admin.JWT()).Expect(t, 200, "")
	if r.Str("user.username") == "hacked" || r.Str("user.email") != target.Email || r.Num("user.consent") != 2 {
		t.Fatalf("unknown fields applied: %s", r.Body)
	}
}

func TestAdminLowerRoleStopsTokensAndCapsKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	admin := e.NewUser("admin")
	target := e.NewUser("support") // key at level 8
	// Before: the target is support staff with token and key.
	e.Do("GET", "/admin/subscribers/jwt", nil, target.JWT()).Expect(t, 200, "")
	e.Do("GET", "/admin/subscribers/key", nil, target.KeyAuth()).Expect(t, 200, "")

	r := e.Do("PATCH", "/admin/user/"+uid(target)+"/key", map[string]any{"role": "user"}, admin.KeyAuth()).Expect(t, 200, "")
	if r.Str("result") != "success" || r.Str("user.role") != "user" || r.Str("user.id") != uid(target) {
		t.Fatalf("patch answer: %s", r.Body)
	}
	// The token stops at once, whatever route.
	e.Do("GET", "/account/jwt", nil, target.JWT()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/whoami/jwt", nil, target.JWT()).Expect(t, 401, "authenticationFailed")
	// The key still authenticates but acts at the new role's level.
	e.Do("GET", "/admin/subscribers/key", nil, target.KeyAuth()).Expect(t, 403, "insufficientAccessLevel")
	e.Do("GET", "/account/key", nil, target.KeyAuth()).Expect(t, 200, "")
	// A new sign-in has the new role.
	r = e.Do("POST", "/signin", map[string]any{"username": target.Email, "password": target.Password}, apitest.None).Expect(t, 200, "")
	if r.Str("account.role") != "user" {
		t.Fatalf("signin after lowering: %s", r.Body)
	}
	if !hasAudit(t, e, target.ID, "admin.changed", "role support->user by user "+uid(admin)) ||
		!hasAudit(t, e, admin.ID, "admin.change", "user "+uid(target)+": role support->user") {
		t.Fatal("role change not audited in both logs")
	}

	// Raising a role keeps the tokens: they gain the level on the next request.
	fresh := r.Str("token")
	e.Do("PATCH", "/admin/user/"+uid(target)+"/jwt", map[string]any{"role": "support"}, admin.JWT()).Expect(t, 200, "")
	e.Do("GET", "/admin/subscribers/jwt", nil, apitest.Bearer(fresh)).Expect(t, 200, "")
	// Same role again is not a lowering.
	e.Do("PATCH", "/admin/user/"+uid(target)+"/jwt", map[string]any{"role": "support"}, admin.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(fresh)).Expect(t, 200, "")
	// Admins may change another admin (a rogue admin can be stopped).
	other := e.NewUser("admin")
	e.Do("PATCH", "/admin/user/"+uid(other)+"/jwt", map[string]any{"role": "blocked"}, admin.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, other.JWT()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/key", nil, other.KeyAuth()).Expect(t, 403, "accountBlocked")
}

func TestAdminStatusBlocksTokensAndKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	admin := e.NewUser("admin")
	target := e.NewUser("user")
	for _, tc := range []struct {
		status int
		code   string
	}{{-2, "accountBlocked"}, {-1, "accountDisabled"}} {
		r := e.Do("PATCH", "/admin/user/"+uid(target)+"/jwt", map[string]any{"status": tc.status}, admin.JWT()).Expect(t, 200, "")
		if r.Num("user.status") != float64(tc.status) {
			t.Fatalf("patch answer: %s", r.Body)
		}
		e.Do("GET", "/account/jwt", nil, target.JWT()).Expect(t, 403, tc.code)
		e.Do("GET", "/account/key", nil, target.KeyAuth()).Expect(t, 403, tc.code)
		e.Do("POST", "/apikeys/key", map[string]any{"name": "x", "level": 1, "expiresIn": 60}, target.KeyAuth()).Expect(t, 403, tc.code)
		// whoami/jwt reports the problem rather than refusing.
		r = e.Do("GET", "/whoami/jwt", nil, target.JWT()).Expect(t, 403, tc.code)
		if r.Str("account.id") != uid(target) {
			t.Fatalf("whoami: %s", r.Body)
		}
		e.Do("POST", "/signin", map[string]any{"username": target.Email, "password": target.Password}, apitest.None).Expect(t, 403, "")
	}
	if !hasAudit(t, e, target.ID, "admin.changed", "status 1->-2") {
		t.Fatal("block not audited")
	}
	// Reactivation: keys work again, tokens from before the block do not.
	e.Do("PATCH", "/admin/user/"+uid(target)+"/key", map[string]any{"status": 1}, admin.KeyAuth()).Expect(t, 200, "")
	e.Do("GET", "/account/key", nil, target.KeyAuth()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, target.JWT()).Expect(t, 401, "authenticationFailed")
	r := e.Do("POST", "/signin", map[string]any{"username": target.Email, "password": target.Password}, apitest.None).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(r.Str("token"))).Expect(t, 200, "")
	// Status 1 on an active account changes nothing and ends nothing.
	e.Do("PATCH", "/admin/user/"+uid(target)+"/jwt", map[string]any{"status": 1}, admin.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(r.Str("token"))).Expect(t, 200, "")
}

func TestAdminTurnsMFAOff(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	admin := e.NewUser("admin")
	target := e.NewUser("user")
	ctx := context.Background()
	secret, err := e.App.DB.Vault().Encrypt("users.mfa_secret", "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.Exec(ctx, "UPDATE users SET mfa_enabled = ?, mfa_secret_enc = ?, mfa_scratch = ?, mfa_last_step = ? WHERE id = ?",
		true, secret, `["h1","h2"]`, int64(42), target.ID); err != nil {
		t.Fatal(err)
	}
	r := e.Do("PATCH", "/admin/user/"+uid(target)+"/key", map[string]any{"mfaEnabled": false}, admin.KeyAuth()).Expect(t, 200, "")
	if r.Get("user.mfaEnabled") != false {
		t.Fatalf("patch answer: %s", r.Body)
	}
	u, err := e.App.DB.Users().ByID(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.MFAEnabled || u.MFASecret != "" || len(u.MFAScratch) != 0 || u.MFALastStep != 0 {
		t.Fatalf("MFA state left behind: %+v", u)
	}
	if !hasAudit(t, e, target.ID, "admin.changed", "mfa off") {
		t.Fatal("MFA off not audited")
	}
	// MFA off does not end sessions.
	e.Do("GET", "/account/jwt", nil, target.JWT()).Expect(t, 200, "")
	// The user signs in with the password alone now.
	e.Do("POST", "/signin", map[string]any{"username": target.Email, "password": target.Password}, apitest.None).Expect(t, 200, "")
}

func TestAdminImpersonate(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	e := apitest.New(t, apitest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	admin := e.NewUser("admin")
	target := e.NewUser("user")
	support := e.NewUser("support")
	other := e.NewUser("admin")

	r := e.Do("GET", "/admin/impersonate/"+uid(target)+"/jwt", nil, admin.JWT()).Expect(t, 200, "")
	token := r.Str("token")
	if token == "" || r.Str("account.id") != uid(target) || r.Str("account.email") != target.Email || r.Str("result") != "success" {
		t.Fatalf("impersonate answer: %s", r.Body)
	}
	// The token acts as the target, at the target's level.
	r = e.Do("GET", "/account/jwt", nil, apitest.Bearer(token)).Expect(t, 200, "")
	if r.Str("account.id") != uid(target) {
		t.Fatalf("token is not the target's: %s", r.Body)
	}
	e.Do("GET", "/admin/subscribers/jwt", nil, apitest.Bearer(token)).Expect(t, 403, "insufficientAccessLevel")
	// Both logs record it.
	if !hasAudit(t, e, target.ID, "admin.impersonated", "by user "+uid(admin)) {
		t.Fatalf("target's log lacks the impersonation: %+v", auditEvents(t, e, target.ID))
	}
	if !hasAudit(t, e, admin.ID, "admin.impersonate", "user "+uid(target)) {
		t.Fatalf("admin's log lacks the impersonation: %+v", auditEvents(t, e, admin.ID))
	}

	// Staff accounts, and oneself, cannot be impersonated; unknown is 404.
	for _, who := range []*apitest.User{other, support, admin} {
		e.Do("GET", "/admin/impersonate/"+uid(who)+"/jwt", nil, admin.JWT()).Expect(t, 403, "cannotImpersonateStaff")
	}
	e.Do("GET", "/admin/impersonate/999999/jwt", nil, admin.JWT()).Expect(t, 404, "notFound")
	e.Do("GET", "/admin/impersonate/0/jwt", nil, admin.JWT()).Expect(t, 404, "notFound")
	if hasAudit(t, e, other.ID, "admin.impersonated", "") {
		t.Fatal("a refused impersonation was recorded as done")
	}

	// The session is the target's: their sign-out-everywhere ends it.
	r = e.Do("GET", "/admin/impersonate/"+uid(target)+"/jwt", nil, admin.JWT()).Expect(t, 200, "")
	second := r.Str("token")
	e.Do("POST", "/signout/all/key", nil, target.KeyAuth()).Expect(t, 204, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(second)).Expect(t, 401, "authenticationFailed")

	// And it lasts an hour at most, though tokens otherwise live for days.
	r = e.Do("GET", "/admin/impersonate/"+uid(target)+"/jwt", nil, admin.JWT()).Expect(t, 200, "")
	third := r.Str("token")
	offset.Store(int64(59 * time.Minute))
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(third)).Expect(t, 200, "")
	offset.Store(int64(61 * time.Minute))
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(third)).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/jwt", nil, admin.JWT()).Expect(t, 200, "")
}

func TestAdminPostgres(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.WithPostgres())
	admin := e.NewUser("admin")
	target := e.NewUser("support")
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "Under_Score"}, target.JWT()).Expect(t, 200, "")
	r := e.Do("POST", "/admin/search/users/jwt", map[string]any{"q": "r_s"}, admin.JWT()).Expect(t, 200, "")
	if r.Str("users.0.id") != uid(target) || r.Get("users.1") != nil {
		t.Fatalf("search: %s", r.Body)
	}
	r = e.Do("POST", "/admin/search/users/jwt", map[string]any{"q": "_"}, admin.JWT()).Expect(t, 200, "")
	if r.Str("users.0.id") != uid(target) || r.Get("users.1") != nil {
		t.Fatalf("underscore search: %s", r.Body)
	}
	e.Do("GET", "/admin/user/"+uid(target)+"/key", nil, admin.KeyAuth()).Expect(t, 200, "")
	e.Do("PATCH", "/admin/user/"+uid(target)+"/jwt", map[string]any{"role": "user", "status": -2, "mfaEnabled": false}, admin.JWT()).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, target.JWT()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/key", nil, target.KeyAuth()).Expect(t, 403, "accountBlocked")
	e.Do("GET", "/admin/impersonate/"+uid(target)+"/jwt", nil, admin.JWT()).Expect(t, 200, "")
}
