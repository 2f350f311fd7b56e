package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
)

// The OpenAPI 3.1 document is generated from the route table and the
// named request and response types, so it cannot drift from the code.

// openapiCache holds the rendered document of one server.
type openapiCache struct {
	once sync.Once
	doc  []byte
	err  error
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	c := &s.openapiDoc
	c.once.Do(func() { c.doc, c.err = json.MarshalIndent(s.OpenAPI(), "", "  ") })
	if c.err != nil {
		return c.err
	}
	openapiDoc := c.doc
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(openapiDoc)
	return err
}

//go:embed docs.html
var docsPage []byte

func (s *Server) docs(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	h.Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(docsPage)
	return err
}

// OpenAPI builds the document.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	for _, rt := range s.routes {
		for _, ep := range rt.Endpoints() {
			op := map[string]any{
				"summary":     rt.Summary,
				"description": describe(rt, ep),
				"operationId": operationID(ep),
				"tags":        []string{tag(rt.Path)},
			}
			tags[tag(rt.Path)] = true
			var params []any
			for _, seg := range strings.Split(ep.Path, "/") {
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					name := seg[1 : len(seg)-1]
					params = append(params, map[string]any{"name": name, "in": "path", "required": true,
						"description": pathParamDoc(name), "schema": map[string]any{"type": "string"}})
				}
			}
			if params != nil {
				op["parameters"] = params
			}
			switch ep.Method {
			case MethodJWT:
				op["security"] = []any{map[string]any{"bearer": []any{}}}
			case MethodKey:
				op["security"] = []any{map[string]any{"basic": []any{}}}
			default:
				op["security"] = []any{}
			}
			if ep.Method != MethodNone {
				op["x-bobbin-level"] = int(rt.Level)
			}
			if rt.Req != nil {
				op["requestBody"] = map[string]any{"required": !rt.h.Optional(), "content": map[string]any{
					"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Req), false)}}}
			}
			resp := map[string]any{"description": http.StatusText(rt.Status)}
			if rt.Resp != nil || rt.Media != nil {
				resp["content"] = g.content(rt)
			}
			responses := map[string]any{strconv.Itoa(rt.Status): resp, "default": map[string]any{"$ref": "#/components/responses/Error"}}
			for status, codes := range groupByStatus(RouteErrors(rt, ep)) {
				responses[strconv.Itoa(status)] = errorResponse(status, codes)
			}
			op["responses"] = responses
			if paths[ep.Path] == nil {
				paths[ep.Path] = map[string]any{}
			}
			paths[ep.Path][strings.ToLower(ep.Verb)] = op
		}
	}
	var tagList []any
	for _, t := range slices.Sorted(mapKeys(tags)) {
		tagList = append(tagList, map[string]any{"name": t, "description": "Routes under /" + t})
	}
	for name, e := range namedEnums {
		g.defs[name] = e.schema()
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Bobbin API", "version": "3",
			"description": "FreeSewing v3 backend API, as served by Bobbin. Routes ending in /jwt take a sign-in token (Bearer); routes ending in /key take an API key and secret (HTTP Basic). x-bobbin-level is the minimum caller level. Every error answers {result: \"error\", error: <code>}; each operation lists the codes it may answer."},
		"servers": []any{map[string]any{"url": s.Config.URL, "description": "This server (BACKEND_URL)"}},
		"tags":    tagList,
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
					"description": "A sign-in token from POST /signin (routes ending in /jwt)"},
				"basic": map[string]any{"type": "http", "scheme": "basic",
					"description": "API key as user, secret as password (routes ending in /key)"},
			},
			"responses": map[string]any{"Error": map[string]any{"description": "Any other error (5xx: serverError, serviceBusy, storageUnavailable, serviceUnavailable)", "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(ErrorBody{}), true)}}}},
		},
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// describe is an operation's description: how it authenticates and at
// which level.
func describe(rt Route, ep Endpoint) string {
	switch ep.Method {
	case MethodJWT:
		return fmt.Sprintf("Sign-in token (Bearer); level %d (%s) or higher.", rt.Level, levelName(rt.Level))
	case MethodKey:
		return fmt.Sprintf("API key (HTTP Basic); level %d (%s) or higher.", rt.Level, levelName(rt.Level))
	}
	return "Public: no credentials."
}

func pathParamDoc(name string) string {
	switch name {
	case "id":
		return "The object's id"
	case "file":
		return "{id}.json or {id}.yaml"
	}
	return "The " + name + " of the link or object"
}

// RouteErrors is every code an endpoint may answer with, besides 5xx:
// what its authentication, body and path parameters can refuse, the codes
// of its request fields (a field of the wrong type, a required one
// missing), and the codes routeErrors lists for its rule.
func RouteErrors(rt Route, ep Endpoint) []apierr.Code {
	var out []apierr.Code
	if ep.Method != MethodNone {
		out = append(out, apierr.AuthenticationFailed, apierr.AccountBlocked)
		if rt.Access != JWTGuest {
			out = append(out, apierr.AccountDisabled, apierr.AccountInactive, apierr.ConsentLacking)
		}
		if rt.Level > auth.ReadNone {
			out = append(out, apierr.InsufficientAccessLevel)
		}
		if ep.Method == MethodKey {
			out = append(out, apierr.TooManyRequests)
		}
	}
	if rt.Req != nil {
		if !rt.h.Optional() {
			out = append(out, apierr.PostBodyMissing)
		}
		out = append(out, apierr.InvalidJSON, apierr.BodyTooLarge)
		out = append(out, fieldCodes(reflect.TypeOf(rt.Req))...)
	}
	if strings.Contains(ep.Path, "{") {
		out = append(out, apierr.NotFound)
	}
	out = append(out, routeErrors[rt.Verb+" "+rt.Path]...)
	slices.Sort(out)
	return slices.Compact(out)
}

// fieldCodes are the codes a request type's top-level fields answer: the
// decoder's "<field>Invalid" for a value of the wrong type, and
// "<field>Missing" for a field tagged required.
func fieldCodes(t reflect.Type) []apierr.Code {
	var out []apierr.Code
	eachField(t, func(name string, f reflect.StructField) {
		if c := apierr.Invalid(name); c != apierr.InvalidJSON {
			out = append(out, c)
		}
		if f.Tag.Get("required") == "true" {
			if c, ok := apierr.ByName(name + "Missing"); ok {
				out = append(out, c)
			}
		}
	})
	return out
}

func groupByStatus(codes []apierr.Code) map[int][]string {
	m := map[int][]string{}
	for _, c := range codes {
		m[c.Status()] = append(m[c.Status()], c.Name())
	}
	return m
}

func errorResponse(status int, names []string) map[string]any {
	sort.Strings(names)
	return map[string]any{
		"description": http.StatusText(status) + ": " + strings.Join(names, ", "),
		"content": map[string]any{"application/json": map[string]any{
			"schema": map[string]any{"type": "object", "required": []string{"result", "error"},
				"properties": map[string]any{
					"result": map[string]any{"const": "error"},
					"error":  map[string]any{"type": "string", "enum": names},
				}},
			"example": map[string]any{"result": "error", "error": names[0]},
		}},
	}
}

func operationID(ep Endpoint) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(ep.Verb))
	for _, seg := range strings.Split(ep.Path, "/") {
		seg = strings.Trim(seg, "{}")
		seg = strings.NewReplacer(".", "_", "-", "_").Replace(seg)
		if seg != "" {
			b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
		}
	}
	return b.String()
}

func tag(path string) string {
	seg := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
	if i := strings.IndexAny(seg, ".{"); i >= 0 {
		seg = seg[:i]
	}
	return seg
}

// schemaGen turns Go types into JSON Schema. Struct fields may carry:
//
//	doc:"..."        the property's description
//	example:"..."    an example (a string for string fields, else JSON)
//	enum:"Name"      a named enum of namedEnums (a $ref), or
//	enum:"a,b,c"     the allowed values
//	required:"true"  the request must carry it
//
// Named types auth.Role, auth.Level and auth.Status are their named enums
// wherever they appear. In a response every field without omitempty is
// required (it is always there, if null); in a request only the tagged.
type schemaGen struct {
	defs  map[string]any
	types map[string]reflect.Type // which type has each name
}

// name is a named type's schema name: its Go name, or, when a type of
// another package took that first (signin.SigninRequest and
// passkey.SigninRequest), the package's name and its own.
func (g *schemaGen) name(t reflect.Type) string {
	name := t.Name()
	if name == "" {
		return ""
	}
	if g.types == nil {
		g.types = map[string]reflect.Type{}
	}
	if prev, ok := g.types[name]; ok && prev != t {
		pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
		name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
	}
	g.types[name] = t
	return name
}

var stampType = reflect.TypeOf(Stamp(0))
var rawType = reflect.TypeOf(json.RawMessage{})

// typeEnums maps Go types to their named enum.
var typeEnums = map[reflect.Type]string{
	reflect.TypeFor[auth.Role]():   "Role",
	reflect.TypeFor[auth.Level]():  "Level",
	reflect.TypeFor[auth.Status](): "Status",
}

func (g *schemaGen) schema(t reflect.Type, resp bool) map[string]any {
	if name, ok := typeEnums[t]; ok {
		return ref(name)
	}
	switch {
	case t == stampType:
		return map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem(), resp)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), resp)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), resp)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := g.name(t)
		if name != "" {
			if _, ok := g.defs[name]; !ok {
				g.defs[name] = map[string]any{} // placeholder for recursion
				g.defs[name] = g.object(t, resp)
			}
			return ref(name)
		}
		return g.object(t, resp)
	}
	return map[string]any{}
}

// content is a success answer's media types: JSON unless the route names
// others (a .yaml document, an SVG card, an image); a YAML answer holds
// the document its JSON twin does.
func (g *schemaGen) content(rt Route) map[string]any {
	media := rt.Media
	if media == nil {
		media = []string{"application/json"}
	}
	out := map[string]any{}
	for _, m := range media {
		switch {
		case rt.Resp != nil && (m == "application/json" || strings.HasPrefix(m, "text/yaml")):
			out[m] = map[string]any{"schema": g.schema(reflect.TypeOf(rt.Resp), true)}
		default:
			out[m] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
	}
	return out
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func (g *schemaGen) object(t reflect.Type, resp bool) map[string]any {
	props := map[string]any{}
	var required []string
	eachField(t, func(name string, f reflect.StructField) {
		ps := g.field(f, resp)
		props[name] = ps
		_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Tag.Get("required") == "true" || (resp && !slices.Contains(strings.Split(opts, ","), "omitempty")) {
			required = append(required, name)
		}
	})
	out := map[string]any{"type": "object", "properties": props}
	if required != nil {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

// field is a property's schema with what its tags add.
func (g *schemaGen) field(f reflect.StructField, resp bool) map[string]any {
	base := f.Type
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	var s map[string]any
	if e := f.Tag.Get("enum"); e != "" {
		if _, ok := namedEnums[e]; ok {
			s = ref(e)
		} else {
			s = g.schema(f.Type, resp)
			var vals []any
			for _, v := range strings.Split(e, ",") {
				vals = append(vals, literal(base, v))
			}
			if s["type"] == "array" {
				s["items"] = map[string]any{"type": s["items"].(map[string]any)["type"], "enum": vals}
			} else {
				s["enum"] = vals
			}
		}
	} else {
		s = g.schema(f.Type, resp)
	}
	if ts := f.Tag.Get("types"); ts != "" { // what a field of json.RawMessage (or a lenient type) takes
		s = map[string]any{}
		if ts != "any" {
			s["type"] = strings.Split(ts, ",")
		}
	}
	doc, ex := f.Tag.Get("doc"), f.Tag.Get("example")
	if doc == "" && ex == "" {
		return s
	}
	if _, isRef := s["$ref"]; isRef { // siblings of $ref are allowed in 3.1, but keep the ref clean
		s = map[string]any{"allOf": []any{s}}
	}
	if doc != "" {
		s["description"] = doc
	}
	if ex != "" {
		s["examples"] = []any{literal(base, ex)}
	}
	return s
}

// literal reads a tag value as a value of kind t: itself for strings,
// else JSON.
func literal(t reflect.Type, v string) any {
	if t.Kind() == reflect.String {
		return v
	}
	var x any
	if json.Unmarshal([]byte(v), &x) != nil {
		return v
	}
	return x
}

// eachField calls fn for every JSON property of a struct type, embedded
// structs flattened.
func eachField(t reflect.Type, fn func(name string, f reflect.StructField)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tagv := f.Tag.Get("json")
		if tagv == "-" {
			continue
		}
		name, _, _ := strings.Cut(tagv, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				eachField(ft, fn)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fn(name, f)
	}
}
