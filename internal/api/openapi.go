package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
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
	for _, rt := range s.routes {
		for _, ep := range rt.Endpoints() {
			op := map[string]any{
				"summary":     rt.Summary,
				"operationId": operationID(ep),
				"tags":        []string{tag(rt.Path)},
			}
			var params []any
			for _, seg := range strings.Split(ep.Path, "/") {
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					params = append(params, map[string]any{"name": seg[1 : len(seg)-1], "in": "path", "required": true,
						"schema": map[string]any{"type": "string"}})
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
				op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
					"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Req))}}}
			}
			resp := map[string]any{"description": "success"}
			if rt.Resp != nil {
				resp["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Resp))}}
			}
			status := rt.Status
			if status == 0 {
				status = 200
			}
			responses := map[string]any{itoa(int64(status)): resp, "default": map[string]any{"$ref": "#/components/responses/Error"}}
			op["responses"] = responses
			if paths[ep.Path] == nil {
				paths[ep.Path] = map[string]any{}
			}
			paths[ep.Path][strings.ToLower(ep.Verb)] = op
		}
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Bobbin API", "version": "3",
			"description": "FreeSewing v3 backend API, as served by Bobbin. Routes ending in /jwt take a sign-in token (Bearer); routes ending in /key take an API key and secret (HTTP Basic). x-bobbin-level is the minimum caller level."},
		"servers": []any{map[string]any{"url": s.Config.URL}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
				"basic":  map[string]any{"type": "http", "scheme": "basic", "description": "API key as user, secret as password"},
			},
			"responses": map[string]any{"Error": map[string]any{"description": "error", "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(ErrorBody{}))}}}},
		},
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

type schemaGen struct{ defs map[string]any }

var stampType = reflect.TypeOf(Stamp(0))
var rawType = reflect.TypeOf(json.RawMessage{})

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == stampType:
		return map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if name != "" {
			if _, ok := g.defs[name]; !ok {
				g.defs[name] = map[string]any{} // placeholder for recursion
				g.defs[name] = g.object(t)
			}
			return map[string]any{"$ref": "#/components/schemas/" + name}
		}
		return g.object(t)
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	g.fields(t, props)
	return map[string]any{"type": "object", "properties": props}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any) {
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
				g.fields(ft, props)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
	}
}
