package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Kind names a mail template.
type Kind string

// The mails Bobbin sends.
const (
	KindSignup            Kind = "signup"              // confirm your signup: Data.Link
	KindSignupExisting    Kind = "signupExisting"      // someone tried to sign up with your email; here is a sign-in link: Data.Link
	KindSigninLink        Kind = "signinLink"          // your sign-in link: Data.Link (valid ~1 hour)
	KindEmailChange       Kind = "emailChange"         // to the NEW address: confirm the change: Data.Link
	KindEmailChangeNotice Kind = "emailChangeNotice"   // to the OLD address: your email is being changed to Data.NewEmail (masked)
	KindNewsletterSub     Kind = "newsletterSubscribe" // confirm newsletter subscription: Data.Link, Data.UnsubscribeURL
	KindPasswordChanged   Kind = "passwordChanged"     // notice: your password changed
	KindMFAChanged        Kind = "mfaChanged"          // notice: MFA turned on/off: Data.Enabled
	KindFlowItem          Kind = "flowItem"            // to the operator: a submitted issue, discussion, post or suggestion: Data.Title, Data.Text
	KindTranslatorInvite  Kind = "translatorInvite"    // to a volunteer: how to join the translators: Data.Link
)

// needsLink tells, for every known Kind, whether Data.Link is required.
var needsLink = map[Kind]bool{
	KindSignup:            true,
	KindSignupExisting:    true,
	KindSigninLink:        true,
	KindEmailChange:       true,
	KindEmailChangeNotice: false,
	KindNewsletterSub:     true,
	KindPasswordChanged:   false,
	KindMFAChanged:        false,
	KindFlowItem:          false,
	KindTranslatorInvite:  true,
}

// Data fills a template.
type Data struct {
	Username       string
	Link           string
	NewEmail       string // shown masked: j***@example.com
	UnsubscribeURL string // when set: List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) headers, and a footer link
	Enabled        bool
	Title          string // flowItem: what was submitted (one line)
	Text           string // flowItem: the submission, as plain text
}

// Languages are the languages Compose speaks; the first is the fallback.
var Languages = []string{"en", "de", "es", "fr", "nl", "uk"}

//go:embed templates/*
var templateFS embed.FS

// templateSet holds one language's strings, parsed once as text and once as
// HTML (so that values are escaped in the HTML version).
type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

type templates struct {
	lang       map[string]templateSet
	textLayout *texttemplate.Template
	htmlLayout *htmltemplate.Template
}

var loadTemplates = sync.OnceValues(func() (*templates, error) {
	t := &templates{lang: make(map[string]templateSet, len(Languages))}
	var err error
	if t.textLayout, err = texttemplate.ParseFS(templateFS, "templates/layout.txt"); err != nil {
		return nil, fmt.Errorf("mail: templates: %w", err)
	}
	if t.htmlLayout, err = htmltemplate.ParseFS(templateFS, "templates/layout.html"); err != nil {
		return nil, fmt.Errorf("mail: templates: %w", err)
	}
	for _, lang := range Languages {
		file := "templates/" + lang + ".tmpl"
		text, err := texttemplate.ParseFS(templateFS, file)
		if err != nil {
			return nil, fmt.Errorf("mail: templates: %w", err)
		}
		html, err := htmltemplate.ParseFS(templateFS, file)
		if err != nil {
			return nil, fmt.Errorf("mail: templates: %w", err)
		}
		t.lang[lang] = templateSet{text: text, html: html}
	}
	return t, nil
})

// view is what the language templates see.
type view struct {
	Username       string
	Link           string
	NewEmail       string // masked
	UnsubscribeURL string
	Enabled        bool
	Title          string
	Text           string
}

// layout is what layout.txt (T = string) and layout.html (T = template.HTML,
// pieces already rendered and escaped by html/template) see.
type layout[T ~string] struct {
	Lang              string
	Subject           string
	Greeting          T
	Body              []T // paragraphs
	Action            T   // button label; empty when there is no link
	Link              string
	LinkHint          T
	After             []T // closing paragraphs
	Signoff, Team     T
	Unsubscribe       T
	UnsubscribeAction T
	UnsubscribeURL    string
}

// Compose renders kind in lang (one of Languages; anything else means "en")
// as a Message to `to`, with Text, HTML, Link = d.Link and the header
// X-Bobbin-Kind. A kind missing from a language's file falls back to English.
func Compose(kind Kind, lang, to string, d Data) (Message, error) {
	link, known := needsLink[kind]
	if !known {
		return Message{}, fmt.Errorf("mail: unknown mail kind %q", kind)
	}
	if link && d.Link == "" {
		return Message{}, fmt.Errorf("mail: %s mail needs a link", kind)
	}
	t, err := loadTemplates()
	if err != nil {
		return Message{}, err
	}
	lang = normalizeLang(lang)
	set := t.lang[lang]
	if set.text.Lookup(string(kind)+".subject") == nil {
		lang, set = "en", t.lang["en"]
	}
	v := view{
		Username:       d.Username,
		Link:           d.Link,
		NewEmail:       maskEmail(d.NewEmail),
		UnsubscribeURL: d.UnsubscribeURL,
		Enabled:        d.Enabled,
		Title:          d.Title,
		Text:           d.Text,
	}

	textParts, err := render[string](set.text.ExecuteTemplate, func(n string) bool { return set.text.Lookup(n) != nil }, kind, v)
	if err != nil {
		return Message{}, err
	}
	htmlParts, err := render[htmltemplate.HTML](set.html.ExecuteTemplate, func(n string) bool { return set.html.Lookup(n) != nil }, kind, v)
	if err != nil {
		return Message{}, err
	}
	subject := strings.Join(strings.Fields(textParts.Subject), " ")
	textParts.Lang, htmlParts.Lang = lang, lang
	textParts.Subject, htmlParts.Subject = subject, subject

	var text, html bytes.Buffer
	if err := t.textLayout.ExecuteTemplate(&text, "layout", textParts); err != nil {
		return Message{}, fmt.Errorf("mail: %s/%s text: %w", lang, kind, err)
	}
	if err := t.htmlLayout.ExecuteTemplate(&html, "layout", htmlParts); err != nil {
		return Message{}, fmt.Errorf("mail: %s/%s html: %w", lang, kind, err)
	}

	headers := map[string]string{"X-Bobbin-Kind": string(kind)}
	if d.UnsubscribeURL != "" {
		headers["List-Unsubscribe"] = "<" + d.UnsubscribeURL + ">"
		headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	}
	return Message{
		To:      to,
		Subject: subject,
		Text:    text.String(),
		HTML:    html.String(),
		Headers: headers,
		Link:    d.Link,
	}, nil
}

// render executes the pieces of a mail from one language set.
func render[T ~string](exec func(io.Writer, string, any) error, has func(string) bool, kind Kind, v view) (layout[T], error) {
	var err error
	get := func(name string) string {
		if err != nil || !has(name) {
			return ""
		}
		var b strings.Builder
		if e := exec(&b, name, v); e != nil {
			err = fmt.Errorf("mail: template %s: %w", name, e)
		}
		return strings.TrimSpace(b.String())
	}
	k := string(kind)
	l := layout[T]{
		Subject:           get(k + ".subject"),
		Greeting:          T(get("greeting")),
		Body:              paragraphs[T](get(k + ".body")),
		After:             paragraphs[T](get(k + ".after")),
		LinkHint:          T(get("linkhint")),
		Signoff:           T(get("signoff")),
		Team:              T(get("team")),
		UnsubscribeURL:    v.UnsubscribeURL,
		Unsubscribe:       T(get("unsubscribe")),
		UnsubscribeAction: T(get("unsubscribe.action")),
	}
	if v.Link != "" {
		l.Link = v.Link
		l.Action = T(get(k + ".action"))
	}
	if err == nil && (l.Subject == "" || len(l.Body) == 0) {
		err = fmt.Errorf("mail: template %s: missing subject or body", k)
	}
	return l, err
}

// paragraphs splits on blank lines and joins each paragraph's lines with a
// space, so template files can wrap their text freely.
func paragraphs[T ~string](s string) []T {
	var out []T
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, T(p))
		}
	}
	return out
}

// normalizeLang maps "de", "DE", "de-AT" or "de_AT" to "de", and anything
// unknown to "en".
func normalizeLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

// maskEmail shows the first character of the local part and the domain:
// jane@example.com becomes j***@example.com.
func maskEmail(email string) string {
	email = strings.TrimSpace(email)
	if email == "" {
		return ""
	}
	at := strings.LastIndex(email, "@")
	if at <= 0 {
		return "***"
	}
	first := []rune(email[:at])[0]
	return string(first) + "***" + email[at:]
}
