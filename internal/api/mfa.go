package api

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"bobbin/internal/store"
)

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// verifyMFA checks a TOTP code (RFC 6238, one step of skew, each step
// accepted once) or a single-use scratch code. It updates u (last step used,
// remaining scratch codes); the caller saves u in its write transaction.
func (s *Server) verifyMFA(ctx context.Context, u *store.User, code string) (bool, error) {
	code = strings.TrimSpace(code)
	if u.MFASecret == "" || code == "" {
		return false, nil
	}
	if len(code) == 6 {
		now := s.Now()
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
	h := s.DB.Vault().Check("scratch:" + strings.ToLower(code))
	for i, stored := range u.MFAScratch {
		if subtle.ConstantTimeCompare([]byte(h), []byte(stored)) == 1 {
			u.MFAScratch = append(u.MFAScratch[:i:i], u.MFAScratch[i+1:]...)
			return true, nil
		}
	}
	return false, nil
}
