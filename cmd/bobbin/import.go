package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"bobbin/internal/app"
	"bobbin/internal/config"
	"bobbin/internal/fsimport"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// importFlags are the flags of `bobbin import freesewing`; every other flag
// is a Bobbin setting. --enc-key here is upstream's key: Bobbin's own comes
// from BACKEND_ENC_KEY or the data dir.
var importFlags = map[string]bool{"--from": true, "--enc-key": true, "--enc-key-file": true, "--jwt-secret": true,
	"--jwt-secret-file": true, "--jwt-issuer": true, "--jwt-audience": true, "--jwt-max-age": true, "--progress": true}

// importCommand runs `bobbin import freesewing ...`.
func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "freesewing" {
		return &usageError{errors.New("import: the one source is freesewing: bobbin import freesewing --from FILE --enc-key KEY [--jwt-secret S] [--dry-run]")}
	}
	opts := fsimport.Options{}
	var rest []string
	vals := map[string]string{}
	for i := 1; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(a, "=")
		switch {
		case name == "--dry-run":
			opts.DryRun = !hasValue || value == "true"
		case importFlags[name]:
			if !hasValue {
				if i+1 >= len(args) {
					return &usageError{fmt.Errorf("import: %s needs a value", name)}
				}
				value = args[i+1]
				i++
			}
			vals[name] = value
		default:
			rest = append(rest, a)
		}
	}
	cfg, extra, err := config.Load(rest, getenv)
	if err != nil {
		// An unknown flag, or a bad value given as a flag, is the command
		// line's error; a bad value from the environment is the start's.
		var ce *config.Error
		if !errors.As(err, &ce) || flagGiven(rest, ce.Flag) {
			return &usageError{err}
		}
		return err
	}
	if len(extra) > 0 {
		return &usageError{fmt.Errorf("import: unexpected argument %q", extra[0])}
	}
	for _, f := range []struct{ flag, file string }{{"--enc-key", "--enc-key-file"}, {"--jwt-secret", "--jwt-secret-file"}} {
		if p := vals[f.file]; p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("import: %s: %w", f.file, err)
			}
			vals[f.flag] = strings.TrimRight(string(b), "\r\n")
		}
	}
	opts.From, opts.EncKey, opts.JWTSecret = vals["--from"], vals["--enc-key"], vals["--jwt-secret"]
	opts.JWTIssuer, opts.JWTAudience, opts.Progress = vals["--jwt-issuer"], vals["--jwt-audience"], vals["--progress"]
	if v := vals["--jwt-max-age"]; v != "" {
		d, err := config.ParseDuration(v)
		if err != nil {
			return &usageError{fmt.Errorf("import: --jwt-max-age: %v", err)}
		}
		opts.JWTMaxAge = d
	}
	if opts.From == "" || opts.EncKey == "" {
		return &usageError{errors.New("import: --from and --enc-key (or --enc-key-file) are required")}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// Upstream's file and key first: a wrong key stops here, before
	// Bobbin's database is created or migrated.
	if err := fsimport.Check(ctx, opts.From, opts.EncKey); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// A bulk run allocates fast and keeps little: collect less often, but
	// never let the heap pass 200 MiB (docs/import.md, "At scale").
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(200 << 20)
	if opts.DryRun {
		db, err := openForDryRun(ctx, cfg)
		if err != nil {
			return err
		}
		if db != nil {
			defer db.Close()
			opts.Target = fsimport.StoreTarget{DB: db}
		}
	} else {
		a, err := app.New(ctx, cfg, log, app.Options{NoMailWorker: true})
		if err != nil {
			return err
		}
		defer a.Close()
		t := fsimport.StoreTarget{DB: a.DB}
		if err := t.Tune(ctx); err != nil {
			return err
		}
		opts.Target = t
	}
	_, err = fsimport.Run(ctx, opts, stdout)
	if errors.Is(err, context.Canceled) {
		return errors.New("import: interrupted; the batches written are kept: run the same command again to finish")
	}
	return err
}

// openForDryRun opens Bobbin's database without creating or migrating
// anything; nil when there is none yet, or it is not migrated (the dry run
// then counts against an empty database).
func openForDryRun(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	if !cfg.IsPostgres() {
		if _, err := os.Stat(cfg.SQLitePath()); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	// Read the secrets of the data dir; a dry run creates none.
	if err := cfg.EnsureSecrets(func([]byte) error { return errNoSecrets }); errors.Is(err, errNoSecrets) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	v, err := vault.New(cfg.EncKey)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DBURL, v)
	if err != nil {
		return nil, err
	}
	pend, err := db.PendingMigrations(ctx)
	if err != nil || len(pend) > 0 {
		db.Close()
		return nil, err
	}
	return db, nil
}

var errNoSecrets = errors.New("no secrets yet")

// flagGiven reports whether args name the flag (--name or -name, with
// its value after = or as the next argument).
func flagGiven(args []string, name string) bool {
	for _, a := range args {
		a, _, _ = strings.Cut(a, "=")
		if a == "--"+name || a == "-"+name {
			return true
		}
	}
	return false
}
