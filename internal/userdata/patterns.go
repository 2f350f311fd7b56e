package userdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Limits of pattern fields.
const (
	maxDesign     = 128     // characters
	maxObjectJSON = 1 << 20 // bytes of settings, and of data
)

// Pattern is the pattern object of api.md.
type Pattern struct {
	ID        int64          `json:"id"`
	UserID    int64          `json:"userId"`
	Design    string         `json:"design"`
	Name      string         `json:"name"`
	Notes     string         `json:"notes"`
	Public    bool           `json:"public"`
	Settings  map[string]any `json:"settings"`
	Data      map[string]any `json:"data"`
	Img       string         `json:"img"`
	SetID     *int64         `json:"setId"`  // the set it was made for, or null
	CsetID    *int64         `json:"csetId"` // the curated set it was made for, or null
	Set       *PatternSet    `json:"set"`    // that set, when the reader may read it
	Cset      any            `json:"cset"`   // that curated set, when published
	CreatedAt httpx.Stamp    `json:"createdAt"`
	UpdatedAt httpx.Stamp    `json:"updatedAt"`
}

// PatternSet is the set a pattern names, as upstream includes it: the set
// object, without its measies in lists.
type PatternSet struct {
	ID        int64               `json:"id"`
	UserID    int64               `json:"userId"`
	Name      string              `json:"name"`
	Notes     string              `json:"notes"`
	Public    bool                `json:"public"`
	Imperial  bool                `json:"imperial"`
	Measies   *map[string]float64 `json:"measies,omitempty"`
	Img       string              `json:"img"`
	CreatedAt httpx.Stamp         `json:"createdAt"`
	UpdatedAt httpx.Stamp         `json:"updatedAt"`
}

// AsPatternSet is the set object inside a pattern; measies when withMeasies.
func AsPatternSet(s *store.Set, withMeasies bool) *PatternSet {
	a := AsSet(s)
	out := &PatternSet{ID: a.ID, UserID: a.UserID, Name: a.Name, Notes: a.Notes, Public: a.Public,
		Imperial: a.Imperial, Img: a.Img, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	if withMeasies {
		out.Measies = &a.Measies
	}
	return out
}

func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// AsPattern is the answer object of a stored (opened) pattern.
func AsPattern(p *store.Pattern) Pattern {
	settings, data := p.Settings, p.Data
	if settings == nil {
		settings = map[string]any{}
	}
	if data == nil {
		data = map[string]any{}
	}
	return Pattern{ID: p.ID, UserID: p.UserID, Design: p.Design, Name: p.Name, Notes: p.Notes, Public: p.Public,
		Settings: settings, Data: data, Img: p.Img, SetID: optionalID(p.SetID), CsetID: optionalID(p.CsetID),
		CreatedAt: httpx.Stamp(p.CreatedAt), UpdatedAt: httpx.Stamp(p.UpdatedAt)}
}

// PatternRequest is the body of POST and PATCH /patterns. design (a
// string) is required on POST and ignored on PATCH (it cannot change);
// settings and data are objects, replaced as a whole on PATCH. set (a set
// id) or cset (a curated set id), both optional, are taken on POST only.
type PatternRequest struct {
	Design   json.RawMessage `json:"design" types:"string" doc:"The design's name; required on create" example:"\"aaron\""`
	Set      json.RawMessage `json:"set" types:"integer,null" doc:"Id of a set the caller may read (create only)" example:"12"`
	Cset     json.RawMessage `json:"cset" types:"integer,null" doc:"Id of a published curated set (create only)" example:"3"`
	Name     *string         `json:"name"`
	Notes    *string         `json:"notes"`
	Public   *bool           `json:"public"`
	Settings json.RawMessage `json:"settings" types:"object,null"`
	Data     json.RawMessage `json:"data" types:"object,null"`
	Img      *string         `json:"img" doc:"A data: URI of a PNG, JPEG or WebP image"`
}

// PatternResponse is {result, pattern}.
type PatternResponse struct {
	httpx.Result
	Pattern Pattern `json:"pattern"`
}

// PatternsResponse is {result, patterns}.
type PatternsResponse struct {
	httpx.Result
	Patterns []Pattern `json:"patterns"`
}

// PatternOwner is the image owner name of a pattern.
func PatternOwner(id int64) string { return "pattern-" + httpx.Itoa(id) }

// PatternDesign checks the design of a new pattern: a string, trimmed,
// required, not too long.
func PatternDesign(raw json.RawMessage) (string, error) {
	if !httpx.Present(raw) {
		return "", apierr.DesignMissing
	}
	var design string
	if err := json.Unmarshal(raw, &design); err != nil {
		return "", apierr.DesignNotStringy
	}
	return trimmedText(design, maxDesign, apierr.DesignMissing, apierr.DesignTooLong)
}

// PatternRef reads the optional set or cset of a new pattern: a positive
// whole JSON number (as upstream: a digit string is notNumeric too); 0
// when absent or null.
func PatternRef(raw json.RawMessage, notNumeric apierr.Code) (int64, error) {
	if !httpx.Present(raw) {
		return 0, nil
	}
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || (t[0] != '-' && (t[0] < '0' || t[0] > '9')) {
		return 0, notNumeric
	}
	var f float64
	if err := json.Unmarshal(t, &f); err != nil || f != math.Trunc(f) || f > 1<<53 {
		return 0, notNumeric
	}
	if f < 1 {
		return 0, apierr.NotFound
	}
	return int64(f), nil
}

// jsonObject reads an optional object field: ok=false when absent or null.
func jsonObject(raw json.RawMessage, notObject, tooLarge apierr.Code) (m map[string]any, ok bool, err error) {
	if !httpx.Present(raw) {
		return nil, false, nil
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return nil, false, notObject
	}
	if len(raw) > maxObjectJSON {
		return nil, false, tooLarge
	}
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, false, notObject
	}
	return m, true, nil
}

// ApplyPattern validates the request's fields (except design and img)
// onto p: settings and data, when given, replace what is stored.
func ApplyPattern(p *store.Pattern, req *PatternRequest) error {
	var err error
	if req.Name != nil {
		if p.Name, err = ObjectName(*req.Name, false); err != nil {
			return err
		}
	}
	if req.Notes != nil {
		if p.Notes, err = ObjectNotes(*req.Notes); err != nil {
			return err
		}
	}
	if req.Public != nil {
		p.Public = *req.Public
	}
	if m, ok, err := jsonObject(req.Settings, apierr.SettingsNotAnObj, apierr.SettingsTooLarge); err != nil {
		return err
	} else if ok {
		p.Settings = m
	}
	if m, ok, err := jsonObject(req.Data, apierr.PatternDataNotObj, apierr.PatternDataTooLarge); err != nil {
		return err
	} else if ok {
		p.Data = m
	}
	return nil
}

// ClonePattern is the private copy of src for user (without its image).
// src's settings and data go to the copy: src must have just been read
// and opened, so that they are shared with nothing else.
// The copy names the same set and curated set (shown to its owner only
// as far as they may read them).
func ClonePattern(src *store.Pattern, user int64, now int64) *store.Pattern {
	return &store.Pattern{UserID: user, Design: src.Design, Name: src.Name, Notes: src.Notes,
		Settings: src.Settings, Data: src.Data, SetID: src.SetID, CsetID: src.CsetID, CreatedAt: now, UpdatedAt: now}
}

// PatternDocument is the public .json/.yaml form of a pattern.
type PatternDocument struct {
	Author   string         `json:"author"`
	Type     string         `json:"type"`
	About    string         `json:"about"`
	Design   string         `json:"design"`
	Name     string         `json:"name"`
	Notes    string         `json:"notes"`
	Settings map[string]any `json:"settings"`
	Data     map[string]any `json:"data"`
	Img      string         `json:"img"`
}

// PatternDocumentOf is the public document of an opened pattern by author.
func PatternDocumentOf(p *store.Pattern, author string) PatternDocument {
	a := AsPattern(p)
	return PatternDocument{Author: author, Type: "pattern",
		About:  "Contains a FreeSewing pattern: its design, settings and metadata",
		Design: a.Design, Name: a.Name, Notes: a.Notes, Settings: a.Settings, Data: a.Data, Img: a.Img}
}

// Patterns are the handlers of /patterns.
type Patterns struct{ d Deps }

// NewPatterns builds the handlers.
func NewPatterns(d Deps) *Patterns { return &Patterns{d} }

// Create is POST /patterns.
func (h *Patterns) Create(ctx context.Context, in *httpx.In[PatternRequest]) (PatternResponse, error) {
	req := &in.Body
	setID, err := PatternRef(req.Set, apierr.SetNotNumeric)
	if err != nil {
		return PatternResponse{}, err
	}
	csetID, err := PatternRef(req.Cset, apierr.CsetNotNumeric)
	if err != nil {
		return PatternResponse{}, err
	}
	if setID != 0 {
		csetID = 0 // as upstream: a set wins over a curated set
	}
	design, err := PatternDesign(req.Design)
	if err != nil {
		return PatternResponse{}, err
	}
	now := h.d.Now().UnixMilli()
	c := in.Caller()
	p := &store.Pattern{UserID: c.UserID, Design: design, Settings: map[string]any{}, Data: map[string]any{},
		SetID: setID, CsetID: csetID, CreatedAt: now, UpdatedAt: now}
	if err := ApplyPattern(p, req); err != nil {
		return PatternResponse{}, err
	}
	err = patternKind.create(ctx, h.d, p, req.Img, func(tx *store.Tx) error { return h.mayUse(ctx, tx, c, setID, csetID) })
	if err != nil {
		return PatternResponse{}, err
	}
	return h.answer(ctx, c, p, httpx.Created)
}

// List is GET /patterns: the caller's own.
func (h *Patterns) List(ctx context.Context, in *httpx.In[httpx.None]) (PatternsResponse, error) {
	list, err := h.d.DB.Patterns().ByUser(ctx, in.Caller().UserID)
	if err != nil {
		return PatternsResponse{}, err
	}
	out := make([]Pattern, 0, len(list))
	for _, p := range list {
		a, err := h.present(ctx, h.d.DB, in.Caller(), p, false)
		if err != nil {
			return PatternsResponse{}, err
		}
		out = append(out, a)
	}
	return PatternsResponse{httpx.Success, out}, nil
}

// Get is GET /patterns/{id}: own, or level 6.
func (h *Patterns) Get(ctx context.Context, in *httpx.In[httpx.None]) (PatternResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return PatternResponse{}, err
	}
	ps := h.d.DB.Patterns()
	p, err := patternKind.load(ctx, in.Caller(), ps.ByID, id, ReadLevel, ps.Open)
	if err != nil {
		return PatternResponse{}, err
	}
	return h.answer(ctx, in.Caller(), p, httpx.Success)
}

// Patch is PATCH /patterns/{id}: own, or level 8 (recorded in the owner's
// audit log). Serve it through IDFirst.
func (h *Patterns) Patch(ctx context.Context, in *httpx.In[PatternRequest]) (PatternResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return PatternResponse{}, err
	}
	req := &in.Body
	p, err := patternKind.patch(ctx, h.d, id, req.Img, func(tx *store.Tx) (*store.Pattern, error) {
		ps := tx.Patterns()
		if err := ps.Lock(ctx, id); err != nil {
			return nil, err
		}
		return patternKind.load(ctx, in.Caller(), ps.ByID, id, ChangeLevel, ps.Open)
	}, func(p *store.Pattern) error { return ApplyPattern(p, req) })
	if err != nil {
		return PatternResponse{}, err
	}
	return h.answer(ctx, in.Caller(), p, httpx.Success)
}

// Delete is DELETE /patterns/{id}: own, or level 8.
func (h *Patterns) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	return patternKind.delete(ctx, h.d, in)
}

// Clone is POST /patterns/{id}/clone: it copies an own, public, or
// (level 8) any pattern into the caller's account; the copy is private.
func (h *Patterns) Clone(ctx context.Context, in *httpx.In[httpx.None]) (PatternResponse, error) {
	clone, err := patternKind.clone(ctx, h.d, in, ClonePattern)
	if err != nil {
		return PatternResponse{}, err
	}
	// 200 success, as upstream's server answers a pattern clone.
	return h.answer(ctx, in.Caller(), clone, httpx.Success)
}

// refReader reads what a pattern names (the DB or a transaction).
type refReader interface {
	Sets() store.Sets
	Curated() store.Curated
}

// mayUse checks the set and curated set a new pattern names: a set the
// caller may read (own, public, or level 6; else 403), a published curated
// set; a missing one is 404.
func (h *Patterns) mayUse(ctx context.Context, db refReader, c *httpx.Caller, setID, csetID int64) error {
	if setID != 0 {
		set, err := db.Sets().ByID(ctx, setID)
		if err != nil {
			return err
		}
		if !set.Public {
			if err := MayRead(c, set.UserID); err != nil {
				return err
			}
		}
	}
	if csetID != 0 {
		cs, err := db.Curated().SetByID(ctx, csetID)
		if err != nil {
			return err
		}
		if !cs.Published {
			return apierr.NotFound
		}
	}
	return nil
}

// answer is {result, pattern} of an opened pattern, as reader c may see
// it (see present).
func (h *Patterns) answer(ctx context.Context, c *httpx.Caller, p *store.Pattern, result httpx.Result) (PatternResponse, error) {
	out, err := h.present(ctx, h.d.DB, c, p, true)
	if err != nil {
		return PatternResponse{}, err
	}
	return PatternResponse{result, out}, nil
}

// present is the answer object of an opened pattern with the set and
// curated set it names, each included when reader c may see it (a set it
// may read, a published curated set); measies are left out of lists.
func (h *Patterns) present(ctx context.Context, db refReader, c *httpx.Caller, p *store.Pattern, withMeasies bool) (Pattern, error) {
	out := AsPattern(p)
	if p.SetID != 0 {
		set, err := db.Sets().ByID(ctx, p.SetID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return out, err
		case set.Public || MayRead(c, set.UserID) == nil:
			if err := db.Sets().Open(set); err != nil {
				return out, err
			}
			out.Set = AsPatternSet(set, withMeasies)
		}
	}
	if p.CsetID != 0 && h.d.CuratedSet != nil {
		cs, err := db.Curated().SetByID(ctx, p.CsetID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return out, err
		case cs.Published:
			if !withMeasies {
				cs.Measies = nil
			}
			out.Cset = h.d.CuratedSet(cs)
		}
	}
	return out, nil
}

// Document serves GET /patterns/{id}.json and .yaml for public patterns;
// everything else is the same 404.
func (h *Patterns) Document(w http.ResponseWriter, r *http.Request) error {
	return patternKind.document(w, r, h.d, func(p *store.Pattern, author string) any { return PatternDocumentOf(p, author) })
}
