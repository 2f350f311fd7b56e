package httpx

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Appender is an answer that writes its own JSON, without reflection:
// AppendJSON appends to b exactly the bytes json.Marshal would give for
// the value (each implementation has a test comparing the two on random
// and adversarial values). Encode uses it instead of encoding/json, which
// would otherwise reflect over the value and validate and compact every
// MarshalJSON's output once more.
type Appender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// ErrUnsupportedFloat is AppendFloat's answer for NaN and ±Inf, which
// JSON cannot carry (json.Marshal fails on them too).
var ErrUnsupportedFloat = errors.New("httpx: NaN or infinite number in a JSON answer")

const hexDigits = "0123456789abcdef"

// htmlSafe[b] reports whether the ASCII byte b is written as itself in a
// JSON string by encoding/json with HTML escaping (its default, and what
// Encode has always answered): not a control character, not '"' or '\\',
// and not '<', '>' or '&'.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// AppendString appends s as a JSON string, escaped byte for byte as
// encoding/json escapes with HTML escaping: '"' and '\\' and the short
// forms \b \f \n \r \t, every other control character and '<', '>', '&'
// as \u00XX, U+2028 and U+2029 as \u2028 and \u2029, and each byte of
// invalid UTF-8 as \ufffd.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendFloat appends f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form only below 1e-6 or from
// 1e21 on (with a one-digit negative exponent written without its 0).
func AppendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, ErrUnsupportedFloat
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 -> 1e-7, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// AppendTo appends the stamp as its MarshalJSON writes it.
func (t Stamp) AppendTo(b []byte) []byte {
	if t == 0 {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = time.UnixMilli(int64(t)).UTC().AppendFormat(b, stampLayout)
	return append(b, '"')
}

// AppendResult appends {"result":"..." without the closing brace: the
// start of every success answer, to which the answer's own fields follow.
// (A function, not a method: Result is embedded in every answer, and a
// method would be promoted to all of them.)
func AppendResult(b []byte, r Result) []byte {
	b = append(b, `{"result":`...)
	return AppendString(b, r.Result)
}

// AppendInt appends an integer.
func AppendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// AppendEnvelope appends {"result":...,"<name>":<what body appends>}, the
// shape of the answers that carry one object.
func AppendEnvelope(b []byte, r Result, name string, body func([]byte) ([]byte, error)) ([]byte, error) {
	b = AppendResult(b, r)
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	b, err := body(b)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}
