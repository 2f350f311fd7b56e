// Command setdemo is the client walk-through of docs/data.md: a script
// that, with an API key, creates a measurement set, makes it public and
// reads it back as YAML, the way a CI job or a pattern tool would.
//
//	go run ./cmd/bobbin                 # terminal 1: a local Bobbin, out of the box
//	go run ./docs/examples/setdemo      # terminal 2: against http://localhost:3000
//
// With BOBBIN_KEY and BOBBIN_SECRET set it uses that key. Without them it
// first makes a demo account the way a person would: sign up, follow the
// confirmation link (read from the local server's mail outbox, where
// Bobbin writes mail when no SMTP server is configured), and create an
// API key at level 3 ("write own sets") that expires in an hour.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

func main() {
	base := flag.String("url", "http://localhost:3000", "Bobbin's base URL")
	data := flag.String("data", "./data", "the local server's data folder (for its mail outbox; demo account only)")
	flag.Parse()
	if err := run(*base, *data); err != nil {
		fmt.Fprintln(os.Stderr, "setdemo:", err)
		os.Exit(1)
	}
}

func run(base, dataDir string) error {
	c := &client{base: base, http: &http.Client{Timeout: 30 * time.Second}}
	key, secret := os.Getenv("BOBBIN_KEY"), os.Getenv("BOBBIN_SECRET")
	if key == "" || secret == "" {
		var err error
		if key, secret, err = c.demoKey(filepath.Join(dataDir, "outbox")); err != nil {
			return err
		}
	}
	c.key, c.secret = key, secret

	// 1. Create a set with the key (Basic auth on a /key route).
	var created struct {
		Set struct {
			ID int64 `json:"id"`
		} `json:"set"`
	}
	err := c.call("POST", "/sets/key", map[string]any{
		"name":     "Walk-through set",
		"notes":    "Made by docs/examples/setdemo",
		"measies":  map[string]any{"chest": 1000, "waist": 820, "hips": 1010, "neck": 380, "notAMeasurement": 1},
		"imperial": false,
	}, 201, &created)
	if err != nil {
		return fmt.Errorf("create set: %w", err)
	}
	fmt.Printf("created set %d\n", created.Set.ID)

	// 2. Make it public.
	path := fmt.Sprintf("/sets/%d", created.Set.ID)
	if err := c.call("PATCH", path+"/key", map[string]any{"public": true}, 200, nil); err != nil {
		return fmt.Errorf("make public: %w", err)
	}
	fmt.Println("made it public")

	// 3. Anyone can now read it as YAML (or JSON), without credentials.
	res, err := c.http.Get(base + path + ".yaml")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s.yaml: %d %s", path, res.StatusCode, body)
	}
	fmt.Printf("GET %s.yaml (%s):\n%s", path, res.Header.Get("Content-Type"), body)
	return nil
}

type client struct {
	base, key, secret string
	token             string
	http              *http.Client
}

// call sends a JSON request and decodes the answer into out; any status
// other than want is an error carrying Bobbin's error code.
func (c *client) call(method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	switch {
	case c.key != "":
		req.SetBasicAuth(c.key, c.secret)
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

var confirmLink = regexp.MustCompile(`/confirm/signup/([0-9a-f-]{36})/`)

// demoKey signs a new demo account up and returns an API key for it.
func (c *client) demoKey(outbox string) (string, string, error) {
	r := make([]byte, 4)
	rand.Read(r)
	email := "setdemo-" + hex.EncodeToString(r) + "@example.com"
	if err := c.call("POST", "/signup", map[string]any{"email": email, "language": "en"}, 201, nil); err != nil {
		return "", "", fmt.Errorf("signup: %w", err)
	}
	fmt.Println("signed up", email)
	id, err := findConfirmation(outbox, email)
	if err != nil {
		return "", "", err
	}
	var signedIn struct {
		Token string `json:"token"`
	}
	// consent 2: profile and measurements may be stored.
	if err := c.call("POST", "/confirm/signup/"+id, map[string]any{"consent": 2}, 200, &signedIn); err != nil {
		return "", "", fmt.Errorf("confirm: %w", err)
	}
	c.token = signedIn.Token
	var k struct {
		APIKey struct {
			Key    string `json:"key"`
			Secret string `json:"secret"`
		} `json:"apikey"`
	}
	if err := c.call("POST", "/apikeys/jwt", map[string]any{"name": "setdemo", "level": 3, "expiresIn": 3600}, 201, &k); err != nil {
		return "", "", fmt.Errorf("create key: %w", err)
	}
	c.token = ""
	fmt.Println("created API key", k.APIKey.Key, "(level 3, one hour)")
	return k.APIKey.Key, k.APIKey.Secret, nil
}

// findConfirmation reads the signup link sent to email from the outbox.
func findConfirmation(outbox, email string) (string, error) {
	for try := 0; try < 50; try++ {
		files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
		for i := len(files) - 1; i >= 0; i-- {
			raw, err := os.ReadFile(files[i])
			if err != nil || !bytes.Contains(raw, []byte("<"+email+">")) {
				continue
			}
			plain, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
			if m := confirmLink.FindSubmatch(plain); m != nil {
				return string(m[1]), nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", errors.New("no signup mail for " + email + " in " + outbox +
		" (is the server local, without SMTP? else set BOBBIN_KEY and BOBBIN_SECRET)")
}
