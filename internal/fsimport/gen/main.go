// Command gen writes an upstream-shaped (FreeSewing v3) SQLite database of
// a given size, for measuring `bobbin import freesewing` at scale
// (docs/import.md). Never run against anything real: it creates a new file
// and refuses to overwrite one.
//
//	go run ./internal/fsimport/gen --out /tmp/fs.sqlite --users 100000 --keys 100000 --sets 500000
//
// Personal fields are encrypted as upstream does under --enc-key;
// passwords and key secrets are upstream v3 hashes from a small pool (an
// scrypt each would take most of an hour), printed with one sample
// credential so the imported data can be tried by hand.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"bobbin/internal/fsimport"
)

func main() {
	out := flag.String("out", "", "new upstream database file to write")
	key := flag.String("enc-key", "generator-upstream-enc-key-0123456789", "upstream ENC key to encrypt with")
	users := flag.Int("users", 1000, "users")
	keys := flag.Int("keys", 1000, "API keys (spread over the users)")
	sets := flag.Int("sets", 5000, "measurement sets (spread over the users)")
	patterns := flag.Int("patterns", 0, "patterns (spread over the users)")
	flag.Parse()
	if err := gen(*out, *key, *users, *keys, *sets, *patterns); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

const pool = 16

func gen(out, key string, users, keys, sets, patterns int) error {
	if out == "" {
		return fmt.Errorf("--out is required")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists; the generator only makes new files", out)
	}
	if users < 1 {
		return fmt.Errorf("--users must be at least 1")
	}
	start := time.Now()
	up, err := fsimport.CreateUpstream(out, key)
	if err != nil {
		return err
	}
	defer up.Close()
	var pw, sec [pool]string
	for i := range pool {
		if pw[i], err = fsimport.HashV3(fmt.Sprintf("password %d of the generator", i)); err != nil {
			return err
		}
		if sec[i], err = fsimport.HashV3(fmt.Sprintf("%064x", i+1)); err != nil {
			return err
		}
	}
	now := time.Now().UnixMilli()
	batch := func(n int, what string, row func(i int) (string, map[string]any)) error {
		for i := 0; i < n; i++ {
			if i%10000 == 0 {
				if i > 0 {
					if err := up.Commit(); err != nil {
						return err
					}
					fmt.Fprintf(os.Stderr, "\r%s %d/%d", what, i, n)
				}
				if err := up.Begin(); err != nil {
					return err
				}
			}
			t, r := row(i)
			if err := up.Insert(t, r); err != nil {
				return err
			}
		}
		if n > 0 {
			if err := up.Commit(); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "\r%s %d/%d\n", what, n, n)
		return nil
	}
	if err := batch(users, "users", func(i int) (string, map[string]any) {
		id := i + 1
		email := fmt.Sprintf("user%d@example.com", id)
		img := ""
		if id%3 == 0 {
			img = fmt.Sprintf("https://imagedelivery.net/acc/user-%d/public", id)
		}
		return "User", map[string]any{"id": id, "username": fmt.Sprintf("user-%d", id), "lusername": fmt.Sprintf("user-%d", id),
			"email": up.Enc(email), "initial": up.Enc(email), "ehash": fsimport.UpstreamEHash(email), "ihash": fsimport.UpstreamEHash(email),
			"bio": up.Enc(fmt.Sprintf("Bio of user %d", id)), "data": up.Enc(map[string]any{}), "img": up.Enc(img),
			"password": pw[id%pool], "status": 1, "consent": 2, "role": "user", "createdAt": now - int64(id)*1000, "updatedAt": now}
	}); err != nil {
		return err
	}
	if err := batch(keys, "apikeys", func(i int) (string, map[string]any) {
		return "Apikey", map[string]any{"id": keyID(i), "name": fmt.Sprintf("key %d", i), "level": 4, "secret": sec[i%pool],
			"userId": i%users + 1, "expiresAt": now + 365*86400*1000, "createdAt": now}
	}); err != nil {
		return err
	}
	if err := batch(sets, "sets", func(i int) (string, map[string]any) {
		m := map[string]any{"chest": 900 + i%200, "waist": 800 + i%150, "hips": 950 + i%170, "neck": 360 + i%40,
			"biceps": 300, "shoulderSlope": 13, "shoulderToShoulder": 420, "hpsToWaistBack": 430, "waistToHips": 120, "wrist": 170}
		if i%100 == 0 {
			m["notAMeasurement"] = 1
		}
		return "Set", map[string]any{"id": i + 1, "userId": i%users + 1, "name": up.Enc(fmt.Sprintf("Set %d", i+1)),
			"notes": up.Enc("generated"), "measies": up.Enc(m), "createdAt": now, "updatedAt": now}
	}); err != nil {
		return err
	}
	if err := batch(patterns, "patterns", func(i int) (string, map[string]any) {
		return "Pattern", map[string]any{"id": i + 1, "userId": i%users + 1, "design": "aaron", "name": up.Enc(fmt.Sprintf("Pattern %d", i+1)),
			"notes": up.Enc(""), "settings": up.Enc(map[string]any{"sa": 10}), "data": up.Enc(map[string]any{}), "createdAt": now, "updatedAt": now}
	}); err != nil {
		return err
	}
	fmt.Printf("wrote %s in %s: %d users, %d keys, %d sets, %d patterns\n", out, time.Since(start).Round(time.Second), users, keys, sets, patterns)
	fmt.Printf("try: user user-1, password %q; key %s secret %064x\n", "password 1 of the generator", keyID(0), 1)
	return nil
}

// keyID is a canonical lower-case UUID (version 4 layout) for key i.
func keyID(i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
}
