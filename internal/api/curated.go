package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/measure"
	"bobbin/internal/store"
	"bobbin/internal/userdata"
)

// Curated sets (docs/curated.md). Anonymous callers see published sets
// only; curators (level 5) create, change and delete them, and read the
// unpublished ones through the authenticated twins of the list and read
// routes. Anyone at level 3 may clone one into a regular set.

// Limits on curated text.
const (
	maxCuratedName  = 200
	maxCuratedNotes = 10_000
	maxCuratedInfo  = 10_000
	maxCuratedTags  = 50
	maxCuratedTag   = 64
	maxHeight       = 10_000
)

// CuratedNames are the names and notes of a curated set or option pack in
// every language.
type CuratedNames struct {
	NameDe  string `json:"nameDe"`
	NameEn  string `json:"nameEn"`
	NameEs  string `json:"nameEs"`
	NameFr  string `json:"nameFr"`
	NameNl  string `json:"nameNl"`
	NameUk  string `json:"nameUk"`
	NotesDe string `json:"notesDe"`
	NotesEn string `json:"notesEn"`
	NotesEs string `json:"notesEs"`
	NotesFr string `json:"notesFr"`
	NotesNl string `json:"notesNl"`
	NotesUk string `json:"notesUk"`
}

func asCuratedNames(name, notes [6]string) CuratedNames {
	// store.CuratedLangs order: de en es fr nl uk
	return CuratedNames{name[0], name[1], name[2], name[3], name[4], name[5],
		notes[0], notes[1], notes[2], notes[3], notes[4], notes[5]}
}

// CuratedNamesPatch is the names and notes part of a create or update body.
type CuratedNamesPatch struct {
	NameDe  *string `json:"nameDe"`
	NameEn  *string `json:"nameEn"`
	NameEs  *string `json:"nameEs"`
	NameFr  *string `json:"nameFr"`
	NameNl  *string `json:"nameNl"`
	NameUk  *string `json:"nameUk"`
	NotesDe *string `json:"notesDe"`
	NotesEn *string `json:"notesEn"`
	NotesEs *string `json:"notesEs"`
	NotesFr *string `json:"notesFr"`
	NotesNl *string `json:"notesNl"`
	NotesUk *string `json:"notesUk"`
}

// apply writes the fields given into name and notes (store.CuratedLangs
// order). Text is trimmed; English must keep a name.
func (p *CuratedNamesPatch) apply(name, notes *[6]string) error {
	names := [6]*string{p.NameDe, p.NameEn, p.NameEs, p.NameFr, p.NameNl, p.NameUk}
	notesIn := [6]*string{p.NotesDe, p.NotesEn, p.NotesEs, p.NotesFr, p.NotesNl, p.NotesUk}
	for i, lang := range store.CuratedLangs {
		suffix := strings.ToUpper(lang[:1]) + lang[1:]
		if v := names[i]; v != nil {
			t := strings.TrimSpace(*v)
			if utf8.RuneCountInString(t) > maxCuratedName {
				return apierr.TooLong("name" + suffix)
			}
			name[i] = t
		}
		if v := notesIn[i]; v != nil {
			t := strings.TrimSpace(*v)
			if utf8.RuneCountInString(t) > maxCuratedNotes {
				return apierr.TooLong("notes" + suffix)
			}
			notes[i] = t
		}
	}
	if name[store.CuratedLangIndex("en")] == "" {
		return apierr.NameEnMissing
	}
	return nil
}

// cleanTags trims tags and drops empty and repeated ones.
func cleanTags(in []string) ([]string, error) {
	out := []string{}
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxCuratedTag {
			return nil, apierr.CuratedTagsInvalid
		}
		out = append(out, t)
	}
	if len(out) > maxCuratedTags {
		return nil, apierr.CuratedTagsInvalid
	}
	return out, nil
}

// cleanInfo trims and bounds the info text.
func cleanInfo(v string) (string, error) {
	v = strings.TrimSpace(v)
	if utf8.RuneCountInString(v) > maxCuratedInfo {
		return "", apierr.CuratedInfoTooLong
	}
	return v, nil
}

// cleanHeight accepts a whole number from 0 to maxHeight.
func cleanHeight(f float64) (int64, error) {
	if f != math.Trunc(f) || f < 0 || f > maxHeight {
		return 0, apierr.CuratedHeightInvalid
	}
	return int64(f), nil
}

// CuratedSet is the curatedSet object of api.md.
type CuratedSet struct {
	ID int64 `json:"id"`
	CuratedNames
	Tags      []string           `json:"tags"`
	Measies   map[string]float64 `json:"measies"`
	Height    int64              `json:"height"`
	Info      string             `json:"info"`
	Published bool               `json:"published"`
	Img       string             `json:"img"`
	CreatedAt Stamp              `json:"createdAt"`
	UpdatedAt Stamp              `json:"updatedAt"`
}

func asCuratedSet(c *store.CuratedSet) CuratedSet {
	return CuratedSet{ID: c.ID, CuratedNames: asCuratedNames(c.Name, c.Notes), Tags: c.Tags, Measies: c.Measies,
		Height: c.Height, Info: c.Info, Published: c.Published, Img: c.Img, CreatedAt: Stamp(c.CreatedAt),
		UpdatedAt: Stamp(c.UpdatedAt)}
}

// CuratedSetResponse is {result, curatedSet}.
type CuratedSetResponse struct {
	Result
	CuratedSet CuratedSet `json:"curatedSet"`
}

// CuratedSetsResponse is {result, curatedSets}.
type CuratedSetsResponse struct {
	Result
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
	Tags         []string           `json:"tags"`
	Height       int64              `json:"height"`
	Info         string             `json:"info"`
	Published    bool               `json:"published"`
	Img          string             `json:"img"`
	CreatedAt    Stamp              `json:"createdAt"`
	UpdatedAt    Stamp              `json:"updatedAt"`
	Measurements map[string]float64 `json:"measurements"`
}

func (s *Server) curatedSetDocument(c *store.CuratedSet) CuratedSetDocument {
	o := asCuratedSet(c)
	return CuratedSetDocument{Author: s.Config.WebsiteURL, Type: "curatedMeasurementsSet",
		About: "A curated measurements set: measurements in mm (shoulderSlope in degrees) and metadata",
		Units: "metric", ID: o.ID, CuratedNames: o.CuratedNames, Tags: o.Tags, Height: o.Height, Info: o.Info,
		Published: o.Published, Img: o.Img, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Measurements: o.Measies}
}

// CuratedSetRequest is the body of POST and PATCH /curated-sets. Absent
// fields are left alone on update; measies merge (null deletes a name).
type CuratedSetRequest struct {
	CuratedNamesPatch
	Tags      []string                   `json:"tags"`
	Measies   map[string]json.RawMessage `json:"measies"`
	Height    *float64                   `json:"height"`
	Info      *string                    `json:"info"`
	Published *bool                      `json:"published"`
	Img       *string                    `json:"img"`
}

// apply validates req and writes it into c (everything but img).
func (req *CuratedSetRequest) apply(c *store.CuratedSet, raw map[string]json.RawMessage) error {
	if err := req.CuratedNamesPatch.apply(&c.Name, &c.Notes); err != nil {
		return err
	}
	if present(raw["tags"]) {
		tags, err := cleanTags(req.Tags)
		if err != nil {
			return err
		}
		c.Tags = tags
	}
	if req.Measies != nil {
		c.Measies = measure.Merge(c.Measies, req.Measies)
	}
	if req.Height != nil {
		h, err := cleanHeight(*req.Height)
		if err != nil {
			return err
		}
		c.Height = h
	}
	if req.Info != nil {
		info, err := cleanInfo(*req.Info)
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

// mayReadUnpublished: only the authenticated curator routes show
// unpublished sets; the public routes never read credentials.
func mayReadUnpublished(r *http.Request) bool {
	c := caller(r)
	return c != nil && c.Level >= auth.Curator
}

// readCuratedSet reads a set the request may see; unpublished is 404 to
// everyone below curator.
func (s *Server) readCuratedSet(r *http.Request, id int64) (*store.CuratedSet, error) {
	c, err := s.DB.Curated().SetByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !c.Published && !mayReadUnpublished(r) {
		return nil, apierr.NotFound
	}
	return c, nil
}

func (s *Server) listCuratedSets(r *http.Request) ([]CuratedSet, error) {
	list, err := s.DB.Curated().Sets(r.Context(), !mayReadUnpublished(r))
	if err != nil {
		return nil, err
	}
	return asList(list, asCuratedSet), nil
}

func (s *Server) getCuratedSets(w http.ResponseWriter, r *http.Request) error {
	out, err := s.listCuratedSets(r)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, CuratedSetsResponse{success, out})
}

func (s *Server) getCuratedSetsJSON(w http.ResponseWriter, r *http.Request) error {
	out, err := s.listCuratedSets(r)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, out)
}

func (s *Server) getCuratedSetsYAML(w http.ResponseWriter, r *http.Request) error {
	out, err := s.listCuratedSets(r)
	if err != nil {
		return err
	}
	return httpx.EncodeYAML(w, out)
}

// getCuratedSetFile serves /curated-sets/{file}: {id}, {id}.json or
// {id}.yaml (the mux cannot match a suffix after a wildcard).
func (s *Server) getCuratedSetFile(w http.ResponseWriter, r *http.Request) error {
	idText, format := splitFormat(r.PathValue("file"))
	id, err := parseIDText(idText)
	if err != nil {
		return err
	}
	c, err := s.readCuratedSet(r, id)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return encode(w, http.StatusOK, s.curatedSetDocument(c))
	case "yaml":
		return httpx.EncodeYAML(w, s.curatedSetDocument(c))
	}
	return encode(w, http.StatusOK, CuratedSetResponse{success, asCuratedSet(c)})
}

// getCuratedSet serves GET /curated-sets/{id}/(jwt|key) for curators.
func (s *Server) getCuratedSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.readCuratedSet(r, id)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, CuratedSetResponse{success, asCuratedSet(c)})
}

func (s *Server) createCuratedSet(w http.ResponseWriter, r *http.Request) error {
	var req CuratedSetRequest
	raw, err := decode(r, &req)
	if err != nil {
		return err
	}
	c := &store.CuratedSet{Measies: map[string]float64{}, Tags: []string{}}
	if err := req.apply(c, raw); err != nil {
		return err
	}
	ctx := r.Context()
	uid := caller(r).UserID
	audit := func(tx *store.Tx) error {
		return tx.Audit().Add(ctx, s.event(r, uid, "curatedSet.created", itoa(c.ID)))
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().CreateSet(ctx, c); err != nil {
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
	// The image is named after the id, so it is stored once the row exists;
	// a refused image takes the new row away again.
	if req.Img != nil {
		if err := s.attachImage(r, "cset-"+itoa(c.ID), *req.Img, &c.Img, func(tx *store.Tx) error {
			if err := tx.Curated().SaveSet(ctx, c); err != nil {
				return err
			}
			return audit(tx)
		}, func(tx *store.Tx) error {
			return tx.Curated().DeleteSet(ctx, c.ID)
		}); err != nil {
			return err
		}
	}
	return encode(w, http.StatusCreated, CuratedSetResponse{created, asCuratedSet(c)})
}

// attachImage accepts an image for a row just created and saves it with
// save; when the image is refused, undo removes the row.
func (s *Server) attachImage(r *http.Request, owner, value string, img *string, save, undo func(tx *store.Tx) error) error {
	ctx := r.Context()
	v, err := s.acceptImage(ctx, owner, value)
	if err == nil {
		*img = v
		err = s.DB.Write(ctx, save)
	}
	if err != nil {
		if uerr := s.DB.Write(ctx, undo); uerr != nil && !errors.Is(uerr, store.ErrNotFound) {
			s.Log.ErrorContext(ctx, "removing a row after its image failed", "owner", owner, "err", uerr.Error())
		}
		s.dropImages(r.Context(), owner)
		return err
	}
	return nil
}

func (s *Server) patchCuratedSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req CuratedSetRequest
	raw, err := decode(r, &req)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.DB.Curated().SetByID(ctx, id); err != nil {
		return err
	}
	var img string
	if req.Img != nil {
		if img, err = s.acceptImage(ctx, "cset-"+itoa(id), *req.Img); err != nil {
			return err
		}
	}
	var c *store.CuratedSet
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		// Read inside the transaction, so parallel updates merge.
		var err error
		if c, err = tx.Curated().SetByID(ctx, id); err != nil {
			return err
		}
		if err := req.apply(c, raw); err != nil {
			return err
		}
		if req.Img != nil {
			c.Img = img
		}
		if err := tx.Curated().SaveSet(ctx, c); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, caller(r).UserID, "curatedSet.updated", itoa(id)))
	})
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, CuratedSetResponse{success, asCuratedSet(c)})
}

func (s *Server) deleteCuratedSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Curated().DeleteSet(ctx, id); err != nil {
			return err
		}
		return tx.Audit().Add(ctx, s.event(r, caller(r).UserID, "curatedSet.deleted", itoa(id)))
	})
	if err != nil {
		return err
	}
	s.dropImages(r.Context(), "cset-"+itoa(id))
	return noContent(w)
}

// CuratedCloneRequest is the body of POST /curated-sets/{id}/clone.
type CuratedCloneRequest struct {
	Language string `json:"language"`
}

// cloneCuratedSet makes a private regular set in the caller's account,
// named and annotated in the language asked, English where that
// language's text is empty. Its units follow the account's preference.
func (s *Server) cloneCuratedSet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req CuratedCloneRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	lang := strings.ToLower(strings.TrimSpace(req.Language))
	if lang == "" {
		return apierr.LanguageMissing
	}
	li := store.CuratedLangIndex(lang)
	if li < 0 {
		return apierr.UnsupportedLanguage
	}
	ctx := r.Context()
	c, err := s.readCuratedSet(r, id)
	if err != nil {
		return err
	}
	cl := caller(r)
	u, err := s.DB.Users().ByID(ctx, cl.UserID)
	if err != nil {
		return err
	}
	en := store.CuratedLangIndex("en")
	set := &store.Set{UserID: cl.UserID, Name: c.Name[li], Notes: c.Notes[li], Imperial: u.Imperial,
		Measies: c.Measies}
	if set.Name == "" {
		set.Name = c.Name[en]
	}
	if set.Notes == "" {
		set.Notes = c.Notes[en]
	}
	if err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.Sets().Create(ctx, set) }); err != nil {
		return err
	}
	return encode(w, http.StatusCreated, userdata.SetResponse{Result: created, Set: userdata.AsSet(set)})
}

// splitFormat splits "12.json" into "12" and "json"; a name without a
// known suffix has format "".
func splitFormat(file string) (string, string) {
	for _, f := range []string{"json", "yaml"} {
		if base, ok := strings.CutSuffix(file, "."+f); ok {
			return base, f
		}
	}
	return file, ""
}

// parseIDText reads a positive integer id; anything else is 404.
func parseIDText(v string) (int64, error) {
	var id int64
	if v == "" || len(v) > 18 {
		return 0, apierr.NotFound
	}
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			return 0, apierr.NotFound
		}
		id = id*10 + int64(ch-'0')
	}
	if id < 1 {
		return 0, apierr.NotFound
	}
	return id, nil
}
