package userdata

import (
	"slices"

	"bobbin/internal/httpx"
)

// The set answers are written without reflection (httpx.Appender): a set
// read or a list of sets is on the hot path, and encoding/json would
// reflect over every field and then validate and compact the stored
// measies once per set, and the set's own MarshalJSON output once more.
// The bytes are json.Marshal's of the plain struct, HTML escaping
// included (TestSetEncoderMatchesMarshal, FuzzSetEncoder).

// MarshalJSON writes the set as AppendJSON does (for answers that embed
// sets and go through encoding/json).
func (s Set) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil) }

// AppendJSON appends the set object. The stored measies JSON (canonical:
// written by json.Marshal of the map, authenticated by its encryption) is
// copied verbatim when the set has it; otherwise the map is written with
// its keys sorted, as encoding/json writes a map.
func (s Set) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = httpx.AppendInt(b, s.ID)
	b = append(b, `,"userId":`...)
	b = httpx.AppendInt(b, s.UserID)
	b = append(b, `,"name":`...)
	b = httpx.AppendString(b, s.Name)
	b = append(b, `,"notes":`...)
	b = httpx.AppendString(b, s.Notes)
	b = append(b, `,"public":`...)
	b = httpx.AppendBool(b, s.Public)
	b = append(b, `,"imperial":`...)
	b = httpx.AppendBool(b, s.Imperial)
	b = append(b, `,"measies":`...)
	switch {
	case s.raw != nil:
		b = append(b, s.raw...)
	case s.Measies == nil:
		b = append(b, "null"...)
	default:
		var err error
		if b, err = appendMeasies(b, s.Measies); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"img":`...)
	b = httpx.AppendString(b, s.Img)
	b = append(b, `,"createdAt":`...)
	b = s.CreatedAt.AppendTo(b)
	b = append(b, `,"updatedAt":`...)
	b = s.UpdatedAt.AppendTo(b)
	return append(b, '}'), nil
}

// appendMeasies writes a measies map as json.Marshal does: keys sorted.
func appendMeasies(b []byte, m map[string]float64) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = httpx.AppendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = httpx.AppendFloat(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// AppendJSON appends {"result":...,"set":{...}}.
func (r SetResponse) AppendJSON(b []byte) ([]byte, error) {
	b = httpx.AppendResult(b, r.Result)
	b = append(b, `,"set":`...)
	b, err := r.Set.AppendJSON(b)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// AppendJSON appends {"result":...,"sets":[...]}.
func (r SetsResponse) AppendJSON(b []byte) ([]byte, error) {
	b = httpx.AppendResult(b, r.Result)
	b = append(b, `,"sets":`...)
	if r.Sets == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	for i := range r.Sets {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = r.Sets[i].AppendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}
