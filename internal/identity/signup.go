package identity

import (
	"context"
	"errors"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/ident"
	bmail "bobbin/internal/mail"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// Accounts are the handlers of signup, the account and its life.
type Accounts struct{ d Deps }

// New builds the handlers.
func New(d Deps) *Accounts { return &Accounts{d} }

// SignupRequest is the body of POST /signup.
type SignupRequest struct {
	Email    string `json:"email" required:"true" example:"joost@example.org"`
	Language string `json:"language" required:"true" enum:"Language"`
	Role     string `json:"role" enum:"Role" doc:"Honoured in test mode only"` // honoured in test mode only
	httpx.Test
}

// SignupResponse is the 201 answer; Confirmation only in test mode.
type SignupResponse struct {
	httpx.Result
	Email        string `json:"email"`
	Confirmation string `json:"confirmation,omitempty"`
}

const signupTTL = 7 * 24 * time.Hour

// NewUser is the row of a new signup: unconfirmed, with a placeholder
// username (the caller renames it user-<id> once the id is known). The
// role asked for is taken only in test mode, and only when it is a role.
func NewUser(email, language string, role auth.Role, test bool, now time.Time) *store.User {
	u := &store.User{Username: "user-" + vault.Token(8), Email: email, Language: language, Role: auth.RoleUser,
		Status: auth.StatusUnconfirmed, Control: 1, Compare: true, CreatedAt: now.UnixMilli()}
	if test && role != "" && role.Valid() {
		u.Role = role
	}
	return u
}

// Signup is POST /signup. A known email answers the same; its owner is
// mailed a sign-in link instead of a confirmation.
func (h *Accounts) Signup(ctx context.Context, in *httpx.In[SignupRequest]) (SignupResponse, error) {
	req := in.Body
	email, err := EmailAndLanguage(req.Email, req.Language)
	if err != nil {
		return SignupResponse{}, err
	}
	d := h.d
	test := TestRequest(d.Config, req.Test)
	if err := d.Courier.Allowed(ctx, email); err != nil {
		return SignupResponse{}, err
	}
	var (
		confirmID, check string
		existing         *store.User
		kind             = bmail.KindSignup
	)
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().ByEmail(ctx, email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if u != nil {
			existing = u
			return nil
		}
		u = NewUser(email, req.Language, auth.Role(req.Role), test, d.Now())
		if err := tx.Users().Create(ctx, u); err != nil {
			return err
		}
		auto := ident.AutoUsername(u.ID)
		u.Username = auto.Display
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		// The automatic name's skeleton is reserved (ident.Name.Automatic);
		// an older look-alike holding it leaves this one to the backfill's
		// report rather than failing the signup (asked first: a refused
		// write would abort a PostgreSQL transaction).
		if _, err := tx.Users().SkeletonHolder(ctx, auto.Skeleton); errors.Is(err, store.ErrNotFound) {
			if err := tx.Users().SetSkeleton(ctx, u.ID, auto.Skeleton); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		confirmID, check, err = d.confirm(ctx, tx, store.ConfirmSignup, u.ID, map[string]any{"language": req.Language}, signupTTL)
		if err != nil {
			return err
		}
		if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "signup", "")); err != nil {
			return err
		}
		// The confirmation mail is queued with the account: both or neither.
		return d.Courier.SendIn(ctx, tx, test, kind, req.Language, email,
			bmail.Data{Link: d.Config.WebsiteURL + "/confirm/signup/" + confirmID + "/" + check})
	})
	if errors.Is(err, store.ErrConflict) { // a parallel signup of the same email won
		existing, err = d.DB.Users().ByEmail(ctx, email)
	}
	if err != nil {
		return SignupResponse{}, err
	}
	if existing != nil {
		// Same answer as a new signup; the owner gets a sign-in link instead.
		err := d.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			confirmID, check, err = d.confirm(ctx, tx, store.ConfirmSigninLink, existing.ID, nil, d.Config.SigninLinkTTL)
			if err != nil {
				return err
			}
			return d.Courier.SendIn(ctx, tx, test, bmail.KindSignupExisting, existing.Language, email,
				bmail.Data{Link: SigninLinkURL(d.Config, confirmID, check), Username: usernameOf(existing)})
		})
		if err != nil {
			return SignupResponse{}, err
		}
	}
	resp := SignupResponse{Result: httpx.Created, Email: email}
	if test {
		resp.Confirmation = confirmID
	}
	return resp, nil
}

func usernameOf(u *store.User) string {
	if u == nil {
		return ""
	}
	return u.Username
}

// ConfirmSignupRequest is the body of POST /confirm/signup/{id}.
type ConfirmSignupRequest struct {
	Consent *int `json:"consent" required:"true" enum:"1,2,3" doc:"The consent given (1 to 3); without it the answer is consentRequired"`
}

// ConfirmSignup is POST /confirm/signup/{id}: it activates the account,
// records the consent given and answers a token.
func (h *Accounts) ConfirmSignup(ctx context.Context, in *httpx.In[ConfirmSignupRequest]) (TokenResponse, error) {
	req := in.Body
	d := h.d
	conf, err := d.DB.Confirmations().ByID(ctx, in.Path("id"), d.Now().UnixMilli())
	if err != nil {
		return TokenResponse{}, err
	}
	if conf.Type != store.ConfirmSignup {
		return TokenResponse{}, apierr.NotFound
	}
	if req.Consent == nil || *req.Consent < 1 || *req.Consent > 3 {
		return TokenResponse{}, apierr.ConsentRequired
	}
	var u *store.User
	var token string
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Confirmations().Use(ctx, conf.ID); err != nil {
			return err
		}
		var err error
		if u, err = tx.Users().ByID(ctx, conf.UserID); err != nil {
			return err
		}
		if u.Status == auth.StatusUnconfirmed {
			u.Status = auth.StatusActive
		}
		u.Consent = *req.Consent
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		if err := tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "signup.confirmed", "")); err != nil {
			return err
		}
		token, err = d.Sessions.Start(ctx, tx, u)
		return err
	})
	if err != nil {
		return TokenResponse{}, err
	}
	if p := auth.Problem(u.Role, u.Status, u.Consent); p != 0 {
		return TokenResponse{}, p
	}
	return TokenResponse{httpx.Success, token, AsAccount(u)}, nil
}
