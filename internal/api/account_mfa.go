package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp/totp"

	"bobbin/internal/apierr"
	bmail "bobbin/internal/mail"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// MFARequest is the body of POST /account/mfa. Three shapes:
//   - {mfa:true}: start enrolment; answers a new secret (kept server-side
//     until confirmed).
//   - {mfa:true, secret, token}: confirm enrolment with a code of that
//     secret; answers the account and 8 single-use scratch codes.
//   - {mfa:false, password, token}: turn MFA off; needs the password and a
//     code (TOTP or scratch).
type MFARequest struct {
	MFA      *bool  `json:"mfa"`
	Secret   string `json:"secret,omitempty"`
	Token    string `json:"token,omitempty"`
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
	Result
	MFA MFASetup `json:"mfa"`
}

// MFAEnabledResponse answers a confirmed enrolment. The scratch codes are
// shown this once; only their keyed hashes are stored.
type MFAEnabledResponse struct {
	Result
	Account      Account  `json:"account"`
	ScratchCodes []string `json:"scratchCodes"`
}

const (
	mfaIssuer        = "Bobbin"
	mfaScratchCount  = 8
	mfaScratchLength = 5 // bytes: 10 hex characters (a TOTP code has 6 digits)
)

func (s *Server) accountMFA(w http.ResponseWriter, r *http.Request) error {
	var req MFARequest
	if _, err := decode(r, &req); err != nil {
		if errors.Is(err, apierr.MFAInvalid) { // mfa is not a boolean
			return apierr.InvalidMFASetting
		}
		return err
	}
	if req.MFA == nil {
		return apierr.InvalidMFASetting
	}
	c := caller(r)
	u, err := s.DB.Users().ByID(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	if *req.MFA {
		if u.MFAEnabled {
			return apierr.MFAActive
		}
		if req.Secret == "" && req.Token == "" {
			return s.mfaEnroll(w, r, u)
		}
		return s.mfaConfirm(w, r, req)
	}
	return s.mfaDisable(w, r, u, req)
}

// mfaEnroll issues a new secret and keeps it, encrypted, in the account
// with MFA still off. A new enrolment replaces a pending one.
func (s *Server) mfaEnroll(w http.ResponseWriter, r *http.Request, u *store.User) error {
	name := u.Email
	if name == "" {
		name = u.Username
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: mfaIssuer, AccountName: name})
	if err != nil {
		return err
	}
	svg, err := qrSVG(key.URL())
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
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
		return tx.Audit().Add(ctx, s.event(r, u.ID, "mfa.setup", ""))
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, MFASetupResponse{success, MFASetup{Secret: key.Secret(), OTPAuth: key.URL(), QRCode: svg}})
}

// mfaConfirm turns MFA on when the secret is the pending one and the code
// is a current TOTP code of it (scratch codes do not count here).
func (s *Server) mfaConfirm(w http.ResponseWriter, r *http.Request, req MFARequest) error {
	if strings.TrimSpace(req.Token) == "" {
		return apierr.MFATokenMissing
	}
	secret := strings.ToUpper(strings.TrimSpace(req.Secret))
	if secret == "" {
		return apierr.InvalidMFASetting
	}
	c := caller(r)
	ctx := r.Context()
	var u *store.User
	var codes []string
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
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
		ok, err := s.verifyMFA(ctx, u, req.Token)
		if err != nil {
			return err
		}
		if !ok {
			return apierr.MFATokenInvalid
		}
		var hashes []string
		codes, hashes = s.newScratchCodes()
		u.MFAScratch = hashes
		u.MFAEnabled = true
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, u.ID, "mfa.enabled", ""))
	})
	if errors.Is(err, apierr.MFATokenInvalid) {
		s.audit(r, c.UserID, "mfa.failed", "enable")
	}
	if err != nil {
		return err
	}
	s.mfaNotice(ctx, u, true)
	return encode(w, http.StatusOK, MFAEnabledResponse{success, asAccount(u), codes})
}

// mfaDisable turns MFA off. It needs the password (401 when wrong) and a
// code (403 when wrong); failures count against the sign-in throttles, so
// a stolen token cannot be used to guess the password here.
func (s *Server) mfaDisable(w http.ResponseWriter, r *http.Request, u *store.User, req MFARequest) error {
	if !u.MFAEnabled {
		return apierr.InvalidMFASetting
	}
	if req.Password == "" {
		return apierr.PasswordMissing
	}
	if strings.TrimSpace(req.Token) == "" {
		return apierr.MFATokenMissing
	}
	ctx := r.Context()
	now := s.Now()
	ip := s.clientIP(r)
	account := "user:" + itoa(u.ID)
	if blocked, d := s.signinFailsAddress.Blocked(ip, now); blocked {
		return apierr.TooManyRequests.Retry(d)
	}
	if blocked, d := s.signinFailsAccount.Blocked(account, now); blocked {
		return apierr.TooManyRequests.Retry(d)
	}
	fail := func(detail string, answer error) error {
		s.signinFailsAddress.Add(ip, now)
		s.signinFailsAccount.Add(account, now)
		s.audit(r, u.ID, "mfa.failed", detail)
		return answer
	}
	if u.Password == "" {
		// No password to prove: fail closed (set a password first).
		if err := s.Hasher.Dummy(ctx, req.Password); err != nil {
			return err
		}
		return fail("disable: password", apierr.AuthenticationFailed)
	}
	ok, _, err := s.Hasher.Verify(ctx, req.Password, u.Password)
	if err != nil && !ok && (ctx.Err() != nil || isBusy(err)) {
		return err
	}
	if !ok {
		return fail("disable: password", apierr.AuthenticationFailed)
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.Users().Lock(ctx, u.ID); err != nil {
			return err
		}
		if !u.MFAEnabled {
			return apierr.InvalidMFASetting
		}
		ok, err := s.verifyMFA(ctx, u, req.Token)
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
		return tx.Audit().Add(ctx, s.event(r, u.ID, "mfa.disabled", ""))
	})
	if errors.Is(err, apierr.MFATokenInvalid) {
		return fail("disable: code", err)
	}
	if err != nil {
		return err
	}
	s.mfaNotice(ctx, u, false)
	return encode(w, http.StatusOK, AccountResponse{success, asAccount(u)})
}

// mfaNotice tells the account's address that MFA was turned on or off.
func (s *Server) mfaNotice(ctx context.Context, u *store.User, enabled bool) {
	s.sendMail(ctx, false, bmail.KindMFAChanged, u.Language, u.Email, bmail.Data{Username: u.Username, Enabled: enabled})
}

// newScratchCodes makes the single-use recovery codes and their stored
// keyed hashes (the form verifyMFA compares against).
func (s *Server) newScratchCodes() (codes, hashes []string) {
	v := s.DB.Vault()
	for range mfaScratchCount {
		code := vault.Token(mfaScratchLength)
		codes = append(codes, code)
		hashes = append(hashes, v.Check("scratch:"+code))
	}
	return codes, hashes
}

// qrSVG renders content as a QR code (error correction M) in an SVG
// document: one path of unit squares on a white square with the standard
// four-module quiet zone, scaled by the viewBox.
func qrSVG(content string) (string, error) {
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
