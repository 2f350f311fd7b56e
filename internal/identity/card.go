package identity

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
)

// cardMaxName is how much of a username the card shows (in characters).
const cardMaxName = 30

// CardSVG draws the profile card of a user: an SVG image with the site's
// name, the username (escaped, cut to fit) and the id. Made here, from
// nothing but those values, so it cannot carry markup from anyone.
func CardSVG(site, username string, id int64) []byte {
	if utf8.RuneCountInString(username) > cardMaxName {
		r := []rune(username)
		username = string(r[:cardMaxName-1]) + "…"
	}
	var b bytes.Buffer
	esc := func(s string) { _ = xml.EscapeText(&b, []byte(s)) }
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="315" viewBox="0 0 600 315" role="img" aria-label="`)
	esc(username)
	b.WriteString(`"><rect width="600" height="315" rx="24" fill="#1e293b"/>`)
	b.WriteString(`<text x="40" y="70" font-family="sans-serif" font-size="26" fill="#94a3b8">`)
	esc(site)
	b.WriteString(`</text><text x="40" y="170" font-family="sans-serif" font-size="48" font-weight="bold" fill="#f8fafc">`)
	esc(username)
	b.WriteString(`</text><text x="40" y="250" font-family="monospace" font-size="28" fill="#cbd5e1">#`)
	b.WriteString(strconv.FormatInt(id, 10))
	b.WriteString(`</text></svg>`)
	return b.Bytes()
}

// Card is GET /users/{id}/card: {id} as for the public profile (id or
// username, never an email); 404 for every account whose profile is not
// shown.
func (h *Accounts) Card(w http.ResponseWriter, r *http.Request) error {
	u, err := UserByRef(r.Context(), h.d.DB, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !Shown(u) {
		return apierr.NotFound
	}
	svg := CardSVG(h.d.Config.SiteName, u.Username, u.ID)
	hd := w.Header()
	hd.Set("Content-Type", "image/svg+xml")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	hd.Set("Content-Length", strconv.Itoa(len(svg)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(svg); err != nil {
		return httpx.ErrWritten
	}
	return nil
}
