package identity

import (
	"encoding/json"

	"bobbin/internal/httpx"
)

// The account answers (GET /whoami/jwt, GET /account) are written without
// reflection (httpx.Appender): they are the most frequent authenticated
// reads, and encoding/json would reflect over the thirty fields and then
// validate and compact each stamp's MarshalJSON output once more. The
// bytes are json.Marshal's of the same types (which have no MarshalJSON of
// their own, so json.Marshal still reflects over them): HTML escaping
// included (TestAccountEncoderMatchesMarshal, FuzzAccountEncoder). The
// free-form data object goes through json.Marshal, as it did inside the
// answer; an empty one, the common case, is written as {} directly.

// AppendJSON appends the account object.
func (a *Account) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = httpx.AppendInt(b, a.ID)
	b = append(b, `,"username":`...)
	b = httpx.AppendString(b, a.Username)
	b = append(b, `,"lusername":`...)
	b = httpx.AppendString(b, a.LUsername)
	b = append(b, `,"email":`...)
	b = httpx.AppendString(b, a.Email)
	b = append(b, `,"bio":`...)
	b = httpx.AppendString(b, a.Bio)
	b = append(b, `,"consent":`...)
	b = httpx.AppendInt(b, int64(a.Consent))
	b = append(b, `,"control":`...)
	b = httpx.AppendInt(b, int64(a.Control))
	b = append(b, `,"compare":`...)
	b = httpx.AppendBool(b, a.Compare)
	b = append(b, `,"imperial":`...)
	b = httpx.AppendBool(b, a.Imperial)
	b = append(b, `,"newsletter":`...)
	b = httpx.AppendBool(b, a.Newsletter)
	b = append(b, `,"language":`...)
	b = httpx.AppendString(b, a.Language)
	b = append(b, `,"role":`...)
	b = httpx.AppendString(b, a.Role)
	b = append(b, `,"status":`...)
	b = httpx.AppendInt(b, int64(a.Status))
	b = append(b, `,"patron":`...)
	b = httpx.AppendInt(b, int64(a.Patron))
	b = append(b, `,"mfaEnabled":`...)
	b = httpx.AppendBool(b, a.MFAEnabled)
	b = append(b, `,"img":`...)
	b = httpx.AppendString(b, a.Img)
	b = append(b, `,"ihash":`...)
	b = httpx.AppendString(b, a.IHash)
	b = append(b, `,"initial":`...)
	b = httpx.AppendString(b, a.Initial)
	b = append(b, `,"github":`...)
	b = httpx.AppendString(b, a.GitHub)
	b = append(b, `,"passwordType":`...)
	if a.PassType == nil {
		b = append(b, "null"...)
	} else {
		b = httpx.AppendString(b, *a.PassType)
	}
	b = append(b, `,"data":`...)
	switch {
	case a.Data == nil:
		b = append(b, "null"...)
	case len(a.Data) == 0:
		b = append(b, "{}"...)
	default:
		d, err := json.Marshal(a.Data)
		if err != nil {
			return nil, err
		}
		b = append(b, d...)
	}
	b = append(b, `,"jwtCalls":`...)
	b = httpx.AppendInt(b, a.JWTCalls)
	b = append(b, `,"keyCalls":`...)
	b = httpx.AppendInt(b, a.KeyCalls)
	b = append(b, `,"lastSeen":`...)
	b = a.LastSeen.AppendTo(b)
	b = append(b, `,"createdAt":`...)
	b = a.CreatedAt.AppendTo(b)
	b = append(b, `,"updatedAt":`...)
	b = a.UpdatedAt.AppendTo(b)
	if a.Providers != nil {
		b = append(b, `,"providers":`...)
		b = appendProviders(b, *a.Providers)
	}
	if a.Passkeys != nil {
		b = append(b, `,"passkeys":`...)
		b = httpx.AppendInt(b, int64(*a.Passkeys))
	}
	return append(b, '}'), nil
}

// appendProviders writes the linked providers as encoding/json writes the
// slice: null when nil, [] when empty.
func appendProviders(b []byte, list []LinkedProvider) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"provider":`...)
		b = httpx.AppendString(b, p.Provider)
		b = append(b, `,"email":`...)
		b = httpx.AppendString(b, p.Email)
		b = append(b, `,"createdAt":`...)
		b = p.CreatedAt.AppendTo(b)
		b = append(b, `,"lastUsedAt":`...)
		b = p.LastUsedAt.AppendTo(b)
		b = append(b, '}')
	}
	return append(b, ']')
}

// AppendJSON appends {"result":...,"account":{...}}.
func (r AccountResponse) AppendJSON(b []byte) ([]byte, error) {
	return httpx.AppendEnvelope(b, r.Result, "account", r.Account.AppendJSON)
}

// AppendJSON appends {"result":"error","error":...,"account":{...}}.
func (r WhoamiProblem) AppendJSON(b []byte) ([]byte, error) {
	return httpx.AppendEnvelope(b, httpx.Result{Result: r.Result}, "error", func(b []byte) ([]byte, error) {
		b = httpx.AppendString(b, r.Error)
		b = append(b, `,"account":`...)
		return r.Account.AppendJSON(b)
	})
}
