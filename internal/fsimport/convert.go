package fsimport

import (
	"encoding/json"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"bobbin/internal/auth"
	"bobbin/internal/measure"
)

// conv turns upstream rows into records. Fields it cannot keep are counted
// (fields), never dropped silently; a row it cannot import at all comes
// back with the reason.
type conv struct {
	c      *Cipher
	now    int64
	fields map[string]int // "sets.measies.<name>" -> rows whose value was left out
	images imageCount
	capped int // API keys whose level was lowered to the owner's role
}

type imageCount struct{ Cloudflare, Other int }

// undecryptable is a row skip reason.
func undecryptable(table, col string) string { return "undecryptable field " + table + "." + col }

// field is a text column of a row and where its value goes.
type field struct {
	col string
	dst *string
}

// texts reads the text fields of a row of table (cv.text); the first one
// that does not open answers why the row is refused.
func (cv *conv) texts(r row, table string, fields ...field) (why string) {
	for _, f := range fields {
		v, ok := cv.text(r, f.col)
		if !ok {
			return undecryptable(table, f.col)
		}
		*f.dst = v
	}
	return ""
}

// objectField reads the JSON object column col of a row of table
// (cv.object), counting a value that is not an object; a column that
// does not open answers why the row is refused.
func (cv *conv) objectField(r row, table, col string) (m map[string]json.RawMessage, why string) {
	m, isObj, ok := cv.object(r, col)
	if !ok {
		return nil, undecryptable(table, col)
	}
	if !isObj {
		cv.fields[table+"."+col]++
	}
	return m, ""
}

// text reads a string field: decrypted when it has upstream's {iv, ct}
// shape, as stored otherwise (upstream leaves defaults such as ” and
// NULL in clear).
func (cv *conv) text(r row, col string) (string, bool) {
	v := r.str(col)
	if v == "" || !LooksEncrypted(v) {
		return v, true
	}
	raw, err := cv.c.Decrypt(v)
	if err != nil {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	if string(raw) == "null" {
		return "", true
	}
	return string(raw), true // a number or object stored in a text field: its JSON text
}

// object reads a JSON-object field (encrypted or clear). ok is false when
// it does not decrypt; isObj is false when it holds something else than an
// object (or null), which the caller counts as a field left out.
func (cv *conv) object(r row, col string) (m map[string]json.RawMessage, isObj, ok bool) {
	v := strings.TrimSpace(r.str(col))
	if v == "" {
		return nil, true, true
	}
	raw := json.RawMessage(v)
	if LooksEncrypted(v) {
		var err error
		if raw, err = cv.c.Decrypt(v); err != nil {
			return nil, false, false
		}
	}
	if string(raw) == "null" {
		return nil, true, true
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false, true
	}
	return m, true, true
}

func anyMap(m map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		var x any
		if json.Unmarshal(v, &x) == nil {
			out[k] = x
		}
	}
	return out
}

// measies keeps the known measurement names with positive finite numbers
// and counts the others under prefix.<name>.
func (cv *conv) measies(m map[string]json.RawMessage, prefix string) map[string]float64 {
	out := make(map[string]float64, len(m))
	for name, raw := range m {
		var f float64
		s := strings.TrimSpace(string(raw))
		if measure.Known(name) && s != "" && s[0] != '"' && json.Unmarshal(raw, &f) == nil && f > 0 && !math.IsInf(f, 0) {
			out[name] = f
			continue
		}
		cv.fields[prefix+"."+name]++
	}
	return out
}

// image notes where an image URL points: Cloudflare Images (upstream's
// image host) or elsewhere. Both are kept as the URLs they are.
func (cv *conv) image(u string) string {
	if u == "" {
		return ""
	}
	if p, err := url.Parse(u); err == nil && (p.Host == "imagedelivery.net" || strings.HasSuffix(p.Host, ".imagedelivery.net")) {
		cv.images.Cloudflare++
	} else {
		cv.images.Other++
	}
	return u
}

func (cv *conv) created(r row) (int64, int64) {
	c := r.time("createdAt")
	if c == 0 {
		c = cv.now
	}
	u := r.time("updatedAt")
	if u == 0 {
		u = c
	}
	return c, u
}

func (cv *conv) user(r row) (*User, string) {
	u := &User{ID: r.int("id"), Username: r.str("username"), Consent: int(r.int("consent")), Control: int(r.int("control")),
		Status: int(r.int("status")), Patron: int(r.int("patron")), Compare: r.bool("compare"), Imperial: r.bool("imperial"),
		Newsletter: r.bool("newsletter"), MFA: r.bool("mfaEnabled"), Language: r.str("language"), Role: r.str("role"),
		Password: r.str("password"), JWTCalls: r.int("jwtCalls"), KeyCalls: r.int("keyCalls")}
	u.CreatedAt, u.UpdatedAt = cv.created(r)
	u.LastSeen = r.time("lastSeen")
	if u.LastSeen == 0 {
		u.LastSeen = r.time("lastSignIn")
	}
	if u.ID <= 0 {
		return nil, "id is not a positive number"
	}
	if strings.TrimSpace(u.Username) == "" {
		return nil, "empty username"
	}
	if !auth.Role(u.Role).Valid() {
		return nil, "unknown role " + strconv.Quote(u.Role)
	}
	if u.Language == "" {
		u.Language = "en"
	}
	if why := cv.texts(r, "users", field{"email", &u.Email}, field{"initial", &u.Initial}, field{"bio", &u.Bio},
		field{"mfaSecret", &u.MFASecret}, field{"img", &u.Img}); why != "" {
		return nil, why
	}
	if strings.TrimSpace(u.Email) == "" {
		return nil, "empty email"
	}
	// A password in neither of upstream's forms is kept (it may be one of
	// Bobbin's) but cannot be checked: counted, the person resets it.
	var ph struct{ Type string }
	if u.Password != "" && !strings.HasPrefix(u.Password, "$argon2id$") &&
		(json.Unmarshal([]byte(u.Password), &ph) != nil || (ph.Type != "v2" && ph.Type != "v3")) {
		cv.fields["users.password"]++
	}
	u.Img = cv.image(u.Img)
	data, isObj, ok := cv.object(r, "data")
	if !ok {
		return nil, undecryptable("users", "data")
	}
	if !isObj {
		cv.fields["users.data"]++
	}
	u.Data = anyMap(data)
	if gh, ok := cv.text(r, "github"); !ok {
		return nil, undecryptable("users", "github")
	} else if gh != "" { // older upstream: a column of its own
		u.Data["github"] = gh
	}
	return u, ""
}

func (cv *conv) key(r row) (*Key, string) {
	k := &Key{ID: r.str("id"), UserID: r.int("userId"), Name: r.str("name"), Level: int(r.int("level")),
		LegacySecret: r.str("secret"), ExpiresAt: r.time("expiresAt"), LastSeen: r.time("lastSeen"), Calls: r.int("calls")}
	k.CreatedAt, _ = cv.created(r)
	if !auth.ValidKeyID(k.ID) {
		return nil, "key id is not a lower-case UUID"
	}
	var lh struct{ Type, Hash, Salt string }
	if json.Unmarshal([]byte(k.LegacySecret), &lh) != nil || lh.Type != "v3" || lh.Hash == "" || lh.Salt == "" {
		return nil, "secret is not stored in upstream's v3 form"
	}
	if k.Level < 0 || k.Level > int(auth.Admin) {
		return nil, "level out of range"
	}
	if name, ok := cv.text(r, "name"); ok {
		k.Name = name
	} else {
		return nil, undecryptable("apikeys", "name")
	}
	if max := max(0, int(auth.Role(r.str("__ownerRole")).Level())); k.Level > max {
		k.Level = max
		cv.capped++
	}
	return k, ""
}

func (cv *conv) set(r row) (*Set, string) {
	s := &Set{ID: r.int("id"), UserID: r.int("userId"), Public: r.bool("public"), Imperial: r.bool("imperial")}
	s.CreatedAt, s.UpdatedAt = cv.created(r)
	if why := cv.texts(r, "sets", field{"name", &s.Name}, field{"notes", &s.Notes}, field{"img", &s.Img}); why != "" {
		return nil, why
	}
	s.Img = cv.image(s.Img)
	m, why := cv.objectField(r, "sets", "measies")
	if why != "" {
		return nil, why
	}
	s.Measies = cv.measies(m, "sets.measies")
	return s, ""
}

func (cv *conv) pattern(r row) (*Pattern, string) {
	p := &Pattern{ID: r.int("id"), UserID: r.int("userId"), Design: r.str("design"), Public: r.bool("public")}
	p.CreatedAt, p.UpdatedAt = cv.created(r)
	if why := cv.texts(r, "patterns", field{"name", &p.Name}, field{"notes", &p.Notes}, field{"img", &p.Img}); why != "" {
		return nil, why
	}
	p.Img = cv.image(p.Img)
	for _, f := range []struct {
		col string
		dst *map[string]any
	}{{"settings", &p.Settings}, {"data", &p.Data}} {
		m, why := cv.objectField(r, "patterns", f.col)
		if why != "" {
			return nil, why
		}
		*f.dst = anyMap(m)
	}
	// Bobbin's patterns do not link to a set: the measurements they were
	// drafted for are in their settings.
	for _, c := range []string{"setId", "csetId"} {
		if r[c] != nil {
			cv.fields["patterns."+c]++
		}
	}
	return p, ""
}

func (cv *conv) bookmark(r row) (*Bookmark, string) {
	b := &Bookmark{ID: r.int("id"), UserID: r.int("userId"), Type: r.str("type"), Title: r.str("title"), URL: r.str("url")}
	b.CreatedAt, b.UpdatedAt = cv.created(r)
	return b, ""
}

func (cv *conv) subscriber(r row) (*Subscriber, string) {
	s := &Subscriber{ID: r.str("id"), Language: r.str("language"), Active: r.bool("active")}
	s.CreatedAt, s.UpdatedAt = cv.created(r)
	if s.Language == "" {
		s.Language = "en"
	}
	var ok bool
	if s.Email, ok = cv.text(r, "email"); !ok {
		return nil, undecryptable("subscribers", "email")
	}
	if strings.TrimSpace(s.Email) == "" {
		return nil, "empty email"
	}
	return s, ""
}

// upstreamLangs are the suffixes of upstream's per-language columns, in
// Bobbin's order (de, en, es, fr, nl, uk).
var upstreamLangs = [6]string{"De", "En", "Es", "Fr", "Nl", "Uk"}

// tags reads upstream's per-language tag columns (JSON arrays, or objects
// of strings) in Bobbin's language order, trimmed, without empty or
// repeated tags; a column that is neither counts as a dropped field.
func (cv *conv) tags(r row, table string) [6][]string {
	var out [6][]string
	for i, l := range upstreamLangs {
		out[i] = []string{}
		v := strings.TrimSpace(r.str("tags" + l))
		if v == "" || v == "{}" || v == "[]" {
			continue
		}
		var list []string
		if json.Unmarshal([]byte(v), &list) != nil {
			var m map[string]string
			if json.Unmarshal([]byte(v), &m) != nil {
				cv.fields[table+".tags"+l]++
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				list = append(list, m[k])
			}
		}
		for _, t := range list {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(out[i], t) {
				out[i] = append(out[i], t)
			}
		}
	}
	return out
}

func (cv *conv) curatedSet(r row, cols map[string]bool) (*CuratedSet, string) {
	c := &CuratedSet{ID: r.int("id"), Height: r.int("height"), Info: r.str("info"), Published: true}
	c.CreatedAt, c.UpdatedAt = cv.created(r)
	if cols["published"] {
		c.Published = r.bool("published")
	}
	for i, l := range upstreamLangs {
		c.Name[i], c.Notes[i] = r.str("name"+l), r.str("notes"+l)
	}
	c.Tags = cv.tags(r, "curated_sets")
	img, ok := cv.text(r, "img")
	if !ok {
		return nil, undecryptable("curated_sets", "img")
	}
	c.Img = cv.image(img)
	m, isObj, ok := cv.object(r, "measies")
	if !ok {
		return nil, undecryptable("curated_sets", "measies")
	}
	if !isObj {
		cv.fields["curated_sets.measies"]++
	}
	c.Measies = cv.measies(m, "curated_sets.measies")
	return c, ""
}

func (cv *conv) optionPack(r row) (*OptionPack, string) {
	p := &OptionPack{ID: r.int("id"), Design: r.str("design"), Info: r.str("info")}
	p.CreatedAt, p.UpdatedAt = cv.created(r)
	for i, l := range upstreamLangs {
		p.Name[i], p.Notes[i] = r.str("name"+l), r.str("notes"+l)
	}
	p.Tags = cv.tags(r, "option_packs")
	img, ok := cv.text(r, "img")
	if !ok {
		return nil, undecryptable("option_packs", "img")
	}
	p.Img = cv.image(img)
	m, isObj, ok := cv.object(r, "options")
	if !ok {
		return nil, undecryptable("option_packs", "options")
	}
	if !isObj {
		cv.fields["option_packs.options"]++
	}
	p.Options = anyMap(m)
	return p, ""
}
