package api

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	bmail "bobbin/internal/mail"
	"bobbin/internal/store"
)

// SubscribeRequest is the body of POST /subscriber.
type SubscribeRequest struct {
	Email    string `json:"email"`
	Language string `json:"language"`
	Test
}

// SubscribeResponse answers POST /subscriber; id and ehash only in test mode.
type SubscribeResponse struct {
	Result
	ID    string `json:"id,omitempty"`
	EHash string `json:"ehash,omitempty"`
}

// SubscriberActivation is the body of PUT /subscriber: the pair from the
// confirmation link.
type SubscriberActivation struct {
	ID    string `json:"id"`
	EHash string `json:"ehash"`
}

// Subscriber is a newsletter subscriber as support staff see it.
type Subscriber struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	EHash     string `json:"ehash"`
	Language  string `json:"language"`
	Active    bool   `json:"active"`
	CreatedAt Stamp  `json:"createdAt"`
	UpdatedAt Stamp  `json:"updatedAt"`
}

// SubscribersResponse is {result, subscribers}.
type SubscribersResponse struct {
	Result
	Subscribers []Subscriber `json:"subscribers"`
}

func asSubscriber(s *store.Subscriber) Subscriber {
	return Subscriber{ID: s.ID, Email: s.Email, EHash: s.EHash, Language: s.Language, Active: s.Active,
		CreatedAt: Stamp(s.CreatedAt), UpdatedAt: Stamp(s.UpdatedAt)}
}

// unsubscribeURL is the RFC 8058 one-click address of a subscriber: on
// this server (BACKEND_URL), not the website, since mail clients POST to
// it directly.
func (s *Server) unsubscribeURL(ehash string) string {
	return s.Config.URL + "/ocunsub/" + ehash
}

// subscribeURL is the confirmation link; the website reads id and ehash
// from it and calls PUT /subscriber.
func (s *Server) subscribeURL(id, ehash string) string {
	return s.Config.WebsiteURL + "/newsletter/subscribe?" + url.Values{"id": {id}, "ehash": {ehash}}.Encode()
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) error {
	var req SubscribeRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	email, err := emailAndLanguage(req.Email, req.Language)
	if err != nil {
		return err
	}
	test := s.testRequest(req.Test)
	if err := s.mailAllowed(r, email); err != nil {
		return err
	}
	ctx := r.Context()
	ehash := s.DB.Vault().EHash(email)
	var sub *store.Subscriber
	write := func(tx *store.Tx) error {
		var err error
		sub, err = tx.Subscribers().ByEHash(ctx, ehash)
		if errors.Is(err, store.ErrNotFound) {
			sub = &store.Subscriber{ID: newUUID(), Email: email, Language: req.Language, CreatedAt: s.Now().UnixMilli()}
			return tx.Subscribers().Create(ctx, sub)
		}
		if err != nil {
			return err
		}
		// Until confirmed, the latest request names the language. A
		// confirmed subscription is left as it is: a stranger who knows
		// the address must not change it.
		if !sub.Active && sub.Language != req.Language {
			sub.Language = req.Language
			return tx.Subscribers().SetLanguage(ctx, sub.ID, sub.Language, s.Now().UnixMilli())
		}
		return nil
	}
	err = s.DB.Write(ctx, write)
	if errors.Is(err, store.ErrConflict) { // a parallel subscribe of the same address won
		err = s.DB.Write(ctx, write)
	}
	if err != nil {
		return err
	}
	// The same answer and the same mail whether the address was new,
	// pending or confirmed: the answer tells nothing about who subscribed.
	s.sendMail(ctx, test, bmail.KindNewsletterSub, sub.Language, email, bmail.Data{
		Link:           s.subscribeURL(sub.ID, sub.EHash),
		UnsubscribeURL: s.unsubscribeURL(sub.EHash),
	})
	resp := SubscribeResponse{Result: success}
	if test {
		resp.ID, resp.EHash = sub.ID, sub.EHash
	}
	return encode(w, http.StatusOK, resp)
}

// validEHash accepts the form vault.EHash produces: 64 lower-case hex digits.
func validEHash(h string) bool {
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

func (s *Server) activateSubscriber(w http.ResponseWriter, r *http.Request) error {
	var req SubscriberActivation
	if _, err := decode(r, &req); err != nil {
		return err
	}
	id, ehash := strings.TrimSpace(req.ID), strings.ToLower(strings.TrimSpace(req.EHash))
	switch {
	case id == "":
		return apierr.IDMissing
	case ehash == "":
		return apierr.EHashMissing
	case !auth.ValidKeyID(id) || !validEHash(ehash): // subscriber ids are UUIDs like key ids
		return apierr.NotFound
	}
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
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
		return tx.Subscribers().Activate(ctx, sub.ID, s.Now().UnixMilli())
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, success)
}

// unsubscribe removes the subscriber named by the path's ehash. A
// well-formed ehash that is not (or no longer) subscribed succeeds too:
// the state asked for holds, a second click is not an error, and the
// answer does not tell whether the address was on the list.
func (s *Server) unsubscribe(r *http.Request) error {
	ehash := strings.ToLower(r.PathValue("ehash"))
	if !validEHash(ehash) {
		return apierr.NotFound
	}
	ctx := r.Context()
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Subscribers().Unsubscribe(ctx, ehash, s.Now().UnixMilli())
		return err
	})
}

func (s *Server) deleteSubscriber(w http.ResponseWriter, r *http.Request) error {
	if err := s.unsubscribe(r); err != nil {
		return err
	}
	return noContent(w)
}

// oneClickUnsubscribe is RFC 8058: the mail client POSTs
// "List-Unsubscribe=One-Click" (form-encoded) to the List-Unsubscribe URL.
// The body is not JSON and carries nothing we need, so it is not parsed;
// only POST unsubscribes (link scanners that GET it do nothing).
func (s *Server) oneClickUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	if err := s.unsubscribe(r); err != nil {
		return err
	}
	return encode(w, http.StatusOK, success)
}

func (s *Server) listSubscribers(w http.ResponseWriter, r *http.Request) error {
	subs, err := s.DB.Subscribers().All(r.Context())
	if err != nil {
		return err
	}
	out := asList(subs, asSubscriber)
	return encode(w, http.StatusOK, SubscribersResponse{success, out})
}
