package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Option packs (docs/curated.md): curated option values for one design.
// They have no published flag: every pack is public.

// Limits on option packs.
const (
	maxPackDesign  = 100
	maxPackOptions = 64 << 10 // bytes of JSON
	maxOptionName  = 100
)

// OptionPack is the optionPack object of api.md.
type OptionPack struct {
	ID     int64  `json:"id"`
	Design string `json:"design"`
	CuratedNames
	Tags      []string       `json:"tags"`
	Options   map[string]any `json:"options"`
	Info      string         `json:"info"`
	Img       string         `json:"img"`
	CreatedAt Stamp          `json:"createdAt"`
	UpdatedAt Stamp          `json:"updatedAt"`
}

func asOptionPack(p *store.OptionPack) OptionPack {
	return OptionPack{ID: p.ID, Design: p.Design, CuratedNames: asCuratedNames(p.Name, p.Notes), Tags: p.Tags,
		Options: p.Options, Info: p.Info, Img: p.Img, CreatedAt: Stamp(p.CreatedAt), UpdatedAt: Stamp(p.UpdatedAt)}
}

// OptionPackResponse is {result, optionPack}.
type OptionPackResponse struct {
	Result
	OptionPack OptionPack `json:"optionPack"`
}

// OptionPacksResponse is {result, optionPacks}.
type OptionPacksResponse struct {
	Result
	OptionPacks []OptionPack `json:"optionPacks"`
}

// OptionPackDocument is GET /option-packs/{id}.json (and .yaml).
type OptionPackDocument struct {
	Author string `json:"author"`
	Type   string `json:"type"` // "optionPack"
	About  string `json:"about"`
	OptionPack
}

func (s *Server) optionPackDocument(p *store.OptionPack) OptionPackDocument {
	return OptionPackDocument{Author: s.Config.WebsiteURL, Type: "optionPack",
		About: "Curated option values for one design", OptionPack: asOptionPack(p)}
}

// OptionPackRequest is the body of POST and PATCH /option-packs. Absent
// fields are left alone on update; options merge (null removes one).
type OptionPackRequest struct {
	Design *string `json:"design"`
	CuratedNamesPatch
	Tags    []string       `json:"tags"`
	Options map[string]any `json:"options"`
	Info    *string        `json:"info"`
	Img     *string        `json:"img"`
}

// cleanDesign trims and lower-cases a design name.
func cleanDesign(v *string) (string, error) {
	if v == nil {
		return "", apierr.DesignMissing
	}
	d := strings.ToLower(strings.TrimSpace(*v))
	if d == "" {
		return "", apierr.DesignMissing
	}
	if utf8.RuneCountInString(d) > maxPackDesign {
		return "", apierr.DesignTooLong
	}
	return d, nil
}

// mergeOptions applies an update to stored options: null removes an
// option, anything else sets it.
func mergeOptions(stored, patch map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(stored)+len(patch))
	for k, v := range stored {
		out[k] = v
	}
	for k, v := range patch {
		k = strings.TrimSpace(k)
		if k == "" || utf8.RuneCountInString(k) > maxOptionName {
			return nil, apierr.PackOptionsInvalid
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if b, err := json.Marshal(out); err != nil || len(b) > maxPackOptions {
		return nil, apierr.PackOptionsTooLarge
	}
	return out, nil
}

// apply validates req and writes it into p (everything but img). create
// says whether design must be given.
func (req *OptionPackRequest) apply(p *store.OptionPack, raw map[string]json.RawMessage, create bool) error {
	if create || req.Design != nil {
		d, err := cleanDesign(req.Design)
		if err != nil {
			return err
		}
		p.Design = d
	}
	if err := req.CuratedNamesPatch.apply(&p.Name, &p.Notes); err != nil {
		return err
	}
	if present(raw["tags"]) {
		tags, err := cleanTags(req.Tags)
		if err != nil {
			return err
		}
		p.Tags = tags
	}
	if req.Options != nil {
		o, err := mergeOptions(p.Options, req.Options)
		if err != nil {
			return err
		}
		p.Options = o
	}
	if req.Info != nil {
		info, err := cleanInfo(*req.Info)
		if err != nil {
			return err
		}
		p.Info = info
	}
	return nil
}

func (s *Server) listOptionPacks(r *http.Request) ([]OptionPack, error) {
	list, err := s.DB.Curated().Packs(r.Context())
	if err != nil {
		return nil, err
	}
	return asList(list, asOptionPack), nil
}

func (s *Server) getOptionPacks(w http.ResponseWriter, r *http.Request) error {
	out, err := s.listOptionPacks(r)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, OptionPacksResponse{success, out})
}

func (s *Server) getOptionPacksJSON(w http.ResponseWriter, r *http.Request) error {
	out, err := s.listOptionPacks(r)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, out)
}

func (s *Server) getOptionPacksYAML(w http.ResponseWriter, r *http.Request) error {
	out, err := s.listOptionPacks(r)
	if err != nil {
		return err
	}
	return httpx.EncodeYAML(w, out)
}

// getOptionPackFile serves /option-packs/{file}: {id}, {id}.json or {id}.yaml.
func (s *Server) getOptionPackFile(w http.ResponseWriter, r *http.Request) error {
	idText, format := splitFormat(r.PathValue("file"))
	id, err := parseIDText(idText)
	if err != nil {
		return err
	}
	p, err := s.DB.Curated().PackByID(r.Context(), id)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return encode(w, http.StatusOK, s.optionPackDocument(p))
	case "yaml":
		return httpx.EncodeYAML(w, s.optionPackDocument(p))
	}
	return encode(w, http.StatusOK, OptionPackResponse{success, asOptionPack(p)})
}

func (s *Server) createOptionPack(w http.ResponseWriter, r *http.Request) error {
	var req OptionPackRequest
	raw, err := decode(r, &req)
	if err != nil {
		return err
	}
	p := &store.OptionPack{Options: map[string]any{}, Tags: []string{}}
	if err := req.apply(p, raw, true); err != nil {
		return err
	}
	ctx := r.Context()
	uid := caller(r).UserID
	audit := func(tx *store.Tx) error {
		return tx.Audit().Add(ctx, s.event(r, uid, "optionPack.created", itoa(p.ID)))
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().CreatePack(ctx, p); err != nil {
			return err
		}
		if req.Img != nil {
			return nil // recorded with the image below
		}
		return audit(tx)
	})
	if err != nil {
		return err
	}
	if req.Img != nil {
		if err := s.attachImage(r, "opack-"+itoa(p.ID), *req.Img, &p.Img, func(tx *store.Tx) error {
			if err := tx.Curated().SavePack(ctx, p); err != nil {
				return err
			}
			return audit(tx)
		}, func(tx *store.Tx) error {
			return tx.Curated().DeletePack(ctx, p.ID)
		}); err != nil {
			return err
		}
	}
	return encode(w, http.StatusCreated, OptionPackResponse{created, asOptionPack(p)})
}

func (s *Server) patchOptionPack(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req OptionPackRequest
	raw, err := decode(r, &req)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.DB.Curated().PackByID(ctx, id); err != nil {
		return err
	}
	var img string
	if req.Img != nil {
		if img, err = s.acceptImage(ctx, "opack-"+itoa(id), *req.Img); err != nil {
			return err
		}
	}
	var p *store.OptionPack
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if p, err = tx.Curated().PackByID(ctx, id); err != nil {
			return err
		}
		if err := req.apply(p, raw, false); err != nil {
			return err
		}
		if req.Img != nil {
			p.Img = img
		}
		if err := tx.Curated().SavePack(ctx, p); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, caller(r).UserID, "optionPack.updated", itoa(id)))
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, OptionPackResponse{success, asOptionPack(p)})
}

func (s *Server) deleteOptionPack(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().DeletePack(ctx, id); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, caller(r).UserID, "optionPack.deleted", itoa(id)))
	})
	if err != nil {
		return err
	}
	s.dropImages(r.Context(), "opack-"+itoa(id))
	return noContent(w)
}
