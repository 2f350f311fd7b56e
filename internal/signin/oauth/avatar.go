package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"bobbin/internal/images"
)

// Avatars fetches a new person's avatar from the URL the provider gave,
// once, at sign-up: https only, at most images.MaxBytes, within Timeout,
// never from a private, loopback or link-local address (the URL comes
// from a provider's profile, which its user may edit). The bytes then go
// through the image checks (images.Service.Accept). Any failure means the
// default avatar.
type Avatars struct {
	client *http.Client
	// Local allows http:// and loopback addresses: test mode only, for
	// providers started inside tests.
	Local bool
}

// AvatarTimeout bounds the whole fetch.
const AvatarTimeout = 5 * time.Second

// NewAvatars builds the fetcher.
func NewAvatars(local bool) *Avatars {
	a := &Avatars{Local: local}
	dialer := &net.Dialer{Timeout: AvatarTimeout, Control: a.control}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: AvatarTimeout,
		ResponseHeaderTimeout: AvatarTimeout, MaxIdleConns: 2, IdleConnTimeout: 30 * time.Second}
	a.client = &http.Client{Transport: tr, Timeout: AvatarTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			return a.allowedURL(req.URL)
		}}
	return a
}

var errAddress = errors.New("avatar: address not allowed")

// control refuses connections to addresses inside the network, whatever
// name resolved to them.
func (a *Avatars) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return errAddress
	}
	ip := ap.Addr().Unmap()
	if a.Local && ip.IsLoopback() {
		return nil
	}
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return errAddress
	}
	return nil
}

func (a *Avatars) allowedURL(u *url.URL) error {
	if u.Scheme == "https" || (a.Local && u.Scheme == "http") {
		return nil
	}
	return errors.New("avatar: scheme not allowed")
}

// Fetch answers the avatar as a data: URI for images.Service.Accept, or
// "" (the default avatar) when there is none or it cannot be had.
func (a *Avatars) Fetch(ctx context.Context, raw string) string {
	if a == nil || raw == "" || len(raw) > 2048 {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || a.allowedURL(u) != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, AvatarTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return ""
	}
	res, err := a.client.Do(req)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return ""
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, images.MaxBytes+1))
	if err != nil || len(data) > images.MaxBytes {
		return ""
	}
	ct := images.Sniff(data)
	if ct == "" {
		return ""
	}
	return "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data)
}
