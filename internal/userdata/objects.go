package userdata

import (
	"context"
	"net/http"
	"strings"
	"time"

	"bobbin/internal/apierr"
	"bobbin/internal/auth"
	"bobbin/internal/httpx"
	"bobbin/internal/store"
)

// Sets and patterns are created, read, changed, cloned, deleted and
// published by the same steps, written once below; an object says which
// table, image owner and audit events a step means.

// rows is what the steps need of the store of sets or of patterns.
type rows[T any] interface {
	ByID(ctx context.Context, id int64) (*T, error)
	Open(*T) error
	Create(ctx context.Context, v *T) error
	Save(ctx context.Context, v *T) error
	Delete(ctx context.Context, id int64) error
}

// tables are the DB or a write transaction.
type tables interface {
	Sets() store.Sets
	Patterns() store.Patterns
}

// parts are the fields of a stored set or pattern that the steps read
// (id, owner, public, image) and write (image, update time).
type parts struct {
	id, userID, updatedAt *int64
	public                *bool
	img                   *string
}

// object is one kind of the user's objects: sets, or patterns.
type object[T any, R rows[T]] struct {
	changed, deleted string                // the owner's audit events of a change and a deletion by staff
	owner            func(id int64) string // the image owner name
	rows             func(tables) R
	parts            func(*T) parts
}

var (
	setKind = object[store.Set, store.Sets]{changed: "set.changed", deleted: "set.deleted", owner: SetOwner,
		rows: func(db tables) store.Sets { return db.Sets() },
		parts: func(s *store.Set) parts {
			return parts{id: &s.ID, userID: &s.UserID, updatedAt: &s.UpdatedAt, public: &s.Public, img: &s.Img}
		}}
	patternKind = object[store.Pattern, store.Patterns]{changed: "pattern.changed", deleted: "pattern.deleted", owner: PatternOwner,
		rows: func(db tables) store.Patterns { return db.Patterns() },
		parts: func(p *store.Pattern) parts {
			return parts{id: &p.ID, userID: &p.UserID, updatedAt: &p.UpdatedAt, public: &p.Public, img: &p.Img}
		}}
)

// load reads object id with read, checks that c may act on it (owner, or
// level min) and only then opens it with open (the store's Open, or
// Sets.OpenView for a set that is only shown).
func (o object[T, R]) load(ctx context.Context, c *httpx.Caller, read func(context.Context, int64) (*T, error), id int64, min auth.Level, open func(*T) error) (*T, error) {
	v, err := read(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := httpx.MayAccess(c, *o.parts(v).userID, min); err != nil {
		return nil, err
	}
	return v, open(v)
}

// create stores the new object v with the image img when one is given;
// check (when not nil) runs first in the same transaction.
func (o object[T, R]) create(ctx context.Context, d Deps, v *T, img *string, check func(tx *store.Tx) error) error {
	f := o.parts(v)
	since, put := time.Now(), ""
	err := d.DB.Write(ctx, func(tx *store.Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		rs := o.rows(tx)
		if err := rs.Create(ctx, v); err != nil {
			return err
		}
		if img == nil || strings.TrimSpace(*img) == "" {
			return nil
		}
		// The image's owner name needs the id: store it now, inside the
		// transaction; Settle below removes it if the commit fails.
		name, err := d.Images.Accept(ctx, o.owner(*f.id), *img)
		if err != nil {
			return err
		}
		*f.img, put = name, name
		return rs.Save(ctx, v)
	})
	if img != nil && *f.id != 0 {
		d.Images.Settle(ctx, o.owner(*f.id), since, put)
	}
	return err
}

// patch changes object id in one transaction: load reads it (and locks
// it) and checks that the caller may change it, apply validates the
// request onto it, img (when given) replaces its image. A change by staff
// is recorded in the owner's audit log.
func (o object[T, R]) patch(ctx context.Context, d Deps, id int64, img *string, load func(tx *store.Tx) (*T, error), apply func(*T) error) (*T, error) {
	since, put := time.Now(), ""
	var v *T
	err := d.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if v, err = load(tx); err != nil {
			return err
		}
		if err := apply(v); err != nil {
			return err
		}
		f := o.parts(v)
		if img != nil {
			if *f.img, err = d.Images.Accept(ctx, o.owner(id), *img); err != nil {
				return err
			}
			put = *f.img
		}
		*f.updatedAt = d.Now().UnixMilli()
		if err := o.rows(tx).Save(ctx, v); err != nil {
			return err
		}
		return d.Audit.Foreign(ctx, tx, *f.userID, o.changed, httpx.Itoa(id))
	})
	if img != nil {
		d.Images.Settle(ctx, o.owner(id), since, put)
	}
	return v, err
}

// delete deletes the object of the {id} path value (own, or level 8:
// recorded in the owner's audit log) and then its image.
func (o object[T, R]) delete(ctx context.Context, d Deps, in *httpx.In[httpx.None]) error {
	id, err := in.PathID("id")
	if err != nil {
		return err
	}
	c := in.Caller()
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		rs := o.rows(tx)
		v, err := rs.ByID(ctx, id)
		if err != nil {
			return err
		}
		owner := *o.parts(v).userID
		if err := MayChange(c, owner); err != nil {
			return err
		}
		if err := rs.Delete(ctx, id); err != nil {
			return err
		}
		return d.Audit.Foreign(ctx, tx, owner, o.deleted, httpx.Itoa(id))
	})
	if err != nil {
		return err
	}
	d.Images.Drop(ctx, o.owner(id))
	return nil
}

// clone copies the object of the {id} path value (own, public, or level
// 8) into the caller's account as copyOf makes it, with a copy of its
// image.
func (o object[T, R]) clone(ctx context.Context, d Deps, in *httpx.In[httpx.None], copyOf func(src *T, user, now int64) *T) (*T, error) {
	id, err := in.PathID("id")
	if err != nil {
		return nil, err
	}
	c := in.Caller()
	since, put := time.Now(), ""
	var clone *T
	err = d.DB.Write(ctx, func(tx *store.Tx) error {
		rs := o.rows(tx)
		src, err := rs.ByID(ctx, id)
		if err != nil {
			return err
		}
		from := o.parts(src)
		if err := MayClone(c, *from.userID, *from.public); err != nil {
			return err
		}
		if err := rs.Open(src); err != nil {
			return err
		}
		clone = copyOf(src, c.UserID, d.Now().UnixMilli())
		if err := rs.Create(ctx, clone); err != nil {
			return err
		}
		if *from.img == "" {
			return nil
		}
		to := o.parts(clone)
		if *to.img, err = d.Images.Copy(ctx, o.owner(*to.id), *from.img); err != nil {
			return err
		}
		put = *to.img
		return rs.Save(ctx, clone)
	})
	if clone != nil && *o.parts(clone).id != 0 && put != "" {
		d.Images.Settle(ctx, o.owner(*o.parts(clone).id), since, put)
	}
	return clone, err
}

// document serves the public .json/.yaml document (doc) of an object:
// public ones only; any other case is the same 404.
func (o object[T, R]) document(w http.ResponseWriter, r *http.Request, d Deps, doc func(v *T, author string) any) error {
	id, format, ok := httpx.DocFile(r.PathValue("file"))
	if !ok {
		return apierr.NotFound
	}
	ctx := r.Context()
	rs := o.rows(d.DB)
	v, err := rs.ByID(ctx, id)
	if err != nil {
		return err
	}
	if err := Published(*o.parts(v).public); err != nil {
		return err
	}
	if err := rs.Open(v); err != nil {
		return err
	}
	return httpx.WriteDocument(w, format, doc(v, d.SiteName))
}
