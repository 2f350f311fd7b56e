// Package newsletter is the newsletter's subscribers: subscribing (a
// mailed confirmation link), confirming, unsubscribing (also RFC 8058
// one-click from the mail itself) and the list support staff read. It owns
// their rules (what a subscribe may change, the form of an ehash, the
// links in the mail) and the part of the database it needs, declared as
// DB below. The server lists its routes in internal/api/routes.go.
package newsletter

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/courier"
	"bobbin/internal/httpx"
	"bobbin/internal/identity"
	"bobbin/internal/mail"
	"bobbin/internal/store"
)

// DB is what this package needs of the database.
type DB interface {
	Subscribers() store.Subscribers
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Deps is what the handlers need from outside.
type Deps struct {
	DB      DB
	Courier *courier.Courier
	// EHash is the keyed hash of an email (vault.EHash).
	EHash func(email string) string
	// TestMode says whether a request may ask for test mode.
	TestMode func() bool
	// URL is this server's public URL (BACKEND_URL), WebsiteURL the site's.
	URL, WebsiteURL string
	Now             func() time.Time
}

// SubscribeRequest is the body of POST /subscriber. Email and language
// are taken in any case; test is any truthy JSON value, as upstream.
type SubscribeRequest struct {
	Email    string `json:"email" required:"true" example:"joost@example.org"`
	Language string `json:"language" required:"true" enum:"Language"`
	Test     Truthy `json:"test,omitempty" types:"any" doc:"Test mode: any value JavaScript reads as true"`
}

// Truthy is a JSON value read as JavaScript reads one in a condition:
// false, 0, "", null are false, every other value is true.
type Truthy bool

// UnmarshalJSON reads any JSON value.
func (t *Truthy) UnmarshalJSON(b []byte) error {
	v := strings.TrimSpace(string(b))
	switch v {
	case "false", "null", `""`, "0", "-0":
		*t = false
		return nil
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		*t = n != 0
		return nil
	}
	if !json.Valid(b) {
		return errors.New("newsletter: test is not JSON")
	}
	*t = true
	return nil
}

// SubscribeData is the data of a subscribe answer: the address and
// language as stored, and in test mode the subscriber's id and ehash.
type SubscribeData struct {
	Email    string `json:"email"`
	Language string `json:"language"`
	ID       string `json:"id,omitempty"`
	EHash    string `json:"ehash,omitempty"`
}

// SubscribeResponse answers POST /subscriber as upstream: {result, data};
// in test mode id and ehash also at the top (Bobbin's earlier answer).
type SubscribeResponse struct {
	httpx.Result
	Data  SubscribeData `json:"data"`
	ID    string        `json:"id,omitempty"`
	EHash string        `json:"ehash,omitempty"`
}

// SubscriberActivation is the body of PUT /subscriber: the pair from the
// confirmation link.
type SubscriberActivation struct {
	ID    string `json:"id"`
	EHash string `json:"ehash"`
}

// Subscriber is a newsletter subscriber as support staff see it.
type Subscriber struct {
	ID        string      `json:"id"`
	Email     string      `json:"email"`
	EHash     string      `json:"ehash"`
	Language  string      `json:"language" enum:"Language"`
	Active    bool        `json:"active"`
	CreatedAt httpx.Stamp `json:"createdAt"`
	UpdatedAt httpx.Stamp `json:"updatedAt"`
}

// SubscribersResponse is {result, subscribers}.
type SubscribersResponse struct {
	httpx.Result
	Subscribers []Subscriber `json:"subscribers"`
}

// AsSubscriber is the answer object of a stored subscriber.
func AsSubscriber(s *store.Subscriber) Subscriber {
	return Subscriber{ID: s.ID, Email: s.Email, EHash: s.EHash, Language: s.Language, Active: s.Active,
		CreatedAt: httpx.Stamp(s.CreatedAt), UpdatedAt: httpx.Stamp(s.UpdatedAt)}
}

// UnsubscribeURL is the RFC 8058 one-click address of a subscriber: on
// this server (backend), not the website, since mail clients POST to it
// directly.
func UnsubscribeURL(backend, ehash string) string {
	return backend + "/ocunsub/" + ehash
}

// SubscribeURL is the confirmation link; the website reads id and ehash
// from it and calls PUT /subscriber.
func SubscribeURL(website, id, ehash string) string {
	return website + "/newsletter/subscribe?" + url.Values{"id": {id}, "ehash": {ehash}}.Encode()
}

// RelabelLanguage says whether a subscribe for an existing subscriber
// changes its language: until confirmed, the latest request names the
// language. A confirmed subscription is left as it is: a stranger who
// knows the address must not change it.
func RelabelLanguage(sub *store.Subscriber, language string) bool {
	return !sub.Active && sub.Language != language
}

// ValidEHash accepts the form vault.EHash produces: 64 lower-case hex digits.
func ValidEHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// CheckActivation reads the pair of a confirmation link: id and ehash are
// required; a malformed one names no subscriber (404).
func CheckActivation(a SubscriberActivation) (id, ehash string, err error) {
	id, ehash = strings.TrimSpace(a.ID), strings.ToLower(strings.TrimSpace(a.EHash))
	switch {
	case id == "":
		return "", "", apierr.IDMissing
	case ehash == "":
		return "", "", apierr.EHashMissing
	case !auth.ValidKeyID(id) || !ValidEHash(ehash): // subscriber ids are UUIDs like key ids
		return "", "", apierr.NotFound
	}
	return id, ehash, nil
}

// Subscribers are the handlers of /subscriber, /ocunsub and
// /admin/subscribers.
type Subscribers struct{ d Deps }

// New builds the handlers.
func New(d Deps) *Subscribers { return &Subscribers{d} }

// Subscribe is POST /subscriber.
func (h *Subscribers) Subscribe(ctx context.Context, in *httpx.In[SubscribeRequest]) (SubscribeResponse, error) {
	req := in.Body
	req.Email = strings.ToLower(strings.TrimSpace(req.Email))
	req.Language = strings.ToLower(strings.TrimSpace(req.Language))
	email, err := identity.EmailAndLanguage(req.Email, req.Language)
	if err != nil {
		return SubscribeResponse{}, err
	}
	test := bool(req.Test) && h.d.TestMode()
	if err := h.d.Courier.Allowed(ctx, email); err != nil {
		return SubscribeResponse{}, err
	}
	ehash := h.d.EHash(email)
	var sub *store.Subscriber
	save := func(tx *store.Tx) error {
		var err error
		sub, err = tx.Subscribers().ByEHash(ctx, ehash)
		if errors.Is(err, store.ErrNotFound) {
			sub = &store.Subscriber{ID: uuid.NewString(), Email: email, Language: req.Language, CreatedAt: h.d.Now().UnixMilli()}
			return tx.Subscribers().Create(ctx, sub)
		}
		if err != nil {
			return err
		}
		if RelabelLanguage(sub, req.Language) {
			sub.Language = req.Language
			return tx.Subscribers().SetLanguage(ctx, sub.ID, sub.Language, h.d.Now().UnixMilli())
		}
		return nil
	}
	// The same mail whether the address was new, pending or confirmed,
	// queued with the subscription: both or neither.
	write := func(tx *store.Tx) error {
		if err := save(tx); err != nil {
			return err
		}
		return h.d.Courier.SendIn(ctx, tx, test, mail.KindNewsletterSub, sub.Language, email, mail.Data{
			Link:           SubscribeURL(h.d.WebsiteURL, sub.ID, sub.EHash),
			UnsubscribeURL: UnsubscribeURL(h.d.URL, sub.EHash),
		})
	}
	err = h.d.DB.Write(ctx, write)
	if errors.Is(err, store.ErrConflict) { // a parallel subscribe of the same address won
		err = h.d.DB.Write(ctx, write)
	}
	if err != nil {
		return SubscribeResponse{}, err
	}
	// The same answer whether the address was new, pending or confirmed:
	// the answer tells nothing about who subscribed.
	resp := SubscribeResponse{Result: httpx.Success, Data: SubscribeData{Email: email, Language: sub.Language}}
	if test {
		resp.ID, resp.EHash = sub.ID, sub.EHash
		resp.Data.ID, resp.Data.EHash = sub.ID, sub.EHash
	}
	return resp, nil
}

// Activate is PUT /subscriber: confirm with the link's id and ehash.
func (h *Subscribers) Activate(ctx context.Context, in *httpx.In[SubscriberActivation]) (httpx.Result, error) {
	id, ehash, err := CheckActivation(in.Body)
	if err != nil {
		return httpx.Result{}, err
	}
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		sub, err := tx.Subscribers().ByID(ctx, id)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(sub.EHash), []byte(ehash)) != 1 {
			return apierr.NotFound
		}
		if sub.Active {
			return nil
		}
		return tx.Subscribers().Activate(ctx, sub.ID, h.d.Now().UnixMilli())
	})
	if err != nil {
		return httpx.Result{}, err
	}
	return httpx.Success, nil
}

// unsubscribe removes the subscriber named by the path's ehash. A
// well-formed ehash that is not (or no longer) subscribed succeeds too:
// the state asked for holds, a second click is not an error, and the
// answer does not tell whether the address was on the list.
func (h *Subscribers) unsubscribe(ctx context.Context, in *httpx.In[httpx.None]) error {
	ehash := strings.ToLower(in.Path("ehash"))
	if !ValidEHash(ehash) {
		return apierr.NotFound
	}
	return h.d.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Subscribers().Unsubscribe(ctx, ehash, h.d.Now().UnixMilli())
		return err
	})
}

// Unsubscribe is DELETE /subscriber/{ehash}.
func (h *Subscribers) Unsubscribe(ctx context.Context, in *httpx.In[httpx.None]) error {
	return h.unsubscribe(ctx, in)
}

// OneClick is POST /ocunsub/{ehash}, RFC 8058: the mail client POSTs
// "List-Unsubscribe=One-Click" (form-encoded) to the List-Unsubscribe URL.
// The body is not JSON and carries nothing we need, so it is not read;
// only POST unsubscribes (link scanners that GET it do nothing).
func (h *Subscribers) OneClick(ctx context.Context, in *httpx.In[httpx.None]) (httpx.Result, error) {
	if err := h.unsubscribe(ctx, in); err != nil {
		return httpx.Result{}, err
	}
	return httpx.Success, nil
}

// OneClickPage is GET /ocunsub/{ehash}: what a person who opens the
// List-Unsubscribe link in a browser gets, a redirect to the website's
// unsubscribe page (which asks, then calls DELETE /subscriber/{ehash}).
// A GET never unsubscribes: link scanners open every link.
func (h *Subscribers) OneClickPage(w http.ResponseWriter, r *http.Request) error {
	ehash := strings.ToLower(r.PathValue("ehash"))
	if !ValidEHash(ehash) {
		return apierr.NotFound
	}
	http.Redirect(w, r, UnsubscribePage(h.d.WebsiteURL, ehash), http.StatusFound)
	return nil
}

// UnsubscribePage is the website's page that unsubscribes ehash.
func UnsubscribePage(website, ehash string) string {
	return website + "/newsletter/unsubscribe?" + url.Values{"i": {ehash}}.Encode()
}

// List is GET /admin/subscribers: every subscriber, for support staff.
func (h *Subscribers) List(ctx context.Context, _ *httpx.In[httpx.None]) (SubscribersResponse, error) {
	subs, err := h.d.DB.Subscribers().All(ctx)
	if err != nil {
		return SubscribersResponse{}, err
	}
	return SubscribersResponse{httpx.Success, httpx.List(subs, AsSubscriber)}, nil
}
