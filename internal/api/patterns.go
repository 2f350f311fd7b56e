package api

import (
	"bytes"
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
	CreatedAt Stamp          `json:"createdAt"`
	UpdatedAt Stamp          `json:"updatedAt"`
}

func asPattern(p *store.Pattern) Pattern {
	settings, data := p.Settings, p.Data
	if settings == nil {
		settings = map[string]any{}
	}
	if data == nil {
		data = map[string]any{}
	}
	return Pattern{ID: p.ID, UserID: p.UserID, Design: p.Design, Name: p.Name, Notes: p.Notes, Public: p.Public,
		Settings: settings, Data: data, Img: p.Img, CreatedAt: Stamp(p.CreatedAt), UpdatedAt: Stamp(p.UpdatedAt)}
}

// PatternRequest is the body of POST and PATCH /patterns. design (a
// string) is required on POST and ignored on PATCH (it cannot change);
// settings and data are objects, replaced as a whole on PATCH.
type PatternRequest struct {
	Design   json.RawMessage `json:"design"`
	Name     *string         `json:"name"`
	Notes    *string         `json:"notes"`
	Public   *bool           `json:"public"`
	Settings json.RawMessage `json:"settings"`
	Data     json.RawMessage `json:"data"`
	Img      *string         `json:"img"`
}

// PatternResponse is {result, pattern}.
type PatternResponse struct {
	Result
	Pattern Pattern `json:"pattern"`
}

// PatternsResponse is {result, patterns}.
type PatternsResponse struct {
	Result
	Patterns []Pattern `json:"patterns"`
}

func patternOwner(id int64) string { return "pattern-" + itoa(id) }

// jsonObject reads an optional object field: ok=false when absent or null.
func jsonObject(raw json.RawMessage, notObject, tooLarge apierr.Code) (m map[string]any, ok bool, err error) {
	if !present(raw) {
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

// applyPattern validates the request's fields (except design and img).
func applyPattern(p *store.Pattern, req *PatternRequest) error {
	var err error
	if req.Name != nil {
		if p.Name, err = objectName(*req.Name, false); err != nil {
			return err
		}
	}
	if req.Notes != nil {
		if p.Notes, err = objectNotes(*req.Notes); err != nil {
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

func (s *Server) createPattern(w http.ResponseWriter, r *http.Request) error {
	var req PatternRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	if !present(req.Design) {
		return apierr.DesignMissing
	}
	var design string
	if err := json.Unmarshal(req.Design, &design); err != nil {
		return apierr.DesignNotStringy
	}
	design = strings.TrimSpace(design)
	if design == "" {
		return apierr.DesignMissing
	}
	if utf8.RuneCountInString(design) > maxDesign {
		return apierr.DesignTooLong
	}
	c := caller(r)
	now := s.Now().UnixMilli()
	p := &store.Pattern{UserID: c.UserID, Design: design, Settings: map[string]any{}, Data: map[string]any{},
		CreatedAt: now, UpdatedAt: now}
	if err := applyPattern(p, &req); err != nil {
		return err
	}
	ctx := r.Context()
	since, put := time.Now(), ""
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Patterns().Create(ctx, p); err != nil {
			return err
		}
		if req.Img == nil || strings.TrimSpace(*req.Img) == "" {
			return nil
		}
		img, err := s.acceptImage(ctx, patternOwner(p.ID), *req.Img)
		if err != nil {
			return err
		}
		p.Img, put = img, img
		return tx.Patterns().Save(ctx, p)
	})
	if req.Img != nil && p.ID != 0 {
		s.settleImages(ctx, patternOwner(p.ID), since, put)
	}
	if err != nil {
		return err
	}
	return encode(w, http.StatusCreated, PatternResponse{created, asPattern(p)})
}

func (s *Server) listPatterns(w http.ResponseWriter, r *http.Request) error {
	list, err := s.DB.Patterns().ByUser(r.Context(), caller(r).UserID)
	if err != nil {
		return err
	}
	out := asList(list, asPattern)
	return encode(w, http.StatusOK, PatternsResponse{success, out})
}

// loadPattern reads a pattern, checks access (owner, or level min) and
// only then decrypts it.
func (s *Server) loadPattern(r *http.Request, q store.Conn, id int64, min auth.Level) (*store.Pattern, error) {
	p, err := q.Patterns().ByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := mayAccess(caller(r), p.UserID, min); err != nil {
		return nil, err
	}
	return p, s.DB.Patterns().Open(p)
}

func (s *Server) getPattern(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.loadPattern(r, s.DB, id, auth.Bughunter)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, PatternResponse{success, asPattern(p)})
}

func (s *Server) patchPattern(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req PatternRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	since, put := time.Now(), ""
	var p *store.Pattern
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Patterns().Lock(ctx, id); err != nil {
			return err
		}
		if p, err = s.loadPattern(r, tx, id, auth.Support); err != nil {
			return err
		}
		if err := applyPattern(p, &req); err != nil {
			return err
		}
		if req.Img != nil {
			if p.Img, err = s.acceptImage(ctx, patternOwner(id), *req.Img); err != nil {
				return err
			}
			put = p.Img
		}
		p.UpdatedAt = s.Now().UnixMilli()
		if err := tx.Patterns().Save(ctx, p); err != nil {
			return err
		}
		return s.auditForeign(r, tx, p.UserID, "pattern.changed", itoa(id))
	})
	if req.Img != nil {
		s.settleImages(ctx, patternOwner(id), since, put)
	}
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, PatternResponse{success, asPattern(p)})
}

func (s *Server) deletePattern(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		p, err := tx.Patterns().ByID(ctx, id)
		if err != nil {
			return err
		}
		if err := mayAccess(caller(r), p.UserID, auth.Support); err != nil {
			return err
		}
		if err := tx.Patterns().Delete(ctx, id); err != nil {
			return err
		}
		return s.auditForeign(r, tx, p.UserID, "pattern.deleted", itoa(id))
	})
	if err != nil {
		return err
	}
	s.dropImages(ctx, patternOwner(id))
	return noContent(w)
}

// clonePattern copies an own, public, or (level 8) any pattern into the
// caller's account; the copy is private.
func (s *Server) clonePattern(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c := caller(r)
	ctx := r.Context()
	since, put := time.Now(), ""
	var clone *store.Pattern
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		src, err := tx.Patterns().ByID(ctx, id)
		if err != nil {
			return err
		}
		if !src.Public {
			if err := mayAccess(c, src.UserID, auth.Support); err != nil {
				return err
			}
		}
		if err := s.DB.Patterns().Open(src); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		// Settings and data were just decoded from the row: not shared.
		clone = &store.Pattern{UserID: c.UserID, Design: src.Design, Name: src.Name, Notes: src.Notes,
			Settings: src.Settings, Data: src.Data, CreatedAt: now, UpdatedAt: now}
		if err := tx.Patterns().Create(ctx, clone); err != nil {
			return err
		}
		if src.Img == "" {
			return nil
		}
		if clone.Img, err = s.copyImage(ctx, patternOwner(clone.ID), src.Img); err != nil {
			return err
		}
		put = clone.Img
		return tx.Patterns().Save(ctx, clone)
	})
	if clone != nil && clone.ID != 0 && put != "" {
		s.settleImages(ctx, patternOwner(clone.ID), since, put)
	}
	if err != nil {
		return err
	}
	return encode(w, http.StatusCreated, PatternResponse{created, asPattern(clone)})
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

// publicPattern serves GET /patterns/{id}.json and .yaml for public
// patterns; everything else is the same 404.
func (s *Server) publicPattern(w http.ResponseWriter, r *http.Request) error {
	id, format, ok := httpx.DocFile(r.PathValue("file"))
	if !ok {
		return apierr.NotFound
	}
	ctx := r.Context()
	p, err := s.DB.Patterns().ByID(ctx, id)
	if err != nil {
		return err
	}
	if !p.Public {
		return apierr.NotFound
	}
	if err := s.DB.Patterns().Open(p); err != nil {
		return err
	}
	author, err := s.DB.Users().UsernameOf(ctx, p.UserID)
	if err != nil {
		return err
	}
	a := asPattern(p)
	return httpx.WriteDocument(w, format, PatternDocument{Author: author, Type: "pattern",
		About:  "Contains a FreeSewing pattern: its design, settings and metadata",
		Design: a.Design, Name: a.Name, Notes: a.Notes, Settings: a.Settings, Data: a.Data, Img: a.Img})
}
