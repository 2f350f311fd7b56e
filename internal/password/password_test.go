package password

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// small keeps most tests fast under -race.
var small = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func newSmall(t testing.TB) *Hasher {
	t.Helper()
	return NewHasher(small, 2, time.Second)
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)

func mustHash(t *testing.T, h *Hasher, pw string) string {
	t.Helper()
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return enc
}

func verify(t *testing.T, h *Hasher, pw, enc string) (ok, rehash bool) {
	t.Helper()
	ok, rehash, err := h.Verify(context.Background(), pw, enc)
	if err != nil {
		t.Fatalf("Verify(%q): %v", enc, err)
	}
	return ok, rehash
}

func TestRoundTrip(t *testing.T) {
	h := newSmall(t)
	enc := mustHash(t, h, "correct horse battery staple")
	m := phcRE.FindStringSubmatch(enc)
	if m == nil {
		t.Fatalf("not a PHC string: %q", enc)
	}
	if m[1] != "64" || m[2] != "1" || m[3] != "1" {
		t.Errorf("params in %q, want m=64,t=1,p=1", enc)
	}
	salt, err := base64.RawStdEncoding.DecodeString(m[4])
	if err != nil || len(salt) != 16 {
		t.Errorf("salt %q: %d bytes, %v", m[4], len(salt), err)
	}
	key, err := base64.RawStdEncoding.DecodeString(m[5])
	if err != nil || len(key) != 32 {
		t.Errorf("key %q: %d bytes, %v", m[5], len(key), err)
	}
	// Independent recomputation of the key from the encoded salt.
	want := argon2.IDKey([]byte("correct horse battery staple"), salt, 1, 64, 1, 32)
	if string(want) != string(key) {
		t.Error("key does not match argon2.IDKey")
	}
	if ok, rehash := verify(t, h, "correct horse battery staple", enc); !ok || rehash {
		t.Errorf("Verify = %v, %v; want true, false", ok, rehash)
	}
	// Fresh salt every time.
	if enc2 := mustHash(t, h, "correct horse battery staple"); enc2 == enc {
		t.Error("two hashes of the same password are identical")
	}
}

func TestDefaultParams(t *testing.T) {
	h := NewHasher(Default, 0, time.Second)
	enc := mustHash(t, h, "a long enough password")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected prefix: %q", enc)
	}
	if ok, rehash := verify(t, h, "a long enough password", enc); !ok || rehash {
		t.Errorf("Verify = %v, %v; want true, false", ok, rehash)
	}
	if ok, _ := verify(t, h, "a long enough passworD", enc); ok {
		t.Error("wrong password verified")
	}
	if err := h.Dummy(context.Background(), "whoever"); err != nil {
		t.Errorf("Dummy: %v", err)
	}
	// A zero Params means Default.
	if z := NewHasher(Params{}, 1, 0); z.params != Default {
		t.Errorf("zero Params became %+v", z.params)
	}
}

func TestWrongPassword(t *testing.T) {
	h := newSmall(t)
	enc := mustHash(t, h, "sewing-machine-42")
	for _, pw := range []string{"", "sewing-machine-4", "sewing-machine-42 ", "Sewing-machine-42", "sewing-machine-43"} {
		if ok, rehash := verify(t, h, pw, enc); ok || rehash {
			t.Errorf("Verify(%q) = %v, %v; want false, false", pw, ok, rehash)
		}
	}
}

func TestRehash(t *testing.T) {
	ctx := context.Background()
	weak := NewHasher(small, 1, time.Second)
	enc := mustHash(t, weak, "upgrade me please")

	cases := []struct {
		name   string
		p      Params
		rehash bool
	}{
		{"same", small, false},
		{"more memory", Params{Memory: 128, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, true},
		{"more time", Params{Memory: 64, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}, true},
		{"longer key", Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 64, SaltLen: 16}, true},
		{"longer salt", Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 32}, true},
		{"weaker hasher", Params{Memory: 32, Time: 1, Threads: 1, KeyLen: 16, SaltLen: 8}, false},
	}
	for _, c := range cases {
		h := NewHasher(c.p, 1, time.Second)
		ok, rehash, err := h.Verify(ctx, "upgrade me please", enc)
		if err != nil || !ok || rehash != c.rehash {
			t.Errorf("%s: Verify = %v, %v, %v; want true, %v, nil", c.name, ok, rehash, err, c.rehash)
		}
		// rehash is only ever set on a match.
		ok, rehash, err = h.Verify(ctx, "wrong", enc)
		if err != nil || ok || rehash {
			t.Errorf("%s wrong password: Verify = %v, %v, %v", c.name, ok, rehash, err)
		}
	}

	// The stored parameters, not the hasher's, drive verification.
	strong := NewHasher(Params{Memory: 256, Time: 3, Threads: 2, KeyLen: 32, SaltLen: 16}, 1, time.Second)
	enc2 := mustHash(t, strong, "upgrade me please")
	if ok, rehash := verify(t, weak, "upgrade me please", enc2); !ok || rehash {
		t.Errorf("strong hash under weak hasher: %v, %v; want true, false", ok, rehash)
	}
}

func legacyJSON(hash []byte, salt string) string {
	return fmt.Sprintf(`{"type":"v3","hash":"%s","salt":"%s"}`, hex.EncodeToString(hash), salt)
}

func TestLegacyComputed(t *testing.T) {
	t.Parallel()
	h := newSmall(t)
	const pw = "my old freesewing password"
	saltHex := "00112233445566778899aabbccddeeff"
	rawSalt, _ := hex.DecodeString(saltHex)

	// As upstream writes it: the hex salt is decoded back to bytes.
	key, err := scrypt.Key([]byte(pw), rawSalt, 16384, 8, 1, 64)
	if err != nil {
		t.Fatal(err)
	}
	enc := legacyJSON(key, saltHex)
	if ok, rehash := verify(t, h, pw, enc); !ok || !rehash {
		t.Errorf("legacy (decoded salt): %v, %v; want true, true", ok, rehash)
	}
	if ok, rehash := verify(t, h, pw+"!", enc); ok || rehash {
		t.Errorf("legacy wrong password: %v, %v; want false, false", ok, rehash)
	}

	// The hex text itself as salt bytes.
	key, err = scrypt.Key([]byte(pw), []byte(saltHex), 16384, 8, 1, 64)
	if err != nil {
		t.Fatal(err)
	}
	enc = legacyJSON(key, saltHex)
	if ok, rehash := verify(t, h, pw, enc); !ok || !rehash {
		t.Errorf("legacy (ASCII salt): %v, %v; want true, true", ok, rehash)
	}
	if ok, _ := verify(t, h, "my old freesewing passworc", enc); ok {
		t.Error("legacy (ASCII salt) wrong password verified")
	}
}

// Fixed vectors computed once with Node.js v20 crypto.scryptSync (defaults
// N=16384, r=8, p=1, 64-byte key), independently of this package.
func TestLegacyFixedVector(t *testing.T) {
	t.Parallel()
	h := newSmall(t)
	const pw = "Sew it, don\u2019t scrypt it! \U0001F9F5"
	const salt = "5f1d0c9a3b7e48a2b6c4d1e0f9a87b3c"
	vectors := map[string]string{
		// scryptSync(pw, Buffer.from(salt, "hex"), 64), as FreeSewing v3 did.
		"decoded salt": "3a650886ddac75c90fa2230e96e16c1ef4243a497b5f88cd2f639d6e7defcb8ec5d51b5845bdc8a565dea85a04a7c23c2f9b568fd81d1887cf16e59ed2dbf010",
		// scryptSync(pw, salt, 64): the hex text as salt.
		"ascii salt": "5f746419d1043e6f37effd2ebf614ce9ae38c6e78e6b58d6d2e162aef3d0d7b0d9c007d5f8443c26fc6604545b71a412caaaefa62e9711f84c4f461448a88cad",
	}
	for name, hash := range vectors {
		enc := `{"type":"v3","hash":"` + hash + `","salt":"` + salt + `"}`
		if ok, rehash := verify(t, h, pw, enc); !ok || !rehash {
			t.Errorf("%s: Verify = %v, %v; want true, true", name, ok, rehash)
		}
		if ok, _ := verify(t, h, strings.TrimSuffix(pw, "\U0001F9F5"), enc); ok {
			t.Errorf("%s: truncated password verified", name)
		}
	}
}

func TestMalformed(t *testing.T) {
	h := newSmall(t)
	good := mustHash(t, h, "a fine password")
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(params string) string {
		return "$argon2id$v=19$" + params + "$" + salt + "$" + key
	}
	validLegacyHash := strings.Repeat("ab", 64)

	cases := map[string]string{
		"empty":             "",
		"plain text":        "a fine password",
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":           "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"argon2d":           "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"no version":        "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"version 16":        "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"version junk":      "$argon2id$v=19x$m=64,t=1,p=1$" + salt + "$" + key,
		"too few parts":     "$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"too many parts":    good + "$extra",
		"leading junk":      "x" + good,
		"trailing dollar":   good + "$",
		"params order":      with("t=1,m=64,p=1"),
		"params missing":    with("m=64,t=1"),
		"params extra":      with("m=64,t=1,p=1,keyid=abc"),
		"m zero":            with("m=0,t=1,p=1"),
		"t zero":            with("m=64,t=0,p=1"),
		"p zero":            with("m=64,t=1,p=0"),
		"m below 8p":        with("m=8,t=1,p=2"),
		"m huge":            with("m=4294967295,t=1,p=1"),
		"m overflow":        with("m=99999999999999999999,t=1,p=1"),
		"m just over 1GiB":  with("m=1048577,t=1,p=1"),
		"t huge":            with("m=64,t=4294967295,p=1"),
		"t 101":             with("m=64,t=101,p=1"),
		"p 256":             with("m=4096,t=1,p=256"),
		"m negative":        with("m=-64,t=1,p=1"),
		"m plus":            with("m=+64,t=1,p=1"),
		"m leading zero":    with("m=064,t=1,p=1"),
		"m hex":             with("m=0x40,t=1,p=1"),
		"m space":           with("m= 64,t=1,p=1"),
		"salt bad base64":   "$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key,
		"salt padded":       "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"salt url base64":   "$argon2id$v=19$m=64,t=1,p=1$" + strings.NewReplacer("+", "-", "/", "_").Replace(salt) + "-_$" + key,
		"salt short":        "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,
		"salt empty":        "$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"key bad base64":    "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "*",
		"key short":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + base64.RawStdEncoding.EncodeToString([]byte("short")),
		"key empty":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"key huge":          "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 4000),
		"key non-canonical": "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "B",
		"legacy not json":   `{"type":"v3",`,
		"legacy v2 !bcrypt": `{"type":"v2","data":"$2a$10$N9qo8uLOickgx2ZMRZoMy"}`, // v2 is bcrypt (bcrypt.go); this is not one
		"legacy no type":    `{"hash":"` + validLegacyHash + `","salt":"00"}`,
		"legacy short hash": `{"type":"v3","hash":"abcd","salt":"00112233"}`,
		"legacy hash !hex":  `{"type":"v3","hash":"` + strings.Repeat("zz", 64) + `","salt":"00112233"}`,
		"legacy no salt":    `{"type":"v3","hash":"` + validLegacyHash + `"}`,
		"legacy hash type":  `{"type":"v3","hash":12,"salt":"00112233"}`,
		"legacy array":      `[{"type":"v3"}]`,
		"huge input":        strings.Repeat("$", 1<<20),
	}
	for name, enc := range cases {
		ok, rehash, err := h.Verify(context.Background(), "a fine password", enc)
		if err == nil || ok || rehash {
			t.Errorf("%s: Verify(%.60q) = %v, %v, %v; want false, false, error", name, enc, ok, rehash, err)
		}
	}
	// Sanity: the unmodified hash is fine, and m exactly at the cap parses.
	if ok, _ := verify(t, h, "a fine password", good); !ok {
		t.Error("good hash did not verify")
	}
	if _, err := h.parsePHC(with("m=1048576,t=100,p=255")); err != nil {
		t.Errorf("params at the caps refused: %v", err)
	}
}

func TestBusy(t *testing.T) {
	h := NewHasher(small, 1, 10*time.Millisecond)
	enc := mustHash(t, h, "hold the slot please")

	// Another hash holds the only slot.
	if err := h.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := h.Hash(context.Background(), "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash: err = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < 10*time.Millisecond {
		t.Errorf("gave up after %v, before the 10ms wait", d)
	}
	if ok, _, err := h.Verify(context.Background(), "hold the slot please", enc); !errors.Is(err, ErrBusy) || ok {
		t.Errorf("Verify: %v, %v; want false, ErrBusy", ok, err)
	}
	if err := h.Dummy(context.Background(), "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("Dummy: err = %v, want ErrBusy", err)
	}
	// A malformed hash is refused before queuing.
	if _, _, err := h.Verify(context.Background(), "x", "junk"); err == nil || errors.Is(err, ErrBusy) {
		t.Errorf("malformed while busy: err = %v", err)
	}

	// The context ending first wins over the wait.
	long := NewHasher(small, 1, time.Hour)
	if err := long.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := long.Hash(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with deadline: err = %v, want DeadlineExceeded", err)
	}
	long.release()

	// A cancelled context is refused even when a slot is free.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, _, err := long.Verify(cctx, "hold the slot please", enc); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with cancelled ctx: err = %v, want Canceled", err)
	}

	// Once the slot is released, work proceeds; a waiter gets the slot.
	done := make(chan error, 1)
	go func() {
		_, err := NewHasher(small, 1, 0).Hash(context.Background(), "unrelated pool")
		done <- err
	}()
	if err := <-done; err != nil {
		t.Errorf("separate pool: %v", err)
	}
	waiter := NewHasher(small, 1, 5*time.Second)
	if err := waiter.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(5 * time.Millisecond)
		waiter.release()
	}()
	if _, err := waiter.Hash(context.Background(), "x"); err != nil {
		t.Errorf("waiter: %v", err)
	}
	h.release()
	if ok, _ := verify(t, h, "hold the slot please", enc); !ok {
		t.Error("verify after release failed")
	}
}

func TestConcurrencyBound(t *testing.T) {
	const limit = 3
	h := NewHasher(small, limit, 10*time.Second)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.acquire(context.Background()); err != nil {
				errs <- err
				return
			}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			h.release()
			if _, err := h.Hash(context.Background(), fmt.Sprint("pw", i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if p := peak.Load(); p > limit {
		t.Errorf("%d ran at once, limit %d", p, limit)
	}
	if n := len(h.sem); n != 0 {
		t.Errorf("%d slots leaked", n)
	}
}

func TestLongAndUnicodePasswords(t *testing.T) {
	h := newSmall(t)
	long := strings.Repeat("abcdefghijklmnopqrstuvwxyz012345", 32) // 1024 code points
	emoji := strings.Repeat("\U0001F9F5", 64)                      // 64 code points, 256 bytes
	for name, pw := range map[string]string{"1024 chars": long, "64 emoji": emoji} {
		if err := Validate(pw); err != nil {
			t.Errorf("%s: Validate: %v", name, err)
		}
		enc := mustHash(t, h, pw)
		if ok, _ := verify(t, h, pw, enc); !ok {
			t.Errorf("%s: did not verify", name)
		}
		// Dropping the last character (or byte) must fail: nothing is truncated.
		_, size := utf8.DecodeLastRuneInString(pw)
		if ok, _ := verify(t, h, pw[:len(pw)-size], enc); ok {
			t.Errorf("%s: verified without its last character", name)
		}
		if ok, _ := verify(t, h, pw[:len(pw)-1], enc); ok {
			t.Errorf("%s: verified without its last byte", name)
		}
	}
}

func TestNoTruncationPast72Bytes(t *testing.T) {
	h := newSmall(t)
	for _, n := range []int{72, 73, 100, 1000} {
		prefix := strings.Repeat("p", n)
		a, b := prefix+"-alpha", prefix+"-bravo"
		encA := mustHash(t, h, a)
		if ok, _ := verify(t, h, b, encA); ok {
			t.Errorf("prefix %d: b verified against a", n)
		}
		if ok, _ := verify(t, h, prefix, encA); ok {
			t.Errorf("prefix %d: bare prefix verified", n)
		}
		if ok, _ := verify(t, h, a, encA); !ok {
			t.Errorf("prefix %d: a did not verify", n)
		}
	}
}

func TestDummy(t *testing.T) {
	h := newSmall(t)
	if err := h.Dummy(context.Background(), "who knows"); err != nil {
		t.Errorf("Dummy: %v", err)
	}
	if n := len(h.sem); n != 0 {
		t.Errorf("Dummy leaked %d slots", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Dummy(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Dummy with cancelled ctx: %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", ErrTooShort},
		{"7 chars", "zq8#Lm2", ErrTooShort},
		{"8 chars", "zq8#Lm2!", nil},
		{"7 emoji (28 bytes)", strings.Repeat("\U0001F9F5", 7), ErrTooShort},
		{"8 emoji", strings.Repeat("\U0001F9F5", 8), nil},
		{"7 accented (14 bytes)", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", ErrTooShort},
		{"1024 chars", strings.Repeat("x", 1023) + "y", nil},
		{"1025 chars", strings.Repeat("x", 1024) + "y", ErrTooLong},
		{"1024 two-byte chars", strings.Repeat("\u00e9", 1024), nil},
		{"1025 two-byte chars", strings.Repeat("\u00e9", 1025), ErrTooLong},
		{"no composition rules", "aaaaaaaaaaaaaaaaaaab", nil},
		{"common", "password", ErrTooCommon},
		{"common mixed case", "PassWord", ErrTooCommon},
		{"common digits", "12345678", ErrTooCommon},
		{"common keyboard", "qwertyuiop", ErrTooCommon},
		{"common upper", "ILOVEYOU1", ErrTooCommon},
		{"common with space is not trimmed", " password", nil},
		{"common plus suffix", "password-for-bobbin", nil},
	}
	for _, c := range cases {
		if got := Validate(c.pw); !errors.Is(got, c.want) {
			t.Errorf("%s: Validate(%.20q) = %v, want %v", c.name, c.pw, got, c.want)
		}
	}
}

func TestCommonList(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonList, "\n"), "\n")
	if len(lines) != 1000 {
		t.Errorf("common.txt has %d lines, want 1000", len(lines))
	}
	if len(common) != len(lines) {
		t.Errorf("%d unique of %d lines", len(common), len(lines))
	}
	long := 0
	for i, l := range lines {
		if l == "" || l != strings.TrimSpace(l) || l != strings.ToLower(l) {
			t.Errorf("line %d: %q is empty, padded or not lower case", i+1, l)
		}
		if utf8.RuneCountInString(l) >= minLength {
			long++
		}
	}
	if long < 300 {
		t.Errorf("only %d entries of 8+ characters", long)
	}
	for _, pw := range []string{"password", "12345678", "qwertyuiop", "iloveyou1", "123456789", "baseball", "football", "trustno1", "sunshine", "princess"} {
		if _, ok := common[pw]; !ok {
			t.Errorf("%q missing from common.txt", pw)
		}
	}
}

func FuzzVerify(f *testing.F) {
	h := NewHasher(small, 1, time.Minute)
	// Keep valid-looking inputs cheap while fuzzing.
	h.maxMemory, h.maxTime = 1024, 3
	good, err := h.Hash(context.Background(), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		good, "", "$", "$$$$$", "$argon2id$v=19$m=64,t=1,p=1$$",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 43),
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$AAAA",
		`{"type":"v3","hash":"","salt":""}`, `{"type":"v3"`, "{}", "null", `{"type":2}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		ok, rehash, err := h.Verify(context.Background(), "fuzz", encoded)
		if err != nil && (ok || rehash) {
			t.Errorf("error %v with ok=%v rehash=%v", err, ok, rehash)
		}
		if rehash && !ok {
			t.Error("rehash without ok")
		}
		if n := len(h.sem); n != 0 {
			t.Errorf("%d slots leaked", n)
		}
	})
}
