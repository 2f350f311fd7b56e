package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/password"
	"bobbin/internal/store"
)

var (
	errNotFound = apierr.NotFound
	errMethod   = apierr.MethodNotAllowed
	errTooLarge = apierr.BodyTooLarge
	errLevel    = apierr.InsufficientAccessLevel
)

// Result is embedded first in every success body.
type Result struct {
	Result string `json:"result"`
}

var (
	success = Result{"success"}
	created = Result{"created"}
)

// ErrorBody is the shape of every error answer.
type ErrorBody struct {
	Result string `json:"result"` // always "error"
	Error  string `json:"error"`
}

// encodeBufs are reused answer buffers: encoding is on every request's path.
var encodeBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// jsonType is shared by every answer (assigned, never appended to in place).
var jsonType = []string{"application/json; charset=utf-8"}

// encode writes v as JSON with status: the bytes of json.Marshal and a
// newline, encoded into a pooled buffer.
func encode(w http.ResponseWriter, status int, v any) error {
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
		return errWritten // the client left; nothing more to answer
	}
	return nil
}

// noContent answers 204.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var errWritten = errors.New("api: answer already written")

// writeError answers err. Known API errors answer as themselves; store
// sentinels map to their meaning; anything else is logged and answered as
// a bare 500 that carries no detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errWritten) {
		return
	}
	var ae *apierr.Error
	var mbe *http.MaxBytesError
	var ch *challenge
	switch {
	case errors.As(err, &ch):
		w.Header().Set("WWW-Authenticate", ch.header)
		ae = apierr.AuthenticationFailed
	case errors.As(err, &ae):
	case errors.Is(err, store.ErrNotFound):
		ae = apierr.NotFound
	case errors.As(err, &mbe):
		ae = apierr.BodyTooLarge
	case errors.Is(err, password.ErrBusy):
		ae = apierr.Busy.Retry(2 * time.Second)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		ae = apierr.Unavailable.Retry(2 * time.Second)
	default:
		s.Log.ErrorContext(r.Context(), "request failed", "pattern", r.Pattern, "err", err.Error())
		ae = apierr.ServerError
		if s.DB != nil && s.DB.Ping(r.Context()) != nil {
			ae = apierr.Unavailable.Retry(5 * time.Second)
		}
	}
	if ae.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ae.RetryAfter.Seconds()))))
	}
	var body any = ErrorBody{Result: "error", Error: ae.Code}
	if len(ae.Extra) > 0 {
		m := map[string]any{"result": "error", "error": ae.Code}
		for k, v := range ae.Extra {
			m[k] = v
		}
		body = m
	}
	encode(w, ae.Status, body)
}

// Test is embedded in request bodies that honour test mode.
type Test struct {
	Test bool `json:"test,omitempty"`
}

// decode reads a JSON object body into v. Empty body or {} is
// postBodyMissing; anything that is not a JSON object is invalidJson; a
// field of the wrong type is "<field>Invalid". It returns the raw fields so
// a handler can tell an absent field from a zero one.
func decode(r *http.Request, v any) (map[string]json.RawMessage, error) {
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
				return nil, apierr.BadRequest(lastField(te.Field) + "Invalid")
			}
			return nil, apierr.InvalidJSON
		}
	}
	return raw, nil
}

// decodeOptional is decode for routes whose body may be empty.
func decodeOptional(r *http.Request, v any) (map[string]json.RawMessage, error) {
	raw, err := decode(r, v)
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

// Stamp is a time stored as Unix milliseconds, answered as ISO 8601 UTC
// with milliseconds, or null when zero.
type Stamp int64

// MarshalJSON formats the stamp.
func (t Stamp) MarshalJSON() ([]byte, error) {
	if t == 0 {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(stampLayout)+2)
	b = append(b, '"')
	b = time.UnixMilli(int64(t)).UTC().AppendFormat(b, stampLayout)
	return append(b, '"'), nil
}

const stampLayout = "2006-01-02T15:04:05.000Z"

func (t Stamp) String() string {
	return time.UnixMilli(int64(t)).UTC().Format(stampLayout)
}

// parseID reads an integer id path value.
func parseID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		return 0, apierr.NotFound
	}
	return id, nil
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status == 0 || status < 400:
		return slog.LevelInfo
	}
	return slog.LevelInfo
}

// logAttrs names the route pattern, never the raw path: paths carry
// confirmation ids, checks and emails.
func logAttrs(r *http.Request, status int, d time.Duration) []slog.Attr {
	pattern := r.Pattern
	if pattern == "" || pattern == "/" {
		pattern = r.Method + " (unmatched)"
	}
	return []slog.Attr{
		slog.String("pattern", pattern),
		slog.Int("status", status),
		slog.Duration("took", d),
	}
}

// asList converts store rows to their answer objects; never nil, so an
// empty list is answered as [].
func asList[T, U any](in []T, as func(T) U) []U {
	out := make([]U, len(in))
	for i, x := range in {
		out[i] = as(x)
	}
	return out
}
