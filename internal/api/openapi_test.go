package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"bobbin/internal/apierr"
	"bobbin/internal/apitest"
	"bobbin/internal/auth"
)

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	r := e.Do("GET", "/openapi.json", nil, apitest.None).Expect(t, 200, "")
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	n := 0
	for _, rt := range e.App.Server.Routes() {
		for _, ep := range rt.Endpoints() {
			n++
			op, ok := doc.Paths[ep.Path][strings.ToLower(ep.Verb)]
			if !ok {
				t.Fatalf("%s %s missing from /openapi.json", ep.Verb, ep.Path)
			}
			sec, _ := op["security"].([]any)
			if (ep.Method != "") != (len(sec) == 1) {
				t.Fatalf("%s %s: security %v", ep.Verb, ep.Path, op["security"])
			}
			if rt.Req != nil && op["requestBody"] == nil {
				t.Fatalf("%s %s: request body undocumented", ep.Verb, ep.Path)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d endpoints", n)
	}
	// The account schema names the spec's fields.
	if !strings.Contains(string(r.Body), `"mfaEnabled"`) || !strings.Contains(string(r.Body), `"expiresIn"`) {
		t.Fatal("schemas lack fields")
	}
	d := e.Do("GET", "/docs", nil, apitest.None).Expect(t, 200, "")
	if !strings.HasPrefix(d.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(d.Body), "/openapi.json") {
		t.Fatalf("docs page: %s", d.Header.Get("Content-Type"))
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.Do("GET", "/account/key", nil, apitest.None).Expect(t, 401, "")
	e.Do("GET", "/health", nil, apitest.None).Expect(t, 200, "")
	r := e.Do("GET", "/metrics", nil, apitest.None)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	for _, want := range []string{`bobbin_http_requests_total{code="200",pattern="GET /health"} 1`,
		`bobbin_http_requests_total{code="401",pattern="GET /account/key"} 1`, `bobbin_auth_failures_total{method="key",reason="missing"} 1`} {
		if !strings.Contains(string(r.Body), want) {
			t.Fatalf("missing %q:\n%s", want, r.Body)
		}
	}
	// With a separate metrics address, the main listener does not serve it.
	e2 := apitest.New(t, apitest.WithEnv("BACKEND_METRICS_ADDR", "127.0.0.1:0"))
	e2.Do("GET", "/metrics", nil, apitest.None).Expect(t, 404, "notFound")
}

// openapiDoc is the part of the document the tests read.
type openapiDoc struct {
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths      map[string]map[string]openapiOp `json:"paths"`
	Components struct {
		Schemas         map[string]openapiSchema `json:"schemas"`
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

type openapiOp struct {
	Security    []map[string][]string `json:"security"`
	RequestBody *struct {
		Required bool `json:"required"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema struct {
				Properties struct {
					Error struct {
						Enum []string `json:"enum"`
					} `json:"error"`
				} `json:"properties"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type openapiSchema struct {
	Type       any                        `json:"type"`
	Enum       []any                      `json:"enum"`
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func getOpenAPI(t *testing.T, e *apitest.Env) (openapiDoc, string) {
	t.Helper()
	r := e.Do("GET", "/openapi.json", nil, apitest.None).Expect(t, 200, "")
	var doc openapiDoc
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, string(r.Body)
}

// codes lists the error codes an operation documents for a status.
func (op openapiOp) codes(status string) []string {
	return op.Responses[status].Content["application/json"].Schema.Properties.Error.Enum
}

func TestOpenAPISecurityByMethod(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	doc, _ := getOpenAPI(t, e)
	if s := doc.Components.SecuritySchemes; s["bearer"].Scheme != "bearer" || s["basic"].Scheme != "basic" || s["bearer"].Type != "http" || s["basic"].Type != "http" {
		t.Fatalf("security schemes %+v", s)
	}
	want := map[string]string{"jwt": "bearer", "key": "basic"}
	for _, rt := range e.App.Server.Routes() {
		for _, ep := range rt.Endpoints() {
			op, ok := doc.Paths[ep.Path][strings.ToLower(ep.Verb)]
			if !ok {
				t.Fatalf("%s %s missing", ep.Verb, ep.Path)
			}
			scheme := want[string(ep.Method)]
			if scheme == "" {
				if len(op.Security) != 0 {
					t.Errorf("%s %s is public but has security %v", ep.Verb, ep.Path, op.Security)
				}
				continue
			}
			if len(op.Security) != 1 || len(op.Security[0]) != 1 || op.Security[0][scheme] == nil {
				t.Errorf("%s %s: security %v, want %s", ep.Verb, ep.Path, op.Security, scheme)
			}
			// Every authenticated operation documents the refusals of authentication.
			if !slices.Contains(op.codes("401"), "authenticationFailed") || !slices.Contains(op.codes("403"), "accountBlocked") {
				t.Errorf("%s %s: 401 %v, 403 %v", ep.Verb, ep.Path, op.codes("401"), op.codes("403"))
			}
			if rt.Level > 0 && !slices.Contains(op.codes("403"), "insufficientAccessLevel") {
				t.Errorf("%s %s: level %d without insufficientAccessLevel", ep.Verb, ep.Path, rt.Level)
			}
			if rt.Req != nil && (!slices.Contains(op.codes("400"), "invalidJson") || !slices.Contains(op.codes("413"), "bodyTooLarge")) {
				t.Errorf("%s %s: body errors %v %v", ep.Verb, ep.Path, op.codes("400"), op.codes("413"))
			}
		}
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != e.App.Server.Config.URL || doc.Servers[0].URL == "" {
		t.Fatalf("servers %+v, want %q", doc.Servers, e.App.Server.Config.URL)
	}
	// The servers entry is BACKEND_URL.
	e2 := apitest.New(t, apitest.WithEnv("BACKEND_URL", "https://api.example.org"))
	if doc2, _ := getOpenAPI(t, e2); len(doc2.Servers) != 1 || doc2.Servers[0].URL != "https://api.example.org" {
		t.Fatalf("servers with BACKEND_URL: %+v", doc2.Servers)
	}
}

func TestOpenAPIRequiredAndEnums(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	doc, _ := getOpenAPI(t, e)
	s := doc.Components.Schemas
	enum := func(name string) []string {
		var out []string
		for _, v := range s[name].Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	if got := enum("Language"); !slices.Equal(got, []string{"en", "de", "es", "fr", "nl", "uk"}) {
		t.Errorf("Language enum %v", got)
	}
	if got := enum("Role"); !slices.Equal(got, auth.RoleNames()) {
		t.Errorf("Role enum %v", got)
	}
	if got := enum("Level"); !slices.Equal(got, []string{"0", "1", "2", "3", "4", "5", "6", "8", "9"}) {
		t.Errorf("Level enum %v", got)
	}
	if got := enum("BookmarkType"); !slices.Equal(got, []string{"cset", "custom", "design", "doc", "pattern", "set"}) {
		t.Errorf("BookmarkType enum %v", got)
	}
	if got := enum("Status"); !slices.Equal(got, []string{"-2", "-1", "0", "1"}) {
		t.Errorf("Status enum %v", got)
	}
	// Fields point at them.
	for _, c := range []struct{ schema, field, enum string }{
		{"Account", "role", "Role"}, {"Account", "language", "Language"}, {"APIKey", "level", "Level"},
		{"Bookmark", "type", "BookmarkType"}, {"SignupRequest", "language", "Language"}, {"AdminUserPatch", "role", "Role"},
	} {
		if p := string(s[c.schema].Properties[c.field]); !strings.Contains(p, `"#/components/schemas/`+c.enum+`"`) {
			t.Errorf("%s.%s is %s, want the %s enum", c.schema, c.field, p, c.enum)
		}
	}
	// Requests require what is tagged; answers every field without omitempty.
	for _, c := range []struct {
		schema string
		want   []string
	}{
		{"SignupRequest", []string{"email", "language"}},
		{"SigninRequest", []string{"password", "username"}},
		{"APIKeyRequest", []string{"expiresIn", "level", "name"}},
		{"SetRequest", nil},
		{"Bookmark", []string{"createdAt", "id", "title", "type", "updatedAt", "url", "userId"}},
	} {
		if got := s[c.schema].Required; !slices.Equal(got, c.want) {
			t.Errorf("%s required %v, want %v", c.schema, got, c.want)
		}
	}
	if got := s["APIKey"].Required; slices.Contains(got, "secret") || !slices.Contains(got, "key") {
		t.Errorf("APIKey required %v: secret is omitempty, key is always there", got)
	}
	// Two types of one name (signin.SigninRequest, passkey.SigninRequest)
	// get two schemas: the second is qualified by its package.
	if _, ok := s["PasskeySigninRequest"]; !ok || s["PasskeySigninRequest"].Properties["password"] != nil {
		t.Errorf("passkey.SigninRequest schema %+v", s["PasskeySigninRequest"])
	}
	if got := s["Account"].Required; !slices.Contains(got, "mfaEnabled") {
		t.Errorf("Account required %v", got)
	}
}

func TestOpenAPIErrorCodes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	doc, _ := getOpenAPI(t, e)
	for _, c := range []struct {
		verb, path, status string
		want               []string
	}{
		{"post", "/apikeys/jwt", "400", []string{"postBodyMissing", "invalidJson", "nameMissing", "levelMissing", "expiresInMissing", "keyLevelExceedsRoleLevel", "levelInvalid"}},
		{"post", "/apikeys/jwt", "403", []string{"insufficientAccessLevel", "accountBlocked", "accountDisabled", "accountInactive"}},
		{"post", "/apikeys/key", "429", []string{"tooManyRequests"}},
		{"post", "/signup", "400", []string{"emailMissing", "languageMissing", "unsupportedLanguage", "postBodyMissing"}},
		{"post", "/signin", "401", []string{"signInFailed"}},
		{"post", "/signin", "403", []string{"mfaTokenRequired", "accountBlocked"}},
		{"get", "/sets/{id}/jwt", "404", []string{"notFound"}},
		{"post", "/bookmarks/key", "400", []string{"typeInvalid", "titleMissing", "urlMissing"}},
		{"patch", "/admin/user/{id}/jwt", "403", []string{"cannotChangeSelf", "insufficientAccessLevel"}},
		{"patch", "/consent/jwt", "400", []string{"consentInvalid"}},
	} {
		op, ok := doc.Paths[c.path][c.verb]
		if !ok {
			t.Fatalf("%s %s missing", c.verb, c.path)
		}
		for _, w := range c.want {
			if !slices.Contains(op.codes(c.status), w) {
				t.Errorf("%s %s %s: %v lacks %s", c.verb, c.path, c.status, op.codes(c.status), w)
			}
		}
	}
	// A guest route lets status and consent problems through: it does not list them.
	if op := doc.Paths["/consent/jwt"]["patch"]; slices.Contains(op.codes("451"), "consentLacking") || slices.Contains(op.codes("403"), "accountInactive") {
		t.Errorf("PATCH /consent/jwt lists refusals it lets through: %v %v", op.codes("451"), op.codes("403"))
	}
	// Public routes have no authentication refusals; a body-less one no body errors.
	if op := doc.Paths["/health"]["get"]; len(op.codes("401")) != 0 || len(op.codes("400")) != 0 || len(op.codes("413")) != 0 {
		t.Errorf("GET /health lists errors: %+v", op.Responses)
	}
	// The optional body of POST /confirm/signup/{id} is not postBodyMissing.
	if op := doc.Paths["/confirm/signup/{id}"]["post"]; op.RequestBody == nil || op.RequestBody.Required || slices.Contains(op.codes("400"), "postBodyMissing") {
		t.Errorf("POST /confirm/signup/{id}: body %+v, 400 %v", op.RequestBody, op.codes("400"))
	}
	// Every code named is one of the closed list, with the status it answers.
	for path, ops := range doc.Paths {
		for verb, op := range ops {
			for status := range op.Responses {
				for _, name := range op.codes(status) {
					c, ok := apierr.ByName(name)
					if !ok || strconv.Itoa(c.Status()) != status {
						t.Errorf("%s %s: %s under %s", verb, path, name, status)
					}
				}
			}
		}
	}
}
