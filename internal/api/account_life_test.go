package api_test

import (
	"context"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"bobbin/internal/apitest"
	"bobbin/internal/store"
)

func TestConsent(t *testing.T) {
	t.Parallel()
	acctConsent(t)
}

func acctConsent(t *testing.T, opts ...apitest.Option) {
	e := apitest.New(t, opts...)
	u := e.NewUser("user")
	for _, body := range []map[string]any{{"consent": 3}, {"consent": -1}, {"consent": "2"}, {"consent": nil}, {"other": 1}} {
		e.Do("PATCH", "/consent/jwt", body, u.JWT()).Expect(t, 400, "consentInvalid")
	}
	e.Do("PATCH", "/consent/key", map[string]any{"consent": 1}, u.KeyAuth()).Expect(t, 404, "")

	// Withdrawing consent: a fresh token, and the account is refused (451)...
	r := e.Do("PATCH", "/consent/jwt", map[string]any{"consent": 0}, u.JWT()).Expect(t, 200, "")
	tok := r.Str("token")
	if r.Num("account.consent") != 0 || tok == "" || tok == u.Token {
		t.Fatalf("consent answer: %s", r.Body)
	}
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(tok)).Expect(t, 451, "consentLacking")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 451, "consentLacking")
	e.Do("GET", "/whoami/jwt", nil, apitest.Bearer(tok)).Expect(t, 451, "consentLacking")
	// ...until it is given again through the guest route.
	r = e.Do("PATCH", "/consent/jwt", map[string]any{"consent": 2}, apitest.Bearer(tok)).Expect(t, 200, "")
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(r.Str("token"))).Expect(t, 200, "")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	ev := acctEvents(t, e, u.JWT())
	if ev[0] != "consent.changed" || acctCount(ev, "consent.changed") != 2 {
		t.Fatalf("audit: %v", ev)
	}

	// Other account problems are not lifted by the consent route.
	e.Do("GET", "/account/restrict/jwt", nil, u.JWT()).Expect(t, 200, "")
	e.Do("PATCH", "/consent/jwt", map[string]any{"consent": 2}, u.JWT()).Expect(t, 403, "accountDisabled")
}

func TestRestrictAccount(t *testing.T) {
	t.Parallel()
	acctRestrictAccount(t)
}

func acctRestrictAccount(t *testing.T, opts ...apitest.Option) {
	e := apitest.New(t, opts...)
	u := e.NewUser("user")
	k3, s3 := e.NewKey(u, 3)
	e.Do("GET", "/account/restrict/key", nil, apitest.Basic(k3, s3)).Expect(t, 403, "insufficientAccessLevel")

	r := e.Do("GET", "/account/restrict/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if string(r.Body) != "{\"result\":\"success\"}\n" {
		t.Fatalf("restrict answer: %s", r.Body)
	}
	// Tokens and keys stop at once.
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 403, "accountDisabled")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 403, "accountDisabled")
	e.Do("GET", "/apikeys/key", nil, apitest.Basic(k3, s3)).Expect(t, 403, "accountDisabled")
	e.Do("GET", "/whoami/jwt", nil, u.JWT()).Expect(t, 403, "accountDisabled")
	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 403, "statusLacking")
	e.Do("GET", "/users/"+u.Username, nil, apitest.None).Expect(t, 404, "notFound")
	var status int
	if err := e.App.DB.QueryRow(context.Background(), "SELECT status FROM users WHERE id = ?", u.ID).Scan(&status); err != nil || status != -1 {
		t.Fatalf("status %d, %v", status, err)
	}
	acctHas(t, acctDBEvents(t, e, u.ID), "account.restricted")
}

// acctSeed writes a set, a pattern and a bookmark for a user straight into
// the tables (their routes live on another branch), encrypted with the
// agreed field names.
func acctSeed(t *testing.T, e *apitest.Env, userID int64, name string) {
	t.Helper()
	ctx := context.Background()
	v := e.App.DB.Vault()
	enc := func(field, plain string) string {
		s, err := v.Encrypt(field, plain)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now().UnixMilli()
	if _, err := e.App.DB.Exec(ctx, `INSERT INTO sets (user_id, name_enc, notes_enc, public, imperial, measies_enc, img, created_at, updated_at)
 VALUES (?,?,?,?,?,?,?,?,?)`, userID, enc("sets.name", name+" set"), enc("sets.notes", "notes of "+name),
		true, false, enc("sets.measies", `{"chest":1000.5,"neck":380}`), "", now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.Exec(ctx, `INSERT INTO patterns (user_id, design, name_enc, notes_enc, public, settings_enc, data_enc, img, created_at, updated_at)
 VALUES (?,?,?,?,?,?,?,?,?,?)`, userID, "aaron", enc("patterns.name", name+" pattern"), enc("patterns.notes", ""), false,
		enc("patterns.settings", `{"sa":10,"options":{"x":true}}`), enc("patterns.data", `{"k":"v"}`), "", now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.Exec(ctx, `INSERT INTO bookmarks (user_id, type, title, url, created_at, updated_at) VALUES (?,?,?,?,?,?)`,
		userID, "doc", name+" bookmark", "/docs/"+name, now, now); err != nil {
		t.Fatal(err)
	}
}

// acctRows counts a user's rows in every owned table.
func acctRows(t *testing.T, e *apitest.Env, userID int64) int {
	t.Helper()
	total := 0
	for _, table := range []string{"users", "sessions", "apikeys", "confirmations", "sets", "patterns", "bookmarks", "suggestions", "audit"} {
		col := "user_id"
		if table == "users" {
			col = "id"
		}
		var n int
		if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table+" WHERE "+col+" = ?", userID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

func TestAccountExport(t *testing.T) {
	t.Parallel()
	acctAccountExport(t)
}

func acctAccountExport(t *testing.T, opts ...apitest.Option) {
	e := apitest.New(t, opts...)
	u := e.NewUser("user")
	other := e.NewUser("user")
	acctSeed(t, e, u.ID, "mine")
	acctSeed(t, e, other.ID, "theirs")
	k1, s1 := e.NewKey(u, 1)
	e.Do("GET", "/account/export/key", nil, apitest.Basic(k1, s1)).Expect(t, 403, "insufficientAccessLevel")
	k2, s2 := e.NewKey(u, 2)
	// A linked provider and a passkey: the export lists both (never the
	// provider's subject or the passkey's credential).
	if err := e.App.DB.Write(context.Background(), func(tx *store.Tx) error {
		now := time.Now().UnixMilli()
		if err := tx.Identities().Create(context.Background(), &store.Identity{UserID: u.ID, Provider: "github",
			Subject: "subject-4711", Email: "gh@example.com", CreatedAt: now, LastUsedAt: now}); err != nil {
			return err
		}
		return tx.Passkeys().Create(context.Background(), &store.Passkey{UserID: u.ID, CredentialID: "cred-4711",
			UserHandle: "handle-4711", Name: "Laptop", Credential: `{"id":"cred-4711"}`, CreatedAt: now, LastUsedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	r := e.Do("GET", "/account/export/key", nil, apitest.Basic(k2, s2)).Expect(t, 200, "")
	if r.Str("data.account.providers.0.provider") != "github" || r.Str("data.account.providers.0.email") != "gh@example.com" ||
		r.Num("data.account.passkeys") != 1 || r.Str("data.passkeys.0.name") != "Laptop" || r.Get("data.passkeys.1") != nil {
		t.Fatalf("sign-in methods: providers %v, passkeys %v", r.Get("data.account.providers"), r.Get("data.passkeys"))
	}

	if r.Str("data.account.email") != u.Email || r.Num("data.account.id") != float64(u.ID) {
		t.Fatalf("account: %s", r.Body)
	}
	if n := len(r.Get("data.apikeys").([]any)); n != 3 {
		t.Fatalf("%d keys exported, want 3", n)
	}
	if r.Str("data.sets.0.name") != "mine set" || r.Str("data.sets.0.notes") != "notes of mine" || r.Get("data.sets.0.public") != true ||
		!reflect.DeepEqual(r.Get("data.sets.0.measies"), map[string]any{"chest": 1000.5, "neck": 380.0}) || r.Get("data.sets.1") != nil {
		t.Fatalf("sets: %v", r.Get("data.sets"))
	}
	if r.Str("data.patterns.0.name") != "mine pattern" || r.Str("data.patterns.0.design") != "aaron" ||
		!reflect.DeepEqual(r.Get("data.patterns.0.settings"), map[string]any{"sa": 10.0, "options": map[string]any{"x": true}}) ||
		!reflect.DeepEqual(r.Get("data.patterns.0.data"), map[string]any{"k": "v"}) || r.Get("data.patterns.1") != nil {
		t.Fatalf("patterns: %v", r.Get("data.patterns"))
	}
	if r.Str("data.bookmarks.0.title") != "mine bookmark" || r.Get("data.bookmarks.1") != nil {
		t.Fatalf("bookmarks: %v", r.Get("data.bookmarks"))
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(r.Str("data.sets.0.createdAt")) {
		t.Fatalf("timestamp %q", r.Str("data.sets.0.createdAt"))
	}
	audit, _ := r.Get("data.audit").([]any)
	if len(audit) == 0 {
		t.Fatal("no audit events exported")
	}
	// No secret anywhere: key secrets, hashes, password, MFA.
	body := string(r.Body)
	for _, bad := range []string{u.Secret, s1, s2, `"secret"`, `"password"`, "mfaSecret", "scratch", "theirs", "$argon2",
		"subject-4711", "cred-4711", "handle-4711"} {
		if strings.Contains(body, bad) {
			t.Fatalf("export holds %q", bad)
		}
	}
}

func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	acctDeleteAccount(t)
}

func acctDeleteAccount(t *testing.T, opts ...apitest.Option) {
	e := apitest.New(t, opts...)
	u := e.NewUser("user")
	bystander := e.NewUser("user")
	acctSeed(t, e, u.ID, "mine")
	acctSeed(t, e, bystander.ID, "theirs")
	ctx := context.Background()
	if _, err := e.App.DB.Exec(ctx, "INSERT INTO subscribers (id, email_enc, ehash, language, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
		"00000000-0000-4000-8000-000000000001", "", e.App.DB.Vault().EHash(u.Email), "en", true, 1, 1); err != nil {
		t.Fatal(err)
	}
	e.Do("POST", "/signinlink", map[string]any{"username": u.Username}, apitest.None).Expect(t, 200, "") // a pending confirmation
	e.Settle()
	k2, s2 := e.NewKey(u, 3)
	e.Do("DELETE", "/account/key", nil, apitest.Basic(k2, s2)).Expect(t, 403, "insufficientAccessLevel")
	if acctRows(t, e, u.ID) == 0 {
		t.Fatal("nothing seeded")
	}
	before := acctRows(t, e, bystander.ID)

	r := e.Do("DELETE", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "")
	if string(r.Body) != "{\"result\":\"success\"}\n" {
		t.Fatalf("delete answer: %s", r.Body)
	}
	// Everything owned is gone; tokens and keys stop at once.
	if n := acctRows(t, e, u.ID); n != 0 {
		t.Fatalf("%d rows left", n)
	}
	var subs int
	if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM subscribers").Scan(&subs); err != nil || subs != 0 {
		t.Fatalf("%d subscribers left (%v)", subs, err)
	}
	e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 401, "authenticationFailed")
	e.Do("GET", "/account/key", nil, apitest.Basic(k2, s2)).Expect(t, 401, "authenticationFailed")
	e.Do("POST", "/signin", map[string]any{"username": u.Email, "password": u.Password}, apitest.None).Expect(t, 401, "signInFailed")
	e.Do("GET", "/users/"+strconv.FormatInt(u.ID, 10), nil, apitest.None).Expect(t, 404, "notFound")
	// The bystander keeps everything.
	if after := acctRows(t, e, bystander.ID); after < before {
		t.Fatalf("bystander rows %d -> %d", before, after)
	}
	e.Do("GET", "/account/jwt", nil, bystander.JWT()).Expect(t, 200, "")
	// The address may sign up again, as a new account.
	r = e.Do("POST", "/signup", map[string]any{"email": u.Email, "language": "en", "test": true}, apitest.None).Expect(t, 201, "")
	if r.Str("confirmation") == "" {
		t.Fatalf("signup after delete: %s", r.Body)
	}
	acctMail(t, e, u.Email, "signup")
}

func TestAccountAudit(t *testing.T) {
	t.Parallel()
	acctAccountAudit(t)
}

func acctAccountAudit(t *testing.T, opts ...apitest.Option) {
	e, clock := acctEnv(t, opts...)
	u := e.NewUser("user")
	long := e.Do("POST", "/apikeys/jwt", map[string]any{"name": "long", "level": 2, "expiresIn": 86400}, u.JWT()).Expect(t, 201, "")
	key := apitest.Basic(long.Str("apikey.key"), long.Str("apikey.secret"))

	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": "not the password"}, apitest.None).Expect(t, 401, "signInFailed")
	e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Expect(t, 200, "")
	for range 3 {
		e.Do("GET", "/account/audit/key", nil, key).Expect(t, 200, "")
	}
	r := e.Do("GET", "/account/audit/key", nil, key).Expect(t, 200, "")
	first := r.Get("events.0").(map[string]any)
	if first["event"] != "apikey.used" || first["method"] != "key" || first["ip"] != "127.0.0.1" ||
		first["detail"] != long.Str("apikey.key") || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(first["at"].(string)) {
		t.Fatalf("newest event: %v", first)
	}
	ev := acctEvents(t, e, u.JWT())
	if n := acctCount(ev, "apikey.used"); n != 1 {
		t.Fatalf("%d apikey.used for 4 calls of one key: %v", n, ev)
	}
	acctHas(t, ev, "signup", "signup.confirmed", "password.changed", "apikey.created", "signin", "signin.failed")
	// An hour later the key's use is recorded again.
	clock.Advance(61 * time.Minute)
	e.Do("GET", "/account/key", nil, key).Expect(t, 200, "")
	if n := acctCount(acctEvents(t, e, u.JWT()), "apikey.used"); n != 2 {
		t.Fatalf("%d apikey.used after an hour, want 2", n)
	}
	e.Do("DELETE", "/apikeys/"+long.Str("apikey.key")+"/jwt", nil, u.JWT()).Expect(t, 204, "")
	if ev := acctEvents(t, e, u.JWT()); ev[0] != "apikey.deleted" {
		t.Fatalf("audit: %v", ev)
	}

	// Level 2 is needed; the answer is bounded to the newest 100.
	k1, s1 := e.NewKey(u, 1)
	e.Do("GET", "/account/audit/key", nil, apitest.Basic(k1, s1)).Expect(t, 403, "insufficientAccessLevel")
	for range 120 {
		e.Do("POST", "/signout/jwt", nil, apitest.Bearer(e.Do("POST", "/signin", map[string]any{"username": u.Username, "password": u.Password}, apitest.None).Str("token")))
		if len(acctDBEvents(t, e, u.ID)) > 110 {
			break
		}
	}
	if n := len(acctEvents(t, e, u.JWT())); n != 100 {
		t.Fatalf("%d events answered, want 100", n)
	}
	// Another user's log is not mixed in.
	v := e.NewUser("user")
	for _, name := range acctEvents(t, e, v.JWT()) {
		if name == "signout" {
			t.Fatal("another user's events shown")
		}
	}
}

func TestProfiles(t *testing.T) {
	t.Parallel()
	acctProfiles(t)
}

func acctProfiles(t *testing.T, opts ...apitest.Option) {
	e := apitest.New(t, opts...)
	u := e.NewUser("user")
	e.Do("PATCH", "/account/jwt", map[string]any{"bio": "I sew", "username": "Seamstress"}, u.JWT()).Expect(t, 200, "")
	ihash := e.Do("GET", "/account/jwt", nil, u.JWT()).Expect(t, 200, "").Str("account.ihash")
	if ihash == "" {
		t.Fatal("account without ihash")
	}
	for _, ref := range []string{strconv.FormatInt(u.ID, 10), "seamstress", "SEAMSTRESS"} {
		r := e.Do("GET", "/users/"+ref, nil, apitest.None).Expect(t, 200, "")
		want := map[string]any{"id": float64(u.ID), "username": "Seamstress", "bio": "I sew", "img": "", "role": "user", "patron": 0.0,
			"ihash": ihash}
		if !reflect.DeepEqual(r.Get("profile"), want) {
			t.Fatalf("profile by %q: %s", ref, r.Body)
		}
	}
	// Never by email (api.md: that told anyone who has an account).
	for _, ref := range []string{"0", "999999", "nobody", "nobody@example.com", u.Email, strings.ToUpper(u.Email)} {
		e.Do("GET", "/users/"+ref, nil, apitest.None).Expect(t, 404, "notFound")
	}

	// The user's data, as upstream: {data:{apikeys, bookmarks, patterns, sets}}; the user, or level 6.
	e.Do("POST", "/sets/jwt", map[string]any{"name": "Mine"}, u.JWT()).Expect(t, 201, "")
	e.Do("POST", "/patterns/jwt", map[string]any{"design": "aaron"}, u.JWT()).Expect(t, 201, "")
	e.Do("POST", "/bookmarks/jwt", map[string]any{"type": "doc", "title": "Docs", "url": "/docs"}, u.JWT()).Expect(t, 201, "")
	id := strconv.FormatInt(u.ID, 10)
	for _, a := range []apitest.Auth{u.JWT(), u.KeyAuth()} {
		path := "/users/" + id + "/jwt"
		if a == u.KeyAuth() {
			path = "/users/" + id + "/key"
		}
		r := e.Do("GET", path, nil, a).Expect(t, 200, "")
		keys, _ := r.Get("data.apikeys").([]any)
		sets, _ := r.Get("data.sets").([]any)
		patterns, _ := r.Get("data.patterns").([]any)
		bookmarks, _ := r.Get("data.bookmarks").([]any)
		if r.Str("result") != "success" || len(keys) != 1 || len(sets) != 1 || len(patterns) != 1 || len(bookmarks) != 1 ||
			keys[0].(map[string]any)["key"] != u.Key || strings.Contains(string(r.Body), u.Secret) || r.Get("account") != nil {
			t.Fatalf("own user data: %s", r.Body)
		}
	}
	other := e.NewUser("user")
	e.Do("GET", "/users/"+id+"/jwt", nil, other.JWT()).Expect(t, 403, "insufficientAccessLevel")
	e.Do("GET", "/users/"+id+"/key", nil, other.KeyAuth()).Expect(t, 403, "insufficientAccessLevel")
	e.Do("GET", "/users/"+id+"/jwt", nil, apitest.None).Expect(t, 401, "authenticationFailed")
	hunter := e.NewUser("bughunter")
	r := e.Do("GET", "/users/seamstress/key", nil, hunter.KeyAuth()).Expect(t, 200, "")
	if sets, _ := r.Get("data.sets").([]any); len(sets) != 1 || sets[0].(map[string]any)["name"] != "Mine" {
		t.Fatalf("bughunter read: %s", r.Body)
	}
	e.Do("GET", "/users/999999/jwt", nil, hunter.JWT()).Expect(t, 404, "notFound")
	e.Do("GET", "/users/"+u.Email+"/jwt", nil, hunter.JWT()).Expect(t, 404, "notFound")
}
