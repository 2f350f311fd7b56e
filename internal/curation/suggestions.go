package curation

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/images"
	"bobbin/internal/measure"
	"bobbin/internal/store"
)

// Suggestions: users (level 4) propose a measurements set for curation or
// an option pack; curators (level 5) list and remove them. What a user
// suggests is theirs, so it is stored encrypted.

// CuratedSetSuggestion is the body of POST /curated-sets/suggest, as
// upstream: set (one of the caller's sets, or a public one: its
// measurements), height (the free text the user typed, "166cm"), name and
// img are required; notes optional; measies, when given, override the
// set's.
type CuratedSetSuggestion struct {
	Set     *int64                     `json:"set"`
	Height  json.RawMessage            `json:"height" types:"string,number" doc:"The height as the user typed it (at most 64 characters)" example:"\"166cm\""`
	Name    string                     `json:"name"`
	Notes   string                     `json:"notes"`
	Img     *string                    `json:"img"`
	Measies map[string]json.RawMessage `json:"measies"`
}

// OptionPackSuggestion is the body of POST /option-packs/suggest, as
// upstream: design, options (an object) and notes are required.
type OptionPackSuggestion struct {
	Design  *string        `json:"design"`
	Name    string         `json:"name"`
	Notes   string         `json:"notes"`
	Options map[string]any `json:"options"`
}

// maxHeightText bounds a suggestion's height text (in characters).
const maxHeightText = 64

// HeightText reads a suggestion's height: the text as typed (a JSON
// number is taken as its digits); required.
func HeightText(raw json.RawMessage) (string, error) {
	if !httpx.Present(raw) {
		return "", apierr.SuggestHeightMissing
	}
	v, ok := httpx.TextOrNumber(raw)
	if !ok {
		return "", apierr.CuratedHeightInvalid
	}
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", apierr.SuggestHeightMissing
	case utf8.RuneCountInString(v) > maxHeightText:
		return "", apierr.SuggestHeightTooLong
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return "", apierr.CuratedHeightInvalid
		}
	}
	return v, nil
}

// HeightCM reads a height text as whole centimetres, the unit FreeSewing
// used for curated sets ("166", "166cm", "166 cm", "1660mm"); 0 when the
// text says it otherwise ("5'6\"").
func HeightCM(text string) int64 {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(text), " ", ""))
	div := 1.0
	switch {
	case strings.HasSuffix(t, "mm"):
		t, div = strings.TrimSuffix(t, "mm"), 10
	case strings.HasSuffix(t, "cm"):
		t = strings.TrimSuffix(t, "cm")
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", "."), 64)
	if err != nil || f <= 0 {
		return 0
	}
	cm := math.Round(f / div)
	if cm > maxHeight {
		return 0
	}
	return int64(cm)
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

// A suggestion's image is kept with the suggester's uploads
// (images.UploadOwner), which go with their account; a curated set made
// from it gets its own copy.

// SuggestSet is POST /curated-sets/suggest: set, height, name and img
// are checked in that order (403 setMissing, heightMissing, nameMissing,
// imgMissing, as upstream).
func (h *Suggestions) SuggestSet(ctx context.Context, in *httpx.In[CuratedSetSuggestion]) (SubmissionResponse, error) {
	req := &in.Body
	if req.Set == nil {
		return SubmissionResponse{}, apierr.SuggestSetMissing
	}
	height, err := HeightText(req.Height)
	if err != nil {
		return SubmissionResponse{}, err
	}
	name, notes, err := SuggestionText(req.Name, req.Notes)
	if err != nil {
		return SubmissionResponse{}, err
	}
	if name == "" {
		return SubmissionResponse{}, apierr.SuggestNameMissing
	}
	if req.Img == nil || strings.TrimSpace(*req.Img) == "" {
		return SubmissionResponse{}, apierr.SuggestImgMissing
	}
	data := map[string]any{"name": name, "notes": notes, "height": height}
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
	img, err := h.d.Images.Accept(ctx, images.UploadOwner(c.UserID), *req.Img)
	if err != nil {
		return SubmissionResponse{}, err
	}
	data["img"] = img
	return h.store(ctx, &store.Suggestion{ID: id.String(), Type: store.SuggestCuratedSet, UserID: c.UserID, Data: data})
}

// SuggestPack is POST /option-packs/suggest: design, options and notes
// are checked in that order (403 designMissing, optionsMissing,
// notesMissing, as upstream).
func (h *Suggestions) SuggestPack(ctx context.Context, in *httpx.In[OptionPackSuggestion]) (SubmissionResponse, error) {
	req := &in.Body
	if req.Design == nil || strings.TrimSpace(*req.Design) == "" {
		return SubmissionResponse{}, apierr.SuggestDesignMissing
	}
	design, err := CleanDesign(req.Design)
	if err != nil {
		return SubmissionResponse{}, err
	}
	if !httpx.Present(in.Fields["options"]) {
		return SubmissionResponse{}, apierr.SuggestOptionsMissing
	}
	options, err := MergeOptions(nil, req.Options)
	if err != nil {
		return SubmissionResponse{}, err
	}
	name, notes, err := SuggestionText(req.Name, req.Notes)
	if err != nil {
		return SubmissionResponse{}, err
	}
	if notes == "" {
		return SubmissionResponse{}, apierr.SuggestNotesMissing
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

// FromSuggestion is POST /curated-sets/from/{id} (level 5): the suggested
// set {id} becomes an unpublished curated set (named and annotated in
// English, its height in centimetres, the height as typed and the
// suggestion in info, its image copied) and the suggestion is removed.
func (h *Suggestions) FromSuggestion(ctx context.Context, in *httpx.In[httpx.None]) (CuratedSetResponse, error) {
	// The server may route /curated-sets/{from}/{id} here (see
	// internal/api muxOverlaps): only "from" is this route.
	if f := in.Path("from"); f != "" && f != "from" {
		return CuratedSetResponse{}, apierr.NotFound
	}
	id, err := uuid.Parse(in.Path("id"))
	if err != nil {
		return CuratedSetResponse{}, apierr.NotFound
	}
	sg, err := h.d.DB.Curated().SuggestionByID(ctx, store.SuggestCuratedSet, id.String())
	if err != nil {
		return CuratedSetResponse{}, err
	}
	c := CuratedFromSuggestion(sg)
	uid := in.Caller().UserID
	img, _ := sg.Data["img"].(string)
	err = h.d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().DeleteSuggestion(ctx, store.SuggestCuratedSet, sg.ID); err != nil {
			return err // a parallel conversion won: 404
		}
		if err := tx.Curated().CreateSet(ctx, c); err != nil {
			return err
		}
		return h.d.Audit.In(ctx, tx, uid, "curatedSet.created", httpx.Itoa(c.ID)+" from suggestion "+sg.ID)
	})
	if err != nil {
		return CuratedSetResponse{}, err
	}
	if img != "" {
		// Copied to the curated set (a copy that fails leaves it without one).
		if v, err := h.d.Images.Copy(ctx, csetOwner(c.ID), img); err == nil && v != "" {
			c.Img = v
			if err := h.d.DB.Write(ctx, func(tx *store.Tx) error { return tx.Curated().SaveSet(ctx, c) }); err != nil {
				h.d.Images.Drop(ctx, csetOwner(c.ID))
				return CuratedSetResponse{}, err
			}
		}
	}
	return CuratedSetResponse{httpx.Created, AsCuratedSet(c)}, nil
}

// CuratedFromSuggestion is the unpublished curated set a suggestion makes.
func CuratedFromSuggestion(sg *store.Suggestion) *store.CuratedSet {
	c := &store.CuratedSet{Measies: map[string]float64{}}
	en := store.CuratedLangIndex("en")
	c.Name[en], _ = sg.Data["name"].(string)
	c.Notes[en], _ = sg.Data["notes"].(string)
	height, _ := sg.Data["height"].(string)
	c.Height = HeightCM(height)
	c.Info = "From suggestion " + sg.ID + " by user " + httpx.Itoa(sg.UserID) + "; height as given: " + height
	if m, ok := sg.Data["measies"].(map[string]any); ok {
		for k, v := range m {
			if f, ok := v.(float64); ok && f > 0 {
				c.Measies[k] = f
			}
		}
	}
	return c
}
