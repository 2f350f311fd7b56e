// Command bobbin is the Bobbin server and its operator tools.
//
//	bobbin [serve] [flags]      serve the API (default)
//	bobbin migrate              apply schema migrations and exit
//	bobbin version              print the version
//	bobbin user create --email E [--role R] [--password P] [--username U]
//	bobbin user set-role ID|USERNAME|EMAIL ROLE
//	bobbin user set-status ID|USERNAME|EMAIL STATUS   (1 active, 0 inactive, -1 restricted, -2 disabled)
//	bobbin user disable ID|USERNAME|EMAIL
//	bobbin mail list [--status queued|failed]
//	bobbin mail retry [ID...]
//	bobbin import freesewing --from FILE --enc-key KEY [--jwt-secret S] [--dry-run]
//
// Every setting is an environment variable and a flag (bobbin --help).
// Every command answers --help and -h (exit 0); a wrong flag or argument
// prints the usage and exits 2; any other failure exits 1.
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
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"bobbin/internal/app"
	"bobbin/internal/config"
	"bobbin/internal/logbatch"
	"bobbin/internal/store"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

// usageError is a wrong command, flag or argument: exit 2, as flag
// parsers and the shell's own tools do.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// exitCode prints err (if any) and maps it to the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "bobbin:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// run builds the command tree and executes args. It is main without the
// process: the tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	root := newRoot(getenv, stdout, stderr)
	root.SetArgs(protectNegatives(args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && isUsageError(err) {
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintln(stderr, cmd.UsageString())
		var ue *usageError
		if !errors.As(err, &ue) {
			err = &usageError{err}
		}
	}
	return err
}

// isUsageError tells the errors of the command line itself (cobra's
// "unknown command", argument counts; flag errors come wrapped) from
// failures of the work.
func isUsageError(err error) bool {
	var ue *usageError
	if errors.As(err, &ue) {
		return true
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "accepts ") ||
		strings.HasPrefix(msg, "requires ") || strings.Contains(msg, "unknown flag") || strings.Contains(msg, "unknown shorthand")
}

// negative matches a negative number written as an argument.
var negative = regexp.MustCompile(`^-[0-9]+$`)

// negMark prefixes a negative number so the flag parser leaves it alone; the
// commands take it off again (positional).
const negMark = "\x00"

// protectNegatives marks the arguments that are negative numbers, unless
// they are the value of the flag before them (`--port -2` is left to the
// flag parser, which takes the next word as the value), so that
// `bobbin user set-status 42 -2` reads -2 as a value.
func protectNegatives(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if !negative.MatchString(a) {
			continue
		}
		if i > 0 {
			prev := args[i-1]
			if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") && prev != "--" &&
				prev != "-h" && prev != "--help" && !negative.MatchString(prev) {
				continue // the value of a flag
			}
		}
		out[i] = negMark + a
	}
	return out
}

// positional undoes protectNegatives on a command's arguments.
func positional(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.TrimPrefix(a, negMark)
	}
	return out
}

// settingFlags adds every setting of the config table as a flag.
func settingFlags(fs *pflag.FlagSet) {
	for _, s := range config.Settings() {
		def := ""
		if s.Default != "" {
			def = " (default " + s.Default + ")"
		}
		fs.String(s.Flag, "", s.Help+def+" [env "+s.Env+"]")
	}
}

// loadConfig reads the settings: the flags the command line gave, then the
// environment, then the defaults.
func loadConfig(cmd *cobra.Command, getenv func(string) string) (*config.Config, error) {
	given := map[string]string{}
	for _, s := range config.Settings() {
		if f := cmd.Flags().Lookup(s.Flag); f != nil && f.Changed {
			given[s.Flag] = f.Value.String()
		}
	}
	return flagConfig(config.FromValues(given, getenv))(given)
}

// flagConfig makes a bad value given as a flag on the command line a
// usage error (exit 2, with the usage), as a flag parser's own errors
// are; a bad value from the environment stays a failure of the start
// (exit 1, one line).
func flagConfig(cfg *config.Config, err error) func(given map[string]string) (*config.Config, error) {
	return func(given map[string]string) (*config.Config, error) {
		var ce *config.Error
		if errors.As(err, &ce) {
			if _, ok := given[ce.Flag]; ok {
				return nil, &usageError{err}
			}
		}
		return cfg, err
	}
}

func newRoot(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "bobbin",
		Short: "Bobbin, the sewing-pattern backend (serves the API unless a command is named)",
		Long: `Bobbin serves the FreeSewing v3 API. With no command it serves (as "bobbin serve").

Every setting is an environment variable and a flag of the same meaning; a
flag wins. The flags below are the settings; every command takes them.`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serveCmd(cmd, getenv, stderr)
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	settingFlags(root.PersistentFlags())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })

	root.AddCommand(&cobra.Command{
		Use:   "serve",
		Short: "Serve the API (the default command)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serveCmd(cmd, getenv, stderr)
		},
	})
	root.AddCommand(&cobra.Command{
		Use:   "migrate",
		Short: "Apply the schema migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd, getenv)
			if err != nil {
				return err
			}
			return migrate(cmd.Context(), cfg, newLogger(cfg, stderr), stdout)
		},
	})
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the module version and the VCS revision it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bi, _ := debug.ReadBuildInfo()
			fmt.Fprintln(stdout, versionLine(bi))
			return nil
		},
	})
	root.AddCommand(userCommands(getenv, stdout, stderr))
	root.AddCommand(mailCommands(getenv, stdout, stderr))
	root.AddCommand(&cobra.Command{
		Use:   "import freesewing --from FILE --enc-key KEY [--enc-key-file F] [--jwt-secret S] [--dry-run] [settings]",
		Short: "Move a FreeSewing v3 database in (docs/import.md)",
		Long: `Move a FreeSewing v3 database in (docs/import.md). --enc-key here is
upstream's key; Bobbin's own comes from BACKEND_ENC_KEY or the data dir.
Flags: --from, --enc-key, --enc-key-file, --jwt-secret, --jwt-secret-file,
--jwt-issuer, --jwt-audience, --jwt-max-age, --progress, --dry-run; any
other flag is a Bobbin setting.`,
		// Its flags are its own (--enc-key is upstream's): import.go parses them.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			args = positional(args)
			for _, a := range args {
				if a == "-h" || a == "--help" {
					return cmd.Help()
				}
			}
			return importCommand(cmd.Context(), args, getenv, stdout, stderr)
		},
	})
	return root
}

// versionLine is what `bobbin version` prints: the main module's version
// (a tag, a pseudo-version, or "(devel)"), the VCS revision and time
// stamped by the go command, whether the tree had changes, and the Go
// version.
func versionLine(bi *debug.BuildInfo) string {
	if bi == nil {
		return "bobbin (no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	line := "bobbin " + v
	if rev != "" {
		line += " revision " + rev
		if modified {
			line += " (modified)"
		}
		if at != "" {
			line += " from " + at
		}
	} else {
		line += " revision unknown (built without VCS information)"
	}
	return line + " " + bi.GoVersion
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	return slog.New(logHandler(cfg, w, w))
}

// logHandler writes to out in the configured format (by default text when
// w, the process's stderr, is a terminal, else JSON).
func logHandler(cfg *config.Config, w, out io.Writer) slog.Handler {
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.NewTextHandler(out, nil)
	}
	return slog.NewJSONHandler(out, nil)
}

func serveCmd(cmd *cobra.Command, getenv func(string) string, stderr io.Writer) error {
	cfg, err := loadConfig(cmd, getenv)
	if err != nil {
		return err
	}
	// The server logs a line per request: lines are written in batches
	// (internal/logbatch), Warn and above at once, the rest when it stops.
	lw := logbatch.New(stderr, logbatch.Delay)
	defer lw.Flush()
	log := slog.New(logbatch.Urgent(logHandler(cfg, stderr, lw), lw))
	if n := memoryLimit(cfg, getenv("GOMEMLIMIT")); n > 0 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(n)) // the previous one again once serve ends (tests serve in-process)
		log.Info("soft memory limit set", "bytes", n, "setting", "BACKEND_MEMORY_LIMIT")
	}
	return serve(cmd.Context(), cfg, log)
}

// memoryLimit is the soft memory limit the server sets itself: its
// BACKEND_MEMORY_LIMIT, unless GOMEMLIMIT is set (the runtime has read
// that one already) or the setting is 0. Without one, the collector lets
// the heap double between collections, and the Argon2id hashes (19 MiB
// each, allocated afresh by every hash) double with it
// (docs/performance.md, "The sign-in memory phase, continued").
func memoryLimit(cfg *config.Config, gomemlimit string) int64 {
	if gomemlimit != "" {
		return 0
	}
	return cfg.MemoryLimit
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
	a, err := app.New(ctx, cfg, log, app.Options{NoMailWorker: true})
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
