package api

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	bmail "bobbin/internal/mail"
	"bobbin/internal/password"
	"bobbin/internal/store"
)

// Account is the account object of api.md. Never the password hash, MFA
// secret or scratch codes.
type Account struct {
	ID         int64          `json:"id"`
	Username   string         `json:"username"`
	LUsername  string         `json:"lusername"`
	Email      string         `json:"email"`
	Bio        string         `json:"bio"`
	Consent    int            `json:"consent"`
	Control    int            `json:"control"`
	Compare    bool           `json:"compare"`
	Imperial   bool           `json:"imperial"`
	Newsletter bool           `json:"newsletter"`
	Language   string         `json:"language"`
	Role       string         `json:"role"`
	Status     int            `json:"status"`
	Patron     int            `json:"patron"`
	MFAEnabled bool           `json:"mfaEnabled"`
	Img        string         `json:"img"`
	IHash      string         `json:"ihash"`
	Data       map[string]any `json:"data"`
	JWTCalls   int64          `json:"jwtCalls"`
	KeyCalls   int64          `json:"keyCalls"`
	LastSeen   Stamp          `json:"lastSeen"`
	CreatedAt  Stamp          `json:"createdAt"`
	UpdatedAt  Stamp          `json:"updatedAt"`
}

func asAccount(u *store.User) Account {
	data := u.Data
	if data == nil {
		data = map[string]any{}
	}
	return Account{ID: u.ID, Username: u.Username, LUsername: strings.ToLower(u.Username), Email: u.Email, Bio: u.Bio,
		Consent: u.Consent, Control: u.Control, Compare: u.Compare, Imperial: u.Imperial, Newsletter: u.Newsletter,
		Language: u.Language, Role: string(u.Role), Status: int(u.Status), Patron: u.Patron, MFAEnabled: u.MFAEnabled, Img: u.Img,
		IHash: u.IHash, Data: data, JWTCalls: u.JWTCalls, KeyCalls: u.KeyCalls, LastSeen: Stamp(u.LastSeen),
		CreatedAt: Stamp(u.CreatedAt), UpdatedAt: Stamp(u.UpdatedAt)}
}

// AccountResponse is {result, account}.
type AccountResponse struct {
	Result
	Account Account `json:"account"`
}

// WhoamiProblem is the answer of GET /whoami/jwt for an account with a
// status or consent problem: the problem code and the account, so a front
// end can ask for what is missing.
type WhoamiProblem struct {
	Result  string  `json:"result"`
	Error   string  `json:"error"`
	Account Account `json:"account"`
}

func (s *Server) whoamiJWT(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	u, err := s.DB.Users().ByID(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	if c.Problem != 0 {
		return encode(w, c.Problem.Status(), WhoamiProblem{Result: "error", Error: c.Problem.Name(), Account: asAccount(u)})
	}
	return encode(w, http.StatusOK, AccountResponse{success, asAccount(u)})
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	u, err := s.DB.Users().ByID(r.Context(), caller(r).UserID)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, AccountResponse{success, asAccount(u)})
}

// AccountPatch is the body of PATCH /account. Absent fields are left alone.
type AccountPatch struct {
	Bio             *string        `json:"bio"`
	Consent         *int           `json:"consent"`
	Control         *int           `json:"control"`
	Compare         *bool          `json:"compare"`
	Imperial        *bool          `json:"imperial"`
	Newsletter      *bool          `json:"newsletter"`
	Language        *string        `json:"language"`
	Data            map[string]any `json:"data"`
	Username        *string        `json:"username"`
	Password        *string        `json:"password"`
	CurrentPassword *string        `json:"currentPassword"`
	Img             *string        `json:"img"`
	Email           *string        `json:"email"`
	Confirm         *string        `json:"confirm"`
	Confirmation    *string        `json:"confirmation"`
	Check           *string        `json:"check"`
	Test
}

// Limits on free-text account fields.
const (
	maxBio      = 10_000
	maxUsername = 64
	maxDataJSON = 64 << 10
)

var languages = map[string]bool{"en": true, "de": true, "es": true, "fr": true, "nl": true, "uk": true}

func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request) error {
	var p AccountPatch
	if _, err := decode(r, &p); err != nil {
		return err
	}
	c := caller(r)
	ctx := r.Context()
	u, err := s.DB.Users().ByID(ctx, c.UserID)
	if err != nil {
		return err
	}
	oldUsername, oldEmail := u.Username, u.Email
	// Email change (account_email.go): validated here, written below with
	// the other fields.
	ec, err := s.emailChangeStep(r, c, u, &p)
	if err != nil {
		return err
	}
	// Validate everything first and record each change; the write applies
	// them to the row read again inside the transaction, so a concurrent
	// change (MFA, email, admin) is never overwritten with a stale copy.
	var changes []func(*store.User)
	set := func(f func(*store.User)) { changes = append(changes, f) }
	if u.Email != oldEmail { // a case-only change, applied without confirmation
		email := u.Email
		set(func(x *store.User) { x.Email = email })
	}
	if p.Bio != nil {
		if utf8.RuneCountInString(*p.Bio) > maxBio {
			return apierr.BioTooLong
		}
		v := *p.Bio
		set(func(x *store.User) { x.Bio = v })
	}
	if p.Consent != nil {
		if *p.Consent < 0 || *p.Consent > 3 {
			return apierr.ConsentInvalid
		}
		v := *p.Consent
		set(func(x *store.User) { x.Consent = v })
	}
	if p.Control != nil {
		if *p.Control < 1 || *p.Control > 5 {
			return apierr.ControlInvalid
		}
		v := *p.Control
		set(func(x *store.User) { x.Control = v })
	}
	if p.Compare != nil {
		v := *p.Compare
		set(func(x *store.User) { x.Compare = v })
	}
	if p.Imperial != nil {
		v := *p.Imperial
		set(func(x *store.User) { x.Imperial = v })
	}
	if p.Newsletter != nil {
		v := *p.Newsletter
		set(func(x *store.User) { x.Newsletter = v })
	}
	if p.Language != nil {
		if !languages[*p.Language] {
			return apierr.UnsupportedLanguage
		}
		v := *p.Language
		set(func(x *store.User) { x.Language = v })
	}
	if p.Data != nil {
		merge := func(x *store.User) {
			if x.Data == nil {
				x.Data = map[string]any{}
			}
			for k, v := range p.Data {
				if v == nil {
					delete(x.Data, k)
				} else {
					x.Data[k] = v
				}
			}
		}
		probe := &store.User{Data: maps.Clone(u.Data)}
		merge(probe)
		if b, _ := json.Marshal(probe.Data); len(b) > maxDataJSON {
			return apierr.PatternDataTooLarge
		}
		set(merge)
	}
	if p.Username != nil {
		name := strings.TrimSpace(*p.Username)
		if err := validUsername(name); err != nil {
			return err
		}
		taken, err := s.DB.Users().UsernameTaken(ctx, name, u.ID)
		if err != nil {
			return err
		}
		if taken {
			return apierr.UsernameTaken
		}
		set(func(x *store.User) { x.Username = name })
	}
	if p.Img != nil {
		since := time.Now()
		img, err := s.acceptImage(ctx, "user-"+itoa(u.ID), *p.Img)
		if err != nil {
			return err
		}
		set(func(x *store.User) { x.Img = img })
		// Keep the avatar the saved row names; drop the replaced one, or
		// this one if the write fails.
		defer s.settleImages(ctx, "user-"+itoa(u.ID), since, img)
	}
	passwordChanged := false
	if p.Password != nil {
		// A password change revokes every other session: like key
		// management, it needs the user level, not just writeSome.
		if c.Level < auth.User {
			return apierr.InsufficientAccessLevel
		}
		if err := s.checkNewPassword(*p.Password); err != nil {
			return err
		}
		if u.Password != "" {
			if p.CurrentPassword == nil || *p.CurrentPassword == "" {
				return apierr.CurrentPasswordMissing
			}
			ok, _, err := s.Hasher.Verify(ctx, *p.CurrentPassword, u.Password)
			if err != nil && errors.Is(err, password.ErrBusy) {
				return err
			}
			if !ok {
				s.audit(r, u.ID, "password.change.failed", "")
				return apierr.AuthenticationFailed
			}
		}
		h, err := s.Hasher.Hash(ctx, *p.Password)
		if err != nil {
			return err
		}
		set(func(x *store.User) { x.Password = h })
		passwordChanged = true
	}
	verifiedHash := u.Password
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		fresh, err := tx.Users().Lock(ctx, u.ID)
		if err != nil {
			return err
		}
		if passwordChanged && fresh.Password != verifiedHash {
			return apierr.AccountChanged // the password changed under us: try again
		}
		for _, f := range changes {
			f(fresh)
		}
		*u = *fresh
		if err := s.completeEmailChange(ctx, tx, r, ec, u); err != nil {
			return err
		}
		if err := tx.Users().Save(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				if ec != nil && !ec.start && strings.EqualFold(u.Username, oldUsername) {
					return apierr.EmailTaken
				}
				return apierr.UsernameTaken
			}
			return err
		}
		if passwordChanged {
			// Every other token, sign-in link and pending email change stops now.
			if err := tx.Sessions().RevokeOthers(ctx, u.ID, c.JTI); err != nil {
				return err
			}
			if err := tx.Confirmations().Delete(ctx, u.ID, store.ConfirmSigninLink, store.ConfirmEmailChange); err != nil {
				return err
			}
			if err := tx.Audit().Add(ctx, s.event(r, u.ID, "password.changed", "")); err != nil {
				return err
			}
		}
		return s.startEmailChange(ctx, tx, r, ec, u)
	})
	if err != nil {
		return err
	}
	s.emailChangeMail(ctx, ec, u)
	if passwordChanged {
		s.sendMail(ctx, s.testRequest(p.Test), bmail.KindPasswordChanged, u.Language, u.Email, bmail.Data{Username: u.Username})
	}
	return encode(w, http.StatusOK, accountPatchAnswer(u, ec))
}

// checkNewPassword applies the password rules of auth.md.
func (s *Server) checkNewPassword(pw string) error {
	switch err := password.Validate(pw); {
	case err == nil:
		return nil
	case errors.Is(err, password.ErrTooShort):
		return apierr.PasswordTooShort
	case errors.Is(err, password.ErrTooLong):
		return apierr.PasswordTooLong
	case errors.Is(err, password.ErrTooCommon):
		return apierr.PasswordTooCommon
	default:
		return apierr.PasswordInvalid
	}
}

// validUsername: 2 to 64 characters, letters, digits and . _ - only, so a
// username can never look like an email or a numeric id.
func validUsername(name string) error {
	n := utf8.RuneCountInString(name)
	if n < 2 {
		return apierr.UsernameTooShort
	}
	if n > maxUsername {
		return apierr.UsernameTooLong
	}
	allDigits := true
	for _, r := range name {
		if !unicode.IsDigit(r) {
			allDigits = false
		}
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-') {
			return apierr.UsernameInvalid
		}
	}
	if allDigits {
		return apierr.UsernameInvalid
	}
	return nil
}

// UsernameRequest is the body of POST /available/username.
type UsernameRequest struct {
	Username string `json:"username"`
}

// UsernameAvailability answers a taken username.
type UsernameAvailability struct {
	Result
	Username  string `json:"username"`
	Available bool   `json:"available"`
}

func (s *Server) availableUsername(w http.ResponseWriter, r *http.Request) error {
	var req UsernameRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(req.Username)
	if name == "" {
		return apierr.UsernameMissing
	}
	taken, err := s.DB.Users().UsernameTaken(r.Context(), name, 0)
	if err != nil {
		return err
	}
	if !taken {
		return apierr.NotFound
	}
	return encode(w, http.StatusOK, UsernameAvailability{success, name, false})
}
