// Package mail renders and delivers Bobbin's emails.
//
// A Message is rendered to RFC 5322 bytes by Bytes, which both delivery
// mechanisms share: Outbox writes each mail as an .eml file (the default when
// no SMTP server is configured, and always for test requests) and SMTP sends it
// for real. Compose turns a template Kind plus Data into a Message.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one mail to one recipient.
type Message struct {
	To      string            // one address
	Subject string            // one line; RFC 2047 encoded when not ASCII
	Text    string            // plain-text body
	HTML    string            // HTML body (may be empty)
	Headers map[string]string // extra headers, e.g. List-Unsubscribe, List-Unsubscribe-Post
	Link    string            // the main action link of the mail; the outbox logs it (never the recipient)
}

// Mailer delivers a Message.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// senderName is the display name used when the configured sender has none.
const senderName = "Bobbin"

// reserved lists the headers Bytes writes itself; Message.Headers may not set them.
var reserved = map[string]bool{
	"date": true, "message-id": true, "from": true, "sender": true, "to": true,
	"cc": true, "bcc": true, "subject": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true,
}

// parseFrom parses the sender; a bare address gets the display name "Bobbin".
func parseFrom(from string) (*mail.Address, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: invalid sender address %q: %w", from, err)
	}
	if a.Name == "" {
		a.Name = senderName
	}
	return a, nil
}

// parseTo parses the single recipient. The error never echoes the address.
func parseTo(to string) (*mail.Address, error) {
	if strings.TrimSpace(to) == "" {
		return nil, errors.New("mail: missing recipient address")
	}
	a, err := mail.ParseAddress(to)
	if err != nil {
		return nil, errors.New("mail: invalid recipient address")
	}
	return a, nil
}

// Bytes renders m as RFC 5322 bytes (CRLF line endings): a text/plain part,
// or multipart/alternative with text/plain and text/html parts when m.HTML is
// set; both UTF-8 and quoted-printable. now is the Date of the mail.
func Bytes(from string, m Message, now time.Time) ([]byte, error) {
	if now.IsZero() {
		now = time.Now()
	}
	f, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	to, err := parseTo(m.To)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("mail: subject contains a line break")
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mail: message has no body")
	}
	id, err := messageID(f.Address, now)
	if err != nil {
		return nil, err
	}

	var h bytes.Buffer
	header := func(name, value string) { h.WriteString(name + ": " + value + "\r\n") }
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("From", f.String())
	header("To", to.String())
	header("Subject", encodeWords(m.Subject))
	header("MIME-Version", "1.0")

	names := make([]string, 0, len(m.Headers))
	for name := range m.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := m.Headers[name]
		if !validHeaderName(name) {
			return nil, fmt.Errorf("mail: invalid header name %q", name)
		}
		if reserved[strings.ToLower(name)] {
			return nil, fmt.Errorf("mail: header %q is set by the mailer itself", name)
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("mail: header %q contains a line break", name)
		}
		if value == "" {
			continue
		}
		header(name, mime.QEncoding.Encode("utf-8", value))
	}

	var body bytes.Buffer
	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		if err := writeQP(&body, m.Text); err != nil {
			return nil, err
		}
	} else {
		mw := multipart.NewWriter(&body)
		header("Content-Type", "multipart/alternative;\r\n boundary=\""+mw.Boundary()+"\"")
		for _, p := range []struct{ typ, content string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
			w, err := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":              {p.typ + "; charset=utf-8"},
				"Content-Transfer-Encoding": {"quoted-printable"},
			})
			if err != nil {
				return nil, err
			}
			if err := writeQP(w, p.content); err != nil {
				return nil, err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
	}
	h.WriteString("\r\n")
	h.Write(body.Bytes())
	return h.Bytes(), nil
}

// writeQP writes s quoted-printable encoded with CRLF line breaks, ending in CRLF.
func writeQP(w io.Writer, s string) error {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, s); err != nil {
		return err
	}
	return qp.Close()
}

// encodeWords renders a Subject value. Non-ASCII text becomes RFC 2047
// base64 encoded-words (compact for Cyrillic) of at most 42 bytes of UTF-8
// each, one per line, so that no header line exceeds 78 characters; long ASCII
// text is folded at spaces.
func encodeWords(s string) string {
	needs := strings.Contains(s, "=?")
	for i := 0; i < len(s) && !needs; i++ {
		needs = (s[i] < ' ' && s[i] != '\t') || s[i] > '~'
	}
	if !needs {
		return foldASCII(s, len("Subject: "))
	}
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n > 0 && n+size > 42 {
				break
			}
			n += size
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// foldASCII folds s at spaces so lines stay within 78 characters where the
// words allow it; used is the length of the line before s.
func foldASCII(s string, used int) string {
	if used+len(s) <= 78 {
		return s
	}
	var b strings.Builder
	line := used
	for i, w := range strings.Split(s, " ") {
		if i > 0 {
			if w != "" && line+1+len(w) > 78 && line > 1 {
				b.WriteString("\r\n")
				line = 0
			}
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// validHeaderName reports whether name is a header field name (RFC 5322 ftext).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// messageID makes a unique Message-ID in the sender's domain.
func messageID(from string, now time.Time) (string, error) {
	domain := from[strings.LastIndex(from, "@")+1:]
	if !validDomain(domain) {
		domain = "bobbin.localhost"
	}
	r, err := randomHex(12)
	if err != nil {
		return "", err
	}
	return "<" + strconv.FormatInt(now.UnixNano(), 36) + "." + r + "@" + domain + ">", nil
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, c := range d {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// randomHex returns n random bytes as 2n hex digits.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("mail: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
