// Command bobbin-bench measures Bobbin against a bare net/http handler.
//
//	bobbin-bench [run] [flags]   start Bobbin and the bare handler, seed, measure, print
//	bobbin-bench seed [flags]    fill a data dir with N users, N keys, 5N sets
//	bobbin-bench bare --addr A   the reference handler (started by run)
//
// run builds ./cmd/bobbin (or takes --bobbin), starts it on a fresh
// temporary data dir in test mode, creates users, keys and sets over HTTP,
// starts the bare handler as a second process, then drives both with a
// keep-alive load generator at fixed concurrency, interleaving the runs
// (bare, case, bare, case, ...) for --rounds rounds. CPU per request is read
// from each server's /proc/<pid>/stat, so the load generator's own CPU is
// never counted. See docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type options struct {
	rounds      int
	duration    time.Duration
	requests    int
	concurrency int
	signinConc  int
	cases       string
	bobbin      string
	dataDir     string
	dbURL       string
	users       int
	keep        bool
	restarts    int
	seededKeys  int
	tls         bool
	env         multiFlag
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	args := os.Args[1:]
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = runCmd(args)
	case "seed":
		err = seedCmd(args)
	case "bare":
		fs := flag.NewFlagSet("bare", flag.ExitOnError)
		addr := fs.String("addr", "127.0.0.1:0", "listen address")
		fs.Parse(args)
		err = serveBare(*addr)
	case "help", "-h", "--help":
		fmt.Println("usage: bobbin-bench [run|seed|bare] [flags]; bobbin-bench run -h for the flags")
	default:
		err = fmt.Errorf("unknown command %q (run, seed, bare)", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bobbin-bench:", err)
		os.Exit(1)
	}
}

func runCmd(args []string) error {
	o := &options{}
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved rounds per case (the median is reported)")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "length of one run")
	fs.IntVar(&o.requests, "requests", 0, "requests per run instead of a duration (0: use --duration)")
	fs.IntVar(&o.concurrency, "concurrency", 16, "keep-alive connections")
	fs.IntVar(&o.signinConc, "signin-concurrency", 64, "connections for the sign-in case (memory under concurrent hashes)")
	fs.StringVar(&o.cases, "cases", "all", "comma-separated cases to run: "+strings.Join(caseNames(), ","))
	fs.StringVar(&o.bobbin, "bobbin", "", "Bobbin binary to measure (default: go build ./cmd/bobbin)")
	fs.StringVar(&o.dataDir, "data-dir", "", "existing data dir to run on, e.g. one filled by 'seed' (default: a fresh temporary one)")
	fs.StringVar(&o.dbURL, "db-url", "", "BACKEND_DB_URL for Bobbin (default: SQLite in the data dir)")
	fs.IntVar(&o.users, "users", 32, "users (each with a token, a key and a set) the cases rotate over")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary data dir")
	fs.IntVar(&o.restarts, "restarts", 3, "restarts to time start-up to ready on the existing database")
	fs.IntVar(&o.seededKeys, "seeded-keys", 20000, "seeded keys the account-key-seeded case rotates over (from seed's "+seedKeysFile+")")
	fs.BoolVar(&o.tls, "tls", false, "also measure GET /account/key over HTTPS (a second Bobbin on the same data dir with a generated certificate) against the plain one, interleaved")
	fs.Var(&o.env, "env", "extra KEY=VALUE for Bobbin's environment (repeatable)")
	fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.rounds < 1 || o.concurrency < 1 || o.users < 1 {
		return fmt.Errorf("--rounds, --concurrency and --users must be at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, o)
}
