package signin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/identity"
	bmail "bobbin/internal/mail"
	"bobbin/internal/password"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// VerifyMFA checks a TOTP code (RFC 6238, one step of skew, each step
// accepted once) or a single-use scratch code (compared by its keyed hash
// in v). It updates u (last step used, remaining scratch codes); the
// caller saves u in its write transaction.
func VerifyMFA(u *store.User, code string, now time.Time, v *vault.Vault) (bool, error) {
	code = strings.TrimSpace(code)
	if u.MFASecret == "" || code == "" {
		return false, nil
	}
	if len(code) == 6 {
		step := now.Unix() / 30
		ok := false
		var matched int64
		for _, st := range []int64{step - 1, step, step + 1} {
			want, err := totp.GenerateCodeCustom(u.MFASecret, time.Unix(st*30, 0), totpOpts)
			if err != nil {
				return false, err
			}
			if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && st > u.MFALastStep {
				ok, matched = true, st
			}
		}
		if ok {
			u.MFALastStep = matched
			return true, nil
		}
		return false, nil
	}
	// Scratch codes are lower-case hex; accept them typed in either case.
	h := v.Check("scratch:" + strings.ToLower(code))
	for i, stored := range u.MFAScratch {
		if subtle.ConstantTimeCompare([]byte(h), []byte(stored)) == 1 {
			u.MFAScratch = append(u.MFAScratch[:i:i], u.MFAScratch[i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

// MFARequest is the body of POST /account/mfa. Three shapes:
//   - {mfa:true}: start enrolment; answers a new secret (kept server-side
//     until confirmed).
//   - {mfa:true, secret, token}: confirm enrolment with a code of that
//     secret; answers the account and 8 single-use scratch codes.
//   - {mfa:false, password, token}: turn MFA off; needs the password and a
//     code (TOTP or scratch).
type MFARequest struct {
	MFA      *bool  `json:"mfa" required:"true" doc:"true starts (without secret and token) or confirms (with them) MFA; false turns it off (with password and token)"`
	Secret   string `json:"secret,omitempty"`
	Token    string `json:"token,omitempty" doc:"A current TOTP code" example:"123456"`
	Password string `json:"password,omitempty"`
}

// MFASetup is what an authenticator app needs: the base32 secret, the
// otpauth:// URI and the same URI as a QR code (an SVG document).
type MFASetup struct {
	Secret  string `json:"secret"`
	OTPAuth string `json:"otpauth"`
	QRCode  string `json:"qrcode"`
}

// MFASetupResponse answers {mfa:true}.
type MFASetupResponse struct {
	httpx.Result
	MFA MFASetup `json:"mfa"`
}

// MFAEnabledResponse answers a confirmed enrolment. The scratch codes are
// shown this once; only their keyed hashes are stored.
type MFAEnabledResponse struct {
	httpx.Result
	Account      identity.Account `json:"account"`
	ScratchCodes []string         `json:"scratchCodes"`
}

const (
	mfaIssuer        = "Bobbin"
	mfaScratchCount  = 8
	mfaScratchLength = 5 // bytes: 10 hex characters (a TOTP code has 6 digits)
)

// MFA is POST /account/mfa: start, confirm or turn off MFA.
func (h *Signin) MFA(w http.ResponseWriter, r *http.Request) error {
	var req MFARequest
	if _, err := httpx.Decode(r, &req); err != nil {
		if errors.Is(err, apierr.MFAInvalid) { // mfa is not a boolean
			return apierr.InvalidMFASetting
		}
		return err
	}
	if req.MFA == nil {
		return apierr.InvalidMFASetting
	}
	c := httpx.CallerOf(r.Context())
	u, err := h.d.DB.Users().ByID(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	if *req.MFA {
		if u.MFAEnabled {
			return apierr.MFAActive
		}
		if req.Secret == "" && req.Token == "" {
			return h.mfaEnroll(r.Context(), w, u)
		}
		return h.mfaConfirm(r.Context(), w, c, req)
	}
	return h.mfaDisable(r.Context(), w, u, req)
}

// mfaEnroll issues a new secret and keeps it, encrypted, in the account
// with MFA still off. A new enrolment replaces a pending one.
func (h *Signin) mfaEnroll(ctx context.Context, w http.ResponseWriter, u *store.User) error {
	name := u.Email
	if name == "" {
		name = u.Username
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: mfaIssuer, AccountName: name})
	if err != nil {
		return err
	}
	svg, err := QRSVG(key.URL())
	if err != nil {
		return err
	}
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.Users().Lock(ctx, u.ID)
		if err != nil {
			return err
		}
		if u.MFAEnabled {
			return apierr.MFAActive
		}
		u.MFASecret = key.Secret()
		u.MFAScratch = nil
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, h.d.Audit.Event(ctx, u.ID, "mfa.setup", ""))
	})
	if err != nil {
		return err
	}
	return httpx.Encode(w, http.StatusOK, MFASetupResponse{httpx.Success, MFASetup{Secret: key.Secret(), OTPAuth: key.URL(), QRCode: svg}})
}

// mfaConfirm turns MFA on when the secret is the pending one and the code
// is a current TOTP code of it (scratch codes do not count here).
func (h *Signin) mfaConfirm(ctx context.Context, w http.ResponseWriter, c *httpx.Caller, req MFARequest) error {
	if strings.TrimSpace(req.Token) == "" {
		return apierr.MFATokenMissing
	}
	secret := strings.ToUpper(strings.TrimSpace(req.Secret))
	if secret == "" {
		return apierr.InvalidMFASetting
	}
	d := h.d
	var u *store.User
	var codes []string
	err := d.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.Users().Lock(ctx, c.UserID); err != nil {
			return err
		}
		if u.MFAEnabled {
			return apierr.MFAActive
		}
		if u.MFASecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(u.MFASecret)) != 1 {
			return apierr.MFATokenInvalid
		}
		u.MFAScratch = nil
		ok, err := VerifyMFA(u, req.Token, d.Now(), d.DB.Vault())
		if err != nil {
			return err
		}
		if !ok {
			return apierr.MFATokenInvalid
		}
		var hashes []string
		codes, hashes = NewScratchCodes(d.DB.Vault())
		u.MFAScratch = hashes
		u.MFAEnabled = true
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "mfa.enabled", ""))
	})
	if errors.Is(err, apierr.MFATokenInvalid) {
		d.Audit.Record(ctx, c.UserID, "mfa.failed", "enable")
	}
	if err != nil {
		return err
	}
	h.mfaNotice(ctx, u, true)
	return httpx.Encode(w, http.StatusOK, MFAEnabledResponse{httpx.Success, identity.AsAccount(u), codes})
}

// mfaDisable turns MFA off. It needs the password (401 when wrong) and a
// code (403 when wrong); failures count against the sign-in throttles, so
// a stolen token cannot be used to guess the password here.
func (h *Signin) mfaDisable(ctx context.Context, w http.ResponseWriter, u *store.User, req MFARequest) error {
	if !u.MFAEnabled {
		return apierr.InvalidMFASetting
	}
	if req.Password == "" {
		return apierr.PasswordMissing
	}
	if strings.TrimSpace(req.Token) == "" {
		return apierr.MFATokenMissing
	}
	d := h.d
	now := d.Now()
	ip := httpx.IP(ctx)
	account := AccountKey(u, "")
	if err := Refuse(d.Throttles.Address, ip, now); err != nil {
		return err
	}
	if err := Refuse(d.Throttles.Account, account, now); err != nil {
		return err
	}
	fail := func(detail string, answer error) error {
		d.Throttles.Fail(ip, account, now)
		d.Audit.Record(ctx, u.ID, "mfa.failed", detail)
		return answer
	}
	if u.Password == "" {
		// No password to prove: fail closed (set a password first).
		if err := d.Hasher.Dummy(ctx, req.Password); err != nil {
			return err
		}
		return fail("disable: password", apierr.AuthenticationFailed)
	}
	ok, _, err := d.Hasher.Verify(ctx, req.Password, u.Password)
	if err != nil && !ok && (ctx.Err() != nil || errors.Is(err, password.ErrBusy)) {
		return err
	}
	if !ok {
		return fail("disable: password", apierr.AuthenticationFailed)
	}
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.Users().Lock(ctx, u.ID); err != nil {
			return err
		}
		if !u.MFAEnabled {
			return apierr.InvalidMFASetting
		}
		ok, err := VerifyMFA(u, req.Token, d.Now(), d.DB.Vault())
		if err != nil {
			return err
		}
		if !ok {
			return apierr.MFATokenInvalid
		}
		u.MFAEnabled = false
		u.MFASecret = ""
		u.MFAScratch = nil
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, d.Audit.Event(ctx, u.ID, "mfa.disabled", ""))
	})
	if errors.Is(err, apierr.MFATokenInvalid) {
		return fail("disable: code", err)
	}
	if err != nil {
		return err
	}
	h.mfaNotice(ctx, u, false)
	return httpx.Encode(w, http.StatusOK, identity.AccountResponse{Result: httpx.Success, Account: identity.AsAccount(u)})
}

// mfaNotice tells the account's address that MFA was turned on or off.
func (h *Signin) mfaNotice(ctx context.Context, u *store.User, enabled bool) {
	h.d.Courier.Send(ctx, false, bmail.KindMFAChanged, u.Language, u.Email, bmail.Data{Username: u.Username, Enabled: enabled})
}

// NewScratchCodes makes the single-use recovery codes and their stored
// keyed hashes (the form VerifyMFA compares against).
func NewScratchCodes(v *vault.Vault) (codes, hashes []string) {
	for range mfaScratchCount {
		code := vault.Token(mfaScratchLength)
		codes = append(codes, code)
		hashes = append(hashes, v.Check("scratch:"+code))
	}
	return codes, hashes
}

// QRSVG renders content as a QR code (error correction M) in an SVG
// document: one path of unit squares on a white square with the standard
// four-module quiet zone, scaled by the viewBox.
func QRSVG(content string) (string, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	const quiet = 4
	b := code.Bounds()
	n := b.Dx()
	size := n + 2*quiet
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`,
		size, size, size*6, size*6)
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="#ffffff"/><path fill="#000000" d="`, size, size)
	dark := func(x, y int) bool {
		r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return r < 0x8000
	}
	for y := range n {
		for x := 0; x < n; {
			if !dark(x, y) {
				x++
				continue
			}
			run := 1
			for x+run < n && dark(x+run, y) {
				run++
			}
			fmt.Fprintf(&sb, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run
		}
	}
	sb.WriteString(`"/></svg>`)
	return sb.String(), nil
}
