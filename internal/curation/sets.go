package curation

import (
	"context"
	"encoding/json"
	"net/http"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/measure"
	"bobbin/internal/store"
	"bobbin/internal/userdata"
)

// Curated sets. Anonymous callers see published sets only; curators
// (level 5) create, change and delete them, and read the unpublished ones
// through the authenticated twins of the list and read routes. Anyone at
// level 3 may clone one into a regular set.

// CuratedSet is the curatedSet object of api.md.
type CuratedSet struct {
	ID int64 `json:"id"`
	CuratedNames
	CuratedTags
	Measies   map[string]float64 `json:"measies"`
	Height    int64              `json:"height"`
	Info      string             `json:"info"`
	Published bool               `json:"published"`
	Img       string             `json:"img"`
	CreatedAt httpx.Stamp        `json:"createdAt"`
	UpdatedAt httpx.Stamp        `json:"updatedAt"`
}

// AsCuratedSet is the answer object of a stored curated set.
func AsCuratedSet(c *store.CuratedSet) CuratedSet {
	return CuratedSet{ID: c.ID, CuratedNames: AsCuratedNames(c.Name, c.Notes), CuratedTags: AsCuratedTags(c.Tags), Measies: c.Measies,
		Height: c.Height, Info: c.Info, Published: c.Published, Img: c.Img, CreatedAt: httpx.Stamp(c.CreatedAt),
		UpdatedAt: httpx.Stamp(c.UpdatedAt)}
}

// CuratedSetResponse is {result, curatedSet}.
type CuratedSetResponse struct {
	httpx.Result
	CuratedSet CuratedSet `json:"curatedSet"`
}

// CuratedSetsResponse is {result, curatedSets}.
type CuratedSetsResponse struct {
	httpx.Result
	CuratedSets []CuratedSet `json:"curatedSets"`
}

// CuratedSetDocument is GET /curated-sets/{id}.json (and .yaml): the set
// as a self-describing measurements file.
type CuratedSetDocument struct {
	Author string `json:"author"`
	Type   string `json:"type"` // "curatedMeasurementsSet"
	About  string `json:"about"`
	Units  string `json:"units"` // "metric": measurements in mm, shoulderSlope in degrees
	ID     int64  `json:"id"`
	CuratedNames
	CuratedTags
	Height       int64              `json:"height"`
	Info         string             `json:"info"`
	Published    bool               `json:"published"`
	Img          string             `json:"img"`
	CreatedAt    httpx.Stamp        `json:"createdAt"`
	UpdatedAt    httpx.Stamp        `json:"updatedAt"`
	Measurements map[string]float64 `json:"measurements"`
}

// AsCuratedSetDocument is the public document of a set; author is the
// website's URL.
func AsCuratedSetDocument(c *store.CuratedSet, author string) CuratedSetDocument {
	o := AsCuratedSet(c)
	return CuratedSetDocument{Author: author, Type: "curatedMeasurementsSet",
		About: "A curated measurements set: measurements in mm (shoulderSlope in degrees) and metadata",
		Units: "metric", ID: o.ID, CuratedNames: o.CuratedNames, CuratedTags: o.CuratedTags, Height: o.Height, Info: o.Info,
		Published: o.Published, Img: o.Img, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Measurements: o.Measies}
}

// CuratedSetRequest is the body of POST and PATCH /curated-sets. Absent
// fields are left alone on update; measies merge (null deletes a name).
type CuratedSetRequest struct {
	CuratedNamesPatch
	CuratedTagsPatch
	Measies   map[string]json.RawMessage `json:"measies"`
	Height    *float64                   `json:"height"`
	Info      *string                    `json:"info"`
	Published *bool                      `json:"published"`
	Img       *string                    `json:"img"`
}

// Apply validates req and writes it into c (everything but img); fields
// are the body's raw top-level fields (tagsXx: null leaves them alone).
func (req *CuratedSetRequest) Apply(c *store.CuratedSet, fields map[string]json.RawMessage) error {
	if err := req.CuratedNamesPatch.Apply(&c.Name, &c.Notes); err != nil {
		return err
	}
	if err := req.CuratedTagsPatch.Apply(&c.Tags, fields); err != nil {
		return err
	}
	if req.Measies != nil {
		c.Measies = measure.Merge(c.Measies, req.Measies)
	}
	if req.Height != nil {
		h, err := CleanHeight(*req.Height)
		if err != nil {
			return err
		}
		c.Height = h
	}
	if req.Info != nil {
		info, err := CleanInfo(*req.Info)
		if err != nil {
			return err
		}
		c.Info = info
	}
	if req.Published != nil {
		c.Published = *req.Published
	}
	return nil
}

// MayReadUnpublished says whether a caller sees unpublished sets: only the
// authenticated curator routes do; the public routes (nil caller) never
// read credentials.
func MayReadUnpublished(c *httpx.Caller) bool {
	return c != nil && c.Level >= auth.Curator
}

// CuratedSets are the handlers of /curated-sets.
type CuratedSets struct{ d Deps }

// NewCuratedSets builds the handlers.
func NewCuratedSets(d Deps) *CuratedSets { return &CuratedSets{d} }

func csetOwner(id int64) string { return "cset-" + httpx.Itoa(id) }

// read reads a set the caller may see; unpublished is 404 to everyone
// below curator.
func (h *CuratedSets) read(ctx context.Context, id int64) (*store.CuratedSet, error) {
	c, err := h.d.DB.Curated().SetByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.Published && !MayReadUnpublished(httpx.CallerOf(ctx)) {
		return nil, apierr.NotFound
	}
	return c, nil
}

func (h *CuratedSets) list(ctx context.Context) ([]CuratedSet, error) {
	list, err := h.d.DB.Curated().Sets(ctx, !MayReadUnpublished(httpx.CallerOf(ctx)))
	if err != nil {
		return nil, err
	}
	return httpx.List(list, AsCuratedSet), nil
}

// List is GET /curated-sets (published only on the public route).
func (h *CuratedSets) List(ctx context.Context, _ *httpx.In[httpx.None]) (CuratedSetsResponse, error) {
	out, err := h.list(ctx)
	if err != nil {
		return CuratedSetsResponse{}, err
	}
	return CuratedSetsResponse{httpx.Success, out}, nil
}

// Array is GET /curated-sets.json: the published sets as a bare array.
func (h *CuratedSets) Array(ctx context.Context, _ *httpx.In[httpx.None]) ([]CuratedSet, error) {
	return h.list(ctx)
}

// YAML is GET /curated-sets.yaml.
func (h *CuratedSets) YAML(w http.ResponseWriter, r *http.Request) error {
	out, err := h.list(r.Context())
	if err != nil {
		return err
	}
	return httpx.EncodeYAML(w, out)
}

// File is GET /curated-sets/{file}: {id} answers {result, curatedSet},
// {id}.json and {id}.yaml the set's document.
func (h *CuratedSets) File(w http.ResponseWriter, r *http.Request) error {
	return serveFile(w, r, &h.d, h.read,
		func(c *store.CuratedSet, author string) any { return AsCuratedSetDocument(c, author) },
		func(c *store.CuratedSet) any { return CuratedSetResponse{httpx.Success, AsCuratedSet(c)} })
}

// Get is GET /curated-sets/{id}/(jwt|key) for curators.
func (h *CuratedSets) Get(ctx context.Context, in *httpx.In[httpx.None]) (CuratedSetResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return CuratedSetResponse{}, err
	}
	c, err := h.read(ctx, id)
	if err != nil {
		return CuratedSetResponse{}, err
	}
	return CuratedSetResponse{httpx.Success, AsCuratedSet(c)}, nil
}

// Create is POST /curated-sets.
func (h *CuratedSets) Create(ctx context.Context, in *httpx.In[CuratedSetRequest]) (CuratedSetResponse, error) {
	req := &in.Body
	c := &store.CuratedSet{Measies: map[string]float64{}}
	if err := req.Apply(c, in.Fields); err != nil {
		return CuratedSetResponse{}, err
	}
	if err := csets.createRow(ctx, &h.d, in.Caller().UserID, c, req.Img); err != nil {
		return CuratedSetResponse{}, err
	}
	return CuratedSetResponse{httpx.Created, AsCuratedSet(c)}, nil
}

// Patch is PATCH /curated-sets/{id}: measies merge.
func (h *CuratedSets) Patch(ctx context.Context, in *httpx.In[CuratedSetRequest]) (CuratedSetResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return CuratedSetResponse{}, err
	}
	req := &in.Body
	c, err := csets.patchRow(ctx, &h.d, in.Caller().UserID, id, req.Img,
		func(c *store.CuratedSet) error { return req.Apply(c, in.Fields) })
	if err != nil {
		return CuratedSetResponse{}, err
	}
	return CuratedSetResponse{httpx.Success, AsCuratedSet(c)}, nil
}

// Delete is DELETE /curated-sets/{id}.
func (h *CuratedSets) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	return csets.deleteRow(ctx, &h.d, in)
}

// CuratedCloneRequest is the body of POST /curated-sets/{id}/clone.
type CuratedCloneRequest struct {
	Language string `json:"language" required:"true" enum:"Language" doc:"The language of the name and notes the copy takes"`
}

// Clone is POST /curated-sets/{id}/clone: a private regular set in the
// caller's account from a curated set the caller may see, named and
// annotated in the language asked (CloneText). Its units follow the
// account's preference.
func (h *CuratedSets) Clone(ctx context.Context, in *httpx.In[CuratedCloneRequest]) (userdata.SetResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return userdata.SetResponse{}, err
	}
	li, err := CloneLanguage(in.Body.Language)
	if err != nil {
		return userdata.SetResponse{}, err
	}
	c, err := h.read(ctx, id)
	if err != nil {
		return userdata.SetResponse{}, err
	}
	cl := in.Caller()
	u, err := h.d.DB.Users().ByID(ctx, cl.UserID)
	if err != nil {
		return userdata.SetResponse{}, err
	}
	set := &store.Set{UserID: cl.UserID, Imperial: u.Imperial, Measies: c.Measies}
	set.Name, set.Notes = CloneText(c, li)
	if err := h.d.DB.Write(ctx, func(tx *store.Tx) error { return tx.Sets().Create(ctx, set) }); err != nil {
		return userdata.SetResponse{}, err
	}
	return userdata.SetResponse{Result: httpx.Created, Set: userdata.AsSet(set)}, nil
}
