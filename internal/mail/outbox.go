package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Outbox is a Mailer that writes each mail as an .eml file into a directory
// and logs its link. It is used when no SMTP server is configured.
type Outbox struct {
	dir  string
	from string
	log  *slog.Logger

	mu        sync.Mutex
	last      int64 // the newest file name's nanoseconds, so names strictly increase
	hideLinks bool
}

// HideLinks stops the outbox from logging links (production: a sign-in
// link in a log is a sign-in for whoever reads the log). Call it before
// the first Send.
func (o *Outbox) HideLinks() { o.hideLinks = true }

// NewOutbox returns an Outbox writing into dir (created with mode 0700 if
// missing) with sender from ("noreply@example.com" or "Name <addr>"; a bare
// address is shown as "Bobbin"). log may be nil.
func NewOutbox(dir, from string, log *slog.Logger) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("mail: outbox directory is empty")
	}
	if _, err := parseFrom(from); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{dir: dir, from: from, log: log}, nil
}

// Dir is the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

// Send writes m atomically as "<unix-nanos>-<8 hex>.eml" (mode 0600), then
// logs the file name, m.Link and the X-Bobbin-Kind header. It never logs the
// recipient or the body.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := o.stamp()
	raw, err := Bytes(o.from, m, now)
	if err != nil {
		return err
	}
	suffix, err := randomHex(4)
	if err != nil {
		return err
	}
	name := strconv.FormatInt(now.UnixNano(), 10) + "-" + suffix + ".eml"
	if err := writeAtomic(filepath.Join(o.dir, name), raw); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	attrs := []slog.Attr{slog.String("file", name)}
	if !o.hideLinks {
		attrs = append(attrs, slog.String("link", m.Link))
	}
	if kind := headerValue(m.Headers, "X-Bobbin-Kind"); kind != "" {
		attrs = append(attrs, slog.String("kind", kind))
	}
	o.log.LogAttrs(ctx, slog.LevelInfo, "mail written to outbox", attrs...)
	return nil
}

// stamp returns the current time, nudged forward so that no two mails from
// this Outbox share a nanosecond and file names sort by sending order.
func (o *Outbox) stamp() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	n := now.UnixNano()
	if n <= o.last {
		n = o.last + 1
		now = time.Unix(0, n)
	}
	o.last = n
	return now
}

// writeAtomic writes data to a hidden temporary file in the same directory
// and renames it to path, so readers never see a partial mail. There is no
// fsync: the outbox is a development and test aid, and syncing made every
// send cost a few hundred milliseconds on some file systems.
func writeAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".mail-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// headerValue looks a header up case-insensitively.
func headerValue(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Received is one mail read back by ReadOutbox, with decoded bodies.
type Received struct {
	File    string // file name inside the outbox
	To      string // the bare recipient address
	Subject string // RFC 2047 decoded
	Text    string // decoded text/plain body, "\n" line endings
	HTML    string // decoded text/html body (HTML-escaped values stay escaped), "\n" line endings
	// Headers holds the raw header fields, keyed canonically
	// (textproto.CanonicalMIMEHeaderKey: "List-Unsubscribe", "X-Bobbin-Kind", "Message-Id").
	Headers map[string][]string
}

// ReadOutbox returns every mail in the outbox dir in file-name (that is,
// sending) order. A missing directory holds no mail.
func ReadOutbox(dir string) ([]Received, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mail: read outbox: %w", err)
	}
	var out []Received
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".eml") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("mail: read outbox: %w", err)
		}
		r, err := parseMessage(raw)
		if err != nil {
			return nil, fmt.Errorf("mail: read outbox %s: %w", name, err)
		}
		r.File = name
		out = append(out, r)
	}
	return out, nil
}

// parseMessage decodes an RFC 5322 message as written by Bytes.
func parseMessage(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	r := Received{Headers: make(map[string][]string, len(msg.Header))}
	for k, v := range msg.Header {
		r.Headers[k] = append([]string(nil), v...)
	}
	var dec mime.WordDecoder
	if r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	r.To = msg.Header.Get("To")
	if a, err := mail.ParseAddress(r.To); err == nil {
		r.To = a.Address
	}
	if err := decodeEntity(textproto.MIMEHeader(msg.Header), msg.Body, &r, 0); err != nil {
		return Received{}, err
	}
	return r, nil
}

// decodeEntity fills r.Text and r.HTML from a (possibly multipart) entity.
func decodeEntity(h textproto.MIMEHeader, body io.Reader, r *Received, depth int) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type: %w", err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= 5 {
			return errors.New("multipart nested too deeply")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := decodeEntity(p.Header, p, r, depth+1); err != nil {
				return err
			}
		}
	}
	var rd io.Reader
	switch enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); enc {
	case "quoted-printable":
		rd = quotedprintable.NewReader(body)
	case "base64":
		rd = base64.NewDecoder(base64.StdEncoding, body) // ignores CR and LF
	case "", "7bit", "8bit", "binary":
		rd = body
	default:
		return fmt.Errorf("unknown transfer encoding %q", enc)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && r.Text == "":
		r.Text = text
	case mediaType == "text/html" && r.HTML == "":
		r.HTML = text
	}
	return nil
}
