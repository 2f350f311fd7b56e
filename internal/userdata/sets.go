package userdata

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"bobbin/internal/apierr"
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
	CreatedAt httpx.Stamp        `json:"createdAt"`
	UpdatedAt httpx.Stamp        `json:"updatedAt"`

	raw json.RawMessage `json:"-"` // the stored measies, shown instead of Measies
}

// AsSet is the answer object of a stored (opened) set.
func AsSet(s *store.Set) Set {
	m := s.Measies
	if m == nil && s.MeasiesJSON == nil {
		m = map[string]float64{}
	}
	return Set{ID: s.ID, UserID: s.UserID, Name: s.Name, Notes: s.Notes, Public: s.Public, Imperial: s.Imperial,
		Measies: m, Img: s.Img, CreatedAt: httpx.Stamp(s.CreatedAt), UpdatedAt: httpx.Stamp(s.UpdatedAt), raw: s.MeasiesJSON}
}

// SetRequest is the body of POST and PATCH /sets. Absent fields are left
// alone on PATCH; measies merge into what is stored (null deletes a name).
// Any other field (id, userId, createdAt...) is ignored.
type SetRequest struct {
	Name     *string                    `json:"name" doc:"Required on create" example:"My measurements"`
	Notes    *string                    `json:"notes"`
	Public   *bool                      `json:"public"`
	Imperial *bool                      `json:"imperial"`
	Measies  map[string]json.RawMessage `json:"measies" doc:"Measurements in mm (angles in degrees); on update they merge and null deletes one" example:"{\"chest\": 1000, \"neck\": 380}"`
	Img      *string                    `json:"img" doc:"A data: URI of a PNG, JPEG or WebP image"`
}

// SetResponse is {result, set}.
type SetResponse struct {
	httpx.Result
	Set Set `json:"set"`
}

// SetsResponse is {result, sets}.
type SetsResponse struct {
	httpx.Result
	Sets []Set `json:"sets"`
}

// SetOwner is the image owner name of a set.
func SetOwner(id int64) string { return "set-" + httpx.Itoa(id) }

// ObjectName checks a name: trimmed, required when required, not too long.
func ObjectName(v string, required bool) (string, error) {
	if !required && strings.TrimSpace(v) == "" {
		return "", nil
	}
	return trimmedText(v, maxObjectName, apierr.NameMissing, apierr.NameTooLong)
}

// trimmedText checks a required line of text: trimmed, not empty
// (missing), at most max characters (tooLong).
func trimmedText(v string, max int, missing, tooLong apierr.Code) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", missing
	}
	if utf8.RuneCountInString(v) > max {
		return "", tooLong
	}
	return v, nil
}

// ObjectNotes checks notes: kept as given, not too long.
func ObjectNotes(v string) (string, error) {
	if utf8.RuneCountInString(v) > maxObjectNotes {
		return "", apierr.NotesTooLong
	}
	return v, nil
}

// ApplySet validates the request's fields (except img) onto set; fields
// are the body's raw top-level fields (a null name is refused). Measies
// merge into the stored ones (measure.Merge: null deletes a name).
func ApplySet(set *store.Set, req *SetRequest, fields map[string]json.RawMessage) error {
	var err error
	if req.Name != nil {
		if set.Name, err = ObjectName(*req.Name, true); err != nil {
			return err
		}
	} else if string(fields["name"]) == "null" {
		return apierr.NameMissing
	}
	if req.Notes != nil {
		if set.Notes, err = ObjectNotes(*req.Notes); err != nil {
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

// CloneSet is the private copy of src for user (without its image, which
// the caller copies once the clone has an id).
func CloneSet(src *store.Set, user int64, now int64) *store.Set {
	measies := make(map[string]float64, len(src.Measies))
	for k, v := range src.Measies {
		measies[k] = v
	}
	return &store.Set{UserID: user, Name: src.Name, Notes: src.Notes, Imperial: src.Imperial,
		Measies: measies, CreatedAt: now, UpdatedAt: now}
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

// SetDocumentOf is the public document of an opened set by author.
func SetDocumentOf(set *store.Set, author string) SetDocument {
	units := "metric"
	if set.Imperial {
		units = "imperial"
	}
	m := set.Measies
	if m == nil {
		m = map[string]float64{}
	}
	return SetDocument{Author: author, Type: "measurementsSet",
		About: "Contains measurements in mm (shoulderSlope in degrees) as well as metadata",
		Name:  set.Name, Notes: set.Notes, Measurements: m, Units: units}
}

// Sets are the handlers of /sets.
type Sets struct{ d Deps }

// NewSets builds the handlers.
func NewSets(d Deps) *Sets { return &Sets{d} }

// Create is POST /sets.
func (h *Sets) Create(ctx context.Context, in *httpx.In[SetRequest]) (SetResponse, error) {
	req := &in.Body
	if req.Name == nil {
		return SetResponse{}, apierr.NameMissing
	}
	now := h.d.Now().UnixMilli()
	set := &store.Set{UserID: in.Caller().UserID, Measies: measure.Set{}, CreatedAt: now, UpdatedAt: now}
	if err := ApplySet(set, req, in.Fields); err != nil {
		return SetResponse{}, err
	}
	if err := setKind.create(ctx, h.d, set, req.Img, nil); err != nil {
		return SetResponse{}, err
	}
	return SetResponse{httpx.Created, AsSet(set)}, nil
}

// List is GET /sets: the caller's own.
func (h *Sets) List(ctx context.Context, in *httpx.In[httpx.None]) (SetsResponse, error) {
	sets, err := h.d.DB.Sets().ByUser(ctx, in.Caller().UserID)
	if err != nil {
		return SetsResponse{}, err
	}
	return SetsResponse{httpx.Success, httpx.List(sets, AsSet)}, nil
}

// Get is GET /sets/{id}: own, or level 6.
func (h *Sets) Get(ctx context.Context, in *httpx.In[httpx.None]) (SetResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return SetResponse{}, err
	}
	sets := h.d.DB.Sets()
	set, err := setKind.load(ctx, in.Caller(), sets.ByID, id, ReadLevel, sets.OpenView)
	if err != nil {
		return SetResponse{}, err
	}
	return SetResponse{httpx.Success, AsSet(set)}, nil
}

// Patch is PATCH /sets/{id}: own, or level 8 (recorded in the owner's
// audit log). Serve it through IDFirst.
func (h *Sets) Patch(ctx context.Context, in *httpx.In[SetRequest]) (SetResponse, error) {
	id, err := in.PathID("id")
	if err != nil {
		return SetResponse{}, err
	}
	req := &in.Body
	set, err := setKind.patch(ctx, h.d, id, req.Img, func(tx *store.Tx) (*store.Set, error) {
		// Read and lock in one statement: the merge reads and writes
		// measies in one step. Access is checked before decrypting.
		sets := tx.Sets()
		return setKind.load(ctx, in.Caller(), sets.ByIDLocked, id, ChangeLevel, sets.Open)
	}, func(set *store.Set) error { return ApplySet(set, req, in.Fields) })
	if err != nil {
		return SetResponse{}, err
	}
	return SetResponse{httpx.Success, AsSet(set)}, nil
}

// Delete is DELETE /sets/{id}: own, or level 8.
func (h *Sets) Delete(ctx context.Context, in *httpx.In[httpx.None]) error {
	return setKind.delete(ctx, h.d, in)
}

// Clone is POST /sets/{id}/clone: it copies a set the caller owns, a
// public set, or (level 8) any set into the caller's account. The copy is
// private.
func (h *Sets) Clone(ctx context.Context, in *httpx.In[httpx.None]) (SetResponse, error) {
	clone, err := setKind.clone(ctx, h.d, in, CloneSet)
	if err != nil {
		return SetResponse{}, err
	}
	return SetResponse{httpx.Created, AsSet(clone)}, nil
}

// Document serves GET /sets/{id}.json and .yaml: public sets only; any
// other case is the same 404.
func (h *Sets) Document(w http.ResponseWriter, r *http.Request) error {
	return setKind.document(w, r, h.d, func(set *store.Set, author string) any { return SetDocumentOf(set, author) })
}
