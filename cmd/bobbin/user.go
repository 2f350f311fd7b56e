package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"bobbin/internal/apierr"
	"bobbin/internal/app"
	"bobbin/internal/auth"
	"bobbin/internal/ident"
	"bobbin/internal/identity"
	"bobbin/internal/password"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// statusWord prints an account status with its name (auth.md): -1 is a
// restriction the user asked for, -2 a disabling by an admin.
func statusWord(s auth.Status) string { return fmt.Sprintf("%d (%s)", int(s), s) }

func userCommands(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	user := &cobra.Command{
		Use:   "user",
		Short: "Operator work on accounts: create, set-role, set-status, disable",
		Long: `Operator work on accounts, on the same database as the server (it may run
beside a serving process). WHO is a user's id, username or email.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &usageError{errors.New("user: name a command: create, set-role, set-status or disable")}
		},
	}
	open := func(cmd *cobra.Command) (*app.App, error) { return openForCommand(cmd, getenv, stderr) }

	var email, role, pw, username string
	create := &cobra.Command{
		Use:   "create --email EMAIL [--role ROLE] [--password PASSWORD] [--username NAME]",
		Short: "Create an account (active, consent given), e.g. the first admin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			email = strings.TrimSpace(email)
			if email == "" || !strings.Contains(email, "@") {
				return &usageError{errors.New("user create: --email is required")}
			}
			if !auth.Role(role).Valid() {
				return &usageError{fmt.Errorf("user create: unknown role %q (one of %s)", role, strings.Join(auth.RoleNames(), ", "))}
			}
			if pw != "" {
				if err := password.Validate(pw); err != nil {
					return fmt.Errorf("user create: --password: %v", err)
				}
			}
			a, err := open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			return createUser(cmd.Context(), a.DB, email, role, pw, username, stdout)
		},
	}
	create.Flags().StringVar(&email, "email", "", "the account's email address (required)")
	create.Flags().StringVar(&role, "role", "user", "role: "+strings.Join(auth.RoleNames(), ", "))
	create.Flags().StringVar(&pw, "password", "", "password for POST /signin (default: none; sign in by link)")
	create.Flags().StringVar(&username, "username", "", "username (default user-<id>)")

	setRole := &cobra.Command{
		Use:   "set-role WHO ROLE",
		Short: "Change an account's role (" + strings.Join(auth.RoleNames(), ", ") + ")",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			args = positional(args)
			if !auth.Role(args[1]).Valid() {
				return &usageError{fmt.Errorf("user set-role: unknown role %q (one of %s)", args[1], strings.Join(auth.RoleNames(), ", "))}
			}
			return change(cmd, open, args[0], func(u *store.User) { u.Role = auth.Role(args[1]) }, stdout)
		},
	}
	setStatus := &cobra.Command{
		Use:   "set-status WHO STATUS",
		Short: "Set an account's status: 1 active, 0 unconfirmed, -1 restricted (by the user), -2 disabled (by an admin)",
		Long: `Set an account's status. STATUS is one of
   1  active
   0  unconfirmed (signed up, not yet confirmed)
  -1  restricted (the user restricted their own account)
  -2  disabled (by an admin; same as "user disable")
A status other than 1 ends the account's sessions at once; its API keys stop
on their next use.`,
		Example: "  bobbin user set-status 42 -2",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			args = positional(args)
			n, err := strconv.Atoi(args[1])
			if err != nil || !auth.Status(n).Valid() {
				return &usageError{errors.New("user set-status: STATUS must be 1 (active), 0 (unconfirmed), -1 (restricted) or -2 (disabled)")}
			}
			return change(cmd, open, args[0], func(u *store.User) { u.Status = auth.Status(n) }, stdout)
		},
	}
	disable := &cobra.Command{
		Use:   "disable WHO",
		Short: "Disable an account (status -2, disabled by an admin) and end its sessions at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			args = positional(args)
			return change(cmd, open, args[0], func(u *store.User) { u.Status = auth.StatusDisabled }, stdout)
		},
	}
	user.AddCommand(create, setRole, setStatus, disable)
	return user
}

func createUser(ctx context.Context, db *store.DB, email, role, pw, username string, out io.Writer) error {
	// The same identifiers as signup (auth.md "Identifiers").
	prepared, err := ident.Email(email)
	if err != nil || !identity.ValidEmail(prepared) {
		return fmt.Errorf("user create: --email %q is not a valid address (emailInvalid)", email)
	}
	email = prepared
	var chosen *ident.Name
	if username != "" {
		n, err := identity.PrepareUsername(username)
		if err != nil {
			c, _, _ := apierr.From(err)
			return fmt.Errorf("user create: --username %q: %s", username, c.Name())
		}
		chosen = &n
	}
	u := &store.User{Username: "user-" + vault.Token(8), Email: email, Language: "en", Role: auth.Role(role), Status: auth.StatusActive,
		Consent: 1, Control: 1, Compare: true}
	if pw != "" {
		h := password.NewHasher(password.Default, 1, 0)
		var err error
		if u.Password, err = h.Hash(ctx, pw); err != nil {
			return err
		}
	}
	err = db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.Users().Create(ctx, u); err != nil {
			return err
		}
		name := ident.AutoUsername(u.ID)
		if chosen != nil {
			if id, ok := chosen.Automatic(); ok && id != u.ID {
				return store.ErrConflict // another account's automatic name
			}
			name = *chosen
		}
		u.Username = name.Display
		if err := tx.Users().Save(ctx, u); err != nil {
			return err
		}
		// A look-alike of an existing username is refused (UNIQUE skeleton).
		if _, err := tx.Users().SkeletonHolder(ctx, name.Skeleton); err == nil {
			return store.ErrConflict
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Users().SetSkeleton(ctx, u.ID, name.Skeleton)
	})
	if errors.Is(err, store.ErrConflict) {
		return errors.New("user create: that email or username already has an account")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created user %d (%s) with role %s\n", u.ID, u.Username, u.Role)
	return nil
}

// change applies edit to the account named by who and saves it; a status
// other than active or a blocked role ends the account's sessions at once.
func change(cmd *cobra.Command, open func(*cobra.Command) (*app.App, error), who string, edit func(*store.User), out io.Writer) error {
	a, err := open(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, db := cmd.Context(), a.DB
	u, err := findUser(ctx, db, who)
	if err != nil {
		return err
	}
	edit(u)
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
	fmt.Fprintf(out, "user %d (%s): role %s, status %s\n", u.ID, u.Username, u.Role, statusWord(u.Status))
	return nil
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

// openForCommand loads the config and opens the app for one operator
// command (user, mail): on the server's database, without a mail worker.
func openForCommand(cmd *cobra.Command, getenv func(string) string, stderr io.Writer) (*app.App, error) {
	cfg, err := loadConfig(cmd, getenv)
	if err != nil {
		return nil, err
	}
	return app.New(cmd.Context(), cfg, newLogger(cfg, stderr), app.Options{NoMailWorker: true})
}
