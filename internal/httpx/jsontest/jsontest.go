// Package jsontest holds what the tests of the hand-written JSON encoders
// (httpx.Appender implementations) share: strings that trip encoders and
// a generator of random ones. Each encoder's test compares its bytes with
// encoding/json's on them.
package jsontest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"bobbin/internal/httpx"
)

// Adversarial are strings clients may store: HTML, script ends, JSONP
// separators, every control character, quotes and backslashes, invalid
// UTF-8, long runes.
var Adversarial = []string{
	"", "plain", `"quoted" \back\slash/`, "</script><script>alert(1)</script>", "a&b<c>d",
	"line\u2028sep\u2029para", "\x00\x01\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f\x7f", "tab\tnl\ncr\r",
	"\xff\xfe invalid \xc3\x28 \xed\xa0\x80 \xe2\x82", "日本語 🧵 Ünïcødé", "\u00a0\u200b\ufeff\ufffd",
	strings.Repeat("x<", 300), "\\u003c", "emoji 👩‍👩‍👧 zwj", "\U0010ffff",
}

// RandString is one of Adversarial a third of the time, else up to 40
// random pieces: any ASCII byte, stray bytes of invalid UTF-8, any code
// point, the characters encoding/json escapes for HTML, letters.
func RandString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return Adversarial[r.IntN(len(Adversarial))]
	}
	var b strings.Builder
	for n := r.IntN(40); n > 0; n-- {
		switch r.IntN(6) {
		case 0:
			b.WriteByte(byte(r.IntN(0x80))) // any ASCII, controls included
		case 1:
			b.WriteByte(byte(0x80 + r.IntN(0x80))) // a stray byte: invalid UTF-8
		case 2:
			b.WriteRune(rune(r.IntN(0x110000))) // any code point (surrogates become U+FFFD)
		case 3:
			b.WriteString([]string{"<", ">", "&", "\u2028", "\u2029", `"`, `\`, "</script>"}[r.IntN(8)])
		default:
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	return b.String()
}

// MatchesMarshal checks that v, an answer type without MarshalJSON (so
// that encoding/json reflects over it), is written by its AppendJSON as
// json.Marshal writes it, appended after what the buffer held, and that
// httpx.Encode puts on the wire what json.Encoder wrote (body and
// Content-Length).
func MatchesMarshal(t testing.TB, v httpx.Appender) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.AppendJSON([]byte("prefix"))
	if err != nil || !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("%T: %v\n got %s\nwant prefix%s", v, err, got, want)
	}
	var enc bytes.Buffer
	if err := json.NewEncoder(&enc).Encode(v); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := httpx.Encode(w, 200, v); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Body.Bytes(), enc.Bytes()) || w.Header().Get("Content-Length") != strconv.Itoa(enc.Len()) {
		t.Fatalf("%T through Encode:\n got %q (%s)\nwant %q", v, w.Body.Bytes(), w.Header().Get("Content-Length"), enc.Bytes())
	}
}
