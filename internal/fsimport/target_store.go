package fsimport

// The Target on today's internal/store. This file is the only one of the
// package that knows the store's shape.

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"bobbin/internal/auth"
	"bobbin/internal/store"
)

// StoreTarget writes Bobbin's database through internal/store.
type StoreTarget struct{ DB *store.DB }

var _ Target = StoreTarget{}

var errRollback = errors.New("fsimport: dry run, rolled back")

// Digests implements Target.
func (t StoreTarget) Digests(ctx context.Context, table string, ids []string) (map[string]string, error) {
	return t.DB.Import().Digests(ctx, table, ids)
}

// write runs fn in one transaction, rolled back when commit is false.
func (t StoreTarget) write(ctx context.Context, commit bool, fn func(tx *store.Tx) error) error {
	err := t.DB.Write(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if !commit {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// Apply implements Target.
func (t StoreTarget) Apply(ctx context.Context, b *Batch, commit bool) ([]Skip, error) {
	var skips []Skip
	err := t.write(ctx, commit, func(tx *store.Tx) error {
		skips = skips[:0]
		// A new row must not take the id of one made in Bobbin (users:
		// ImportUserClash).
		var taken map[string]bool
		if b.Table != "users" {
			var ids []any
			for _, it := range b.Items {
				if it.New {
					if n, err := strconv.ParseInt(it.ID, 10, 64); err == nil && b.Table != "apikeys" && b.Table != "subscribers" {
						ids = append(ids, n)
					} else {
						ids = append(ids, it.ID)
					}
				}
			}
			var err error
			if taken, err = tx.Import().IDsTaken(ctx, b.Table, ids); err != nil {
				return err
			}
		}
		var ids, digests []string
		for _, it := range b.Items {
			if it.New && taken[it.ID] {
				skips = append(skips, Skip{Table: b.Table, ID: it.ID, Reason: "id belongs to a row made in Bobbin"})
				continue
			}
			if !commit && b.Table != "users" && b.Table != "subscribers" {
				continue
			}
			reason, err := t.put(ctx, tx, it)
			if err != nil {
				return fmt.Errorf("%s %s: %w", b.Table, it.ID, err)
			}
			if reason != "" {
				skips = append(skips, Skip{Table: b.Table, ID: it.ID, Reason: reason})
				continue
			}
			ids, digests = append(ids, it.ID), append(digests, it.Digest)
		}
		return tx.Import().Marks(ctx, b.Table, ids, digests)
	})
	return skips, err
}

// put writes one record; a non-empty reason means it was refused.
func (t StoreTarget) put(ctx context.Context, tx *store.Tx, it Item) (string, error) {
	switch r := it.Record.(type) {
	case *User:
		reason, err := tx.Import().UserClash(ctx, r.ID, r.Username, r.Email)
		if err != nil || reason != "" {
			return reason, err
		}
		return "", tx.Import().User(ctx, &store.User{ID: r.ID, Username: r.Username, Email: r.Email, Initial: r.Initial,
			Bio: r.Bio, Data: r.Data, Consent: r.Consent, Control: r.Control, Compare: r.Compare, Imperial: r.Imperial,
			Newsletter: r.Newsletter, Language: r.Language, Role: auth.Role(r.Role), Status: auth.Status(r.Status), Patron: r.Patron,
			Password: r.Password, MFAEnabled: r.MFA, MFASecret: r.MFASecret, Img: r.Img, JWTCalls: r.JWTCalls,
			KeyCalls: r.KeyCalls, LastSeen: r.LastSeen, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	case *Key:
		return "", tx.Import().Key(ctx, &store.APIKey{ID: r.ID, UserID: r.UserID, Name: r.Name, Level: r.Level,
			ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt, LastSeen: r.LastSeen, Calls: r.Calls}, r.LegacySecret, it.New)
	case *Set:
		return "", tx.Import().Set(ctx, &store.Set{ID: r.ID, UserID: r.UserID, Name: r.Name, Notes: r.Notes, Public: r.Public,
			Imperial: r.Imperial, Measies: r.Measies, Img: r.Img, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	case *Pattern:
		return "", tx.Import().Pattern(ctx, &store.Pattern{ID: r.ID, UserID: r.UserID, Design: r.Design, Name: r.Name,
			Notes: r.Notes, Public: r.Public, Settings: r.Settings, Data: r.Data, Img: r.Img, CreatedAt: r.CreatedAt,
			UpdatedAt: r.UpdatedAt})
	case *Bookmark:
		return "", tx.Import().Bookmark(ctx, &store.Bookmark{ID: r.ID, UserID: r.UserID, Type: r.Type, Title: r.Title,
			URL: r.URL, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	case *Subscriber:
		err := tx.Import().Subscriber(ctx, &store.Subscriber{ID: r.ID, Email: r.Email, Language: r.Language,
			Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
		if errors.Is(err, store.ErrConflict) {
			return "address is another subscriber's", nil
		}
		return "", err
	case *CuratedSet:
		return "", tx.Import().CuratedSet(ctx, &store.CuratedSet{ID: r.ID, Name: r.Name, Notes: r.Notes, Tags: r.Tags,
			Measies: r.Measies, Height: r.Height, Info: r.Info, Published: r.Published, Img: r.Img,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	case *OptionPack:
		return "", tx.Import().OptionPack(ctx, &store.OptionPack{ID: r.ID, Design: r.Design, Name: r.Name, Notes: r.Notes,
			Tags: r.Tags, Options: r.Options, Info: r.Info, Img: r.Img, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	}
	return "", fmt.Errorf("fsimport: no writer for %T", it.Record)
}

// Finish implements Target.
func (t StoreTarget) Finish(ctx context.Context, l *LegacyJWT, commit bool) error {
	return t.write(ctx, commit, func(tx *store.Tx) error {
		if err := tx.Import().Sequences(ctx); err != nil {
			return err
		}
		if l == nil {
			return nil
		}
		if err := tx.Import().SetLegacyJWT(ctx, &store.LegacyJWT{Secret: l.Secret, Issuer: l.Issuer, Audience: l.Audience,
			IssuedBefore: l.IssuedBefore}); err != nil {
			return err
		}
		return tx.Import().LegacySessions(ctx, l.SessionsUntil)
	})
}

// Tune sets the import's connection up for a long bulk write on SQLite:
// synchronous=NORMAL (in WAL mode a crash loses at most the last batches,
// which a second run writes again: the import is resumable) and no memory
// map of the database file (so the process's memory stays bounded by its
// own pages, not the file's size). The server's own connections keep their
// settings; this is for the `bobbin import` process only.
func (t StoreTarget) Tune(ctx context.Context) error {
	if t.DB.Dialect() != store.SQLite {
		return nil
	}
	for _, p := range []string{"PRAGMA synchronous=NORMAL", "PRAGMA mmap_size=0"} {
		if _, err := t.DB.Exec(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
