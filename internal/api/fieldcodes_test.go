package api

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"bobbin/internal/apierr"
)

// TestEveryFieldHasInvalidCode keeps the closed list of codes complete: a
// body field of the wrong JSON type answers "<field>Invalid", so every
// field of every request type in the route table needs that code in
// apierr (a new field without one fails here, naming it).
func TestEveryFieldHasInvalidCode(t *testing.T) {
	t.Parallel()
	var missing []string
	seen := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct {
			return
		}
		for i := range rt.NumField() {
			f := rt.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !seen[name] {
				seen[name] = true
				if apierr.Invalid(name) == apierr.InvalidJSON {
					missing = append(missing, name+"Invalid")
				}
			}
			walk(f.Type)
		}
	}
	for _, typ := range bodyTypes() {
		walk(typ)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("codes missing from apierr: %s", strings.Join(missing, " "))
	}
}
