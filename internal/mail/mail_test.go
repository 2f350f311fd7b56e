package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	testFrom = "noreply@bobbin.example"
	testTo   = "jane.doe@example.com"
	// Longer than a quoted-printable line, so soft line breaks split it in the raw file.
	testLink  = "https://bobbin.example/confirm/signup/6f1c2b1e-8d4f-4a36-9a57-0c1f7e3d5b22/9c1e5b7a3f0d4e2a8b6c1d9e7f3a5b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a"
	testUnsub = "https://bobbin.example/ocunsub/0b5c8f2e7d1a4c3b9e6f5a2d8c7b1e4f"
)

func newOutbox(t *testing.T, log *slog.Logger) *Outbox {
	t.Helper()
	o, err := NewOutbox(filepath.Join(t.TempDir(), "data", "outbox"), testFrom, log)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func compose(t *testing.T, kind Kind, lang string, d Data) Message {
	t.Helper()
	m, err := Compose(kind, lang, testTo, d)
	if err != nil {
		t.Fatalf("Compose(%s, %s): %v", kind, lang, err)
	}
	return m
}

func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// decodeParts decodes a message independently of parseMessage: it returns
// the decoded bodies by media type.
func decodeParts(t *testing.T, msg *mail.Message) map[string]string {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	decode := func(cte string, r io.Reader) string {
		switch cte {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			t.Fatalf("unexpected base64")
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		out[mediaType] = decode(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return out
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q", mediaType)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(pp["charset"], "utf-8") {
			t.Errorf("part %s charset %q", pt, pp["charset"])
		}
		out[pt] = decode(p.Header.Get("Content-Transfer-Encoding"), p)
	}
	return out
}

func TestOutboxWritesParsableMail(t *testing.T) {
	o := newOutbox(t, nil)
	if fi, err := os.Stat(o.Dir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("outbox dir: %v %v", fi.Mode(), err)
	}
	m := compose(t, KindSignup, "en", Data{Username: "jane", Link: testLink})
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	names := emlFiles(t, o.Dir())
	if len(names) != 1 {
		t.Fatalf("files: %v", names)
	}
	if !regexp.MustCompile(`^\d{19}-[0-9a-f]{8}\.eml$`).MatchString(names[0]) {
		t.Errorf("file name %q", names[0])
	}
	path := filepath.Join(o.Dir(), names[0])
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(testLink)) {
		t.Log("note: link appears unbroken in the raw file")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	if d, err := h.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[^<>@\s]+@bobbin\.example>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Name != "Bobbin" || from.Address != testFrom {
		t.Errorf("From %q: %v", h.Get("From"), err)
	}
	if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Address != testTo {
		t.Errorf("To %q: %v", h.Get("To"), err)
	}
	if h.Get("Subject") != m.Subject || h.Get("MIME-Version") != "1.0" || h.Get("X-Bobbin-Kind") != "signup" {
		t.Errorf("headers %v", h)
	}
	if h.Get("List-Unsubscribe") != "" {
		t.Error("List-Unsubscribe on a signup mail")
	}
	parts := decodeParts(t, msg)
	if !strings.Contains(parts["text/plain"], testLink) {
		t.Errorf("link missing from text:\n%s", parts["text/plain"])
	}
	if !strings.Contains(parts["text/html"], `href="`+testLink+`"`) {
		t.Errorf("link missing from html:\n%s", parts["text/html"])
	}

	got, err := ReadOutbox(o.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("ReadOutbox: %d mails", len(got))
	}
	r := got[0]
	if r.File != names[0] || r.To != testTo || r.Subject != m.Subject {
		t.Errorf("ReadOutbox: %+v", r)
	}
	if r.Text != m.Text || r.HTML != m.HTML {
		t.Errorf("ReadOutbox bodies differ from the message\ntext: %q\nwant: %q", r.Text, m.Text)
	}
	if r.Headers["X-Bobbin-Kind"][0] != "signup" {
		t.Errorf("ReadOutbox headers %v", r.Headers)
	}
}

func TestReadOutboxMissingDir(t *testing.T) {
	got, err := ReadOutbox(filepath.Join(t.TempDir(), "nope"))
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
}

func TestNewsletterHeaders(t *testing.T) {
	o := newOutbox(t, nil)
	link := "https://bobbin.example/confirm/newsletter/42/abcdef"
	m := compose(t, KindNewsletterSub, "en", Data{Link: link, UnsubscribeURL: testUnsub})
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadOutbox(o.Dir())
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	r := got[0]
	if v := r.Headers["List-Unsubscribe"]; !slices.Equal(v, []string{"<" + testUnsub + ">"}) {
		t.Errorf("List-Unsubscribe %q", v)
	}
	if v := r.Headers["List-Unsubscribe-Post"]; !slices.Equal(v, []string{"List-Unsubscribe=One-Click"}) {
		t.Errorf("List-Unsubscribe-Post %q", v)
	}
	for _, body := range []string{r.Text, r.HTML} {
		if !strings.Contains(body, link) || !strings.Contains(body, testUnsub) {
			t.Errorf("body lacks link or unsubscribe URL:\n%s", body)
		}
	}
}

func TestNonASCIISubject(t *testing.T) {
	o := newOutbox(t, nil)
	m := compose(t, KindSignup, "uk", Data{Username: "Оксана", Link: testLink})
	if !strings.ContainsFunc(m.Subject, func(r rune) bool { return r > 127 }) {
		t.Fatalf("uk subject is ASCII: %q", m.Subject)
	}
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	names := emlFiles(t, o.Dir())
	raw, err := os.ReadFile(filepath.Join(o.Dir(), names[0]))
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for i, c := range head {
		if c > 127 {
			t.Fatalf("non-ASCII byte in header at %d", i)
		}
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78: %q", line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	enc := msg.Header.Get("Subject")
	if !strings.HasPrefix(enc, "=?utf-8?") {
		t.Errorf("Subject not RFC 2047 encoded: %q", enc)
	}
	var dec mime.WordDecoder
	subj, err := dec.DecodeHeader(enc)
	if err != nil || subj != m.Subject {
		t.Errorf("decoded subject %q (%v), want %q", subj, err, m.Subject)
	}
	parts := decodeParts(t, msg)
	if !strings.Contains(parts["text/plain"], "Оксана") || !strings.Contains(parts["text/html"], "Оксана") {
		t.Error("name lost in the bodies")
	}
	got, err := ReadOutbox(o.Dir())
	if err != nil || got[0].Subject != m.Subject {
		t.Errorf("ReadOutbox subject %q %v", got[0].Subject, err)
	}
}

func TestOutboxNamesSortByTime(t *testing.T) {
	o := newOutbox(t, nil)
	var want []string
	for i := range 5 {
		m := compose(t, KindSigninLink, "en", Data{Link: testLink + "/" + string(rune('a'+i))})
		m.Subject += " " + string(rune('A'+i))
		want = append(want, m.Subject)
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	names := emlFiles(t, o.Dir()) // ReadDir sorts by name
	if len(names) != 5 {
		t.Fatalf("files %v", names)
	}
	got, err := ReadOutbox(o.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var subjects, files []string
	for _, r := range got {
		subjects = append(subjects, r.Subject)
		files = append(files, r.File)
	}
	if !slices.Equal(subjects, want) {
		t.Errorf("order %q, want %q", subjects, want)
	}
	if !slices.Equal(files, names) || !slices.IsSorted(files) {
		t.Errorf("files %q vs %q", files, names)
	}
}

func TestOutboxIgnoresTempFiles(t *testing.T) {
	o := newOutbox(t, nil)
	if err := os.WriteFile(filepath.Join(o.Dir(), ".mail-123.tmp"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := o.Send(context.Background(), compose(t, KindPasswordChanged, "de", Data{})); err != nil {
		t.Fatal(err)
	}
	got, err := ReadOutbox(o.Dir())
	if err != nil || len(got) != 1 {
		t.Fatalf("%d mails, %v", len(got), err)
	}
}

func TestOutboxLog(t *testing.T) {
	var buf bytes.Buffer
	o := newOutbox(t, slog.New(slog.NewJSONHandler(&buf, nil)))
	m := compose(t, KindSignup, "en", Data{Username: "jane", Link: testLink})
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	var rec map[string]any
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	names := emlFiles(t, o.Dir())
	if rec["level"] != "INFO" || rec["msg"] != "mail written to outbox" || rec["link"] != testLink ||
		rec["file"] != names[0] || rec["kind"] != "signup" {
		t.Errorf("log record %v", rec)
	}
	for _, secret := range []string{testTo, "jane.doe", "Thanks for signing up"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q: %s", secret, out)
		}
	}
}

func TestOutboxCancelled(t *testing.T) {
	o := newOutbox(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, compose(t, KindPasswordChanged, "en", Data{})); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if names := emlFiles(t, o.Dir()); len(names) != 0 {
		t.Fatalf("files %v", names)
	}
}

func TestNewOutboxErrors(t *testing.T) {
	if _, err := NewOutbox("", testFrom, nil); err == nil {
		t.Error("empty dir accepted")
	}
	if _, err := NewOutbox(t.TempDir(), "not an address", nil); err == nil {
		t.Error("bad sender accepted")
	}
}

func TestHTMLEscapesUsername(t *testing.T) {
	evil := `<script>alert("x")</script>`
	m := compose(t, KindSignup, "en", Data{Username: evil, Link: testLink})
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("HTML not escaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Errorf("escaped name missing:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, evil) {
		t.Errorf("text should carry the name as is:\n%s", m.Text)
	}
}

func TestComposeEveryKindAndLanguage(t *testing.T) {
	kinds := []Kind{KindSignup, KindSignupExisting, KindSigninLink, KindEmailChange,
		KindEmailChangeNotice, KindNewsletterSub, KindPasswordChanged, KindMFAChanged, KindFlowItem, KindTranslatorInvite}
	if len(kinds) != len(needsLink) {
		t.Fatal("kind list out of date")
	}
	for _, kind := range kinds {
		var english Message
		for _, lang := range Languages {
			d := Data{Username: "jane", NewEmail: "jane.new@example.org", Enabled: true, Title: "Issue: a title", Text: "the text"}
			if needsLink[kind] {
				d.Link = testLink
			}
			if kind == KindNewsletterSub {
				d.UnsubscribeURL = testUnsub
			}
			m := compose(t, kind, lang, d)
			if strings.TrimSpace(m.Subject) == "" || strings.TrimSpace(m.Text) == "" || strings.TrimSpace(m.HTML) == "" {
				t.Errorf("%s/%s: empty subject or body", lang, kind)
			}
			if strings.Contains(m.Subject, "\n") {
				t.Errorf("%s/%s: multi-line subject", lang, kind)
			}
			if m.To != testTo || m.Link != d.Link || m.Headers["X-Bobbin-Kind"] != string(kind) {
				t.Errorf("%s/%s: %+v", lang, kind, m)
			}
			if !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s: html lang", lang, kind)
			}
			if d.Link != "" && (!strings.Contains(m.Text, d.Link) || !strings.Contains(m.HTML, d.Link)) {
				t.Errorf("%s/%s: link missing", lang, kind)
			}
			if strings.Contains(m.Text, "<no value>") || strings.Contains(m.HTML, "<no value>") {
				t.Errorf("%s/%s: missing value", lang, kind)
			}
			if _, err := Bytes(testFrom, m, time.Now()); err != nil {
				t.Errorf("%s/%s: Bytes: %v", lang, kind, err)
			}
			if lang == "en" {
				english = m
			} else if m.Subject == english.Subject || m.Text == english.Text {
				t.Errorf("%s/%s: not translated", lang, kind)
			}
		}
	}
}

func TestComposeLanguageFallback(t *testing.T) {
	d := Data{Username: "jane", Link: testLink}
	en := compose(t, KindSigninLink, "en", d)
	for _, lang := range []string{"", "xx", "pt-BR", "english"} {
		m := compose(t, KindSigninLink, lang, d)
		if m.Subject != en.Subject || m.Text != en.Text || m.HTML != en.HTML {
			t.Errorf("%q did not fall back to en: %q", lang, m.Subject)
		}
	}
	de := compose(t, KindSigninLink, "de", d)
	for _, lang := range []string{"DE", "de-AT", "de_CH"} {
		if m := compose(t, KindSigninLink, lang, d); m.Subject != de.Subject {
			t.Errorf("%q: %q, want German", lang, m.Subject)
		}
	}
}

func TestComposeDetails(t *testing.T) {
	m := compose(t, KindEmailChangeNotice, "en", Data{NewEmail: "jane.new@example.org"})
	if !strings.Contains(m.Text, "j***@example.org") || !strings.Contains(m.HTML, "j***@example.org") {
		t.Errorf("masked address missing:\n%s", m.Text)
	}
	if strings.Contains(m.Text+m.HTML, "jane.new") {
		t.Error("new address not masked")
	}
	on := compose(t, KindMFAChanged, "nl", Data{Enabled: true})
	off := compose(t, KindMFAChanged, "nl", Data{Enabled: false})
	if on.Subject == off.Subject || on.Text == off.Text {
		t.Error("mfaChanged ignores Enabled")
	}
	anon := compose(t, KindPasswordChanged, "en", Data{})
	if !strings.HasPrefix(anon.Text, "Hi there,") {
		t.Errorf("greeting without a username: %q", anon.Text)
	}
	if anon.Link != "" || len(anon.Headers) != 1 {
		t.Errorf("notice: %+v", anon)
	}
	if _, err := Compose("nope", "en", testTo, Data{}); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := Compose(KindSignup, "en", testTo, Data{}); err == nil {
		t.Error("signup without a link accepted")
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"jane@example.com": "j***@example.com",
		"ölaf@example.de":  "ö***@example.de",
		"x@y":              "x***@y",
		"@example.com":     "***",
		"nonsense":         "***",
		"":                 "",
	} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	m := Message{To: "Jane <" + testTo + ">", Subject: "Hello", Text: "line one\nline two\r\n.dot line\n", Headers: map[string]string{"Reply-To": "help@bobbin.example"}}
	raw, err := Bytes("Team <team@bobbin.example>", m, now)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	if strings.Count(s, "\n") != strings.Count(s, "\r\n") {
		t.Error("bare LF in output")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Date") != "Wed, 04 Mar 2026 05:06:07 +0000" {
		t.Errorf("Date %q", msg.Header.Get("Date"))
	}
	if from, _ := mail.ParseAddress(msg.Header.Get("From")); from == nil || from.Name != "Team" {
		t.Errorf("From %q", msg.Header.Get("From"))
	}
	if msg.Header.Get("Reply-To") != "help@bobbin.example" {
		t.Error("extra header lost")
	}
	parts := decodeParts(t, msg)
	if len(parts) != 1 || parts["text/plain"] != "line one\r\nline two\r\n.dot line\r\n" {
		t.Errorf("text-only body %q", parts)
	}
	a, _ := Bytes(testFrom, m, now)
	b, _ := Bytes(testFrom, m, now)
	if bytes.Equal(a, b) {
		t.Error("two renderings share a Message-ID")
	}
}

func TestBytesRejects(t *testing.T) {
	ok := Message{To: testTo, Subject: "s", Text: "t"}
	cases := map[string]func(*Message){
		"no recipient":      func(m *Message) { m.To = "" },
		"bad recipient":     func(m *Message) { m.To = "jane.doe at example.com" },
		"two recipients":    func(m *Message) { m.To = testTo + ", b@example.com" },
		"subject injection": func(m *Message) { m.Subject = "hi\r\nBcc: x@example.com" },
		"header injection":  func(m *Message) { m.Headers = map[string]string{"X-A": "v\nBcc: x@example.com"} },
		"bad header name":   func(m *Message) { m.Headers = map[string]string{"X A": "v"} },
		"reserved header":   func(m *Message) { m.Headers = map[string]string{"from": "x@example.com"} },
		"bcc header":        func(m *Message) { m.Headers = map[string]string{"Bcc": "x@example.com"} },
		"no body":           func(m *Message) { m.Text = "" },
	}
	for name, mutate := range cases {
		m := ok
		mutate(&m)
		_, err := Bytes(testFrom, m, time.Now())
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "jane.doe") {
			t.Errorf("%s: error echoes the recipient: %v", name, err)
		}
	}
	if _, err := Bytes("nobody", ok, time.Now()); err == nil {
		t.Error("bad sender accepted")
	}
	if _, err := Bytes(testFrom, ok, time.Now()); err != nil {
		t.Errorf("valid message: %v", err)
	}
}

func TestSubjectEncoding(t *testing.T) {
	subjects := []string{
		"Short",
		"A rather long ASCII subject line that goes on and on past the seventy-eight character mark for sure",
		"Looks like an =?encoded?= word",
		"Ünïcödé",
		strings.Repeat("Дуже довга тема листа ", 8),
		"Emoji 🧵🪡 and a tab\there",
	}
	for _, subj := range subjects {
		raw, err := Bytes(testFrom, Message{To: testTo, Subject: subj, Text: "x"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
		for _, line := range strings.Split(head, "\r\n") {
			if len(line) > 78 {
				t.Errorf("%q: header line of %d chars: %q", subj, len(line), line)
			}
			if strings.TrimSpace(line) == "" {
				t.Errorf("%q: whitespace-only header line", subj)
			}
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != subj {
			t.Errorf("subject %q came back as %q (%v)", subj, got, err)
		}
	}
}

func TestOutboxConcurrentSends(t *testing.T) {
	o := newOutbox(t, nil)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- o.Send(context.Background(), compose(t, KindSigninLink, Languages[i%len(Languages)], Data{Link: testLink}))
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadOutbox(o.Dir())
	if err != nil || len(got) != n {
		t.Fatalf("%d mails, %v", len(got), err)
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.File] || !strings.Contains(r.Text, testLink) {
			t.Errorf("bad mail %s", r.File)
		}
		seen[r.File] = true
	}
}
