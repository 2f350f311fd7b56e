package curation

import (
	"context"
	"net/http"

	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Curated sets and option packs are created, changed, deleted and served
// as files by the same steps, written once below; a material says which
// rows, image owner and audit events a step means.
type material[T any] struct {
	created, updated, deleted string                // the curator's audit events
	owner                     func(id int64) string // the image owner name
	byID                      func(store.Curated, context.Context, int64) (*T, error)
	create, save              func(store.Curated, context.Context, *T) error
	remove                    func(store.Curated, context.Context, int64) error
	parts                     func(*T) (id *int64, img *string)
}

var (
	csets = material[store.CuratedSet]{created: "curatedSet.created", updated: "curatedSet.updated", deleted: "curatedSet.deleted",
		owner: csetOwner, byID: store.Curated.SetByID, create: store.Curated.CreateSet, save: store.Curated.SaveSet, remove: store.Curated.DeleteSet,
		parts: func(c *store.CuratedSet) (*int64, *string) { return &c.ID, &c.Img }}
	opacks = material[store.OptionPack]{created: "optionPack.created", updated: "optionPack.updated", deleted: "optionPack.deleted",
		owner: opackOwner, byID: store.Curated.PackByID, create: store.Curated.CreatePack, save: store.Curated.SavePack, remove: store.Curated.DeletePack,
		parts: func(p *store.OptionPack) (*int64, *string) { return &p.ID, &p.Img }}
)

// createRow stores the new row v for curator uid, with the image img when
// one is given, and records it in the curator's audit log.
func (m material[T]) createRow(ctx context.Context, d *Deps, uid int64, v *T, img *string) error {
	id, vimg := m.parts(v)
	record := func(tx *store.Tx) error {
		return d.Audit.In(ctx, tx, uid, m.created, httpx.Itoa(*id))
	}
	err := d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := m.create(tx.Curated(), ctx, v); err != nil {
			return err
		}
		if img != nil {
			return nil // recorded with the image below
		}
		return record(tx)
	})
	if err != nil || img == nil {
		return err
	}
	// The image is named after the id, so it is stored once the row exists;
	// a refused image takes the new row away again.
	return d.attachImage(ctx, m.owner(*id), *img, vimg, func(tx *store.Tx) error {
		if err := m.save(tx.Curated(), ctx, v); err != nil {
			return err
		}
		return record(tx)
	}, func(tx *store.Tx) error {
		return m.remove(tx.Curated(), ctx, *id)
	})
}

// patchRow changes row id for curator uid: apply validates the request
// onto it, img (when given) replaces its image. The image is stored
// first, once the row is known to exist; the row is read again inside
// the transaction, so that parallel updates merge.
func (m material[T]) patchRow(ctx context.Context, d *Deps, uid, id int64, img *string, apply func(*T) error) (*T, error) {
	if _, err := m.byID(d.DB.Curated(), ctx, id); err != nil {
		return nil, err
	}
	var name string
	if img != nil {
		var err error
		if name, err = d.Images.Accept(ctx, m.owner(id), *img); err != nil {
			return nil, err
		}
	}
	var v *T
	err := d.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if v, err = m.byID(tx.Curated(), ctx, id); err != nil {
			return err
		}
		if err := apply(v); err != nil {
			return err
		}
		if img != nil {
			_, vimg := m.parts(v)
			*vimg = name
		}
		if err := m.save(tx.Curated(), ctx, v); err != nil {
			return err
		}
		return d.Audit.In(ctx, tx, uid, m.updated, httpx.Itoa(id))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// deleteRow deletes the row of the {id} path value, records it in the
// curator's audit log and drops its image.
func (m material[T]) deleteRow(ctx context.Context, d *Deps, in *httpx.In[httpx.None]) error {
	id, err := in.PathID("id")
	if err != nil {
		return err
	}
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		if err := m.remove(tx.Curated(), ctx, id); err != nil {
			return err
		}
		return d.Audit.In(ctx, tx, in.Caller().UserID, m.deleted, httpx.Itoa(id))
	})
	if err != nil {
		return err
	}
	d.Images.Drop(ctx, m.owner(id))
	return nil
}

// serveFile serves GET /<material>/{file}: {id} answers the row's answer,
// {id}.json and {id}.yaml its document (doc, by the site's name); read
// reads the row the caller may see.
func serveFile[T any](w http.ResponseWriter, r *http.Request, d *Deps, read func(context.Context, int64) (*T, error), doc func(*T, string) any, answer func(*T) any) error {
	id, format, err := ParseFile(r.PathValue("file"))
	if err != nil {
		return err
	}
	v, err := read(r.Context(), id)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return httpx.Encode(w, http.StatusOK, doc(v, d.SiteName))
	case "yaml":
		return httpx.EncodeYAML(w, doc(v, d.SiteName))
	}
	return httpx.Encode(w, http.StatusOK, answer(v))
}
