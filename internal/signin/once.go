package signin

import (
	"context"
	"errors"
	"strings"
	"time"

	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// TakeOnce checks a one-use token "id.check" that names a stored
// confirmation (a provider sign-in's state, a passkey ceremony) and uses
// it up. fits says whether the confirmation serves here (its type, owner,
// age); a malformed or unknown token, a wrong check and a confirmation
// used by a parallel request all answer refused, and leave nothing used.
func TakeOnce(ctx context.Context, confs store.Confirmations, token string, now time.Time, refused error,
	fits func(*store.Confirmation) error) (*store.Confirmation, error) {
	id, check, ok := strings.Cut(token, ".")
	if !ok || id == "" || check == "" || len(token) > 200 {
		return nil, refused
	}
	conf, err := confs.ByID(ctx, id, now.UnixMilli())
	if errors.Is(err, store.ErrNotFound) {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	if err := fits(conf); err != nil {
		return nil, err
	}
	if !confs.CheckMatches(conf, check) {
		return nil, refused
	}
	if err := confs.Use(ctx, conf.ID); errors.Is(err, store.ErrNotFound) {
		return nil, refused
	} else if err != nil {
		return nil, err
	}
	return conf, nil
}

// NewOnce stores a one-use confirmation for TakeOnce on confs: of typ, of
// userID (0 when none), holding data, for ttl from now. It answers the
// token "<id>.<check>": the id names the row, the check (kept only as its
// keyed hash by v) proves it.
func NewOnce(ctx context.Context, confs store.Confirmations, v *vault.Vault, now time.Time, typ string, userID int64, data map[string]any, ttl time.Duration) (string, error) {
	id, check := vault.Token(16), vault.Token(16)
	err := confs.Create(ctx, &store.Confirmation{ID: id, Type: typ, UserID: userID, Data: data,
		CheckHash: v.Check(check), CreatedAt: now.UnixMilli(), ExpiresAt: now.Add(ttl).UnixMilli()})
	return id + "." + check, err
}
