// Package flows keeps the routes upstream FreeSewing sent to GitHub and
// Crowdin: issues, discussions, blog and showcase posts, translator invites
// and language suggestions. Every item is stored (encrypted) and mailed to
// the operator (BACKEND_OPERATOR_EMAIL); with a forwarder configured it is
// also created as an issue through a GitHub-compatible REST API (GitHub,
// Gitea, Forgejo). Bodies and answers are upstream's; anonymous routes are
// throttled per client address.
package flows

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/courier"
	"bobbin/internal/httpx"
	"bobbin/internal/mail"
	"bobbin/internal/store"
	"bobbin/internal/throttle"
)

// Limits on what a submission may hold (characters).
const (
	maxTitle = 200
	maxText  = 20_000
)

// Anonymous submissions (POST /issues, /discussions) per client address
// per hour: enough for a person, too few to flood the operator.
const (
	anonPerAddress = 10
	anonWindow     = time.Hour
)

// DB is what flows need of the database.
type DB interface {
	Flows() store.Flows
	Users() store.Users
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB            DB
	Courier       *courier.Courier
	Forwarder     Forwarder // nil: stored and mailed only
	OperatorEmail string    // "": stored only
	InviteURL     string    // where translators are invited to
	Now           func() time.Time
}

// Handlers are the flow routes.
type Handlers struct {
	d    Deps
	anon *throttle.Limiter
}

// New builds the handlers.
func New(d Deps) *Handlers { return &Handlers{d: d, anon: throttle.New(anonPerAddress, anonWindow)} }

// Sweep drops expired throttle entries.
func (h *Handlers) Sweep(now time.Time) { h.anon.Sweep(now) }

// Submission is the body of POST /issues and POST /discussions (upstream
// passed it to GitHub as it was: title, body, and optionally labels).
type Submission struct {
	Title  *string  `json:"title"`
	Body   *string  `json:"body"`
	Labels []string `json:"labels"`
}

// Remote describes a created item: where it is kept and, when a forwarder
// created it elsewhere, its number and URL there.
type Remote struct {
	ID     int64  `json:"id"`
	Number int64  `json:"number"`
	Title  string `json:"title"`
	// State is "open" for a new item, as in GitHub's answer that upstream
	// passed on (clients check issue.state); a forwarder's own state wins.
	State   string `json:"state"`
	URL     string `json:"url,omitempty"`
	HTMLURL string `json:"html_url,omitempty"`
}

// IssueResponse is 201 {result, issue}.
type IssueResponse struct {
	httpx.Result
	Issue Remote `json:"issue"`
}

// DiscussionResponse is 201 {result, discussion}.
type DiscussionResponse struct {
	httpx.Result
	Discussion Remote `json:"discussion"`
}

// CheckSubmission validates a title and body: both required, neither too long.
func CheckSubmission(title, body *string) (string, string, error) {
	if title == nil || strings.TrimSpace(*title) == "" {
		return "", "", apierr.BookmarkTitleMissing // "titleMissing", as upstream
	}
	if body == nil || strings.TrimSpace(*body) == "" {
		return "", "", apierr.BodyMissing
	}
	t, b := strings.TrimSpace(*title), strings.TrimSpace(*body)
	if utf8.RuneCountInString(t) > maxTitle || strings.ContainsAny(t, "\r\n") {
		return "", "", apierr.BookmarkTitleTooLong // "titleTooLong"
	}
	if utf8.RuneCountInString(b) > maxText {
		return "", "", apierr.BodyTooLong
	}
	return t, b, nil
}

// anonAllowed applies the per-address limit of anonymous submissions.
func (h *Handlers) anonAllowed(ctx context.Context) error {
	if ok, d := h.anon.Take(httpx.IP(ctx), h.d.Now()); !ok {
		return apierr.TooManyRequests.Retry(d)
	}
	return nil
}

// Issue is POST /issues (no auth).
func (h *Handlers) Issue(ctx context.Context, in *httpx.In[Submission]) (IssueResponse, error) {
	r, err := h.anonymous(ctx, "issue", in.Body)
	return IssueResponse{httpx.Created, r}, err
}

// Discussion is POST /discussions (no auth).
func (h *Handlers) Discussion(ctx context.Context, in *httpx.In[Submission]) (DiscussionResponse, error) {
	r, err := h.anonymous(ctx, "discussion", in.Body)
	return DiscussionResponse{httpx.Created, r}, err
}

func (h *Handlers) anonymous(ctx context.Context, kind string, s Submission) (Remote, error) {
	title, body, err := CheckSubmission(s.Title, s.Body)
	if err != nil {
		return Remote{}, err
	}
	if err := h.anonAllowed(ctx); err != nil {
		return Remote{}, err
	}
	labels := cleanLabels(s.Labels)
	if kind == "discussion" {
		labels = append(labels, "discussion")
	}
	return h.submit(ctx, &store.FlowItem{Kind: kind, Title: title, Text: body}, labels)
}

// cleanLabels keeps at most 10 short, one-line labels.
func cleanLabels(in []string) []string {
	var out []string
	for _, l := range in {
		l = strings.TrimSpace(l)
		if l == "" || len(l) > 50 || strings.ContainsAny(l, "\r\n") {
			continue
		}
		if out = append(out, l); len(out) == 10 {
			break
		}
	}
	return out
}

// submit forwards an item (when a forwarder is set), stores it, and mails
// the operator. A forwarder that fails leaves the item stored and mailed:
// nothing a person sent is lost.
func (h *Handlers) submit(ctx context.Context, it *store.FlowItem, labels []string) (Remote, error) {
	it.CreatedAt = h.d.Now().UnixMilli()
	var remote Remote
	if h.d.Forwarder != nil {
		r, err := h.d.Forwarder.Forward(ctx, Item{Title: it.Title, Body: it.Text, Labels: labels})
		if err == nil {
			remote = r
			it.RemoteURL = r.HTMLURL
		}
	}
	if err := h.d.DB.Write(ctx, func(tx *store.Tx) error { return tx.Flows().Create(ctx, it) }); err != nil {
		return Remote{}, err
	}
	if h.d.OperatorEmail != "" {
		h.d.Courier.Send(ctx, false, mail.KindFlowItem, "en", h.d.OperatorEmail,
			mail.Data{Title: it.Kind + ": " + it.Title, Text: it.Text, Link: it.RemoteURL})
	}
	remote.ID = it.ID
	if remote.Number == 0 {
		remote.Number = it.ID
	}
	remote.Title = it.Title
	if remote.State == "" {
		remote.State = "open"
	}
	return remote, nil
}

// LanguageRequest is the body of the translator invite and the language
// suggestion (any other fields of a suggestion are passed on as they are).
type LanguageRequest struct {
	Language *string `json:"language" required:"true"`
}

// TranslatorInvite is POST /flows/translator-invite: mails the caller how
// to join the translators of a language.
func (h *Handlers) TranslatorInvite(ctx context.Context, in *httpx.In[LanguageRequest]) (httpx.Result, error) {
	if in.Body.Language == nil || *in.Body.Language == "" {
		return httpx.Result{}, apierr.LanguageMissing
	}
	lang := *in.Body.Language
	if !slices.Contains(mail.Languages, lang) {
		return httpx.Result{}, apierr.LanguageInvalid
	}
	u, err := h.d.DB.Users().ByID(ctx, in.Caller().UserID)
	if err != nil {
		return httpx.Result{}, err
	}
	h.d.Courier.Send(ctx, false, mail.KindTranslatorInvite, lang, u.Email,
		mail.Data{Username: u.Username, Link: h.d.InviteURL + "?language=" + lang})
	return httpx.Success, nil
}

// LanguageSuggestion is POST /flows/language-suggestion: the suggestion
// goes to the operator.
func (h *Handlers) LanguageSuggestion(ctx context.Context, in *httpx.In[LanguageRequest]) (httpx.Result, error) {
	if in.Body.Language == nil || strings.TrimSpace(*in.Body.Language) == "" {
		return httpx.Result{}, apierr.LanguageMissing
	}
	c := in.Caller()
	dump, _ := json.MarshalIndent(in.Fields, "", "  ")
	if utf8.RuneCount(dump) > maxText {
		return httpx.Result{}, apierr.BodyTooLong
	}
	_, err := h.submit(ctx, &store.FlowItem{Kind: "language", UserID: c.UserID,
		Title: "New language suggested by " + c.Username, Text: string(dump)}, nil)
	if err != nil {
		return httpx.Result{}, err
	}
	return httpx.Success, nil
}

// PostRequest is the body of POST /flows/pr/{type}.
type PostRequest struct {
	Markdown *string `json:"markdown" required:"true"`
	Slug     *string `json:"slug" required:"true" example:"my-first-shirt"`
	Language *string `json:"language" required:"true" example:"en"`
}

// PostResponse is 201 {result, branch, file, pr}: what upstream's pull
// request flow answered, here describing the item made for the operator.
type PostResponse struct {
	httpx.Result
	Branch PostBranch `json:"branch"`
	File   PostFile   `json:"file"`
	PR     Remote     `json:"pr"`
}

// PostBranch names the branch a post would go in.
type PostBranch struct {
	Ref string `json:"ref"`
}

// PostFile names the file a post would be.
type PostFile struct {
	Path string `json:"path"`
}

var postTypes = map[string]bool{"blog": true, "showcase": true}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// CheckSlug accepts a post slug: lower-case letters, digits and single
// dashes, at most 100 characters.
func CheckSlug(s string) error {
	if s == "" {
		return apierr.SlugMissing
	}
	if len(s) > 100 || !slugRE.MatchString(s) {
		return apierr.SlugInvalid
	}
	return nil
}

// Post is POST /flows/pr/{type}: a new blog or showcase post for review.
func (h *Handlers) Post(ctx context.Context, in *httpx.In[PostRequest]) (PostResponse, error) {
	typ := in.Path("type")
	if !postTypes[typ] {
		return PostResponse{}, apierr.NotFound
	}
	b := in.Body
	if b.Markdown == nil || strings.TrimSpace(*b.Markdown) == "" {
		return PostResponse{}, apierr.MarkdownMissing
	}
	if b.Slug == nil || *b.Slug == "" {
		return PostResponse{}, apierr.SlugMissing
	}
	if err := CheckSlug(*b.Slug); err != nil {
		return PostResponse{}, err
	}
	if b.Language == nil || *b.Language == "" {
		return PostResponse{}, apierr.LanguageMissing
	}
	if utf8.RuneCountInString(*b.Markdown) > maxText {
		return PostResponse{}, apierr.BodyTooLong
	}
	c := in.Caller()
	slug := *b.Slug
	title := "New " + typ + " post " + slug + " by " + c.Username
	r, err := h.submit(ctx, &store.FlowItem{Kind: "pr-" + typ, Slug: slug, UserID: c.UserID, Title: title,
		Text: *b.Markdown}, []string{typ})
	if err != nil {
		return PostResponse{}, err
	}
	return PostResponse{httpx.Created, PostBranch{"refs/heads/" + typ + "-" + slug},
		PostFile{"markdown/org/" + typ + "/" + slug + "/en.md"}, r}, nil
}

// SlugTaken is 200 {result, slug, available:false}; a free slug is 404.
type SlugTaken struct {
	httpx.Result
	Slug      string `json:"slug"`
	Available bool   `json:"available"`
}

// Slug is GET /slugs/{type}/{slug}: taken answers 200, free 404, as upstream.
func (h *Handlers) Slug(ctx context.Context, in *httpx.In[httpx.None]) (SlugTaken, error) {
	typ, slug := in.Path("type"), in.Path("slug")
	if !postTypes[typ] {
		return SlugTaken{}, apierr.NotFound
	}
	if err := CheckSlug(slug); err != nil {
		return SlugTaken{}, apierr.NotFound
	}
	taken, err := h.d.DB.Flows().SlugTaken(ctx, "pr-"+typ, slug)
	if err != nil {
		return SlugTaken{}, err
	}
	if !taken {
		return SlugTaken{}, apierr.NotFound
	}
	return SlugTaken{httpx.Success, slug, false}, nil
}
