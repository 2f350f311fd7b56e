package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"bobbin/internal/app"
	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/password"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// userFlags are the user subcommand's own flags; everything else is a
// setting for config.Load.
var userFlags = map[string]bool{"--email": true, "--role": true, "--password": true, "--username": true}

// splitUserArgs separates "create --email x --role admin --port 1" into the
// user part and the config part.
func splitUserArgs(args []string) (user, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(a, "=")
		if userFlags[name] {
			user = append(user, a)
			if !hasValue && i+1 < len(args) {
				user = append(user, args[i+1])
				i++
			}
			continue
		}
		if strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				rest = append(rest, args[i+1])
				i++
			}
			continue
		}
		user = append(user, a)
	}
	return user, rest
}

func userCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	db := a.DB
	switch args[0] {
	case "create":
		opts := map[string]string{}
		for i := 1; i < len(args); i++ {
			name, value, ok := strings.Cut(args[i], "=")
			if !ok {
				if i+1 >= len(args) {
					return fmt.Errorf("user create: %s needs a value", name)
				}
				value = args[i+1]
				i++
			}
			opts[strings.TrimPrefix(name, "--")] = value
		}
		email := strings.TrimSpace(opts["email"])
		if email == "" || !strings.Contains(email, "@") {
			return errors.New("user create: --email is required")
		}
		role := opts["role"]
		if role == "" {
			role = "user"
		}
		if !auth.Role(role).Valid() {
			return fmt.Errorf("user create: unknown role %q (one of %s)", role, strings.Join(auth.RoleNames(), ", "))
		}
		u := &store.User{Username: "user-" + vault.Token(8), Email: email, Language: "en", Role: auth.Role(role), Status: auth.StatusActive,
			Consent: 1, Control: 1, Compare: true}
		if pw := opts["password"]; pw != "" {
			if err := password.Validate(pw); err != nil {
				return fmt.Errorf("user create: --password: %v", err)
			}
			h := password.NewHasher(password.Default, 1, 0)
			if u.Password, err = h.Hash(ctx, pw); err != nil {
				return err
			}
		}
		err := db.Write(ctx, func(tx *store.Tx) error {
			if err := tx.Users().Create(ctx, u); err != nil {
				return err
			}
			u.Username = "user-" + strconv.FormatInt(u.ID, 10)
			if n := opts["username"]; n != "" {
				u.Username = n
			}
			return tx.Users().Save(ctx, u)
		})
		if errors.Is(err, store.ErrConflict) {
			return errors.New("user create: that email or username already has an account")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "created user %d (%s) with role %s\n", u.ID, u.Username, u.Role)
		return nil
	case "set-role", "set-status", "disable":
		want := 3
		if args[0] == "disable" {
			want = 2
		}
		if len(args) != want {
			return fmt.Errorf("user %s: wrong number of arguments", args[0])
		}
		u, err := findUser(ctx, db, args[1])
		if err != nil {
			return err
		}
		switch args[0] {
		case "set-role":
			if !auth.Role(args[2]).Valid() {
				return fmt.Errorf("user set-role: unknown role %q (one of %s)", args[2], strings.Join(auth.RoleNames(), ", "))
			}
			u.Role = auth.Role(args[2])
		case "set-status":
			n, err := strconv.Atoi(args[2])
			if err != nil || !auth.Status(n).Valid() {
				return errors.New("user set-status: status must be 1 (active), 0 (unconfirmed), -1 (restricted) or -2 (disabled)")
			}
			u.Status = auth.Status(n)
		case "disable":
			u.Status = auth.StatusDisabled
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			if err := tx.Users().Save(ctx, u); err != nil {
				return err
			}
			// Sessions end at once; keys stop through the status check.
			if u.Status != auth.StatusActive || u.Role.Level() < 0 {
				return tx.Sessions().RevokeOthers(ctx, u.ID, "")
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "user %d (%s): role %s, status %d (%s)\n", u.ID, u.Username, u.Role, u.Status, u.Status)
		return nil
	}
	return fmt.Errorf("user: unknown subcommand %q", args[0])
}

func findUser(ctx context.Context, db *store.DB, who string) (*store.User, error) {
	u, err := db.Users().ByUsername(ctx, who)
	if errors.Is(err, store.ErrNotFound) && strings.Contains(who, "@") {
		u, err = db.Users().ByEmail(ctx, who)
	}
	if errors.Is(err, store.ErrNotFound) {
		if id, perr := strconv.ParseInt(who, 10, 64); perr == nil {
			u, err = db.Users().ByID(ctx, id)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no user %q", who)
	}
	return u, err
}
