package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"bobbin/internal/password"
)

// benchCase is one measured workload.
type benchCase struct {
	name     string
	label    string
	needSets bool
	// needSeeded: rotates over keys sampled by 'seed' (more users than the
	// principal cache holds, so user rows keep being read by index).
	needSeeded bool
	signin     bool // compared with one Argon2id hash, not with bare
	// conc, when set, is the case's own number of connections (the
	// sign-in memory phase); memTarget its peak-RSS target in bytes.
	conc      int
	memTarget int64
	target    float64 // CPU ratio to bare the issue asks for (0: none)
	make      func(e *env) gen
}

// env is what the cases build their requests from.
type env struct {
	host   string
	users  []*benchUser
	sets   bool
	seeded []string // Basic headers of sampled seeded keys (seed mode)
}

func (e *env) user(w, i int) *benchUser { return e.users[(w*7+i)%len(e.users)] }

// perUser prebuilds one request per user and rotates over them.
func perUser(e *env, f func(u *benchUser) *request) gen {
	rs := make([]*request, len(e.users))
	for i, u := range e.users {
		rs[i] = f(u)
	}
	return func(w, i int) *request { return rs[(w*7+i)%len(rs)] }
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var ok200, ok201 = statusIs(200), statusIs(201)

func cases() []benchCase {
	get := func(path string, key bool) func(e *env) gen {
		return func(e *env) gen {
			return perUser(e, func(u *benchUser) *request {
				auth := u.bearer()
				if key {
					auth = u.basic()
				}
				return &request{buildRequest(e.host, "GET", strings.ReplaceAll(path, "{id}", strconv.FormatInt(u.setID, 10)), auth, nil), ok200}
			})
		}
	}
	return []benchCase{
		{name: "health", label: "GET /health (no auth)", make: func(e *env) gen {
			r := &request{buildRequest(e.host, "GET", "/health", "", nil), ok200}
			return func(int, int) *request { return r }
		}},
		{name: "whoami-jwt", label: "GET /whoami/jwt", target: 1.5, make: get("/whoami/jwt", false)},
		{name: "whoami-key", label: "GET /whoami/key", target: 1.5, make: get("/whoami/key", true)},
		{name: "account-jwt", label: "GET /account/jwt", target: 1.5, make: get("/account/jwt", false)},
		{name: "account-key", label: "GET /account/key", target: 1.5, make: get("/account/key", true)},
		{name: "account-key-seeded", label: "GET /account/key, rotating over seeded keys", target: 3, needSeeded: true, make: func(e *env) gen {
			rs := make([]*request, len(e.seeded))
			for i, h := range e.seeded {
				rs[i] = &request{buildRequest(e.host, "GET", "/account/key", h, nil), ok200}
			}
			var next atomic.Int64
			return func(int, int) *request { return rs[int(next.Add(1))%len(rs)] }
		}},
		{name: "set-read-key", label: "GET /sets/{id}/key", target: 2.5, needSets: true, make: get("/sets/{id}/key", true)},
		{name: "set-read-jwt", label: "GET /sets/{id}/jwt", target: 2.5, needSets: true, make: get("/sets/{id}/jwt", false)},
		{name: "set-list-jwt", label: "GET /sets/jwt, a list of 20", target: 6, needSets: true, make: listOf20},
		{name: "set-create-jwt", label: "POST /sets/jwt", target: 5, needSets: true, make: func(e *env) gen {
			return perUser(e, func(u *benchUser) *request {
				return &request{buildRequest(e.host, "POST", "/sets/jwt", u.bearer(), mustJSON(setBody(1))), ok201}
			})
		}},
		{name: "set-update-key", label: "PATCH /sets/{id}/key", target: 5, needSets: true, make: func(e *env) gen {
			return perUser(e, func(u *benchUser) *request {
				body := mustJSON(map[string]any{"notes": "updated by bobbin-bench", "measies": map[string]any{"chest": 970}})
				return &request{buildRequest(e.host, "PATCH", "/sets/"+strconv.FormatInt(u.setID, 10)+"/key", u.basic(), body), ok200}
			})
		}},
		{name: "signin", label: "POST /signin", signin: true, make: signinGen},
		// The memory phase: 256 sign-ins at once queue for the hashing
		// slots; run it on its own (--cases signin-256) so that its peak
		// RSS is not what an earlier case left in the heap.
		{name: "signin-256", label: "POST /signin, memory phase", signin: true, conc: 256, memTarget: 120 << 20, make: signinGen},
		{name: "mix", label: "mix 90% read / 10% write", make: mixGen},
	}
}

func signinGen(e *env) gen {
	return perUser(e, func(u *benchUser) *request {
		return &request{buildRequest(e.host, "POST", "/signin", "", mustJSON(map[string]any{"username": u.email, "password": u.password})), ok200}
	})
}

// hashSlots is the number of Argon2id hashes Bobbin runs at once: its
// BACKEND_HASH_CONCURRENCY when --env sets it, else one per CPU.
func hashSlots(o *options) int {
	for _, kv := range o.env {
		if v, ok := strings.CutPrefix(kv, "BACKEND_HASH_CONCURRENCY="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return runtime.NumCPU()
}

// mixGen: 90 % reads and 10 % writes, by both methods. Without the sets
// routes, the writes are account updates instead of set writes.
func mixGen(e *env) gen {
	var reads, writes []gen
	for _, c := range cases() {
		switch c.name {
		case "whoami-jwt", "account-jwt", "account-key":
			reads = append(reads, c.make(e))
		case "set-read-key", "set-create-jwt", "set-update-key":
			if !e.sets {
				continue
			}
			if c.name == "set-read-key" {
				reads = append(reads, c.make(e), func(w, i int) *request { // the same read by token
					u := e.user(w, i)
					return &request{buildRequest(e.host, "GET", "/sets/"+strconv.FormatInt(u.setID, 10)+"/jwt", u.bearer(), nil), ok200}
				})
			} else {
				writes = append(writes, c.make(e))
			}
		}
	}
	if !e.sets {
		for _, key := range []bool{false, true} {
			writes = append(writes, perUser(e, func(u *benchUser) *request {
				auth, path := u.bearer(), "/account/jwt"
				if key {
					auth, path = u.basic(), "/account/key"
				}
				return &request{buildRequest(e.host, "PATCH", path, auth, mustJSON(map[string]any{"bio": "bench bio"})), ok200}
			}))
		}
	}
	rngs := make([]*mrand.Rand, 1024)
	for i := range rngs {
		rngs[i] = mrand.New(mrand.NewPCG(uint64(i), 42))
	}
	return func(w, i int) *request {
		r := rngs[w%len(rngs)]
		if r.IntN(10) == 0 {
			return writes[r.IntN(len(writes))](w, i)
		}
		return reads[r.IntN(len(reads))](w, i)
	}
}

// loadSeededKeys reads up to max "key:secret" lines as Basic headers.
func loadSeededKeys(path string, max int) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if len(out) >= max {
			break
		}
		if k, s, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			out = append(out, "Basic "+base64.StdEncoding.EncodeToString([]byte(k+":"+s)))
		}
	}
	return out, nil
}

func caseNames() []string {
	var out []string
	for _, c := range cases() {
		out = append(out, c.name)
	}
	return out
}

// sample is one timed run of one server.
type sample struct {
	load   loadResult
	cpu    time.Duration
	faults int64 // minor page faults during the run
	peak   int64 // highest VmRSS seen during the run
	anon   int64 // highest RssAnon seen during the run
	perRq  time.Duration
	// pgPerRq is the PostgreSQL server's CPU per request (0: not counted).
	pgPerRq time.Duration
}

// measure runs the load against a server and reads its CPU around it.
func measure(o *options, c *child, conc int, g gen) (sample, error) {
	before, err := procCPU(c.pid())
	if err != nil {
		return sample{}, err
	}
	faults0 := procFaults(c.pid())
	var pg0 time.Duration
	if c.pg != nil {
		if pg0, err = c.pg.cpu(); err != nil {
			return sample{}, fmt.Errorf("PostgreSQL's CPU: %w", err)
		}
	}
	var peak, anon atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := procRSS(c.pid()); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			if a := procAnon(c.pid()); a > anon.Load() {
				anon.Store(a)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	res := drive(c.addr, conc, o.duration, o.requests, g)
	close(stop)
	wg.Wait()
	after, err := procCPU(c.pid())
	if err != nil {
		return sample{}, err
	}
	s := sample{load: res, cpu: after - before, peak: peak.Load(), anon: anon.Load(), faults: procFaults(c.pid()) - faults0}
	if res.n > 0 {
		s.perRq = s.cpu / time.Duration(res.n)
	}
	if c.pg != nil && res.n > 0 {
		pg1, err := c.pg.cpu()
		if err != nil {
			return sample{}, fmt.Errorf("PostgreSQL's CPU: %w", err)
		}
		s.pgPerRq = (pg1 - pg0) / time.Duration(res.n)
	}
	return s, nil
}

func median[T int64 | float64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// hashCPU measures the CPU time of one Argon2id hash at Bobbin's default
// parameters, in this process (median of n).
func hashCPU(n int) time.Duration {
	p := password.Default
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	var v []time.Duration
	runtime.GC()
	for range n {
		t0 := selfCPU()
		argon2.IDKey([]byte("correct horse battery staple"), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		runtime.GC() // the server pays for collecting the 19 MiB too
		v = append(v, selfCPU()-t0)
	}
	return median(v)
}

func run(ctx context.Context, o *options) error {
	selected := map[string]bool{}
	if o.cases != "all" {
		for _, n := range strings.Split(o.cases, ",") {
			n = strings.TrimSpace(n)
			if !slices.Contains(caseNames(), n) {
				return fmt.Errorf("--cases: unknown case %q (%s)", n, strings.Join(caseNames(), ", "))
			}
			selected[n] = true
		}
	}
	tmp, err := os.MkdirTemp("", "bobbin-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := o.bobbin
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building bobbin...")
		if bin, err = buildBobbin(tmp); err != nil {
			return err
		}
	}
	dataDir := o.dataDir
	if dataDir == "" {
		dataDir = tmp + "/data"
	}
	hash := hashCPU(5)
	fmt.Fprintf(os.Stderr, "one Argon2id hash (m=19 MiB, t=2, p=1) in this process: %v CPU\n", hash.Round(10*time.Microsecond))

	bobbin, ready0, err := startBobbin(ctx, o, bin, dataDir)
	if err != nil {
		return err
	}
	defer bobbin.stop()
	var pg *pgServer
	if strings.HasPrefix(o.dbURL, "postgres://") || strings.HasPrefix(o.dbURL, "postgresql://") {
		var why string
		if pg, why = findPostgres(ctx, o.dbURL); pg != nil {
			fmt.Fprintf(os.Stderr, "PostgreSQL on this machine, postmaster pid %d: its CPU is counted too\n", pg.postmaster)
		} else {
			fmt.Fprintf(os.Stderr, "PostgreSQL's CPU not counted: %s\n", why)
		}
	}
	bobbin.pg = pg
	time.Sleep(500 * time.Millisecond)
	idle0, _, _ := procRSS(bobbin.pid())
	fmt.Fprintf(os.Stderr, "bobbin pid %d ready in %v, idle RSS %s\n", bobbin.pid(), ready0.Round(time.Millisecond), mib(idle0))
	bare, err := startBare()
	if err != nil {
		return err
	}
	defer bare.stop()

	// Seed the users the cases rotate over.
	a := newAPI(bobbin.addr)
	e := &env{host: bobbin.addr}
	tag := strconv.FormatInt(time.Now().Unix(), 36)
	t0 := time.Now()
	for i := range o.users {
		u, err := a.makeUser(tag, i)
		if err != nil {
			return fmt.Errorf("seeding users: %w", err)
		}
		e.users = append(e.users, u)
	}
	sets, why, err := a.probeSets(e.users[0])
	if err != nil {
		return err
	}
	e.sets = sets
	if o.dataDir != "" {
		e.seeded, err = loadSeededKeys(filepath.Join(o.dataDir, seedKeysFile), o.seededKeys)
		if err != nil {
			return err
		}
	}
	if sets {
		for i, u := range e.users[1:] {
			if err := a.makeSet(u, i+1); err != nil {
				return fmt.Errorf("seeding sets: %w", err)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "seeded %d users with a token and a key%s in %v\n", len(e.users),
		map[bool]string{true: " and a set", false: ""}[sets], time.Since(t0).Round(time.Millisecond))
	if !sets {
		fmt.Fprintf(os.Stderr, "set cases skipped: route not present (%s)\n", why)
	}

	type result struct {
		c             benchCase
		skipped       string
		conc          int
		bob, ref      []sample
		ratios        []float64
		ratiosPG      []float64       // with PostgreSQL's CPU
		hashes        []time.Duration // sign-in: one hash, measured beside each round
		errors, total int
		firstErr      string
	}
	var results []*result
	for _, c := range cases() {
		if len(selected) > 0 && !selected[c.name] {
			continue
		}
		r := &result{c: c, conc: o.concurrency}
		if c.signin {
			r.conc = o.signinConc
		}
		if c.conc > 0 {
			r.conc = c.conc
		}
		if c.needSets && !sets {
			r.skipped = "skipped: route not present"
		}
		if c.needSeeded && len(e.seeded) == 0 {
			r.skipped = "skipped: no " + seedKeysFile + " in the data dir (run seed first)"
		}
		results = append(results, r)
	}
	bareReq := &request{buildRequest(bare.addr, "GET", "/", "", nil), ok200}
	bareGen := func(int, int) *request { return bareReq }
	gens := map[string]gen{}
	for _, r := range results {
		if r.skipped == "" {
			gens[r.c.name] = r.c.make(e)
		}
	}
	// Warm both servers (connections, caches, prepared statements).
	measure(o, bare, o.concurrency, bareGen)
	if g := gens["account-key-seeded"]; g != nil {
		// One pass over the seeded keys first: the first use of a key in
		// an hour writes an audit event, which is not what this case is about.
		fmt.Fprintf(os.Stderr, "warming: one request per seeded key (%d)...\n", len(e.seeded))
		drive(bobbin.addr, o.concurrency, time.Hour, len(e.seeded), g)
	}
	for round := 1; round <= o.rounds; round++ {
		for _, r := range results {
			if r.skipped != "" {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			ref, err := measure(o, bare, r.conc, bareGen)
			if err != nil {
				return err
			}
			var hashBefore time.Duration
			if r.c.signin {
				hashBefore = hashCPU(3)
			}
			bob, err := measure(o, bobbin, r.conc, gens[r.c.name])
			if err != nil {
				return err
			}
			r.ref, r.bob = append(r.ref, ref), append(r.bob, bob)
			if r.c.signin {
				// The machine's speed drifts: compare with hashes measured
				// just before and just after the run.
				h := (hashBefore + hashCPU(3)) / 2
				r.hashes = append(r.hashes, h)
				r.ratios = append(r.ratios, float64(bob.perRq)/float64(h))
				fmt.Fprintf(os.Stderr, "        one hash now: %.1f ms CPU; sign-in ÷ hash %.2f\n", float64(h)/1e6, float64(bob.perRq)/float64(h))
			} else if ref.perRq > 0 {
				r.ratios = append(r.ratios, float64(bob.perRq)/float64(ref.perRq))
				if pg != nil {
					r.ratiosPG = append(r.ratiosPG, float64(bob.perRq+bob.pgPerRq)/float64(ref.perRq))
				}
			}
			r.errors += bob.load.errors
			r.total += bob.load.n
			if r.firstErr == "" {
				r.firstErr = bob.load.firstErr
			}
			fmt.Fprintf(os.Stderr, "round %d %-16s %8.0f req/s  %7.1f µs/req  (bare %5.1f µs/req)  ratio %.2f%s  errors %d  page faults/req %.1f\n",
				round, r.c.name, bob.load.rps(), us(bob.perRq), us(ref.perRq), float64(bob.perRq)/float64(max(ref.perRq, 1)), pgNote(bob, ref), bob.load.errors,
				float64(bob.faults)/float64(max(bob.load.n, 1)))
		}
	}
	tlsLine, err := measureTLS(ctx, o, bin, dataDir, tmp, bobbin, e)
	if err != nil {
		return err
	}
	_, hwm, _ := procRSS(bobbin.pid())
	loadRSS, loadAnon := int64(0), int64(0)
	for _, r := range results {
		for _, s := range r.bob {
			loadRSS, loadAnon = max(loadRSS, s.peak), max(loadAnon, s.anon)
		}
	}
	if err := bobbin.stop(); err != nil {
		return fmt.Errorf("stopping bobbin: %w", err)
	}

	// Start-up on the existing database, and idle RSS of a fresh process.
	var readies []time.Duration
	var idles []int64
	for range o.restarts {
		b, d, err := startBobbin(ctx, o, bin, dataDir)
		if err != nil {
			return err
		}
		readies = append(readies, d)
		time.Sleep(time.Second)
		rss, _, _ := procRSS(b.pid())
		idles = append(idles, rss)
		if err := b.stop(); err != nil {
			return err
		}
	}

	// The report, as Markdown.
	fmt.Printf("Bobbin benchmark — %s, %d CPUs, GOMAXPROCS of the servers: default\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU())
	fmt.Printf("rounds %d × %v per run, %d connections (sign-in: %d), %d users, data dir %s\n\n",
		o.rounds, o.duration, o.concurrency, o.signinConc, len(e.users), map[bool]string{true: o.dataDir, false: "fresh"}[o.dataDir != ""])
	pgHead, pgRule := "", ""
	if pg != nil {
		pgHead, pgRule = " PostgreSQL CPU/req | ÷ bare with PostgreSQL's CPU |", " ---: | ---: |"
	}
	fmt.Println("| case | req/s | p50 | p99 | server CPU/req | bare CPU/req | ÷ bare |" + pgHead + " target | peak RSS (own memory) | errors |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + pgRule + " --- | ---: | ---: |")
	var memLines []string
	for _, r := range results {
		if r.skipped != "" {
			fmt.Printf("| %s | %s | | | | | |%s | | |\n", r.c.label, r.skipped, map[bool]string{true: " | |", false: ""}[pg != nil])
			continue
		}
		var rps []float64
		var p50, p99, cpu, ref []time.Duration
		var peak, anon int64
		for i := range r.bob {
			peak, anon = max(peak, r.bob[i].peak), max(anon, r.bob[i].anon)
			rps = append(rps, r.bob[i].load.rps())
			p50 = append(p50, r.bob[i].load.pct(0.50))
			p99 = append(p99, r.bob[i].load.pct(0.99))
			cpu = append(cpu, r.bob[i].perRq)
			ref = append(ref, r.ref[i].perRq)
		}
		ratio := fmt.Sprintf("%.2f", median(r.ratios))
		target := ""
		switch {
		case r.c.signin:
			f := median(r.ratios)
			ratio = fmt.Sprintf("%.2f × hash (%.1f ms)", f, float64(median(r.hashes))/1e6)
			target = verdict(f <= 1.15, "≤ 1.15 × hash")
		case r.c.target > 0:
			target = verdict(median(r.ratios) <= r.c.target, fmt.Sprintf("≤ %g", r.c.target))
		}
		if pg != nil {
			var pgc []time.Duration
			for i := range r.bob {
				pgc = append(pgc, r.bob[i].pgPerRq)
			}
			withPG := "—"
			if len(r.ratiosPG) > 0 {
				withPG = fmt.Sprintf("%.2f", median(r.ratiosPG))
			}
			ratio += fmt.Sprintf(" | %.1f µs | %s", us(median(pgc)), withPG)
		}
		conc := ""
		if r.conc != o.concurrency {
			conc = fmt.Sprintf(" (%d conn.)", r.conc)
		}
		fmt.Printf("| %s%s | %.0f | %s | %s | %.1f µs | %.1f µs | %s | %s | %s | %d/%d |\n", r.c.label, conc, median(rps),
			ms(median(p50)), ms(median(p99)), us(median(cpu)), us(median(ref)), ratio, target, mib(peak)+" (anon "+mib(anon)+")", r.errors, r.total)
		if r.c.memTarget > 0 {
			// The hash wait: what a sign-in must wait when r.conc of them
			// queue for the hashing slots, one hash each (CPU measured
			// beside each round); and the same from the throughput seen.
			slots := hashSlots(o)
			wait := time.Duration(float64(r.conc) / float64(slots) * float64(median(r.hashes)))
			seen := time.Duration(float64(r.conc) / max(median(rps), 1e-9) * float64(time.Second))
			memLines = append(memLines, fmt.Sprintf("- sign-in memory phase, %d at once: peak RSS %s (own memory %s) %s; p99 %s = %.2f × the hash wait %s (%d ÷ %d hashing slots × one hash, %.1f ms CPU) %s; at the throughput seen the wait is %s (p99 %.2f × it); errors %d/%d %s",
				r.conc, mib(peak), mib(anon), verdict(peak <= r.c.memTarget, "≤ "+mib(r.c.memTarget)),
				ms(median(p99)), float64(median(p99))/float64(wait), ms(wait), r.conc, slots, float64(median(r.hashes))/1e6,
				verdict(median(p99) <= 2*wait, "≤ 2 × hash wait"), ms(seen), float64(median(p99))/float64(seen),
				r.errors, r.total, verdict(r.errors == 0, "none")))
		}
	}
	fmt.Println()
	for _, l := range memLines {
		fmt.Println(l)
	}
	fmt.Printf("- one Argon2id hash (m=19 MiB, t=2, p=1), measured in the bench process: %.1f ms CPU at the start; the sign-in ratio uses a hash measured beside each round\n", float64(hash)/1e6)
	fmt.Printf("- RSS: idle after first start %s; peak under load %s (VmHWM %s; own memory, RssAnon, %s: VmRSS also counts the database pages SQLite maps, once per connection); idle after a restart on the existing database %s %s\n",
		mib(idle0), mib(loadRSS), mib(hwm), mib(loadAnon), mib(median(idles)), verdict(median(idles) <= 30<<20, "≤ 30 MiB"))
	fmt.Printf("- start-up to a ready /ready on the existing database: %v (median of %d; runs %v) %s\n",
		median(readies).Round(time.Millisecond), len(readies), roundAll(readies), verdict(median(readies) <= 300*time.Millisecond, "≤ 300 ms"))
	if tlsLine != "" {
		fmt.Println(tlsLine)
	}
	for _, r := range results {
		if r.errors > 0 {
			fmt.Printf("- %s: %d errors, first: %s\n", r.c.name, r.errors, r.firstErr)
		}
		if r.skipped != "" {
			fmt.Printf("- %s: %s\n", r.c.label, r.skipped)
		}
	}
	return nil
}

// pgNote is the progress line's ratio with PostgreSQL's CPU, when counted.
func pgNote(bob, ref sample) string {
	if bob.pgPerRq == 0 || ref.perRq == 0 {
		return ""
	}
	return fmt.Sprintf(" (with PostgreSQL %.2f)", float64(bob.perRq+bob.pgPerRq)/float64(ref.perRq))
}

func verdict(ok bool, target string) string {
	if ok {
		return "met (" + target + ")"
	}
	return "MISSED (" + target + ")"
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }
func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f ms", float64(d)/1e6)
}
func roundAll(v []time.Duration) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, d := range v {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// measureTLS (with --tls) starts a second Bobbin on the same data dir
// serving HTTPS with a generated certificate and drives GET /account/key
// against the plain one and the TLS one in interleaved rounds, on
// kept-alive HTTP/1.1 connections; it returns the report's line: each
// side's server CPU per request and their ratio (target: at most 1.3).
func measureTLS(ctx context.Context, o *options, bin, dataDir, tmp string, plain *child, e *env) (string, error) {
	if !o.tls {
		return "", nil
	}
	if err := tlsCert(filepath.Join(tmp, "tls")); err != nil {
		return "", err
	}
	secure, err := startBobbinTLS(ctx, o, bin, dataDir, filepath.Join(tmp, "tls"))
	if err != nil {
		return "", fmt.Errorf("starting the HTTPS bobbin: %w", err)
	}
	defer secure.stop()
	var g gen
	for _, c := range cases() {
		if c.name == "account-key" {
			g = c.make(e)
		}
	}
	measure(o, secure, o.concurrency, g) // warm: handshakes, caches
	var ratios []float64
	var pcpu, tcpu []time.Duration
	errs := 0
	for round := 1; round <= o.rounds; round++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		p, err := measure(o, plain, o.concurrency, g)
		if err != nil {
			return "", err
		}
		t, err := measure(o, secure, o.concurrency, g)
		if err != nil {
			return "", err
		}
		errs += p.load.errors + t.load.errors
		pcpu, tcpu = append(pcpu, p.perRq), append(tcpu, t.perRq)
		if p.perRq > 0 {
			ratios = append(ratios, float64(t.perRq)/float64(p.perRq))
		}
		fmt.Fprintf(os.Stderr, "round %d account-key TLS  %8.0f req/s  %7.1f µs/req  (plain %7.1f µs/req)  ratio %.2f  errors %d\n",
			round, t.load.rps(), us(t.perRq), us(p.perRq), float64(t.perRq)/float64(max(p.perRq, 1)), t.load.errors+p.load.errors)
	}
	return fmt.Sprintf("- GET /account/key over HTTPS (TLS 1.3, HTTP/1.1 kept alive, a second Bobbin on the same data dir): %.1f µs CPU/req against %.1f µs over plain HTTP, ratio %.2f %s; errors %d",
		us(median(tcpu)), us(median(pcpu)), median(ratios), verdict(median(ratios) <= 1.3, "≤ 1.3"), errs), nil
}

// listOf20 gives the first user 20 sets (it has one) and lists them.
func listOf20(e *env) gen {
	u, a := e.users[0], newAPI(e.host)
	for n := 1; n < 20; n++ {
		id := u.setID
		if err := a.makeSet(u, n); err != nil {
			panic(fmt.Sprintf("set-list-jwt: making set %d: %v", n, err))
		}
		u.setID = id // the other cases read and update the first set
	}
	req := &request{buildRequest(e.host, "GET", "/sets/jwt", u.bearer(), nil), ok200}
	return func(int, int) *request { return req }
}
