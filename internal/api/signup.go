package api

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	bmail "bobbin/internal/mail"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// SignupRequest is the body of POST /signup.
type SignupRequest struct {
	Email    string `json:"email"`
	Language string `json:"language"`
	Role     string `json:"role"` // honoured in test mode only
	Test
}

// SignupResponse is the 201 answer; Confirmation only in test mode.
type SignupResponse struct {
	Result
	Email        string `json:"email"`
	Confirmation string `json:"confirmation,omitempty"`
}

const signupTTL = 7 * 24 * time.Hour

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// validEmail accepts a bare address (no display name) of sane length.
func validEmail(e string) bool {
	if len(e) > 254 || strings.ContainsAny(e, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return false
	}
	at := strings.LastIndexByte(e, '@')
	return at > 0 && strings.Contains(e[at+1:], ".") && !strings.HasSuffix(e, ".")
}

// emailAndLanguage checks the email and language of a body that starts
// a mail (signup, newsletter subscription) and answers the trimmed email.
func emailAndLanguage(email, language string) (string, error) {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return "", apierr.EmailMissing
	case language == "":
		return "", apierr.LanguageMissing
	case !languages[language]:
		return "", apierr.UnsupportedLanguage
	case !validEmail(email):
		return "", apierr.EmailInvalid
	}
	return email, nil
}

// testRequest reports whether a request asked for test mode and may have it.
func (s *Server) testRequest(t Test) bool { return t.Test && s.Config.TestMode() }

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	var req SignupRequest
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
	now := s.Now()
	var (
		confirmID, check string
		existing         *store.User
		kind             = bmail.KindSignup
	)
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().ByEmail(ctx, email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if u != nil {
			existing = u
			return nil
		}
		u = &store.User{Username: "user-" + vault.Token(8), Email: email, Language: req.Language, Role: auth.RoleUser,
			Status: auth.StatusUnconfirmed, Control: 1, Compare: true, CreatedAt: now.UnixMilli()}
		if test && req.Role != "" && auth.Role(req.Role).Valid() {
			u.Role = auth.Role(req.Role)
		}
		if err := tx.Users().Create(ctx, u); err != nil {
			return err
		}
		u.Username = "user-" + itoa(u.ID)
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		confirmID, check, err = s.newConfirmation(ctx, tx, store.ConfirmSignup, u.ID, map[string]any{"language": req.Language}, signupTTL)
		if err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, u.ID, "signup", ""))
	})
	if errors.Is(err, store.ErrConflict) { // a parallel signup of the same email won
		existing, err = s.DB.Users().ByEmail(ctx, email)
	}
	if err != nil {
		return err
	}
	link := s.Config.WebsiteURL + "/confirm/signup/" + confirmID + "/" + check
	lang := req.Language
	if existing != nil {
		// Same answer as a new signup; the owner gets a sign-in link instead.
		kind = bmail.KindSignupExisting
		lang = existing.Language
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			confirmID, check, err = s.newConfirmation(ctx, tx, store.ConfirmSigninLink, existing.ID, nil, s.Config.SigninLinkTTL)
			return err
		})
		if err != nil {
			return err
		}
		link = s.signinLinkURL(confirmID, check)
	}
	s.sendMail(ctx, test, kind, lang, email, bmail.Data{Link: link, Username: usernameOf(existing)})
	resp := SignupResponse{Result: created, Email: email}
	if test {
		resp.Confirmation = confirmID
	}
	return encode(w, http.StatusCreated, resp)
}

func usernameOf(u *store.User) string {
	if u == nil {
		return ""
	}
	return u.Username
}

func (s *Server) signinLinkURL(id, check string) string {
	return s.Config.WebsiteURL + "/signinlink/" + id + "/" + check
}

// newConfirmation stores a confirmation with a random id and check; only
// the check's keyed hash is kept.
func (s *Server) newConfirmation(ctx context.Context, q store.Conn, typ string, userID int64, data map[string]any, ttl time.Duration) (id, check string, err error) {
	id = newUUID()
	check = vault.Token(16)
	now := s.Now()
	err = q.Confirmations().Create(ctx, &store.Confirmation{ID: id, Type: typ, UserID: userID, Data: data,
		CheckHash: s.DB.Vault().Check(check), CreatedAt: now.UnixMilli(), ExpiresAt: now.Add(ttl).UnixMilli()})
	return id, check, err
}

// ConfirmSignupRequest is the body of POST /confirm/signup/{id}.
type ConfirmSignupRequest struct {
	Consent *int `json:"consent"`
}

// TokenResponse is {result, token, account}.
type TokenResponse struct {
	Result
	Token   string  `json:"token"`
	Account Account `json:"account"`
}

func (s *Server) confirmSignup(w http.ResponseWriter, r *http.Request) error {
	var req ConfirmSignupRequest
	if _, err := decodeOptional(r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	now := s.Now()
	id := r.PathValue("id")
	conf, err := s.DB.Confirmations().ByID(ctx, id, now.UnixMilli())
	if err != nil {
		return err
	}
	if conf.Type != store.ConfirmSignup {
		return apierr.NotFound
	}
	if req.Consent == nil || *req.Consent < 1 || *req.Consent > 3 {
		return apierr.ConsentRequired
	}
	var u *store.User
	var token string
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Confirmations().Use(ctx, conf.ID); err != nil {
			return err
		}
		var err error
		if u, err = tx.Users().ByID(ctx, conf.UserID); err != nil {
			return err
		}
		if u.Status == 0 {
			u.Status = 1
		}
		u.Consent = *req.Consent
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		if err := tx.Audit().Add(ctx, s.event(r, u.ID, "signup.confirmed", "")); err != nil {
			return err
		}
		token, err = s.startSession(ctx, tx, u)
		return err
	})
	if err != nil {
		return err
	}
	if p := auth.Problem(u.Role, u.Status, u.Consent); p != 0 {
		return p
	}
	return encode(w, http.StatusOK, TokenResponse{success, token, asAccount(u)})
}

// startSession records a new session and signs its token.
func (s *Server) startSession(ctx context.Context, q store.Conn, u *store.User) (string, error) {
	jti := vault.Token(16)
	token, exp, err := s.Tokens.Issue(u.ID, u.Username, string(u.Role), int(u.Status), jti, s.Now())
	if err != nil {
		return "", err
	}
	if err := q.Sessions().Create(ctx, jti, u.ID, exp.UnixMilli()); err != nil {
		return "", err
	}
	return token, nil
}
