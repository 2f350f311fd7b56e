package curation

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/measure"
	"bobbin/internal/store"
)

// Suggestions: users (level 4) propose a measurements set for curation or
// an option pack; curators (level 5) list and remove them. What a user
// suggests is theirs, so it is stored encrypted.

// CuratedSetSuggestion is the body of POST /curated-sets/suggest. The
// measurements come from one of the caller's sets (or a public one), from
// measies, or both (measies win).
type CuratedSetSuggestion struct {
	Set     *int64                     `json:"set"`
	Name    string                     `json:"name"`
	Notes   string                     `json:"notes"`
	Height  *float64                   `json:"height"`
	Measies map[string]json.RawMessage `json:"measies"`
	Img     *string                    `json:"img"`
}

// OptionPackSuggestion is the body of POST /option-packs/suggest.
type OptionPackSuggestion struct {
	Design  *string        `json:"design"`
	Name    string         `json:"name"`
	Notes   string         `json:"notes"`
	Options map[string]any `json:"options"`
}

// Submission names a stored suggestion.
type Submission struct {
	Type string `json:"type"` // "cset" or "opack"
	ID   string `json:"id"`
}

// SubmissionResponse is {result, submission}.
type SubmissionResponse struct {
	httpx.Result
	Submission Submission `json:"submission"`
}

// Suggestion is one stored suggestion, as curators see it.
type Suggestion struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	UserID    int64          `json:"userId"`
	Data      map[string]any `json:"data"`
	CreatedAt httpx.Stamp    `json:"createdAt"`
}

// SuggestionsResponse is {result, suggestions}.
type SuggestionsResponse struct {
	httpx.Result
	Suggestions []Suggestion `json:"suggestions"`
}

// Suggestions are the handlers of the suggest routes and of
// /suggested-sets and /suggested-packs.
type Suggestions struct{ d Deps }

// NewSuggestions builds the handlers.
func NewSuggestions(d Deps) *Suggestions { return &Suggestions{d} }

func sugsetOwner(id string) string { return "sugset-" + id }

// SuggestSet is POST /curated-sets/suggest.
func (h *Suggestions) SuggestSet(ctx context.Context, in *httpx.In[CuratedSetSuggestion]) (SubmissionResponse, error) {
	req := &in.Body
	name, notes, err := SuggestionText(req.Name, req.Notes)
	if err != nil {
		return SubmissionResponse{}, err
	}
	if name == "" {
		return SubmissionResponse{}, apierr.NameMissing
	}
	if req.Set == nil && req.Measies == nil {
		return SubmissionResponse{}, apierr.SuggestSetMissing
	}
	data := map[string]any{"name": name, "notes": notes}
	if req.Height != nil {
		h, err := CleanHeight(*req.Height)
		if err != nil {
			return SubmissionResponse{}, err
		}
		data["height"] = h
	}
	c := in.Caller()
	measies := measure.Set{}
	if req.Set != nil {
		if *req.Set < 1 {
			return SubmissionResponse{}, apierr.NotFound
		}
		src, err := h.d.DB.Sets().ByID(ctx, *req.Set)
		if err != nil {
			return SubmissionResponse{}, err
		}
		// Someone else's private set cannot be suggested (nor its
		// measurements copied) below the level that may read it.
		if !src.Public {
			if err := httpx.MayAccess(c, src.UserID, auth.Bughunter); err != nil {
				return SubmissionResponse{}, err
			}
		}
		if err := h.d.DB.Sets().Open(src); err != nil {
			return SubmissionResponse{}, err
		}
		data["set"] = *req.Set
		measies = src.Measies
	}
	// Merge copies (so the set's map is never changed) and keeps only
	// known names with positive finite numbers.
	data["measies"] = measure.Merge(measies, req.Measies)
	id, err := uuid.NewRandom()
	if err != nil {
		return SubmissionResponse{}, err
	}
	if req.Img != nil {
		img, err := h.d.Images.Accept(ctx, sugsetOwner(id.String()), *req.Img)
		if err != nil {
			return SubmissionResponse{}, err
		}
		data["img"] = img
	}
	return h.store(ctx, &store.Suggestion{ID: id.String(), Type: store.SuggestCuratedSet, UserID: c.UserID, Data: data})
}

// SuggestPack is POST /option-packs/suggest.
func (h *Suggestions) SuggestPack(ctx context.Context, in *httpx.In[OptionPackSuggestion]) (SubmissionResponse, error) {
	req := &in.Body
	design, err := CleanDesign(req.Design)
	if err != nil {
		return SubmissionResponse{}, err
	}
	if !httpx.Present(in.Fields["options"]) {
		return SubmissionResponse{}, apierr.PackOptionsMissing
	}
	options, err := MergeOptions(nil, req.Options)
	if err != nil {
		return SubmissionResponse{}, err
	}
	name, notes, err := SuggestionText(req.Name, req.Notes)
	if err != nil {
		return SubmissionResponse{}, err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return SubmissionResponse{}, err
	}
	data := map[string]any{"design": design, "name": name, "notes": notes, "options": options}
	return h.store(ctx, &store.Suggestion{ID: id.String(), Type: store.SuggestOptionPack, UserID: in.Caller().UserID, Data: data})
}

func (h *Suggestions) store(ctx context.Context, sg *store.Suggestion) (SubmissionResponse, error) {
	err := h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().CreateSuggestion(ctx, sg); err != nil {
			return err
		}
		return h.d.Audit.In(ctx, tx, sg.UserID, "suggestion.created", sg.Type+" "+sg.ID)
	})
	if err != nil {
		if sg.Type == store.SuggestCuratedSet {
			h.d.Images.Drop(ctx, sugsetOwner(sg.ID))
		}
		return SubmissionResponse{}, err
	}
	return SubmissionResponse{httpx.Success, Submission{Type: sg.Type, ID: sg.ID}}, nil
}

func (h *Suggestions) list(ctx context.Context, typ string) (SuggestionsResponse, error) {
	list, err := h.d.DB.Curated().Suggestions(ctx, typ)
	if err != nil {
		return SuggestionsResponse{}, err
	}
	out := make([]Suggestion, len(list))
	for i, sg := range list {
		out[i] = Suggestion{ID: sg.ID, Type: sg.Type, UserID: sg.UserID, Data: sg.Data, CreatedAt: httpx.Stamp(sg.CreatedAt)}
	}
	return SuggestionsResponse{httpx.Success, out}, nil
}

func (h *Suggestions) delete(ctx context.Context, in *httpx.In[httpx.None], typ string) error {
	id, err := uuid.Parse(in.Path("id"))
	if err != nil {
		return apierr.NotFound
	}
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().DeleteSuggestion(ctx, typ, id.String()); err != nil {
			return err
		}
		return h.d.Audit.In(ctx, tx, in.Caller().UserID, "suggestion.deleted", typ+" "+id.String())
	})
	if err != nil {
		return err
	}
	if typ == store.SuggestCuratedSet {
		h.d.Images.Drop(ctx, sugsetOwner(id.String()))
	}
	return nil
}

// Sets is GET /suggested-sets.
func (h *Suggestions) Sets(ctx context.Context, _ *httpx.In[httpx.None]) (SuggestionsResponse, error) {
	return h.list(ctx, store.SuggestCuratedSet)
}

// Packs is GET /suggested-packs.
func (h *Suggestions) Packs(ctx context.Context, _ *httpx.In[httpx.None]) (SuggestionsResponse, error) {
	return h.list(ctx, store.SuggestOptionPack)
}

// DeleteSet is DELETE /suggested-sets/{id}.
func (h *Suggestions) DeleteSet(ctx context.Context, in *httpx.In[httpx.None]) error {
	return h.delete(ctx, in, store.SuggestCuratedSet)
}

// DeletePack is DELETE /suggested-packs/{id}.
func (h *Suggestions) DeletePack(ctx context.Context, in *httpx.In[httpx.None]) error {
	return h.delete(ctx, in, store.SuggestOptionPack)
}
