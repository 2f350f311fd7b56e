// Package webapp is Bobbin's face: the web app at / (plain HTML, CSS and
// ES modules, embedded; docs/web.md says how it is built) and the API
// docs at /docs (Swagger UI, vendored from npm under static/docs/).
//
// It serves only GET (and HEAD) of its own paths; everything else goes to
// the NotFound handler it is given, which is the API's JSON 404/405. It
// never changes state: the pages call the JSON API from script, so a mail
// link opened by a scanner does nothing.
package webapp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"bobbin/internal/measure"
)

//go:embed static
var static embed.FS

// Config is what the web app needs from the server.
type Config struct {
	// NotFound answers every request the web app does not serve.
	NotFound http.Handler
}

// AppCSP is the Content-Security-Policy of the app's pages: script and
// style from this origin only (no inline script, no third party), images
// from here or data: URIs (the MFA QR code), API calls to this origin.
const AppCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// DocsCSP is the policy of /docs. Swagger UI sets style attributes from
// script (hence 'unsafe-inline' for styles only) and draws icons as data:
// SVGs; its try-it calls this origin. Scripts are still this origin only.
const DocsCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Landing paths are the pages that mail links open. Each shows what the
// link will do and does it on one click, through the JSON API. They are
// served to browsers (Accept: text/html); other clients get the API's
// answer for the path.
var Landings = []string{
	"/confirm/signup/{id}/{check}",      // signup mail (POST /confirm/signup/{id})
	"/confirm/emailchange/{id}/{check}", // email change mail (PATCH /account/jwt)
	"/signinlink/{id}/{check}",          // sign-in link mail (POST /signinlink/{id}/{check})
	"/newsletter/subscribe",             // ?id&ehash (PUT /subscriber)
	"/ocunsub/{ehash}",                  // the unsubscribe link opened in a browser (POST /ocunsub/{ehash})
	"/newsletter/unsubscribe",           // ?i=<ehash>: where GET /ocunsub/{ehash} redirects, as upstream (POST /ocunsub/{ehash})
	"/signin/callback/{provider}",       // ?state&code: where a sign-in provider sends the person back (POST /signin/oauth)
}

// Handler serves the web app and the docs.
func Handler(cfg Config) http.Handler {
	notFound := cfg.NotFound
	if notFound == nil {
		notFound = http.NotFoundHandler()
	}
	files := embedded()
	mux := http.NewServeMux()
	app := files.page("static/index.html", AppCSP)
	mux.Handle("GET /{$}", app)
	landing := browsersOnly(app, notFound)
	for _, p := range Landings {
		mux.Handle("GET "+p, landing)
	}
	mux.Handle("GET /docs", files.page("static/docs.html", DocsCSP))
	mux.Handle("GET /app/measurements.json", files.bytes("measurements.json", measurementsJSON()))
	mux.Handle("GET /app/{file...}", files.dir("static/app", notFound))
	mux.Handle("GET /docs/{file...}", files.dir("static/docs", notFound))
	mux.Handle("/", notFound)
	return mux
}

// browsersOnly serves h to a browser opening a page (Accept names
// text/html) and passes any other client to next. Some landing paths are
// API paths for another method (POST /signinlink/{id}/{check}, POST
// /ocunsub/{ehash}): an API client's GET keeps the API's answer there
// (405 with Allow), a person's click gets the page.
func browsersOnly(h, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if acceptsHTML(r) {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			typ, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(typ), "text/html") && strings.ReplaceAll(params, " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}

// measurementsJSON is the list of measurement names a set may hold, from
// the same list the API validates with.
func measurementsJSON() []byte {
	b, err := json.Marshal(measure.Names)
	if err != nil {
		panic(err)
	}
	return b
}

// asset is one file, with its gzip form made on first use.
type asset struct {
	name  string
	body  []byte
	ctype string
	etag  string
	once  sync.Once
	gz    []byte
}

func newAsset(name string, body []byte) *asset {
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	sum := sha256.Sum256(body)
	return &asset{name: name, body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

func (a *asset) gzipped() []byte {
	a.once.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(a.body)
		zw.Close()
		if buf.Len() < len(a.body) {
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

// serve writes the asset: 304 when the client has it, gzip when accepted
// and smaller. Cache-Control no-cache: the browser keeps it but asks (by
// ETag) each time, so a new binary's files are never stale.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, csp string) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	if csp != "" {
		h.Set("Content-Security-Policy", csp)
	}
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if acceptsGzip(r) {
		if gz := a.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func etagMatch(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		p := strings.TrimSpace(part)
		if p == "*" || strings.TrimPrefix(p, "W/") == etag {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// fileSet is every embedded file, read once when the handler is built
// (so a request for a missing name adds nothing anywhere).
type fileSet struct {
	assets map[string]*asset
}

// embedded is the one file set of the process: the embedded files never
// change, so their ETags (a SHA-256 of each) and gzipped bodies are made
// once however many servers the process starts (the tests start hundreds).
var embedded = sync.OnceValue(newFileSet)

func newFileSet() *fileSet {
	fsx := &fileSet{assets: map[string]*asset{}}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		fsx.assets[p] = newAsset(p, body)
		return nil
	})
	if err != nil {
		panic("webapp: reading embedded files: " + err.Error())
	}
	return fsx
}

func (fsx *fileSet) get(name string) *asset { return fsx.assets[name] }

// page serves one HTML file under a policy.
func (fsx *fileSet) page(name, csp string) http.Handler {
	a := fsx.get(name)
	if a == nil {
		panic("webapp: missing " + name)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, csp) })
}

// bytes serves generated content.
func (fsx *fileSet) bytes(name string, body []byte) http.Handler {
	a := newAsset(name, body)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, "") })
}

// dir serves the files of one embedded folder (no listings, no dot files,
// no sub-folders beyond what is embedded).
func (fsx *fileSet) dir(root string, notFound http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		if file == "" || strings.HasPrefix(path.Base(file), ".") || path.Clean("/"+file) != "/"+file {
			notFound.ServeHTTP(w, r)
			return
		}
		a := fsx.get(root + "/" + file)
		if a == nil {
			notFound.ServeHTTP(w, r)
			return
		}
		a.serve(w, r, AppCSP)
	})
}
