package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"bobbin/internal/apierr"
)

// bodyTypes are the request body types of every route, from the route
// table, so a route added with .io(Req{}, ...) is fuzzed the day it lands.
func bodyTypes() []reflect.Type {
	var out []reflect.Type
	seen := map[reflect.Type]bool{}
	for _, rt := range (&Server{}).routeTable() {
		if rt.Req == nil {
			continue
		}
		t := reflect.TypeOf(rt.Req)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// seedBodies are bodies for a request type: its zero value, every field
// with a value of the wrong type, and shapes that are not objects.
func seedBodies(t reflect.Type) [][]byte {
	out := [][]byte{nil, []byte("{}"), []byte("null"), []byte("[]"), []byte(`"x"`), []byte("{"), []byte(`{"a":1}`)}
	if z, err := json.Marshal(reflect.New(t).Interface()); err == nil {
		out = append(out, z)
		var fields map[string]any
		if json.Unmarshal(z, &fields) == nil {
			wrong := map[string]any{}
			for k := range fields {
				wrong[k] = map[string]any{"x": []any{1, "2", nil}}
			}
			if b, err := json.Marshal(wrong); err == nil {
				out = append(out, b)
			}
			for k := range fields {
				out = append(out, []byte(`{"`+k+`":1e309}`), []byte(`{"`+k+`":"\ud800"}`))
				break
			}
		}
	}
	return out
}

// FuzzDecode feeds bytes to decode for every request type: the answer is
// nil or a 400/413 API error, never a panic or another error.
func FuzzDecode(f *testing.F) {
	types := bodyTypes()
	if len(types) == 0 {
		f.Fatal("no request types in the route table")
	}
	for i, t := range types {
		for _, b := range seedBodies(t) {
			f.Add(uint8(i), b)
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, body []byte) {
		typ := types[int(sel)%len(types)]
		for _, optional := range []bool{false, true} {
			r := httptest.NewRequest("POST", "/x", bytes.NewReader(body))
			v := reflect.New(typ).Interface()
			var raw map[string]json.RawMessage
			var err error
			if optional {
				raw, err = decodeOptional(r, v)
			} else {
				raw, err = decode(r, v)
			}
			if err == nil {
				if raw == nil || (!optional && len(raw) == 0) {
					t.Fatalf("%s: no error and no fields for %q", typ, body)
				}
				continue
			}
			code, _, ok := apierr.From(err)
			if !ok || (code.Status() != 400 && code.Status() != 413) || code.Name() == "" {
				t.Fatalf("%s: %q gave %v", typ, body, err)
			}
		}
	})
}
