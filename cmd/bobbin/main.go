// Command bobbin is the Bobbin server and its operator tools.
//
//	bobbin [serve] [flags]      serve the API (default)
//	bobbin migrate              apply schema migrations and exit
//	bobbin version              print the version
//	bobbin user create --email E [--role R] [--password P] [--username U]
//	bobbin user set-role ID|USERNAME|EMAIL ROLE
//	bobbin user set-status ID|USERNAME|EMAIL STATUS   (1 active, -1 restricted, -2 disabled)
//	bobbin user disable ID|USERNAME|EMAIL
//	bobbin import freesewing --from FILE --enc-key KEY [--jwt-secret S] [--dry-run]
//
// Every setting is an environment variable and a flag (bobbin help).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"bobbin/internal/app"
	"bobbin/internal/config"
	"bobbin/internal/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bobbin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "bobbin", version)
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	case "import": // bobbin import freesewing (import.go)
		return importCommand(ctx, args, getenv, stdout, stderr)
	case "serve", "migrate", "user":
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
	var sub []string
	if cmd == "user" {
		if len(args) == 0 {
			return errors.New("user: need create, set-role, set-status or disable")
		}
		sub, args = splitUserArgs(args)
	}
	cfg, rest, err := config.Load(args, getenv)
	if err != nil {
		return err
	}
	if cmd == "user" {
		sub = append(sub, rest...)
	} else if len(rest) > 0 {
		return fmt.Errorf("%s: unexpected argument %q", cmd, rest[0])
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "migrate":
		return migrate(ctx, cfg, log, stdout)
	case "user":
		return userCommand(ctx, cfg, log, sub, stdout)
	}
	return serve(ctx, cfg, log)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage: bobbin [serve|migrate|version|user ...] [flags]

  serve                     serve the API (default)
  migrate                   apply schema migrations and exit
  version                   print the version
  user create --email E [--role R] [--password P] [--username U]
  user set-role WHO ROLE    WHO is an id, username or email
  user set-status WHO N     1 active, -1 restricted, -2 disabled
  user disable WHO          same as set-status WHO -2
  import freesewing --from FILE --enc-key KEY [--jwt-secret S] [--dry-run]
                            move a FreeSewing v3 database in (docs/import.md)

settings (flag, environment variable, meaning):`)
	config.Usage(w)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	if cfg.GeneratedKey {
		log.Info("using the encryption key generated in the data dir; set BACKEND_ENC_KEY to manage it yourself")
	}
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		a.Close()
		return fmt.Errorf("config: BACKEND_HOST/BACKEND_PORT: %v", err)
	}
	serveErr := a.Serve(ctx, ln)
	closeErr := a.Close()
	if serveErr != nil {
		return serveErr
	}
	if closeErr != nil {
		return closeErr
	}
	log.Info("stopped cleanly")
	return nil
}

func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger, out io.Writer) error {
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	list, err := a.DB.Migrations()
	if err == nil {
		fmt.Fprintf(out, "schema up to date (%d migrations, %s)\n", len(list), a.DB.Dialect())
		err = reportLookAlikes(ctx, a.DB, out)
	}
	return errors.Join(err, a.Close())
}

// reportLookAlikes fills the username skeletons (store/identifiers.go) and
// prints every set of existing users whose usernames look alike: the
// oldest keeps the username's skeleton, the others are listed for an
// operator to resolve. Nothing is merged or renamed.
func reportLookAlikes(ctx context.Context, db *store.DB, out io.Writer) error {
	cs, err := db.Users().BackfillSkeletons(ctx)
	if err != nil {
		return fmt.Errorf("username skeletons: %w", err)
	}
	for _, c := range cs {
		others := make([]string, len(c.Others))
		for i, o := range c.Others {
			others[i] = fmt.Sprintf("%d %q", o.ID, o.Username)
		}
		fmt.Fprintf(out, "look-alike usernames (not merged): user %d %q keeps the name; also %s\n",
			c.Holder.ID, c.Holder.Username, strings.Join(others, ", "))
	}
	if len(cs) > 0 {
		fmt.Fprintf(out, "%d look-alike username sets: rename the later accounts to resolve them\n", len(cs))
	}
	return nil
}
