package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/measure"
	"bobbin/internal/store"
)

// Limits on the free text of sets and patterns (in characters).
const (
	maxObjectName  = 200
	maxObjectNotes = 20_000
)

// Set is the set object of api.md.
type Set struct {
	ID        int64              `json:"id"`
	UserID    int64              `json:"userId"`
	Name      string             `json:"name"`
	Notes     string             `json:"notes"`
	Public    bool               `json:"public"`
	Imperial  bool               `json:"imperial"`
	Measies   map[string]float64 `json:"measies"`
	Img       string             `json:"img"`
	CreatedAt Stamp              `json:"createdAt"`
	UpdatedAt Stamp              `json:"updatedAt"`
}

func asSet(s *store.Set) Set {
	m := s.Measies
	if m == nil {
		m = map[string]float64{}
	}
	return Set{ID: s.ID, UserID: s.UserID, Name: s.Name, Notes: s.Notes, Public: s.Public, Imperial: s.Imperial,
		Measies: m, Img: s.Img, CreatedAt: Stamp(s.CreatedAt), UpdatedAt: Stamp(s.UpdatedAt)}
}

// SetRequest is the body of POST and PATCH /sets. Absent fields are left
// alone on PATCH; measies merge into what is stored (null deletes a name).
// Any other field (id, userId, createdAt...) is ignored.
type SetRequest struct {
	Name     *string                    `json:"name"`
	Notes    *string                    `json:"notes"`
	Public   *bool                      `json:"public"`
	Imperial *bool                      `json:"imperial"`
	Measies  map[string]json.RawMessage `json:"measies"`
	Img      *string                    `json:"img"`
}

// SetResponse is {result, set}.
type SetResponse struct {
	Result
	Set Set `json:"set"`
}

// SetsResponse is {result, sets}.
type SetsResponse struct {
	Result
	Sets []Set `json:"sets"`
}

func setOwner(id int64) string { return "set-" + itoa(id) }

// objectName checks a name: trimmed, required when required, not too long.
func objectName(v string, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" && required {
		return "", apierr.NameMissing
	}
	if utf8.RuneCountInString(v) > maxObjectName {
		return "", apierr.NameTooLong
	}
	return v, nil
}

func objectNotes(v string) (string, error) {
	if utf8.RuneCountInString(v) > maxObjectNotes {
		return "", apierr.NotesTooLong
	}
	return v, nil
}

// applySet validates the request's fields (except img) onto set.
func applySet(set *store.Set, req *SetRequest, raw map[string]json.RawMessage) error {
	var err error
	if req.Name != nil {
		if set.Name, err = objectName(*req.Name, true); err != nil {
			return err
		}
	} else if string(raw["name"]) == "null" {
		return apierr.NameMissing
	}
	if req.Notes != nil {
		if set.Notes, err = objectNotes(*req.Notes); err != nil {
			return err
		}
	}
	if req.Public != nil {
		set.Public = *req.Public
	}
	if req.Imperial != nil {
		set.Imperial = *req.Imperial
	}
	if req.Measies != nil {
		set.Measies = measure.Merge(set.Measies, req.Measies)
	}
	return nil
}

func (s *Server) createSet(w http.ResponseWriter, r *http.Request) error {
	var req SetRequest
	raw, err := decode(r, &req)
	if err != nil {
		return err
	}
	if req.Name == nil {
		return apierr.NameMissing
	}
	c := caller(r)
	now := s.Now().UnixMilli()
	set := &store.Set{UserID: c.UserID, Measies: measure.Set{}, CreatedAt: now, UpdatedAt: now}
	if err := applySet(set, &req, raw); err != nil {
		return err
	}
	ctx := r.Context()
	since, put := time.Now(), ""
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Sets().Create(ctx, set); err != nil {
			return err
		}
		if req.Img == nil || strings.TrimSpace(*req.Img) == "" {
			return nil
		}
		// The image's owner name needs the id: store it now, inside the
		// transaction; settleImages below removes it if the commit fails.
		img, err := s.acceptImage(ctx, setOwner(set.ID), *req.Img)
		if err != nil {
			return err
		}
		set.Img, put = img, img
		return tx.Sets().Save(ctx, set)
	})
	if req.Img != nil && set.ID != 0 {
		s.settleImages(ctx, setOwner(set.ID), since, put)
	}
	if err != nil {
		return err
	}
	return encode(w, http.StatusCreated, SetResponse{created, asSet(set)})
}

func (s *Server) listSets(w http.ResponseWriter, r *http.Request) error {
	sets, err := s.DB.Sets().ByUser(r.Context(), caller(r).UserID)
	if err != nil {
		return err
	}
	out := asList(sets, asSet)
	return encode(w, http.StatusOK, SetsResponse{success, out})
}

// loadSet reads a set, checks that the caller may act on it (owner, or
// level min) and only then decrypts it.
func (s *Server) loadSet(r *http.Request, q store.Conn, id int64, min auth.Level) (*store.Set, error) {
	set, err := q.Sets().ByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := mayAccess(caller(r), set.UserID, min); err != nil {
		return nil, err
	}
	return set, s.DB.Sets().Open(set)
}

func (s *Server) getSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	set, err := s.loadSet(r, s.DB, id, auth.Bughunter)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, SetResponse{success, asSet(set)})
}

func (s *Server) patchSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req SetRequest
	raw, err := decode(r, &req)
	if err != nil {
		return err
	}
	ctx := r.Context()
	since, put := time.Now(), ""
	var set *store.Set
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		// Lock first: the merge reads and writes measies in one step.
		if err := tx.Sets().Lock(ctx, id); err != nil {
			return err
		}
		if set, err = s.loadSet(r, tx, id, auth.Support); err != nil {
			return err
		}
		if err := applySet(set, &req, raw); err != nil {
			return err
		}
		if req.Img != nil {
			if set.Img, err = s.acceptImage(ctx, setOwner(id), *req.Img); err != nil {
				return err
			}
			put = set.Img
		}
		set.UpdatedAt = s.Now().UnixMilli()
		if err := tx.Sets().Save(ctx, set); err != nil {
			return err
		}
		return s.auditForeign(r, tx, set.UserID, "set.changed", itoa(id))
	})
	if req.Img != nil {
		s.settleImages(ctx, setOwner(id), since, put)
	}
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, SetResponse{success, asSet(set)})
}

// auditForeign records, in the owner's audit log, a change made to their
// data by someone else (support staff).
func (s *Server) auditForeign(r *http.Request, tx *store.Tx, owner int64, event, detail string) error {
	c := caller(r)
	if c.UserID == owner {
		return nil
	}
	return tx.Audit().Add(r.Context(), s.event(r, owner, event, detail+" by user "+itoa(c.UserID)))
}

func (s *Server) deleteSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		set, err := tx.Sets().ByID(ctx, id)
		if err != nil {
			return err
		}
		if err := mayAccess(caller(r), set.UserID, auth.Support); err != nil {
			return err
		}
		if err := tx.Sets().Delete(ctx, id); err != nil {
			return err
		}
		return s.auditForeign(r, tx, set.UserID, "set.deleted", itoa(id))
	})
	if err != nil {
		return err
	}
	s.dropImages(ctx, setOwner(id))
	return noContent(w)
}

// cloneSet copies a set the caller owns, a public set, or (level 8) any
// set into the caller's account. The copy is private.
func (s *Server) cloneSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c := caller(r)
	ctx := r.Context()
	since, put := time.Now(), ""
	var clone *store.Set
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		src, err := tx.Sets().ByID(ctx, id)
		if err != nil {
			return err
		}
		if !src.Public {
			if err := mayAccess(c, src.UserID, auth.Support); err != nil {
				return err
			}
		}
		if err := s.DB.Sets().Open(src); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		measies := make(map[string]float64, len(src.Measies))
		for k, v := range src.Measies {
			measies[k] = v
		}
		clone = &store.Set{UserID: c.UserID, Name: src.Name, Notes: src.Notes, Imperial: src.Imperial,
			Measies: measies, CreatedAt: now, UpdatedAt: now}
		if err := tx.Sets().Create(ctx, clone); err != nil {
			return err
		}
		if src.Img == "" {
			return nil
		}
		if clone.Img, err = s.copyImage(ctx, setOwner(clone.ID), src.Img); err != nil {
			return err
		}
		put = clone.Img
		return tx.Sets().Save(ctx, clone)
	})
	if clone != nil && clone.ID != 0 && put != "" {
		s.settleImages(ctx, setOwner(clone.ID), since, put)
	}
	if err != nil {
		return err
	}
	return encode(w, http.StatusCreated, SetResponse{created, asSet(clone)})
}

// SetDocument is the public .json/.yaml form of a set. Measurements are
// in millimetres (shoulderSlope in degrees) whatever units says; units is
// the owner's display preference.
type SetDocument struct {
	Author       string             `json:"author"`
	Type         string             `json:"type"`
	About        string             `json:"about"`
	Name         string             `json:"name"`
	Notes        string             `json:"notes"`
	Measurements map[string]float64 `json:"measurements"`
	Units        string             `json:"units"`
}

// publicSet serves GET /sets/{id}.json and .yaml: public sets only; any
// other case is the same 404.
func (s *Server) publicSet(w http.ResponseWriter, r *http.Request) error {
	id, format, ok := httpx.DocFile(r.PathValue("file"))
	if !ok {
		return apierr.NotFound
	}
	ctx := r.Context()
	set, err := s.DB.Sets().ByID(ctx, id)
	if err != nil {
		return err
	}
	if !set.Public {
		return apierr.NotFound
	}
	if err := s.DB.Sets().Open(set); err != nil {
		return err
	}
	author, err := s.DB.Users().UsernameOf(ctx, set.UserID)
	if err != nil {
		return err
	}
	units := "metric"
	if set.Imperial {
		units = "imperial"
	}
	m := set.Measies
	if m == nil {
		m = map[string]float64{}
	}
	return httpx.WriteDocument(w, format, SetDocument{Author: author, Type: "measurementsSet",
		About: "Contains measurements in mm (shoulderSlope in degrees) as well as metadata",
		Name:  set.Name, Notes: set.Notes, Measurements: m, Units: units})
}
