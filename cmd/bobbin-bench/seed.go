package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"bobbin/internal/auth"
	"bobbin/internal/config"
	"bobbin/internal/password"
	"bobbin/internal/store"
	"bobbin/internal/vault"
)

// seedKeysFile holds "key:secret" lines of sampled seeded users, for the
// bench's cache-cold case.
const seedKeysFile = "seed-keys.txt"

// seedPassword signs in every seeded user (one hash, computed once, shared).
const seedPassword = "seeded account password"

// seedCmd fills a data dir with N users (each with an API key) and
// setsPer sets each, written straight through internal/store in large
// transactions, personal fields encrypted as the server would. Bobbin
// started on the same data dir reads them (same generated secrets).
func seedCmd(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	dir := fs.String("data-dir", "", "data dir to fill (created if missing; required)")
	users := fs.Int("users", 1_000_000, "users to add (each gets one API key)")
	setsPer := fs.Int("sets-per-user", 5, "sets per user")
	batch := fs.Int("batch", 2000, "users per transaction")
	every := fs.Int("sample-every", 50, "record the key and secret of every n-th user in <data dir>/"+seedKeysFile+" (0: none)")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("seed: --data-dir is required")
	}
	if *users < 1 || *batch < 1 || *setsPer < 0 {
		return fmt.Errorf("seed: --users and --batch must be at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env := map[string]string{"BACKEND_DATA_DIR": *dir}
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	if err := cfg.EnsureSecrets(func(b []byte) error { _, err := rand.Read(b); return err }); err != nil {
		return err
	}
	v, err := vault.New(cfg.EncKey)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DBURL, v)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	secrets, err := auth.NewSecretHasher(v.SecretKey())
	if err != nil {
		return err
	}
	hash, err := password.NewHasher(password.Default, 1, 0).Hash(ctx, seedPassword)
	if err != nil {
		return err
	}
	var start int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&start); err != nil {
		return err
	}
	measies, _ := json.Marshal(map[string]float64{"chest": 960, "waist": 820, "hips": 1010, "neck": 380, "biceps": 310,
		"inseam": 800, "shoulderSlope": 13, "hpsToWaistBack": 470, "waistToHips": 150, "wrist": 170})

	var sample *os.File
	if *every > 0 {
		if sample, err = os.OpenFile(filepath.Join(*dir, seedKeysFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
			return err
		}
		defer sample.Close()
	}
	rowsPerUser := 2 + *setsPer
	total := *users * rowsPerUser
	bar := newProgress(total, fmt.Sprintf("users %d, keys %d, sets %d", *users, *users, *users**setsPer))
	t0 := time.Now()
	now := time.Now().UnixMilli()
	for done := 0; done < *users; done += *batch {
		if err := ctx.Err(); err != nil {
			bar.finish()
			return fmt.Errorf("seed: interrupted after %d users (kept: each batch is one transaction)", done)
		}
		n := min(*batch, *users-done)
		err := db.Write(ctx, func(tx *store.Tx) error {
			for i := range n {
				num := start + done + i
				u := &store.User{Username: fmt.Sprintf("seed-%d", num), Email: fmt.Sprintf("seed-%d@example.com", num),
					Language: "en", Role: "user", Status: 1, Consent: 2, Control: 1, Compare: true, Password: hash,
					CreatedAt: now, Data: map[string]any{}}
				if err := tx.Users().Create(ctx, u); err != nil {
					return fmt.Errorf("user %d: %w", num, err)
				}
				id, secret, err := auth.NewAPIKey()
				if err != nil {
					return err
				}
				k := &store.APIKey{ID: id, UserID: u.ID, Name: "seeded key", Level: 4, SecretHash: secrets.Hash(secret),
					ExpiresAt: now + 365*24*3600*1000, CreatedAt: now}
				if err := tx.Keys().Create(ctx, k); err != nil {
					return fmt.Errorf("key of user %d: %w", num, err)
				}
				if sample != nil && num%*every == 0 {
					fmt.Fprintf(sample, "%s:%s\n", id, secret) // written even if the batch fails: the bench skips unknown keys' 401s
				}
				for j := range *setsPer {
					if err := seedSet(ctx, tx, v, u.ID, fmt.Sprintf("Set %d of %s", j+1, u.Username), string(measies), now); err != nil {
						return fmt.Errorf("set of user %d: %w", num, err)
					}
				}
			}
			return nil
		})
		if err != nil {
			bar.finish()
			return err
		}
		bar.set((done + n) * rowsPerUser)
	}
	bar.finish()
	took := time.Since(t0)
	if _, err := db.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	size := dirSize(filepath.Dir(cfg.SQLitePath()), filepath.Base(cfg.SQLitePath()))
	fmt.Printf("seeded %d users, %d keys, %d sets (%d rows) in %v: %.0f rows/s; database now %s on disk (%s)\n",
		*users, *users, *users**setsPer, total, took.Round(time.Second), float64(total)/took.Seconds(),
		mib(size), cfg.SQLitePath())
	fmt.Printf("seeded users sign in as seed-<n>@example.com with password %q\n", seedPassword)
	return nil
}

// seedSet writes one set row as the sets store does: name, notes and
// measurements encrypted under the field names internal/store/sets.go uses.
func seedSet(ctx context.Context, tx *store.Tx, v *vault.Vault, userID int64, name, measies string, now int64) error {
	n, err := v.Encrypt("sets.name", name)
	if err != nil {
		return err
	}
	notes, err := v.Encrypt("sets.notes", "seeded by bobbin-bench")
	if err != nil {
		return err
	}
	m, err := v.Encrypt("sets.measies", measies)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO sets (user_id, name_enc, notes_enc, public, imperial, measies_enc, img, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
		userID, n, notes, false, false, m, "", now, now)
	return err
}

// dirSize adds the sizes of the files in dir whose names start with prefix
// (the database, its WAL and shared-memory files).
func dirSize(dir, prefix string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}

// progress draws a bar on stderr, at most four times a second.
type progress struct {
	total int
	label string
	start time.Time
	last  time.Time
	n     int
}

func newProgress(total int, label string) *progress {
	p := &progress{total: total, label: label, start: time.Now()}
	p.draw()
	return p
}

func (p *progress) set(n int) {
	p.n = n
	if time.Since(p.last) >= 250*time.Millisecond {
		p.draw()
	}
}

func (p *progress) draw() {
	p.last = time.Now()
	const width = 30
	frac := float64(p.n) / float64(max(p.total, 1))
	filled := int(frac * width)
	el := time.Since(p.start)
	rate := float64(p.n) / max(el.Seconds(), 1e-9)
	eta := "?"
	if rate > 0 && p.n > 0 {
		eta = time.Duration(float64(p.total-p.n) / rate * float64(time.Second)).Round(time.Second).String()
	}
	fmt.Fprintf(os.Stderr, "\r[%s%s] %3.0f%% %d/%d rows (%s) %.0f rows/s ETA %s   ",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, p.n, p.total, p.label, rate, eta)
}

func (p *progress) finish() {
	p.draw()
	fmt.Fprintln(os.Stderr)
}
