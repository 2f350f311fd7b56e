package httpx

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr is the address a request came from: the socket peer, or,
// when the peer is a trusted proxy, the last address in X-Forwarded-For
// that is not itself a trusted proxy (the nearest hop no trusted proxy
// vouches for). ok is false when RemoteAddr is not an address.
func ClientAddr(r *http.Request, trusted []netip.Prefix) (addr netip.Addr, ok bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	addr = peer.Addr().Unmap()
	if !Trusted(addr, trusted) {
		return addr, true
	}
	xff := r.Header.Values("X-Forwarded-For")
	var hops []string
	for _, v := range xff {
		hops = append(hops, splitComma(v)...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		a = a.Unmap()
		if !Trusted(a, trusted) {
			return a, true
		}
		addr = a
	}
	return addr, true
}

// Trusted reports whether a is in one of the prefixes.
func Trusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// splitComma is a header list's items, each trimmed of spaces and tabs,
// empty ones left out.
func splitComma(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.Trim(part, " \t"); part != "" {
			out = append(out, part)
		}
	}
	return out
}
