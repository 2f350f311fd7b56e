package apikey

import "bobbin/internal/httpx"

// The key answer (GET /whoami/key on every scripted call, GET /apikeys/{id},
// POST /apikeys) is written without reflection (httpx.Appender), with the
// bytes json.Marshal writes for the same types, HTML escaping included
// (TestKeyEncoderMatchesMarshal).

// appendTo appends the apikey object; the secret only when it is set
// (omitempty).
func (k *APIKey) appendTo(b []byte) ([]byte, error) {
	b = append(b, `{"key":`...)
	b = httpx.AppendString(b, k.Key)
	if k.Secret != "" {
		b = append(b, `,"secret":`...)
		b = httpx.AppendString(b, k.Secret)
	}
	b = append(b, `,"name":`...)
	b = httpx.AppendString(b, k.Name)
	b = append(b, `,"level":`...)
	b = httpx.AppendInt(b, int64(k.Level))
	b = append(b, `,"expiresAt":`...)
	b = k.ExpiresAt.AppendTo(b)
	b = append(b, `,"createdAt":`...)
	b = k.CreatedAt.AppendTo(b)
	b = append(b, `,"userId":`...)
	b = httpx.AppendInt(b, k.UserID)
	b = append(b, `,"lastSeen":`...)
	b = k.LastSeen.AppendTo(b)
	b = append(b, `,"calls":`...)
	b = httpx.AppendInt(b, k.Calls)
	return append(b, '}'), nil
}

// AppendJSON appends {"result":...,"apikey":{...}}.
func (r APIKeyResponse) AppendJSON(b []byte) ([]byte, error) {
	return httpx.AppendEnvelope(b, r.Result, "apikey", r.APIKey.appendTo)
}
