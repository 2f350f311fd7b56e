package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// benchUser is an account made through the API for the load cases.
type benchUser struct {
	id       int64
	email    string
	password string
	token    string
	key      string
	secret   string
	setID    int64 // 0 when the sets routes are not present
}

func (u *benchUser) bearer() string { return "Bearer " + u.token }
func (u *benchUser) basic() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u.key+":"+u.secret))
}

// api is a small JSON client for seeding (not for measuring).
type api struct {
	base string
	hc   *http.Client
}

func newAPI(addr string) *api {
	return &api{base: "http://" + addr, hc: &http.Client{Timeout: 60 * time.Second}}
}

func (a *api) call(method, path, auth string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := a.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return res.StatusCode, m, nil
}

func (a *api) must(want int, method, path, auth string, body any) (map[string]any, error) {
	status, m, err := a.call(method, path, auth, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %v", method, path, status, want, m)
	}
	return m, nil
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	switch v := cur.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// makeUser signs up (test mode answers the confirmation id), confirms with
// consent 2, sets a password (one Argon2id hash on the server) and creates
// an API key at level 4.
func (a *api) makeUser(tag string, n int) (*benchUser, error) {
	u := &benchUser{email: fmt.Sprintf("bench-%s-%d@example.com", tag, n), password: fmt.Sprintf("bench password %s %d", tag, n)}
	m, err := a.must(201, "POST", "/signup", "", map[string]any{"email": u.email, "language": "en", "test": true})
	if err != nil {
		return nil, err
	}
	conf := str(m, "confirmation")
	if conf == "" {
		return nil, fmt.Errorf("signup answered no confirmation id: is test mode on? %v", m)
	}
	if m, err = a.must(200, "POST", "/confirm/signup/"+conf, "", map[string]any{"consent": 2}); err != nil {
		return nil, err
	}
	u.token = str(m, "token")
	u.id, _ = strconv.ParseInt(str(m, "account", "id"), 10, 64)
	if _, err := a.must(200, "PATCH", "/account/jwt", u.bearer(), map[string]any{"password": u.password}); err != nil {
		return nil, err
	}
	if m, err = a.must(201, "POST", "/apikeys/jwt", u.bearer(), map[string]any{"name": "bench", "level": 4, "expiresIn": 86400}); err != nil {
		return nil, err
	}
	u.key, u.secret = str(m, "apikey", "key"), str(m, "apikey", "secret")
	return u, nil
}

// setBody is the body of a set create.
func setBody(n int) map[string]any {
	return map[string]any{"name": fmt.Sprintf("bench set %d", n), "notes": "made by bobbin-bench", "imperial": false,
		"measies": map[string]any{"chest": 960, "waist": 820, "hips": 1010, "neck": 380, "biceps": 310, "inseam": 800,
			"shoulderSlope": 13, "hpsToWaistBack": 470, "waistToHips": 150, "wrist": 170}}
}

// probeSets reports whether POST /sets/jwt exists, creating u's set if so.
// Any answer but 201 means the route is not there (yet): 404 from the
// fallback, or 405 when only other methods are.
func (a *api) probeSets(u *benchUser) (bool, string, error) {
	status, m, err := a.call("POST", "/sets/jwt", u.bearer(), setBody(0))
	if err != nil {
		return false, "", err
	}
	if status != 201 {
		return false, fmt.Sprintf("POST /sets/jwt answered %d %s", status, str(m, "error")), nil
	}
	u.setID, _ = strconv.ParseInt(str(m, "set", "id"), 10, 64)
	if u.setID == 0 {
		return false, fmt.Sprintf("POST /sets/jwt answered 201 without set.id: %v", m), nil
	}
	return true, "", nil
}

func (a *api) makeSet(u *benchUser, n int) error {
	m, err := a.must(201, "POST", "/sets/jwt", u.bearer(), setBody(n))
	if err != nil {
		return err
	}
	u.setID, _ = strconv.ParseInt(str(m, "set", "id"), 10, 64)
	return nil
}
