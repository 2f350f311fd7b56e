package httpx

import (
	"net/http/httptest"
	"strings"
	"testing"

	"bobbin/internal/apierr"
)

// TestDecodeRefusesNUL: U+0000 anywhere in a field (a string, an object
// key, inside arrays and objects) is that field's Invalid code, or
// invalidJson for a field with none; an escaped backslash before "u0000"
// is text; the first field by name is the one named.
func TestDecodeRefusesNUL(t *testing.T) {
	type req struct {
		Name    string            `json:"name"`
		Notes   string            `json:"notes"`
		Options map[string]any    `json:"options"`
		Tags    []string          `json:"tagsEn"`
		Data    map[string]string `json:"data"`
	}
	for _, c := range []struct {
		body string
		want error
	}{
		{`{"name":"a\u0000"}`, apierr.Invalid("name")},
		{`{"name":"ok","options":{"x":{"y":["\u0000"]}}}`, apierr.Invalid("options")},
		{`{"options":{"a\u0000":1}}`, apierr.Invalid("options")},
		{`{"tagsEn":["a","\u0000"]}`, apierr.Invalid("tagsEn")},
		{`{"notes":"\u0000","name":"\u0000"}`, apierr.Invalid("name")},
		{`{"zzz":"\u0000"}`, apierr.InvalidJSON}, // no zzzInvalid code
		{`{"name":"C:\\u0000"}`, nil},
		{`{"name":"C:\\\u0000"}`, apierr.Invalid("name")}, // an escaped backslash, then NUL
		{`{"name":"plain","data":{"k":"v"}}`, nil},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		var v req
		if _, err := Decode(r, &v); err != c.want {
			t.Errorf("%s: %v, want %v", c.body, err, c.want)
		}
	}
	if apierr.Invalid("name") == apierr.InvalidJSON || apierr.Invalid("options") == apierr.InvalidJSON {
		t.Fatal("the codes this test expects are not in the list")
	}
}
