package fsimport_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"bobbin/internal/apitest"
	"bobbin/internal/fsimport"
	"bobbin/internal/store"
)

type fixtures struct {
	EncryptionKey string `json:"encryptionKey"`
	Fields        []struct {
		Plain  any    `json:"plain"`
		Stored string `json:"stored"`
	} `json:"fields"`
	Password struct {
		Plain, V3, V2 string
	} `json:"password"`
	APIKeySecret struct {
		Plain, Stored string
	} `json:"apikeySecret"`
	JWT struct {
		Secret, Token string
		Claims        struct {
			Aud, Iss string
			Iat      int64
		}
	} `json:"-"`
}

func loadFixtures(t *testing.T) fixtures {
	t.Helper()
	var f fixtures
	for name, dst := range map[string]any{"crypto-vectors.json": &f, "legacy-jwt.json": &f.JWT} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	if f.JWT.Token == "" || f.Password.V3 == "" || len(f.Fields) < 7 {
		t.Fatal("fixtures incomplete")
	}
	return f
}

const (
	keyID     = "5122738c-2e44-4165-a9db-2f0b6ba4fbaf"
	cappedKey = "0b1f7a52-9d3e-4c61-8a7e-2f4c5d6e7f80"
	farFuture = int64(2394720000000)
	createdMs = int64(1700000000000)
	updatedMs = int64(1700000500000)
)

// upstream is an upstream-shaped database: the fixture's stored values as
// upstream wrote them, and more made the same way.
type upstream struct {
	path string
	db   *fsimport.Upstream
	f    fixtures
}

func buildUpstream(t *testing.T, f fixtures, clashName string) *upstream {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	u, err := fsimport.CreateUpstream(path, f.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	ins := func(table string, row map[string]any) {
		t.Helper()
		if err := u.Insert(table, row); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
	user := func(id int64, username, email, password, role string, extra map[string]any) {
		row := map[string]any{"id": id, "username": username, "lusername": strings.ToLower(username), "email": u.Enc(email),
			"initial": u.Enc(email), "ehash": fsimport.UpstreamEHash(email), "ihash": fsimport.UpstreamEHash(email),
			"password": password, "role": role, "status": 1, "consent": 2, "createdAt": createdMs, "updatedAt": updatedMs,
			"bio": u.Enc(""), "data": u.Enc(map[string]any{})}
		for k, v := range extra {
			row[k] = v
		}
		ins("User", row)
	}
	// Joost: every stored value straight from the fixture.
	user(17, "joost", "", f.Password.V3, "user", map[string]any{
		"email": f.Fields[0].Stored, "initial": f.Fields[0].Stored, "ehash": fsimport.UpstreamEHash("Joost@Example.COM"),
		"ihash": fsimport.UpstreamEHash("Joost@Example.COM"), "bio": f.Fields[1].Stored, "data": f.Fields[2].Stored,
		"img": f.Fields[6].Stored, "imperial": 1, "newsletter": 1, "language": "nl", "jwtCalls": 12, "lastSeen": updatedMs})
	user(18, "Legacy2", "v2@example.com", f.Password.V2, "user", nil)
	user(19, clashName, "clash@example.com", f.Password.V3, "user", nil)
	user(1, "upstream-one", "one@example.com", f.Password.V3, "user", nil) // id 1 is a Bobbin account
	user(20, "supporter", "support@example.com", f.Password.V3, "support", nil)

	ins("Apikey", map[string]any{"id": keyID, "name": "Test API key", "level": 4, "secret": f.APIKeySecret.Stored,
		"userId": 17, "expiresAt": farFuture, "createdAt": createdMs})
	other, err := fsimport.HashV3("another secret")
	if err != nil {
		t.Fatal(err)
	}
	ins("Apikey", map[string]any{"id": cappedKey, "name": "too high", "level": 8, "secret": other, "userId": 17,
		"expiresAt": farFuture, "createdAt": createdMs})

	ins("Set", map[string]any{"id": 5, "userId": 17, "name": u.Enc("Me"), "notes": u.Enc("made upstream"),
		"measies": f.Fields[3].Stored, "img": u.Enc("https://example.com/me.jpg"), "public": 1, "createdAt": createdMs, "updatedAt": updatedMs})
	ins("Set", map[string]any{"id": 6, "userId": 17, "name": u.Enc("Odd"), "notes": u.Enc(""),
		"measies": u.Enc(map[string]any{"waist": 800, "elbowWidth": 90, "hips": -1}), "createdAt": createdMs, "updatedAt": updatedMs})
	ins("Set", map[string]any{"id": 7, "userId": 19, "name": u.Enc("Clash's"), "measies": u.Enc(map[string]any{}),
		"createdAt": createdMs, "updatedAt": updatedMs})
	ins("Set", map[string]any{"id": 8, "userId": 18, "name": u.Enc("V2's"), "measies": "{}", "createdAt": createdMs, "updatedAt": updatedMs})

	ins("Pattern", map[string]any{"id": 9, "userId": 17, "design": "aaron", "name": u.Enc("My Aaron"), "notes": u.Enc("n"),
		"settings": u.Enc(map[string]any{"sa": 10, "measurements": map[string]any{"chest": 970.5}}),
		"data":     u.Enc(map[string]any{"version": "3.0.0"}), "setId": 5, "createdAt": createdMs, "updatedAt": updatedMs})
	ins("Bookmark", map[string]any{"id": 3, "userId": 17, "type": "doc", "title": "Docs", "url": "https://freesewing.org/docs"})
	ins("CuratedSet", map[string]any{"id": 2, "nameEn": "Curated", "nameNl": "Gecureerd", "tagsEn": `["tag1","tag2"]`,
		"tagsNl": `["tag1","etiket"]`, "measies": `{"chest":900,"unknownThing":3}`, "updatedAt": updatedMs})
	ins("OptionPack", map[string]any{"id": 4, "design": "aaron", "nameEn": "Loose", "options": `{"chestEase":0.1}`, "updatedAt": updatedMs})
	ins("Subscriber", map[string]any{"id": "6d0f3d1c-2b4c-4a5f-9e77-1a2b3c4d5e6f", "email": u.Enc("sub@example.com"),
		"ehash": fsimport.UpstreamEHash("sub@example.com"), "active": 1, "updatedAt": updatedMs})
	ins("Confirmation", map[string]any{"id": "a7c5e5b0-0000-4000-8000-000000000001", "type": "signup", "data": u.Enc(map[string]any{}), "userId": 18})
	return &upstream{path: path, db: u, f: f}
}

func run(t *testing.T, e *apitest.Env, up *upstream, mod func(*fsimport.Options)) (*fsimport.Report, string) {
	t.Helper()
	opts := fsimport.Options{From: up.path, EncKey: up.f.EncryptionKey, JWTSecret: up.f.JWT.Secret,
		JWTIssuer: up.f.JWT.Claims.Iss, JWTAudience: up.f.JWT.Claims.Aud, Target: fsimport.StoreTarget{DB: e.App.DB}}
	if mod != nil {
		mod(&opts)
	}
	var out strings.Builder
	rep, err := fsimport.Run(context.Background(), opts, &out)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	return rep, out.String()
}

func count(t *testing.T, rep *fsimport.Report, table string) fsimport.TableCount {
	t.Helper()
	for _, c := range rep.Tables {
		if c.Table == table {
			return c
		}
	}
	t.Fatalf("no count for %s in %+v", table, rep.Tables)
	return fsimport.TableCount{}
}

func TestImportSQLite(t *testing.T)   { testImport(t) }
func TestImportPostgres(t *testing.T) { testImport(t, apitest.WithPostgres()) }

func testImport(t *testing.T, opts ...apitest.Option) {
	f := loadFixtures(t)
	// The server's clock is an hour after the upstream token was issued.
	now := time.Unix(f.JWT.Claims.Iat+3600, 0)
	e := apitest.New(t, append(opts, apitest.WithClock(func() time.Time { return now }))...)
	existing := e.NewUser("user") // an account made in Bobbin before the import: id 1
	if existing.ID != 1 {
		t.Fatalf("first Bobbin user has id %d", existing.ID)
	}
	up := buildUpstream(t, f, strings.ToUpper(existing.Username))

	rep, out := run(t, e, up, nil)
	if c := count(t, rep, "users"); c.Upstream != 5 || c.New != 3 || c.Skipped != 2 {
		t.Fatalf("users %+v\n%s", c, out)
	}
	for table, want := range map[string]fsimport.TableCount{
		"apikeys": {New: 2}, "sets": {New: 3, Skipped: 1}, "patterns": {New: 1}, "bookmarks": {New: 1},
		"curated_sets": {New: 1}, "option_packs": {New: 1}, "subscribers": {New: 1}, "confirmations": {Skipped: 1},
	} {
		if c := count(t, rep, table); c.New != want.New || c.Skipped != want.Skipped || c.Updated != 0 {
			t.Errorf("%s: %+v, want new %d skipped %d\n%s", table, c, want.New, want.Skipped, out)
		}
	}
	for reason, n := range map[string]int{
		"users: username collides with another account": 1, "users: id belongs to an account made in Bobbin": 1,
		"sets: owner skipped": 1, "confirmations: pending confirmations are not carried over": 1,
	} {
		if rep.SkipReasons[reason] != n {
			t.Errorf("skip reason %q: %d, want %d (%v)", reason, rep.SkipReasons[reason], n, rep.SkipReasons)
		}
	}
	for field, n := range map[string]int{"sets.measies.elbowWidth": 1, "sets.measies.hips": 1, "patterns.setId": 1,
		"curated_sets.measies.unknownThing": 1} {
		if rep.FieldsSkipped[field] != n {
			t.Errorf("field %q: %d, want %d (%v)", field, rep.FieldsSkipped[field], n, rep.FieldsSkipped)
		}
	}
	if rep.ImagesCloudflare != 1 || rep.ImagesOther != 1 || rep.LevelsCapped != 1 {
		t.Errorf("images %d/%d, capped %d", rep.ImagesCloudflare, rep.ImagesOther, rep.LevelsCapped)
	}
	if !strings.Contains(out, "username collides with another account (user 1)") || !strings.Contains(out, "sets.measies.elbowWidth") {
		t.Errorf("report lacks the skips:\n%s", out)
	}
	// Nothing personal in the report.
	for _, secret := range []string{"Joost@Example.COM", "joost@example.com", f.APIKeySecret.Plain, f.JWT.Secret, f.EncryptionKey} {
		if strings.Contains(out, secret) {
			t.Errorf("report shows %q", secret)
		}
	}

	// A second run finds nothing to do, and says so.
	rep2, out2 := run(t, e, up, nil)
	if rep2.Changed() || !strings.Contains(out2, "nothing new or changed upstream") {
		t.Fatalf("second run changed things:\n%s", out2)
	}
	if c := count(t, rep2, "sets"); c.Unchanged != 3 || c.Skipped != 1 {
		t.Errorf("second run sets %+v", c)
	}

	// The original password signs in (v3 scrypt), and is upgraded.
	signin := e.Do("POST", "/signin", map[string]any{"username": "joost", "password": f.Password.Plain}, apitest.None).Expect(t, 200, "")
	if signin.Str("account.email") != "Joost@Example.COM" || signin.Str("account.bio") != f.Fields[1].Plain ||
		signin.Str("account.img") != f.Fields[6].Plain || signin.Str("account.language") != "nl" {
		t.Errorf("account after sign-in: %s", signin.Body)
	}
	token := signin.Str("token")
	ctx := context.Background()
	db := e.App.DB
	u17, err := db.Users().ByID(ctx, 17)
	if err != nil || !strings.HasPrefix(u17.Password, "$argon2id$") {
		t.Fatalf("password not upgraded: %v %.12s", err, u17.Password)
	}
	if u17.Data["githubEmail"] != "x@y.z" || u17.EHash != db.Vault().EHash("joost@example.com") {
		t.Errorf("user data %v, ehash %s", u17.Data, u17.EHash)
	}
	e.Do("POST", "/signin", map[string]any{"username": "joost", "password": f.Password.Plain}, apitest.None).Expect(t, 200, "")
	e.Do("POST", "/signin", map[string]any{"username": "joost", "password": "wrong"}, apitest.None).Expect(t, 401, "")
	// The v2 (bcrypt) password too, by email.
	e.Do("POST", "/signin", map[string]any{"username": "v2@example.com", "password": f.Password.Plain}, apitest.None).Expect(t, 200, "")
	if u, _ := db.Users().ByID(ctx, 18); !strings.HasPrefix(u.Password, "$argon2id$") {
		t.Error("v2 password not upgraded")
	}

	// The original key and secret; verified once against upstream's hash,
	// then Bobbin's.
	e.Do("GET", "/account/key", nil, apitest.Basic(keyID, f.APIKeySecret.Plain+"x")).Expect(t, 401, "")
	acc := e.Do("GET", "/account/key", nil, apitest.Basic(keyID, f.APIKeySecret.Plain)).Expect(t, 200, "")
	if acc.Str("account.username") != "joost" {
		t.Errorf("key account: %s", acc.Body)
	}
	if legacy, err := db.Import().LegacyKeySecret(ctx, keyID); err != nil || legacy != "" {
		t.Errorf("key still legacy after its first use: %q %v", legacy, err)
	}
	e.Do("GET", "/account/key", nil, apitest.Basic(keyID, f.APIKeySecret.Plain)).Expect(t, 200, "")
	e.Do("GET", "/account/key", nil, apitest.Basic(keyID, f.APIKeySecret.Plain+"x")).Expect(t, 401, "")
	if k, err := db.Keys().ByID(ctx, cappedKey); err != nil || k.Level != 4 {
		t.Errorf("capped key: %+v %v", k, err)
	}

	// Every set and pattern reads back with its fields.
	sets := e.Do("GET", "/sets/jwt", nil, apitest.Bearer(token)).Expect(t, 200, "")
	want5 := map[string]any{"chest": 970.5, "neck": 380.0, "shoulderSlope": 13.0}
	if !reflect.DeepEqual(sets.Get("sets.0.measies"), want5) || sets.Str("sets.0.name") != "Me" ||
		sets.Str("sets.0.notes") != "made upstream" || sets.Str("sets.0.img") != "https://example.com/me.jpg" ||
		sets.Get("sets.0.public") != true || sets.Num("sets.0.id") != 5 {
		t.Errorf("set 5: %s", sets.Body)
	}
	if !reflect.DeepEqual(sets.Get("sets.1.measies"), map[string]any{"waist": 800.0}) || sets.Str("sets.1.name") != "Odd" {
		t.Errorf("set 6: %s", sets.Body)
	}
	p := e.Do("GET", "/patterns/9/jwt", nil, apitest.Bearer(token)).Expect(t, 200, "")
	if p.Str("pattern.name") != "My Aaron" || p.Str("pattern.design") != "aaron" || p.Num("pattern.settings.sa") != 10 ||
		p.Num("pattern.settings.measurements.chest") != 970.5 || p.Str("pattern.data.version") != "3.0.0" {
		t.Errorf("pattern 9: %s", p.Body)
	}
	if c, err := db.Curated().SetByID(ctx, 2); err != nil || c.Name[1] != "Curated" || c.Name[4] != "Gecureerd" ||
		!reflect.DeepEqual(c.Tags, [6][]string{{}, {"tag1", "tag2"}, {}, {}, {"tag1", "etiket"}, {}}) || c.Measies["chest"] != 900 {
		t.Errorf("curated set: %+v %v", c, err)
	}
	if s, err := db.Subscribers().ByID(ctx, "6d0f3d1c-2b4c-4a5f-9e77-1a2b3c4d5e6f"); err != nil || !s.Active {
		t.Errorf("subscriber: %+v %v", s, err)
	}
	// New rows get ids after the imported ones.
	created := e.Do("POST", "/sets/jwt", map[string]any{"name": "new"}, apitest.Bearer(token)).Expect(t, 201, "")
	if created.Num("set.id") <= 8 {
		t.Errorf("new set id %v reuses the imported range", created.Num("set.id"))
	}

	// The upstream token works until signed out everywhere.
	legacy := apitest.Bearer(f.JWT.Token)
	if r := e.Do("GET", "/account/jwt", nil, legacy).Expect(t, 200, ""); r.Str("account.username") != "joost" {
		t.Errorf("legacy token account: %s", r.Body)
	}
	e.Do("POST", "/signout/all/jwt", nil, legacy).Expect(t, 204, "")
	e.Do("GET", "/account/jwt", nil, legacy).Expect(t, 401, "")
	// A token Bobbin issued is signed out with it.
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(token)).Expect(t, 401, "")

	// A lowered role stops an upstream token that claims the higher one.
	support := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"_id": 20, "username": "supporter", "role": "support",
		"status": 1, "aud": f.JWT.Claims.Aud, "iss": f.JWT.Claims.Iss, "iat": f.JWT.Claims.Iat, "exp": f.JWT.Claims.Iat + 7*86400})
	st, err := support.SignedString([]byte(f.JWT.Secret))
	if err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(st)).Expect(t, 200, "")
	e.UpdateUser(20, func(u *store.User) { u.Role = "user" })
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(st)).Expect(t, 401, "")

	// A row changed upstream and a new one: only those are written; the
	// revoked upstream sessions stay revoked.
	if _, err := up.db.DB.Exec(`UPDATE "Set" SET name = ?, updatedAt = ? WHERE id = 5`, up.db.Enc("Me, renamed"), updatedMs+1); err != nil {
		t.Fatal(err)
	}
	if err := up.db.Insert("Set", map[string]any{"id": 50, "userId": 18, "name": up.db.Enc("later"), "measies": "{}", "updatedAt": updatedMs}); err != nil {
		t.Fatal(err)
	}
	rep3, out3 := run(t, e, up, nil)
	if c := count(t, rep3, "sets"); c.New != 1 || c.Updated != 1 || c.Unchanged != 2 || c.Skipped != 1 {
		t.Errorf("third run sets %+v\n%s", c, out3)
	}
	if c := count(t, rep3, "users"); c.New+c.Updated != 0 {
		t.Errorf("third run users %+v", c)
	}
	e.Do("GET", "/account/jwt", nil, legacy).Expect(t, 401, "")
	// The key upgraded at its first use keeps Bobbin's hash.
	e.Do("GET", "/account/key", nil, apitest.Basic(keyID, f.APIKeySecret.Plain)).Expect(t, 200, "")
	if s, err := db.Sets().ByID(ctx, 5); err != nil || db.Sets().Open(s) != nil || s.Name != "Me, renamed" {
		t.Errorf("set 5 after update: %+v %v", s, err)
	}
}

// The upstream token is refused when the import was run without
// --jwt-secret, and once it has expired.
func TestLegacyTokenNeedsSecretAndExpires(t *testing.T) {
	f := loadFixtures(t)
	clock := time.Unix(f.JWT.Claims.Iat+3600, 0)
	e := apitest.New(t, apitest.WithClock(func() time.Time { return clock }))
	up := buildUpstream(t, f, "nobody")
	run(t, e, up, func(o *fsimport.Options) { o.JWTSecret = "" })
	e.Do("GET", "/account/jwt", nil, apitest.Bearer(f.JWT.Token)).Expect(t, 401, "")

	e2 := apitest.New(t, apitest.WithClock(func() time.Time { return time.Unix(f.JWT.Claims.Iat+8*86400, 0) }))
	run(t, e2, up, nil)
	e2.Do("GET", "/account/jwt", nil, apitest.Bearer(f.JWT.Token)).Expect(t, 401, "")
}

func TestWrongKeyWritesNothing(t *testing.T) {
	f := loadFixtures(t)
	e := apitest.New(t)
	up := buildUpstream(t, f, "nobody")
	var out strings.Builder
	_, err := fsimport.Run(context.Background(), fsimport.Options{From: up.path, EncKey: "not-the-key",
		Target: fsimport.StoreTarget{DB: e.App.DB}}, &out)
	if !errors.Is(err, fsimport.ErrWrongKey) {
		t.Fatalf("err %v", err)
	}
	var n int
	if err := e.App.DB.QueryRow(context.Background(), "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM fsimport_rows)").Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows written: %d %v", n, err)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	f := loadFixtures(t)
	e := apitest.New(t)
	up := buildUpstream(t, f, "nobody")
	before, _ := os.ReadFile(up.path)
	rep, out := run(t, e, up, func(o *fsimport.Options) { o.DryRun = true })
	if !rep.DryRun || count(t, rep, "users").New != 5 || count(t, rep, "sets").New != 4 || !strings.Contains(out, "dry run, nothing written") {
		t.Fatalf("dry run report:\n%s", out)
	}
	var n int
	if err := e.App.DB.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM sets) +
 (SELECT COUNT(*) FROM fsimport_rows) + (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM meta WHERE k <> 'ready')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("dry run wrote %d rows (%v)", n, err)
	}
	// Without any Bobbin database, it counts against an empty one.
	rep2, out2 := run(t, e, up, func(o *fsimport.Options) { o.DryRun = true; o.Target = nil })
	if count(t, rep2, "users").New != 5 || !strings.Contains(out2, "counted as if it were empty") {
		t.Fatalf("dry run without a target:\n%s", out2)
	}
	// The upstream file is read, never written.
	after, _ := os.ReadFile(up.path)
	if string(before) != string(after) {
		t.Error("upstream file changed")
	}
}
