package userdata

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
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
	CreatedAt httpx.Stamp    `json:"createdAt"`
	UpdatedAt httpx.Stamp    `json:"updatedAt"`
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
		Settings: settings, Data: data, Img: p.Img, CreatedAt: httpx.Stamp(p.CreatedAt), UpdatedAt: httpx.Stamp(p.UpdatedAt)}
}

// PatternRequest is the body of POST and PATCH /patterns. design (a
// string) is required on POST and ignored on PATCH (it cannot change);
// settings and data are objects, replaced as a whole on PATCH.
type PatternRequest struct {
	Design   json.RawMessage `json:"design" doc:"The design's name; required on create" example:"\"aaron\""`
	Name     *string         `json:"name"`
	Notes    *string         `json:"notes"`
	Public   *bool           `json:"public"`
	Settings json.RawMessage `json:"settings"`
	Data     json.RawMessage `json:"data"`
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
	design = strings.TrimSpace(design)
	if design == "" {
		return "", apierr.DesignMissing
	}
	if utf8.RuneCountInString(design) > maxDesign {
		return "", apierr.DesignTooLong
	}
	return design, nil
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
func ClonePattern(src *store.Pattern, user int64, now int64) *store.Pattern {
	return &store.Pattern{UserID: user, Design: src.Design, Name: src.Name, Notes: src.Notes,
		Settings: src.Settings, Data: src.Data, CreatedAt: now, UpdatedAt: now}
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
	design, err := PatternDesign(req.Design)
	if err != nil {
		return PatternResponse{}, err
	}
	now := h.d.Now().UnixMilli()
	p := &store.Pattern{UserID: in.Caller().UserID, Design: design, Settings: map[string]any{}, Data: map[string]any{},
		CreatedAt: now, UpdatedAt: now}
	if err := ApplyPattern(p, req); err != nil {
		return PatternResponse{}, err
	}
	since, put := time.Now(), ""
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Patterns().Create(ctx, p); err != nil {
			return err
		}
		if req.Img == nil || strings.TrimSpace(*req.Img) == "" {
			return nil
		}
		// As for sets: the owner name needs the id; Settle below cleans up.
		img, err := h.d.Images.Accept(ctx, PatternOwner(p.ID), *req.Img)
		if err != nil {
			return err
		}
		p.Img, put = img, img
		return tx.Patterns().Save(ctx, p)
	})
	if req.Img != nil && p.ID != 0 {
		h.d.Images.Settle(ctx, PatternOwner(p.ID), since, put)
	}
	if err != nil {
		return PatternResponse{}, err
	}
	return PatternResponse{httpx.Created, AsPattern(p)}, nil
}

// List is GET /patterns: the caller's own.
func (h *Patterns) List(ctx context.Context, in *httpx.In[httpx.None]) (PatternsResponse, error) {
	list, err := h.d.DB.Patterns().ByUser(ctx, in.Caller().UserID)
	if err != nil {
		return PatternsResponse{}, err
	}
	return PatternsResponse{httpx.Success, httpx.List(list, AsPattern)}, nil
}

// loadPattern reads a pattern from ps, checks access (owner, or level
// min) and only then decrypts it.
func loadPattern(ctx context.Context, c *httpx.Caller, ps store.Patterns, id int64, min auth.Level) (*store.Pattern, error) {
	p, err := ps.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := httpx.MayAccess(c, p.UserID, min); err != nil {
		return nil, err
	}
	return p, ps.Open(p)
}

// Get is GET /patterns/{id}: own, or level 6.
func (h *Patterns) Get(ctx context.Context, in *httpx.In[httpx.None]) (PatternResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return PatternResponse{}, err
	}
	p, err := loadPattern(ctx, in.Caller(), h.d.DB.Patterns(), id, ReadLevel)
	if err != nil {
		return PatternResponse{}, err
	}
	return PatternResponse{httpx.Success, AsPattern(p)}, nil
}

// Patch is PATCH /patterns/{id}: own, or level 8 (recorded in the owner's
// audit log). Serve it through IDFirst.
func (h *Patterns) Patch(ctx context.Context, in *httpx.In[PatternRequest]) (PatternResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return PatternResponse{}, err
	}
	req := &in.Body
	since, put := time.Now(), ""
	var p *store.Pattern
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Patterns().Lock(ctx, id); err != nil {
			return err
		}
		if p, err = loadPattern(ctx, in.Caller(), tx.Patterns(), id, ChangeLevel); err != nil {
			return err
		}
		if err := ApplyPattern(p, req); err != nil {
			return err
		}
		if req.Img != nil {
			if p.Img, err = h.d.Images.Accept(ctx, PatternOwner(id), *req.Img); err != nil {
				return err
			}
			put = p.Img
		}
		p.UpdatedAt = h.d.Now().UnixMilli()
		if err := tx.Patterns().Save(ctx, p); err != nil {
			return err
		}
		return h.d.Audit.Foreign(ctx, tx, p.UserID, "pattern.changed", httpx.Itoa(id))
	})
	if req.Img != nil {
		h.d.Images.Settle(ctx, PatternOwner(id), since, put)
	}
	if err != nil {
		return PatternResponse{}, err
	}
	return PatternResponse{httpx.Success, AsPattern(p)}, nil
}

// Delete is DELETE /patterns/{id}: own, or level 8.
func (h *Patterns) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	id, err := in.PathID("id")
	if err != nil {
		return err
	}
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		p, err := tx.Patterns().ByID(ctx, id)
		if err != nil {
			return err
		}
		if err := MayChange(in.Caller(), p.UserID); err != nil {
			return err
		}
		if err := tx.Patterns().Delete(ctx, id); err != nil {
			return err
		}
		return h.d.Audit.Foreign(ctx, tx, p.UserID, "pattern.deleted", httpx.Itoa(id))
	})
	if err != nil {
		return err
	}
	h.d.Images.Drop(ctx, PatternOwner(id))
	return nil
}

// Clone is POST /patterns/{id}/clone: it copies an own, public, or
// (level 8) any pattern into the caller's account; the copy is private.
func (h *Patterns) Clone(ctx context.Context, in *httpx.In[httpx.None]) (PatternResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return PatternResponse{}, err
	}
	c := in.Caller()
	since, put := time.Now(), ""
	var clone *store.Pattern
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		src, err := tx.Patterns().ByID(ctx, id)
		if err != nil {
			return err
		}
		if err := MayClone(c, src.UserID, src.Public); err != nil {
			return err
		}
		if err := tx.Patterns().Open(src); err != nil {
			return err
		}
		clone = ClonePattern(src, c.UserID, h.d.Now().UnixMilli())
		if err := tx.Patterns().Create(ctx, clone); err != nil {
			return err
		}
		if src.Img == "" {
			return nil
		}
		if clone.Img, err = h.d.Images.Copy(ctx, PatternOwner(clone.ID), src.Img); err != nil {
			return err
		}
		put = clone.Img
		return tx.Patterns().Save(ctx, clone)
	})
	if clone != nil && clone.ID != 0 && put != "" {
		h.d.Images.Settle(ctx, PatternOwner(clone.ID), since, put)
	}
	if err != nil {
		return PatternResponse{}, err
	}
	return PatternResponse{httpx.Created, AsPattern(clone)}, nil
}

// Document serves GET /patterns/{id}.json and .yaml for public patterns;
// everything else is the same 404.
func (h *Patterns) Document(w http.ResponseWriter, r *http.Request) error {
	id, format, ok := httpx.DocFile(r.PathValue("file"))
	if !ok {
		return apierr.NotFound
	}
	ctx := r.Context()
	p, err := h.d.DB.Patterns().ByID(ctx, id)
	if err != nil {
		return err
	}
	if err := Published(p.Public); err != nil {
		return err
	}
	if err := h.d.DB.Patterns().Open(p); err != nil {
		return err
	}
	author, err := h.d.DB.Users().UsernameOf(ctx, p.UserID)
	if err != nil {
		return err
	}
	return httpx.WriteDocument(w, format, PatternDocumentOf(p, author))
}
