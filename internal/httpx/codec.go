package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"bobbin/internal/apierr"
)

// Result is embedded first in every success body.
type Result struct {
	Result string `json:"result"`
}

// The two success results.
var (
	Success = Result{"success"}
	Created = Result{"created"}
)

// ErrorBody is the shape of every error answer.
type ErrorBody struct {
	Result string `json:"result"` // always "error"
	Error  string `json:"error"`
}

// Test is embedded in request bodies that honour test mode.
type Test struct {
	Test bool `json:"test,omitempty"`
}

// ErrWritten says the answer is already (partly) written: nothing more to
// answer.
var ErrWritten = errors.New("httpx: answer already written")

// encodeBufs are reused answer buffers: encoding is on every request's path.
var encodeBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// jsonType is shared by every answer (assigned, never appended to in place).
var jsonType = []string{"application/json; charset=utf-8"}

// Encode writes v as JSON with status: the bytes of json.Marshal and a
// newline, encoded into a pooled buffer.
func Encode(w http.ResponseWriter, status int, v any) error {
	if a, ok := v.(Appender); ok {
		return encodeAppender(w, status, a)
	}
	buf := encodeBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			encodeBufs.Put(buf)
		}
	}()
	if err := json.NewEncoder(buf).Encode(v); err != nil { // Encode = Marshal + '\n'
		return err
	}
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return ErrWritten // the client left; nothing more to answer
	}
	return nil
}

// appendBufs are the reused buffers of answers that write their own JSON.
var appendBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// encodeAppender is Encode for an Appender: the same bytes (json.Marshal's
// and a newline), written without encoding/json.
func encodeAppender(w http.ResponseWriter, status int, a Appender) error {
	p := appendBufs.Get().(*[]byte)
	b, err := a.AppendJSON((*p)[:0])
	defer func() {
		if cap(b) <= 64<<10 {
			*p = b[:0]
			appendBufs.Put(p)
		}
	}()
	if err != nil {
		return err
	}
	b = append(b, '\n')
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	if _, err := w.Write(b); err != nil {
		return ErrWritten
	}
	return nil
}

// NoContent answers 204.
func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Decode reads a JSON object body into v. Empty body or {} is
// postBodyMissing; anything that is not a JSON object is invalidJson; a
// field of the wrong type, or one holding U+0000 (NUL) in a string or an
// object key at any depth, is "<field>Invalid" (apierr.Invalid). It
// returns the raw fields so a handler can tell an absent field from a null
// one.
func Decode(r *http.Request, v any) (map[string]json.RawMessage, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apierr.BodyTooLarge
		}
		return nil, apierr.InvalidJSON
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, apierr.PostBodyMissing
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, apierr.InvalidJSON
	}
	if len(raw) == 0 {
		return nil, apierr.PostBodyMissing
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				return nil, apierr.Invalid(lastField(te.Field))
			}
			return nil, apierr.InvalidJSON
		}
	}
	if f, ok := nulField(body, raw); ok {
		return nil, apierr.Invalid(f)
	}
	return raw, nil
}

// nulEscape is the only way U+0000 can be in JSON text (a raw control
// character is not valid JSON).
var nulEscape = []byte(`\u0000`)

// nulField names the first field (in name order) whose value holds U+0000
// in a string or an object key. PostgreSQL's text and jsonb refuse the
// character, and SQLite would keep it, so no body may carry it to a store
// on either engine. The scan of the body is the whole cost when there is
// none; a match (which may be an escaped backslash before u0000) decodes
// the field.
func nulField(body []byte, raw map[string]json.RawMessage) (string, bool) {
	if !bytes.Contains(body, nulEscape) {
		return "", false
	}
	names := make([]string, 0, len(raw))
	for k, v := range raw {
		if bytes.Contains(v, nulEscape) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		var v any
		if json.Unmarshal(raw[k], &v) == nil && holdsNUL(v) {
			return k, true
		}
	}
	return "", false
}

func holdsNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []any:
		for _, e := range x {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}

// DecodeOptional is Decode for routes whose body may be empty.
func DecodeOptional(r *http.Request, v any) (map[string]json.RawMessage, error) {
	raw, err := Decode(r, v)
	if err == apierr.PostBodyMissing {
		return map[string]json.RawMessage{}, nil
	}
	return raw, err
}

func lastField(f string) string {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i] == '.' {
			return f[i+1:]
		}
	}
	return f
}

// Present reports whether a raw field was sent with a value other than null.
func Present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// TextOrNumber reads a field that takes text as typed: a JSON string, or
// a JSON number as its digits; ok is false for any other value.
func TextOrNumber(raw json.RawMessage) (v string, ok bool) {
	if err := json.Unmarshal(raw, &v); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", false
		}
		v = n.String()
	}
	return v, true
}

// Stamp is a time stored as Unix milliseconds, answered as ISO 8601 UTC
// with milliseconds, or null when zero.
type Stamp int64

// MarshalJSON formats the stamp.
func (t Stamp) MarshalJSON() ([]byte, error) {
	if t == 0 {
		return []byte("null"), nil
	}
	return t.AppendTo(make([]byte, 0, len(stampLayout)+2)), nil
}

const stampLayout = "2006-01-02T15:04:05.000Z"

func (t Stamp) String() string {
	return time.UnixMilli(int64(t)).UTC().Format(stampLayout)
}

// List converts store rows to their answer objects; never nil, so an
// empty list is answered as [].
func List[T, U any](in []T, as func(T) U) []U {
	out := make([]U, len(in))
	for i, x := range in {
		out[i] = as(x)
	}
	return out
}
