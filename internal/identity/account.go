package identity

import (
	"context"
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
	"bobbin/internal/httpx"
	"bobbin/internal/ident"
	bmail "bobbin/internal/mail"
	"bobbin/internal/password"
	"bobbin/internal/session"
	"bobbin/internal/store"
)

// WhoamiProblem is the answer of GET /whoami/jwt for an account with a
// status or consent problem: the problem code and the account, so a front
// end can ask for what is missing.
type WhoamiProblem struct {
	Result  string  `json:"result"`
	Error   string  `json:"error"`
	Account Account `json:"account"`
}

// Whoami is GET /whoami/jwt, a guest route: the account, with the
// caller's problem as the answer's status and error when there is one.
func (h *Accounts) Whoami(w http.ResponseWriter, r *http.Request) error {
	c := httpx.CallerOf(r.Context())
	u, err := h.d.DB.Users().ByID(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	if c.Problem != 0 {
		return httpx.Encode(w, c.Problem.Status(), WhoamiProblem{Result: "error", Error: c.Problem.Name(), Account: AsAccount(u)})
	}
	return httpx.Encode(w, http.StatusOK, AccountResponse{httpx.Success, AsAccount(u)})
}

// Get is GET /account.
func (h *Accounts) Get(ctx context.Context, in *httpx.In[httpx.None]) (AccountResponse, error) {
	u, err := h.d.DB.Users().ByID(ctx, in.Caller().UserID)
	if err != nil {
		return AccountResponse{}, err
	}
	a := AsAccount(u)
	if err := WithSigninMethods(ctx, h.d.DB, &a); err != nil {
		return AccountResponse{}, err
	}
	return AccountResponse{httpx.Success, a}, nil
}

// AccountPatch is the body of PATCH /account. Absent fields are left alone.
type AccountPatch struct {
	Bio             *string        `json:"bio"`
	Consent         *int           `json:"consent" enum:"0,1,2,3"`
	Control         *int           `json:"control" enum:"1,2,3,4,5" doc:"How much of the site's controls to show"`
	Compare         *bool          `json:"compare"`
	Imperial        *bool          `json:"imperial"`
	Newsletter      *bool          `json:"newsletter"`
	Language        *string        `json:"language" enum:"Language"`
	Data            map[string]any `json:"data"`
	Username        *string        `json:"username"`
	Password        *string        `json:"password" doc:"A new password; currentPassword is required with it"`
	CurrentPassword *string        `json:"currentPassword"`
	Img             *string        `json:"img" doc:"A data: URI of a PNG, JPEG or WebP image"`
	Email           *string        `json:"email"`
	Confirm         *string        `json:"confirm" enum:"emailchange" doc:"With confirmation and check: completes an email change"`
	Confirmation    *string        `json:"confirmation"`
	Check           *string        `json:"check"`
	GitHub          *string        `json:"github"`
	httpx.Test
}

// Limits on free-text account fields.
const (
	maxBio      = 10_000
	maxGitHub   = 100
	maxUsername = 64
	maxDataJSON = 64 << 10
)

// GitHubName cleans the github field: trimmed, what follows the last '@'
// (as upstream: "@name" and "name" are the same), at most 100 characters,
// no control characters.
func GitHubName(v string) (string, error) {
	v = strings.TrimSpace(v)
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		v = strings.TrimSpace(v[i+1:])
	}
	if utf8.RuneCountInString(v) > maxGitHub {
		return "", apierr.GitHubTooLong
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", apierr.GitHubInvalid
		}
	}
	return v, nil
}

// Change is one validated edit of an account, applied to the row read
// again inside the write transaction, so that a concurrent change (MFA,
// email, admin) is never overwritten with a stale copy.
type Change func(*store.User)

// Settings validates the plain settings of a patch, in the order they are
// checked (bio, consent, control, compare, imperial, newsletter, language,
// data), against the account as it is (cur: for the size of merged data).
func Settings(p *AccountPatch, cur *store.User) ([]Change, error) {
	var changes []Change
	set := func(f Change) { changes = append(changes, f) }
	if p.Bio != nil {
		if utf8.RuneCountInString(*p.Bio) > maxBio {
			return nil, apierr.BioTooLong
		}
		v := *p.Bio
		set(func(x *store.User) { x.Bio = v })
	}
	if p.Consent != nil {
		if *p.Consent < 0 || *p.Consent > 3 {
			return nil, apierr.ConsentInvalid
		}
		v := *p.Consent
		set(func(x *store.User) { x.Consent = v })
	}
	if p.Control != nil {
		if *p.Control < 1 || *p.Control > 5 {
			return nil, apierr.ControlInvalid
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
		if !Languages[*p.Language] {
			return nil, apierr.UnsupportedLanguage
		}
		v := *p.Language
		set(func(x *store.User) { x.Language = v })
	}
	if p.GitHub != nil {
		v, err := GitHubName(*p.GitHub)
		if err != nil {
			return nil, err
		}
		set(func(x *store.User) { x.GitHub = v })
	}
	if p.Data != nil {
		merge, err := DataMerge(p.Data, cur.Data)
		if err != nil {
			return nil, err
		}
		set(merge)
	}
	return changes, nil
}

// DataMerge validates a data patch (keys set, null deletes) against the
// current data: the merged object must stay within maxDataJSON.
func DataMerge(patch, cur map[string]any) (Change, error) {
	merge := func(x *store.User) {
		if x.Data == nil {
			x.Data = map[string]any{}
		}
		for k, v := range patch {
			if v == nil {
				delete(x.Data, k)
			} else {
				x.Data[k] = v
			}
		}
	}
	probe := &store.User{Data: maps.Clone(cur)}
	merge(probe)
	if b, _ := json.Marshal(probe.Data); len(b) > maxDataJSON {
		return nil, apierr.PatternDataTooLarge
	}
	return merge, nil
}

// usernameChange validates a new username (ident.Username: PRECIS
// UsernameCaseMapped) and that no other account has it or one that looks
// like it (the confusable skeleton, auth.md "Identifiers"). It answers the
// change and the skeleton to record with it.
func (h *Accounts) usernameChange(ctx context.Context, v string, u *store.User) (Change, string, error) {
	n, err := PrepareUsername(v)
	if err != nil {
		return nil, "", err
	}
	if err := h.usernameFree(ctx, n, u.ID); err != nil {
		return nil, "", err
	}
	name := n.Display
	return func(x *store.User) { x.Username = name }, n.Skeleton, nil
}

// PrepareUsername is ident.Username after Bobbin's own rule
// (ValidUsername), on the trimmed input.
func PrepareUsername(v string) (ident.Name, error) {
	name := strings.TrimSpace(v)
	n, err := ident.Username(name)
	if err != nil {
		return ident.Name{}, err
	}
	if err := ValidUsername(n.Display); err != nil {
		return ident.Name{}, err
	}
	return n, nil
}

// usernameFree answers 400 usernameTaken when another account than self
// has the name, a look-alike of it, or would get it as its automatic name.
func (h *Accounts) usernameFree(ctx context.Context, n ident.Name, self int64) error {
	if id, ok := n.Automatic(); ok && id != self {
		return apierr.UsernameTaken
	}
	taken, err := h.d.DB.Users().UsernameTaken(ctx, n.Display, self)
	if err != nil {
		return err
	}
	if taken {
		return apierr.UsernameTaken
	}
	holder, err := h.d.DB.Users().SkeletonHolder(ctx, n.Skeleton)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case holder != self:
		return apierr.UsernameTaken
	}
	return nil
}

// passwordChange checks a new password and the current one (when the
// account has one) and hashes the new one. A password change revokes every
// other session: like key management, it needs the user level.
func (h *Accounts) passwordChange(ctx context.Context, c *httpx.Caller, p *AccountPatch, u *store.User) (Change, error) {
	if c.Level < auth.User {
		return nil, apierr.InsufficientAccessLevel
	}
	if err := CheckNewPassword(*p.Password); err != nil {
		return nil, err
	}
	if u.Password != "" && (p.CurrentPassword == nil || *p.CurrentPassword == "") {
		// A sign-in token at most 15 minutes after its sign-in needs no
		// current password; older tokens and API keys always do.
		fresh := false
		if c.Method == httpx.MethodJWT {
			var err error
			if fresh, err = session.SignedInWithin(ctx, h.d.DB, c.JTI, h.d.Now(), session.Fresh); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
		}
		if !fresh {
			return nil, apierr.CurrentPasswordMissing
		}
	} else if u.Password != "" {
		ok, _, err := h.d.Hasher.Verify(ctx, *p.CurrentPassword, u.Password)
		if err != nil && errors.Is(err, password.ErrBusy) {
			return nil, err
		}
		if !ok {
			h.d.Audit.Record(ctx, u.ID, "password.change.failed", "")
			return nil, apierr.AuthenticationFailed
		}
	}
	hash, err := h.d.Hasher.Hash(ctx, *p.Password)
	if err != nil {
		return nil, err
	}
	return func(x *store.User) { x.Password = hash }, nil
}

// ImpersonationMayPatch refuses, whole and before anything is written, a
// PATCH /account from an impersonation token that sends a field changing
// how the account is reached or proven (auth.ImpersonationForbiddenAccountFields).
func ImpersonationMayPatch(c *httpx.Caller, fields map[string]json.RawMessage) error {
	if c.Impersonator == 0 {
		return nil
	}
	for _, f := range auth.ImpersonationForbiddenAccountFields {
		if _, ok := fields[f]; ok {
			return apierr.ImpersonationForbidden
		}
	}
	return nil
}

// Patch is PATCH /account. Everything is validated first, each field group
// by its rule, then written in one transaction.
func (h *Accounts) Patch(ctx context.Context, in *httpx.In[AccountPatch]) (AccountPatchResponse, error) {
	p := &in.Body
	d := h.d
	c := in.Caller()
	if err := ImpersonationMayPatch(c, in.Fields); err != nil {
		return AccountPatchResponse{}, err
	}
	u, err := d.DB.Users().ByID(ctx, c.UserID)
	if err != nil {
		return AccountPatchResponse{}, err
	}
	oldUsername, oldEmail := u.Username, u.Email
	// Email change (email.go): validated here, written below with the
	// other fields.
	ec, err := h.emailChangeStep(ctx, c, u, p)
	if err != nil {
		return AccountPatchResponse{}, err
	}
	var changes []Change
	if u.Email != oldEmail { // a case-only change, applied without confirmation
		email := u.Email
		changes = append(changes, func(x *store.User) { x.Email = email })
	}
	settings, err := Settings(p, u)
	if err != nil {
		return AccountPatchResponse{}, err
	}
	changes = append(changes, settings...)
	skeleton := "" // the new username's, recorded with it
	if p.Username != nil {
		ch, sk, err := h.usernameChange(ctx, *p.Username, u)
		if err != nil {
			return AccountPatchResponse{}, err
		}
		changes = append(changes, ch)
		skeleton = sk
	}
	if p.Img != nil {
		since := time.Now()
		owner := "user-" + httpx.Itoa(u.ID)
		img, err := d.Images.Accept(ctx, owner, *p.Img)
		if err != nil {
			return AccountPatchResponse{}, err
		}
		changes = append(changes, func(x *store.User) { x.Img = img })
		// Keep the avatar the saved row names; drop the replaced one, or
		// this one if the write fails.
		defer d.Images.Settle(ctx, owner, since, img)
	}
	passwordChanged := false
	if p.Password != nil {
		ch, err := h.passwordChange(ctx, c, p, u)
		if err != nil {
			return AccountPatchResponse{}, err
		}
		changes = append(changes, ch)
		passwordChanged = true
	}
	verifiedHash := u.Password
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
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
		if err := h.completeEmailChange(ctx, tx, ec, u); err != nil {
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
		if skeleton != "" {
			// The UNIQUE index decides between look-alikes written at once.
			if err := tx.Users().SetSkeleton(ctx, u.ID, skeleton); errors.Is(err, store.ErrConflict) {
				return apierr.UsernameTaken
			} else if err != nil {
				return err
			}
		}
		if passwordChanged {
			// Every other token, sign-in link and pending email change stops now.
			if err := tx.Sessions().RevokeOthers(ctx, u.ID, c.JTI); err != nil {
				return err
			}
			if err := tx.Confirmations().Delete(ctx, u.ID, store.ConfirmSigninLink, store.ConfirmEmailChange); err != nil {
				return err
			}
			if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "password.changed", "")); err != nil {
				return err
			}
		}
		if err := h.startEmailChange(ctx, tx, ec, u); err != nil {
			return err
		}
		// The mails are queued with the change: both or neither.
		if err := h.emailChangeMail(ctx, tx, ec, u); err != nil {
			return err
		}
		if passwordChanged {
			return d.Courier.SendIn(ctx, tx, TestRequest(d.Config, p.Test), bmail.KindPasswordChanged, u.Language, u.Email, bmail.Data{Username: u.Username})
		}
		return nil
	})
	if err != nil {
		return AccountPatchResponse{}, err
	}
	return accountPatchAnswer(u, ec), nil
}

// CheckNewPassword applies the password rules of auth.md.
func CheckNewPassword(pw string) error {
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

// ValidUsername: 2 to 64 characters, letters, digits and . _ - only, so a
// username can never look like an email or a numeric id.
func ValidUsername(name string) error {
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
	httpx.Result
	Username  string `json:"username"`
	Available bool   `json:"available"`
}

// AvailableUsername is POST /available/username: 200 when taken, 404 when free.
func (h *Accounts) AvailableUsername(ctx context.Context, in *httpx.In[UsernameRequest]) (UsernameAvailability, error) {
	name := strings.TrimSpace(in.Body.Username)
	if name == "" {
		return UsernameAvailability{}, apierr.UsernameMissing
	}
	taken, err := h.d.DB.Users().UsernameTaken(ctx, name, 0)
	if err != nil {
		return UsernameAvailability{}, err
	}
	if n, perr := PrepareUsername(name); !taken && perr == nil {
		// A look-alike of a taken name is taken too (auth.md "Identifiers").
		if err := h.usernameFree(ctx, n, 0); errors.Is(err, apierr.UsernameTaken) {
			taken = true
		} else if err != nil {
			return UsernameAvailability{}, err
		}
	}
	if !taken {
		return UsernameAvailability{}, apierr.NotFound
	}
	return UsernameAvailability{httpx.Success, name, false}, nil
}
