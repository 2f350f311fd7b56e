// Package fsimport moves a FreeSewing v3 deployment onto Bobbin: `bobbin
// import freesewing` reads upstream's SQLite database (read-only) and
// writes Bobbin's through the Target interface, keeping ids, re-encrypting
// every personal field under Bobbin's keys and keeping passwords, API keys
// and sign-in tokens working. It is idempotent and resumable (a digest per
// imported row; a later run writes only rows that are new or changed) and
// its memory stays bounded whatever the size (rows are read in pages of
// batchSize on the primary key). docs/import.md is the operator's guide.
package fsimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"
)

// Options are the command's settings.
type Options struct {
	From   string // upstream SQLite file
	EncKey string // upstream's ENC key
	// JWTSecret, when set, keeps upstream's sign-in tokens working until
	// they expire; JWTIssuer and JWTAudience are the iss and aud upstream
	// put in them, JWTMaxAge the longest life upstream gave a token.
	JWTSecret   string
	JWTIssuer   string
	JWTAudience string
	JWTMaxAge   time.Duration
	DryRun      bool
	Target      Target // nil only with DryRun: an empty Bobbin database is assumed
	// Progress forces the progress display: "bar", "lines" or "" (a bar
	// when out is a terminal, lines otherwise).
	Progress string
	Now      func() time.Time
}

// Defaults of upstream's token claims (its config: issuer freesewing.org;
// audience its API URL and instance) and life (BACKEND_JWT_EXPIRY 7d).
const (
	DefaultJWTIssuer   = "freesewing.org"
	DefaultJWTAudience = "https://backend.freesewing.org/freesewing"
	DefaultJWTMaxAge   = 7 * 24 * time.Hour
)

// ErrWrongKey means the first encrypted rows do not decrypt: --enc-key is
// not the key upstream encrypted with. Nothing has been written.
var ErrWrongKey = errors.New("fsimport: --enc-key does not decrypt the first rows of upstream's database (wrong key?); nothing was written")

// batchSize is how many rows are read, converted and written at a time.
const batchSize = 1000

// maxListed bounds the skipped rows the report lists one by one (all are
// counted).
const maxListed = 1000

// TableCount is what happened to one table.
type TableCount struct {
	Table     string `json:"table"`
	Upstream  int64  `json:"upstream"`
	New       int64  `json:"new"`
	Updated   int64  `json:"updated"`
	Unchanged int64  `json:"unchanged"`
	Skipped   int64  `json:"skipped"`
}

// Report is the outcome of a run.
type Report struct {
	DryRun  bool         `json:"dryRun"`
	Tables  []TableCount `json:"tables"`
	Skipped []Skip       `json:"skipped"` // the first maxListed
	// SkipReasons counts skipped rows by "table: reason".
	SkipReasons map[string]int `json:"skipReasons"`
	// FieldsSkipped counts rows by field left out ("sets.measies.<name>":
	// a measurement name unknown to measurements.txt, or not a positive
	// number; "patterns.setId": Bobbin's patterns do not link to sets).
	FieldsSkipped map[string]int `json:"fieldsSkipped"`
	// Images counts image URLs kept: at Cloudflare Images, and elsewhere.
	ImagesCloudflare int `json:"imagesCloudflare"`
	ImagesOther      int `json:"imagesOther"`
	// LevelsCapped counts API keys whose level was above their owner's
	// role and was lowered to it.
	LevelsCapped int      `json:"levelsCapped"`
	Notes        []string `json:"notes"`
	Elapsed      time.Duration
}

// Changed reports whether the run wrote (or, dry, would write) anything.
func (r *Report) Changed() bool {
	for _, t := range r.Tables {
		if t.New+t.Updated > 0 {
			return true
		}
	}
	return false
}

func (r *Report) skip(s Skip) {
	if len(r.Skipped) < maxListed {
		r.Skipped = append(r.Skipped, s)
	}
	r.SkipReasons[s.Table+": "+reasonClass(s.Reason)]++
}

// reasonClass drops the detail in parentheses from a reason, so that like
// reasons count together.
func reasonClass(reason string) string {
	class, _, _ := strings.Cut(reason, " (")
	return class
}

type table struct {
	upstream, name string
	intID, owned   bool
}

var tables = []table{
	{"User", "users", true, false},
	{"Apikey", "apikeys", false, true},
	{"Set", "sets", true, true},
	{"Pattern", "patterns", true, true},
	{"Bookmark", "bookmarks", true, true},
	{"CuratedSet", "curated_sets", true, false},
	{"OptionPack", "option_packs", true, false},
	{"Subscriber", "subscribers", false, false},
	{"Confirmation", "confirmations", false, false},
}

// Run imports (or with DryRun, rehearses the import of) upstream's
// database and returns the report, which it also prints to out with the
// progress of each table.
func Run(ctx context.Context, opts Options, out io.Writer) (*Report, error) {
	start := time.Now()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Target == nil && !opts.DryRun {
		return nil, errors.New("fsimport: no Bobbin database to write")
	}
	if opts.JWTIssuer == "" {
		opts.JWTIssuer = DefaultJWTIssuer
	}
	if opts.JWTAudience == "" {
		opts.JWTAudience = DefaultJWTAudience
	}
	if opts.JWTMaxAge <= 0 {
		opts.JWTMaxAge = DefaultJWTMaxAge
	}
	src, err := openSource(ctx, opts.From)
	if err != nil {
		return nil, err
	}
	defer src.close()
	c, err := NewCipher(opts.EncKey)
	if err != nil {
		return nil, err
	}
	cv := &conv{c: c, now: opts.Now().UnixMilli(), fields: map[string]int{}}
	if err := checkKey(ctx, src, c); err != nil {
		return nil, err
	}
	rep := &Report{DryRun: opts.DryRun, SkipReasons: map[string]int{}, FieldsSkipped: cv.fields, Skipped: []Skip{}}
	if opts.Target == nil {
		rep.Notes = append(rep.Notes, "dry run without a migrated Bobbin database: counted as if it were empty")
	}
	pr := newProgress(out, opts.Progress)
	skippedUsers := map[int64]bool{}
	for _, t := range tables {
		tc, err := runTable(ctx, src, t, cv, opts, rep, pr, skippedUsers)
		if err != nil {
			return rep, err
		}
		if tc != nil {
			rep.Tables = append(rep.Tables, *tc)
		}
	}
	rep.ImagesCloudflare, rep.ImagesOther, rep.LevelsCapped = cv.images.Cloudflare, cv.images.Other, cv.capped
	var legacy *LegacyJWT
	if opts.JWTSecret != "" {
		now := opts.Now()
		legacy = &LegacyJWT{Secret: opts.JWTSecret, Issuer: opts.JWTIssuer, Audience: opts.JWTAudience,
			IssuedBefore: now.Unix(), SessionsUntil: now.Add(opts.JWTMaxAge).UnixMilli()}
		rep.Notes = append(rep.Notes, fmt.Sprintf("upstream sign-in tokens issued before %s are accepted until they expire, at the latest %s",
			now.UTC().Format(time.RFC3339), now.Add(opts.JWTMaxAge).UTC().Format(time.RFC3339)))
	}
	if opts.Target != nil {
		if err := opts.Target.Finish(ctx, legacy, !opts.DryRun); err != nil {
			return rep, err
		}
	}
	rep.Elapsed = time.Since(start)
	rep.Print(out)
	return rep, nil
}

// Check opens upstream's database read-only and checks --enc-key on its
// first rows, writing nothing anywhere: the command calls it before it
// opens (and migrates) Bobbin's database.
func Check(ctx context.Context, from, encKey string) error {
	src, err := openSource(ctx, from)
	if err != nil {
		return err
	}
	defer src.close()
	c, err := NewCipher(encKey)
	if err != nil {
		return err
	}
	return checkKey(ctx, src, c)
}

// checkKey decrypts the first encrypted emails (users, else subscribers):
// if none decrypts, the key is wrong and the import stops before writing.
func checkKey(ctx context.Context, src *source, c *Cipher) error {
	for _, t := range []string{"User", "Subscriber"} {
		cols, err := src.columns(ctx, t)
		if err != nil {
			return err
		}
		if cols == nil {
			continue
		}
		var after any = ""
		if t == "User" {
			after = int64(0)
		}
		rows, err := src.chunk(ctx, t, false, after, 20)
		if err != nil {
			return err
		}
		tried, good := 0, 0
		for _, r := range rows {
			v := r.str("email")
			if !LooksEncrypted(v) {
				continue
			}
			tried++
			raw, err := c.Decrypt(v)
			var s string
			if err == nil && jsonString(raw, &s) && strings.Contains(s, "@") {
				good++
			}
		}
		if tried > 0 && good == 0 {
			return ErrWrongKey
		}
		if tried > 0 {
			return nil
		}
	}
	return nil
}

func runTable(ctx context.Context, src *source, t table, cv *conv, opts Options, rep *Report, pr *progress, skippedUsers map[int64]bool) (*TableCount, error) {
	cols, err := src.columns(ctx, t.upstream)
	if err != nil {
		return nil, err
	}
	if cols == nil {
		return nil, nil // an older upstream without this table
	}
	total, err := src.count(ctx, t.upstream)
	if err != nil {
		return nil, err
	}
	tc := &TableCount{Table: t.name, Upstream: total}
	pr.start(t.name, total)
	var after any = ""
	if t.intID {
		after = int64(0)
	}
	var done int64
	for {
		if err := ctx.Err(); err != nil {
			return tc, err
		}
		rows, err := src.chunk(ctx, t.upstream, t.owned, after, batchSize)
		if err != nil {
			return tc, fmt.Errorf("fsimport: reading %s: %w", t.upstream, err)
		}
		if len(rows) == 0 {
			break
		}
		after = rows[len(rows)-1]["id"]
		done += int64(len(rows))
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.str("id")
		}
		var known map[string]string
		if opts.Target != nil {
			if known, err = opts.Target.Digests(ctx, t.name, ids); err != nil {
				return tc, err
			}
		}
		b := &Batch{Table: t.name}
		isNew := map[string]bool{}
		for i, r := range rows {
			id := ids[i]
			d := r.digest()
			if old, ok := known[id]; ok && old == d {
				tc.Unchanged++
				continue
			}
			rec, reason := convert(cv, t, r, cols, skippedUsers)
			if reason != "" {
				tc.Skipped++
				rep.skip(Skip{Table: t.name, ID: id, Reason: reason})
				if t.name == "users" {
					skippedUsers[r.int("id")] = true
				}
				continue
			}
			_, had := known[id]
			isNew[id] = !had
			b.Items = append(b.Items, Item{ID: id, Digest: d, New: !had, Record: rec})
		}
		if len(b.Items) > 0 && opts.Target != nil {
			skips, err := opts.Target.Apply(ctx, b, !opts.DryRun)
			if err != nil {
				return tc, fmt.Errorf("fsimport: writing %s: %w", t.name, err)
			}
			for _, s := range skips {
				tc.Skipped++
				rep.skip(s)
				delete(isNew, s.ID)
				if t.name == "users" {
					if n, err := strconv.ParseInt(s.ID, 10, 64); err == nil {
						skippedUsers[n] = true
					}
				}
			}
		}
		for _, n := range isNew {
			if n {
				tc.New++
			} else {
				tc.Updated++
			}
		}
		pr.update(done)
	}
	pr.end(tc)
	return tc, nil
}

// convert turns one row into its record, or gives the reason it is skipped.
func convert(cv *conv, t table, r row, cols map[string]bool, skippedUsers map[int64]bool) (any, string) {
	if t.owned {
		if !r.owned() {
			return nil, "owner is not in upstream's database (user " + r.str("userId") + ")"
		}
		if skippedUsers[r.int("userId")] {
			return nil, "owner skipped"
		}
	}
	switch t.name {
	case "users":
		return nilIfEmpty(cv.user(r))
	case "apikeys":
		return nilIfEmpty(cv.key(r))
	case "sets":
		return nilIfEmpty(cv.set(r))
	case "patterns":
		return nilIfEmpty(cv.pattern(r))
	case "bookmarks":
		return nilIfEmpty(cv.bookmark(r))
	case "curated_sets":
		return nilIfEmpty(cv.curatedSet(r, cols))
	case "option_packs":
		return nilIfEmpty(cv.optionPack(r))
	case "subscribers":
		return nilIfEmpty(cv.subscriber(r))
	}
	// Confirmations are pending links (sign-up, email change, ...) whose
	// checks went out by mail in upstream's form: they are not carried
	// over; the person asks for a new link.
	return nil, "pending confirmations are not carried over"
}

// nilIfEmpty turns a typed nil record into an untyped nil.
func nilIfEmpty[T any](rec *T, reason string) (any, string) {
	if reason != "" || rec == nil {
		return nil, reason
	}
	return rec, ""
}

// Print writes the report for a person.
func (r *Report) Print(w io.Writer) {
	verb := "imported"
	if r.DryRun {
		verb = "dry run, nothing written; would import"
	}
	fmt.Fprintf(w, "\n%s:\n", verb)
	fmt.Fprintf(w, "  %-14s %10s %10s %10s %10s %10s\n", "table", "upstream", "new", "updated", "unchanged", "skipped")
	for _, t := range r.Tables {
		fmt.Fprintf(w, "  %-14s %10d %10d %10d %10d %10d\n", t.Table, t.Upstream, t.New, t.Updated, t.Unchanged, t.Skipped)
	}
	if !r.Changed() {
		fmt.Fprintln(w, "  nothing new or changed upstream since the last run")
	}
	if len(r.SkipReasons) > 0 {
		fmt.Fprintln(w, "skipped rows, by reason:")
		for _, k := range sortedKeys(r.SkipReasons) {
			fmt.Fprintf(w, "  %-60s %d\n", k, r.SkipReasons[k])
		}
		fmt.Fprintln(w, "skipped rows (table id: reason):")
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "  %s %s: %s\n", s.Table, s.ID, s.Reason)
		}
		if n := sum(r.SkipReasons); n > len(r.Skipped) {
			fmt.Fprintf(w, "  ... and %d more\n", n-len(r.Skipped))
		}
	}
	if len(r.FieldsSkipped) > 0 {
		fmt.Fprintln(w, "fields left out (rows imported without them):")
		for _, k := range sortedKeys(r.FieldsSkipped) {
			fmt.Fprintf(w, "  %-60s %d\n", k, r.FieldsSkipped[k])
		}
	}
	fmt.Fprintf(w, "images kept as URLs: %d at Cloudflare Images, %d elsewhere (left as they are)\n", r.ImagesCloudflare, r.ImagesOther)
	if r.LevelsCapped > 0 {
		fmt.Fprintf(w, "API keys whose level was above their owner's role, lowered to it: %d\n", r.LevelsCapped)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	fmt.Fprintf(w, "took %s\n", r.Elapsed.Round(time.Millisecond))
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// progress shows each table's progress: a bar redrawn in place on a
// terminal, a line every tenth otherwise.
type progress struct {
	w           io.Writer
	bar         bool
	table       string
	total, last int64
	drawn       time.Time
}

func newProgress(w io.Writer, mode string) *progress {
	p := &progress{w: w, bar: mode == "bar"}
	if mode == "" {
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			p.bar = true
		}
	}
	return p
}

func (p *progress) start(table string, total int64) {
	p.table, p.total, p.last, p.drawn = table, total, 0, time.Time{}
	if !p.bar {
		fmt.Fprintf(p.w, "%s: %d rows upstream\n", table, total)
		return
	}
	p.draw(0)
}

func (p *progress) update(done int64) {
	if p.bar {
		if time.Since(p.drawn) >= 100*time.Millisecond {
			p.draw(done)
		}
		return
	}
	if p.total > 0 && done*10/p.total > p.last*10/p.total && done < p.total {
		fmt.Fprintf(p.w, "%s: %d/%d\n", p.table, done, p.total)
	}
	p.last = done
}

func (p *progress) draw(done int64) {
	p.drawn = time.Now()
	const width = 30
	n := width
	if p.total > 0 && done < p.total {
		n = int(done * width / p.total)
	}
	fmt.Fprintf(p.w, "\r%-14s [%s%s] %d/%d", p.table, strings.Repeat("=", n), strings.Repeat(" ", width-n), done, p.total)
}

func (p *progress) end(tc *TableCount) {
	if p.bar {
		p.draw(p.total)
		fmt.Fprintln(p.w)
		return
	}
	fmt.Fprintf(p.w, "%s: done (%d new, %d updated, %d unchanged, %d skipped)\n", p.table, tc.New, tc.Updated, tc.Unchanged, tc.Skipped)
}
