package userdata

import (
	"net/http"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
)

// Who may do what with a set or a pattern. Bookmarks are own only (see
// bookmarks.go).
//
//   - read: the owner, or level 6 (bughunter) and above;
//   - change or delete: the owner, or level 8 (support) and above;
//   - clone: anyone when the object is public, else as change;
//   - the public .json/.yaml document: public objects only, for anyone;
//     every other case is the same 404, so it tells nothing.
const (
	ReadLevel   = auth.Bughunter
	ChangeLevel = auth.Support
)

// MayRead says whether c may read an object of owner.
func MayRead(c *httpx.Caller, owner int64) error { return httpx.MayAccess(c, owner, ReadLevel) }

// MayChange says whether c may change or delete an object of owner.
func MayChange(c *httpx.Caller, owner int64) error { return httpx.MayAccess(c, owner, ChangeLevel) }

// MayClone says whether c may copy an object of owner into their account.
func MayClone(c *httpx.Caller, owner int64, public bool) error {
	if public {
		return nil
	}
	return MayChange(c, owner)
}

// Published says whether an object's public document may be served.
func Published(public bool) error {
	if !public {
		return apierr.NotFound
	}
	return nil
}

// IDFirst makes h check the {id} path value before it decodes its body,
// as these routes always have: a bad id is 404 whatever the body holds.
func IDFirst(h httpx.Handler) httpx.Handler {
	inner := h
	out := httpx.Raw(h.Status, h.Resp, func(w http.ResponseWriter, r *http.Request) error {
		if _, err := httpx.PathID(r, "id"); err != nil {
			return err
		}
		return inner.Serve(w, r)
	})
	out.Req = h.Req
	return out
}
