package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
// Cookies"): after a successful sign-in the browser gets a cookie that
// names the account and is signed by the server. A later sign-in attempt
// that carries a valid one for the account it names is "known": it is
// limited per (account, device), not by the per-account limit that
// strangers' failures fill, so an attacker cannot lock the owner out of
// their own browser.
//
// Format. The cookie is named DeviceCookiePrefix + the user's numeric id
// (one per account a browser signs in to), and its value is
//
//	base64url(payload) "." base64url(HMAC-SHA256(key, "bobbin-device-v1." + base64url(payload)))
//
// where payload is 33 bytes: version (1), user id (8, big-endian), issued
// at (8, Unix seconds, big-endian), nonce (16 random bytes). base64url is
// without padding. The key is derived (HKDF-SHA256) from the server's
// secret key, so every replica verifies every cookie. The nonce names the
// device for its own limit; the cookie holds nothing personal beyond the
// user id, which the cookie's name shows anyway.
//
// A cookie is valid when the MAC matches (compared in constant time), the
// version is 1, the user id is the account being signed in to, it was
// issued no later than a minute ahead of the server's clock and no longer
// than MaxAge ago. Anything else is as if there were no cookie: the
// attempt is simply unknown, never refused because of the cookie.
const (
	DeviceCookiePrefix = "bobbin_device_"
	deviceVersion      = 1
	devicePayload      = 1 + 8 + 8 + 16
	deviceValueMax     = 128 // the real value is 88 characters
	deviceMAC          = "bobbin-device-v1."
)

// DefaultDeviceMaxAge is how long a device cookie is honoured (and its
// Max-Age): a browser that signs in again gets a fresh one.
const DefaultDeviceMaxAge = 180 * 24 * time.Hour

// DeviceCookies issues and verifies device cookies.
type DeviceCookies struct {
	key    []byte
	MaxAge time.Duration
	// Secure sets the cookie's Secure attribute (production: served over
	// TLS, see auth.md "Transport").
	Secure bool
}

// NewDeviceCookies derives the cookie key from the server's secret key
// (vault.SecretKey).
func NewDeviceCookies(serverKey []byte) (*DeviceCookies, error) {
	if len(serverKey) < 32 {
		return nil, errors.New("auth: device cookie key shorter than 32 bytes")
	}
	k, err := hkdf.Key(sha256.New, serverKey, nil, "bobbin device cookie", 32)
	if err != nil {
		return nil, err
	}
	return &DeviceCookies{key: k, MaxAge: DefaultDeviceMaxAge, Secure: true}, nil
}

// CookieName is the device cookie's name for a user.
func CookieName(userID int64) string { return DeviceCookiePrefix + strconv.FormatInt(userID, 10) }

func (d *DeviceCookies) mac(p string) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(deviceMAC))
	m.Write([]byte(p))
	return m.Sum(nil)
}

// Issue makes a fresh cookie for userID, to set on a successful sign-in.
func (d *DeviceCookies) Issue(userID int64, now time.Time) (*http.Cookie, error) {
	var p [devicePayload]byte
	p[0] = deviceVersion
	binary.BigEndian.PutUint64(p[1:9], uint64(userID))
	binary.BigEndian.PutUint64(p[9:17], uint64(now.Unix()))
	if _, err := rand.Read(p[17:]); err != nil {
		return nil, err
	}
	payload := base64.RawURLEncoding.EncodeToString(p[:])
	value := payload + "." + base64.RawURLEncoding.EncodeToString(d.mac(payload))
	return &http.Cookie{
		Name: CookieName(userID), Value: value, Path: "/", MaxAge: int(d.MaxAge / time.Second),
		HttpOnly: true, Secure: d.Secure, SameSite: http.SameSiteStrictMode,
	}, nil
}

// Verify finds the device cookie for userID in r and, when it is valid,
// answers its nonce (for throttle.Attempt.Device).
func (d *DeviceCookies) Verify(r *http.Request, userID int64, now time.Time) (nonce string, ok bool) {
	if userID <= 0 {
		return "", false
	}
	c, err := r.Cookie(CookieName(userID))
	if err != nil {
		return "", false
	}
	return d.VerifyValue(c.Value, userID, now)
}

// VerifyValue checks one cookie value for userID.
func (d *DeviceCookies) VerifyValue(value string, userID int64, now time.Time) (nonce string, ok bool) {
	if len(value) > deviceValueMax {
		return "", false
	}
	payload, sig, found := strings.Cut(value, ".")
	if !found {
		return "", false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, d.mac(payload)) {
		return "", false
	}
	p, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil || len(p) != devicePayload || p[0] != deviceVersion {
		return "", false
	}
	if int64(binary.BigEndian.Uint64(p[1:9])) != userID {
		return "", false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(p[9:17])), 0)
	if issued.After(now.Add(time.Minute)) || now.Sub(issued) > d.MaxAge {
		return "", false
	}
	return hex.EncodeToString(p[17:]), true
}
