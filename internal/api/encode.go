package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/password"
	"bobbin/internal/store"
)

var (
	errNotFound = apierr.NotFound
	errMethod   = apierr.MethodNotAllowed
	errTooLarge = apierr.BodyTooLarge
	errLevel    = apierr.InsufficientAccessLevel
)

// Shared request and answer helpers live in internal/httpx; these names
// keep the files of this package short until each moves to its domain.
type (
	Result    = httpx.Result
	ErrorBody = httpx.ErrorBody
	Test      = httpx.Test
	Stamp     = httpx.Stamp
)

var (
	success    = httpx.Success
	errWritten = httpx.ErrWritten
)

func encode(w http.ResponseWriter, status int, v any) error { return httpx.Encode(w, status, v) }

func decode(r *http.Request, v any) (map[string]json.RawMessage, error) { return httpx.Decode(r, v) }

func decodeOptional(r *http.Request, v any) (map[string]json.RawMessage, error) {
	return httpx.DecodeOptional(r, v)
}

func asList[T, U any](in []T, as func(T) U) []U { return httpx.List(in, as) }

// writeError answers err. Known API errors answer as themselves; store
// sentinels map to their meaning; anything else is logged and answered as
// a bare 500 that carries no detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errWritten) {
		return
	}
	var mbe *http.MaxBytesError
	var ch *challenge
	code, retry, known := apierr.From(err)
	unexpected := false
	switch {
	case errors.As(err, &ch):
		w.Header().Set("WWW-Authenticate", ch.header)
		code, known = apierr.AuthenticationFailed, true
	case known:
	case errors.Is(err, store.ErrNotFound):
		code = apierr.NotFound
	case errors.As(err, &mbe):
		code = apierr.BodyTooLarge
	case errors.Is(err, password.ErrBusy):
		code, retry = apierr.Busy, 2*time.Second
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		code, retry = apierr.Unavailable, 2*time.Second
	default:
		unexpected = true
		// The database away (it does not answer): serviceUnavailable, as
		// /ready says. Reachable but unable to take this write (disk full,
		// read-only, restarting): storageUnavailable. Either is a 503 with
		// Retry-After, never a 500.
		switch {
		case s.DB != nil && s.DB.Reachable(r.Context()) != nil:
			code, retry = apierr.Unavailable, 5*time.Second
		case store.Unavailable(err):
			code, retry = apierr.StorageUnavailable, 5*time.Second
		default:
			code = apierr.ServerError
		}
	}
	// An error with a cause, or none of ours, is worth a log line; the
	// answer never carries it.
	var withCause *apierr.Error
	if unexpected || (errors.As(err, &withCause) && withCause.Cause != nil) {
		s.Log.ErrorContext(r.Context(), "request failed", "pattern", r.Pattern, "code", code.Name(), "err", err.Error())
	}
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	}
	encode(w, code.Status(), ErrorBody{Result: "error", Error: code.Name()})
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
