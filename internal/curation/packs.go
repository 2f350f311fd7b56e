package curation

import (
	"context"
	"encoding/json"
	"net/http"

	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Option packs: curated option values for one design. They have no
// published flag: every pack is public.

// OptionPack is the optionPack object of api.md.
type OptionPack struct {
	ID     int64  `json:"id"`
	Design string `json:"design"`
	CuratedNames
	CuratedTags
	Options   map[string]any `json:"options"`
	Info      string         `json:"info"`
	Img       string         `json:"img"`
	CreatedAt httpx.Stamp    `json:"createdAt"`
	UpdatedAt httpx.Stamp    `json:"updatedAt"`
}

// AsOptionPack is the answer object of a stored pack.
func AsOptionPack(p *store.OptionPack) OptionPack {
	return OptionPack{ID: p.ID, Design: p.Design, CuratedNames: AsCuratedNames(p.Name, p.Notes), CuratedTags: AsCuratedTags(p.Tags),
		Options: p.Options, Info: p.Info, Img: p.Img, CreatedAt: httpx.Stamp(p.CreatedAt), UpdatedAt: httpx.Stamp(p.UpdatedAt)}
}

// OptionPackResponse is {result, optionPack}.
type OptionPackResponse struct {
	httpx.Result
	OptionPack OptionPack `json:"optionPack"`
}

// OptionPacksResponse is {result, optionPacks}.
type OptionPacksResponse struct {
	httpx.Result
	OptionPacks []OptionPack `json:"optionPacks"`
}

// OptionPackDocument is GET /option-packs/{id}.json (and .yaml).
type OptionPackDocument struct {
	Author   string `json:"author"`
	Provider string `json:"provider"` // the publisher, named as upstream named it
	Type     string `json:"type"`     // "optionPack"
	About    string `json:"about"`
	OptionPack
}

// AsOptionPackDocument is the public document of a pack; author (and
// provider, upstream's name for it) is the site's name.
func AsOptionPackDocument(p *store.OptionPack, author string) OptionPackDocument {
	return OptionPackDocument{Author: author, Provider: author, Type: "optionPack",
		About: "Curated option values for one design", OptionPack: AsOptionPack(p)}
}

// OptionPackRequest is the body of POST and PATCH /option-packs. Absent
// fields are left alone on update; options merge (null removes one).
type OptionPackRequest struct {
	Design *string `json:"design"`
	CuratedNamesPatch
	CuratedTagsPatch
	Options map[string]any `json:"options"`
	Info    *string        `json:"info"`
	Img     *string        `json:"img"`
}

// Apply validates req and writes it into p (everything but img); fields
// are the body's raw top-level fields. create says whether design must be
// given.
func (req *OptionPackRequest) Apply(p *store.OptionPack, fields map[string]json.RawMessage, create bool) error {
	if create || req.Design != nil {
		d, err := CleanDesign(req.Design)
		if err != nil {
			return err
		}
		p.Design = d
	}
	if err := req.CuratedNamesPatch.Apply(&p.Name, &p.Notes); err != nil {
		return err
	}
	if err := req.CuratedTagsPatch.Apply(&p.Tags, fields); err != nil {
		return err
	}
	if req.Options != nil {
		o, err := MergeOptions(p.Options, req.Options)
		if err != nil {
			return err
		}
		p.Options = o
	}
	if req.Info != nil {
		info, err := CleanInfo(*req.Info)
		if err != nil {
			return err
		}
		p.Info = info
	}
	return nil
}

// OptionPacks are the handlers of /option-packs.
type OptionPacks struct{ d Deps }

// NewOptionPacks builds the handlers.
func NewOptionPacks(d Deps) *OptionPacks { return &OptionPacks{d} }

func opackOwner(id int64) string { return "opack-" + httpx.Itoa(id) }

func (h *OptionPacks) list(ctx context.Context) ([]OptionPack, error) {
	list, err := h.d.DB.Curated().Packs(ctx)
	if err != nil {
		return nil, err
	}
	return httpx.List(list, AsOptionPack), nil
}

// List is GET /option-packs.
func (h *OptionPacks) List(ctx context.Context, _ *httpx.In[httpx.None]) (OptionPacksResponse, error) {
	out, err := h.list(ctx)
	if err != nil {
		return OptionPacksResponse{}, err
	}
	return OptionPacksResponse{httpx.Success, out}, nil
}

// Array is GET /option-packs.json: the packs as a bare array.
func (h *OptionPacks) Array(ctx context.Context, _ *httpx.In[httpx.None]) ([]OptionPack, error) {
	return h.list(ctx)
}

// YAML is GET /option-packs.yaml.
func (h *OptionPacks) YAML(w http.ResponseWriter, r *http.Request) error {
	out, err := h.list(r.Context())
	if err != nil {
		return err
	}
	return httpx.EncodeYAML(w, out)
}

// File is GET /option-packs/{file}: {id}, {id}.json or {id}.yaml.
func (h *OptionPacks) File(w http.ResponseWriter, r *http.Request) error {
	return serveFile(w, r, &h.d, func(ctx context.Context, id int64) (*store.OptionPack, error) {
		return h.d.DB.Curated().PackByID(ctx, id)
	},
		func(p *store.OptionPack, author string) any { return AsOptionPackDocument(p, author) },
		func(p *store.OptionPack) any { return OptionPackResponse{httpx.Success, AsOptionPack(p)} })
}

// Create is POST /option-packs.
func (h *OptionPacks) Create(ctx context.Context, in *httpx.In[OptionPackRequest]) (OptionPackResponse, error) {
	req := &in.Body
	p := &store.OptionPack{Options: map[string]any{}}
	if err := req.Apply(p, in.Fields, true); err != nil {
		return OptionPackResponse{}, err
	}
	if err := opacks.createRow(ctx, &h.d, in.Caller().UserID, p, req.Img); err != nil {
		return OptionPackResponse{}, err
	}
	return OptionPackResponse{httpx.Created, AsOptionPack(p)}, nil
}

// Patch is PATCH /option-packs/{id}: null in options removes one.
func (h *OptionPacks) Patch(ctx context.Context, in *httpx.In[OptionPackRequest]) (OptionPackResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return OptionPackResponse{}, err
	}
	req := &in.Body
	p, err := opacks.patchRow(ctx, &h.d, in.Caller().UserID, id, req.Img,
		func(p *store.OptionPack) error { return req.Apply(p, in.Fields, false) })
	if err != nil {
		return OptionPackResponse{}, err
	}
	return OptionPackResponse{httpx.Success, AsOptionPack(p)}, nil
}

// Delete is DELETE /option-packs/{id}.
func (h *OptionPacks) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	return opacks.deleteRow(ctx, &h.d, in)
}
