package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/measure"
	"bobbin/internal/store"
)

// Suggestions (docs/curated.md): users (level 4) propose a measurements set
// for curation or an option pack; curators (level 5) list and remove them.
// What a user suggests is theirs, so it is stored encrypted.

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
	Result
	Submission Submission `json:"submission"`
}

// Suggestion is one stored suggestion, as curators see it.
type Suggestion struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	UserID    int64          `json:"userId"`
	Data      map[string]any `json:"data"`
	CreatedAt Stamp          `json:"createdAt"`
}

// SuggestionsResponse is {result, suggestions}.
type SuggestionsResponse struct {
	Result
	Suggestions []Suggestion `json:"suggestions"`
}

// suggestionText trims and bounds a suggestion's name and notes.
func suggestionText(name, notes string) (string, string, error) {
	name, notes = strings.TrimSpace(name), strings.TrimSpace(notes)
	if utf8.RuneCountInString(name) > maxCuratedName {
		return "", "", apierr.NameTooLong
	}
	if utf8.RuneCountInString(notes) > maxCuratedNotes {
		return "", "", apierr.NotesTooLong
	}
	return name, notes, nil
}

func (s *Server) suggestCuratedSet(w http.ResponseWriter, r *http.Request) error {
	var req CuratedSetSuggestion
	if _, err := decode(r, &req); err != nil {
		return err
	}
	name, notes, err := suggestionText(req.Name, req.Notes)
	if err != nil {
		return err
	}
	if name == "" {
		return apierr.NameMissing
	}
	if req.Set == nil && req.Measies == nil {
		return apierr.SuggestSetMissing
	}
	data := map[string]any{"name": name, "notes": notes}
	if req.Height != nil {
		h, err := cleanHeight(*req.Height)
		if err != nil {
			return err
		}
		data["height"] = h
	}
	ctx := r.Context()
	c := caller(r)
	measies := measure.Set{}
	if req.Set != nil {
		if *req.Set < 1 {
			return apierr.NotFound
		}
		src, err := s.DB.Sets().ByID(ctx, *req.Set)
		if err != nil {
			return err
		}
		// Someone else's private set cannot be suggested (nor its
		// measurements copied) below the level that may read it.
		if !src.Public {
			if err := mayAccess(c, src.UserID, auth.Bughunter); err != nil {
				return err
			}
		}
		if err := s.DB.Sets().Open(src); err != nil {
			return err
		}
		data["set"] = *req.Set
		measies = src.Measies
	}
	// Merge copies (so the set's map is never changed) and keeps only
	// known names with positive finite numbers.
	data["measies"] = measure.Merge(measies, req.Measies)
	id, err := uuid.NewRandom()
	if err != nil {
		return err
	}
	if req.Img != nil {
		img, err := s.acceptImage(ctx, "sugset-"+id.String(), *req.Img)
		if err != nil {
			return err
		}
		data["img"] = img
	}
	return s.storeSuggestion(w, r, &store.Suggestion{ID: id.String(), Type: store.SuggestCuratedSet, UserID: c.UserID, Data: data})
}

func (s *Server) suggestOptionPack(w http.ResponseWriter, r *http.Request) error {
	var req OptionPackSuggestion
	raw, err := decode(r, &req)
	if err != nil {
		return err
	}
	design, err := cleanDesign(req.Design)
	if err != nil {
		return err
	}
	if !present(raw["options"]) {
		return apierr.PackOptionsMissing
	}
	options, err := mergeOptions(nil, req.Options)
	if err != nil {
		return err
	}
	name, notes, err := suggestionText(req.Name, req.Notes)
	if err != nil {
		return err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return err
	}
	data := map[string]any{"design": design, "name": name, "notes": notes, "options": options}
	return s.storeSuggestion(w, r, &store.Suggestion{ID: id.String(), Type: store.SuggestOptionPack, UserID: caller(r).UserID, Data: data})
}

func (s *Server) storeSuggestion(w http.ResponseWriter, r *http.Request, sg *store.Suggestion) error {
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().CreateSuggestion(ctx, sg); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, sg.UserID, "suggestion.created", sg.Type+" "+sg.ID))
	})
	if err != nil {
		if sg.Type == store.SuggestCuratedSet {
			s.dropImages(r.Context(), "sugset-"+sg.ID)
		}
		return err
	}
	return encode(w, http.StatusOK, SubmissionResponse{success, Submission{Type: sg.Type, ID: sg.ID}})
}

func (s *Server) listSuggestions(w http.ResponseWriter, r *http.Request, typ string) error {
	list, err := s.DB.Curated().Suggestions(r.Context(), typ)
	if err != nil {
		return err
	}
	out := make([]Suggestion, len(list))
	for i, sg := range list {
		out[i] = Suggestion{ID: sg.ID, Type: sg.Type, UserID: sg.UserID, Data: sg.Data, CreatedAt: Stamp(sg.CreatedAt)}
	}
	return encode(w, http.StatusOK, SuggestionsResponse{success, out})
}

func (s *Server) deleteSuggestion(w http.ResponseWriter, r *http.Request, typ string) error {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return apierr.NotFound
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().DeleteSuggestion(ctx, typ, id.String()); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, caller(r).UserID, "suggestion.deleted", typ+" "+id.String()))
	})
	if err != nil {
		return err
	}
	if typ == store.SuggestCuratedSet {
		s.dropImages(r.Context(), "sugset-"+id.String())
	}
	return noContent(w)
}

func (s *Server) getSuggestedSets(w http.ResponseWriter, r *http.Request) error {
	return s.listSuggestions(w, r, store.SuggestCuratedSet)
}

func (s *Server) getSuggestedPacks(w http.ResponseWriter, r *http.Request) error {
	return s.listSuggestions(w, r, store.SuggestOptionPack)
}

func (s *Server) deleteSuggestedSet(w http.ResponseWriter, r *http.Request) error {
	return s.deleteSuggestion(w, r, store.SuggestCuratedSet)
}

func (s *Server) deleteSuggestedPack(w http.ResponseWriter, r *http.Request) error {
	return s.deleteSuggestion(w, r, store.SuggestOptionPack)
}
