// Package password hashes, verifies and validates account passwords.
//
// New hashes are Argon2id in the PHC string format, so their parameters are
// stored with them and can be raised later (Verify reports rehash=true for a
// hash weaker than the Hasher's parameters). Hashes imported from FreeSewing
// v3 (scrypt, stored as JSON) and FreeSewing v2 (bcrypt, stored as JSON
// {"type":"v2","data":...}) are verified too and always flagged for rehash.
//
// A Hasher bounds how many hashes run at once, so a flood of sign-ins cannot
// exhaust memory: callers wait briefly for a slot and then get ErrBusy.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// Params of Argon2id. Memory in KiB.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// Default is the OWASP floor for Argon2id: m = 19 MiB, t = 2, p = 1.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// ErrBusy is returned when no hashing slot became free within the wait.
var ErrBusy = errors.New("password: too many hashes in progress")

// Limits on parameters read from a stored hash. A stored hash beyond them is
// treated as malformed instead of being allowed to allocate or spin at will.
const (
	maxMemoryKiB  = 1 << 20 // 1 GiB
	maxTime       = 100
	minSaltLen    = 8
	maxSaltLen    = 256
	minKeyLen     = 16
	maxKeyLen     = 512
	maxEncodedLen = 4096

	// FreeSewing v3: Node's crypto.scryptSync defaults and a 64-byte key.
	legacyN      = 16384
	legacyR      = 8
	legacyP      = 1
	legacyKeyLen = 64
)

var b64 = base64.RawStdEncoding.Strict()

// Hasher hashes and verifies passwords with a bounded number of hashes
// running at once. It is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	wait   time.Duration

	// Limits applied to stored hashes; fixed by NewHasher, lowered only by
	// tests (the fuzz target) so that valid-looking inputs stay cheap.
	maxMemory uint32
	maxTime   uint32
}

// NewHasher bounds the hashes running at once to maxConcurrent (<=0 means
// runtime.NumCPU()); a caller waits at most wait for a slot, then gets
// ErrBusy (or ctx.Err() if ctx ends first). wait <= 0 means no waiting.
// Zero fields of p are taken from Default.
func NewHasher(p Params, maxConcurrent int, wait time.Duration) *Hasher {
	if p.Memory == 0 {
		p.Memory = Default.Memory
	}
	if p.Time == 0 {
		p.Time = Default.Time
	}
	if p.Threads == 0 {
		p.Threads = Default.Threads
	}
	if p.KeyLen == 0 {
		p.KeyLen = Default.KeyLen
	}
	if p.SaltLen == 0 {
		p.SaltLen = Default.SaltLen
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.NumCPU()
	}
	return &Hasher{
		params:    p,
		sem:       make(chan struct{}, maxConcurrent),
		wait:      wait,
		maxMemory: maxMemoryKiB,
		maxTime:   maxTime,
	}
}

// acquire takes a hashing slot; the caller must call release afterwards.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if h.wait <= 0 {
		return ErrBusy
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrBusy
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the Argon2id PHC string of password with a fresh random salt:
// $argon2id$v=19$m=<KiB>,t=<time>,p=<threads>$<salt>$<key>, base64 without
// padding. The password is used whole, whatever its length.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	p := h.params
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	h.release()
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the stored hash encoded. rehash is
// true when it matches and encoded is weaker than the Hasher's parameters or
// is a legacy (FreeSewing v3 scrypt) hash. A malformed encoded gives
// ok=false and a non-nil error. Keys are compared in constant time.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok bool, rehash bool, err error) {
	if len(encoded) > maxEncodedLen {
		return false, false, malformed("too long")
	}
	if strings.HasPrefix(encoded, "$") {
		return h.verifyArgon2id(ctx, password, encoded)
	}
	if strings.HasPrefix(strings.TrimSpace(encoded), "{") {
		return h.verifyLegacy(ctx, password, encoded)
	}
	return false, false, malformed("unknown format")
}

// Dummy does the work of a Verify with the Hasher's parameters (same pool,
// same cost) and discards the result. Use it for unknown users so that the
// time of a sign-in does not tell whether the account exists. It returns
// only ErrBusy or the context's error.
func (h *Hasher) Dummy(ctx context.Context, password string) error {
	p := h.params
	salt := make([]byte, p.SaltLen)
	want := make([]byte, p.KeyLen)
	if err := h.acquire(ctx); err != nil {
		return err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	h.release()
	subtle.ConstantTimeCompare(key, want)
	return nil
}

// phc is a parsed Argon2id PHC string.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func (h *Hasher) verifyArgon2id(ctx context.Context, password, encoded string) (bool, bool, error) {
	s, err := h.parsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	key := argon2.IDKey([]byte(password), s.salt, s.time, s.memory, s.threads, uint32(len(s.key)))
	h.release()
	if subtle.ConstantTimeCompare(key, s.key) != 1 {
		return false, false, nil
	}
	p := h.params
	weaker := s.memory < p.Memory || s.time < p.Time ||
		uint32(len(s.key)) < p.KeyLen || uint32(len(s.salt)) < p.SaltLen
	return true, weaker, nil
}

// parsePHC parses $argon2id$v=19$m=M,t=T,p=P$SALT$KEY strictly: version 19
// only, parameters in that order, canonical decimals, unpadded base64.
func (h *Hasher) parsePHC(encoded string) (phc, error) {
	var s phc
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return s, malformed("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return s, malformed("algorithm " + strconv.Quote(parts[1]) + " is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return s, malformed("unsupported version " + strconv.Quote(parts[2]))
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return s, malformed("parameters must be m,t,p")
	}
	m, err := phcUint(fields[0], "m=", uint64(h.maxMemory))
	if err != nil {
		return s, err
	}
	t, err := phcUint(fields[1], "t=", uint64(h.maxTime))
	if err != nil {
		return s, err
	}
	p, err := phcUint(fields[2], "p=", 255)
	if err != nil {
		return s, err
	}
	if m < 8*p {
		return s, malformed("m below 8*p")
	}
	s.memory, s.time, s.threads = uint32(m), uint32(t), uint8(p)

	if s.salt, err = b64.DecodeString(parts[4]); err != nil {
		return s, malformed("salt is not base64")
	}
	if len(s.salt) < minSaltLen || len(s.salt) > maxSaltLen {
		return s, malformed("salt length out of range")
	}
	if s.key, err = b64.DecodeString(parts[5]); err != nil {
		return s, malformed("key is not base64")
	}
	if len(s.key) < minKeyLen || len(s.key) > maxKeyLen {
		return s, malformed("key length out of range")
	}
	return s, nil
}

// phcUint parses "<name><decimal>" with 1 <= value <= max.
func phcUint(field, name string, max uint64) (uint64, error) {
	digits, found := strings.CutPrefix(field, name)
	if !found {
		return 0, malformed("expected " + name)
	}
	if digits == "" || len(digits) > 10 || (digits[0] == '0' && len(digits) > 1) {
		return 0, malformed("bad number for " + name)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, malformed("bad number for " + name)
		}
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || v < 1 || v > max {
		return 0, malformed(name + " out of range")
	}
	return v, nil
}

// legacyHash is the password field of FreeSewing v3:
// {"type":"v3","hash":"<hex>","salt":"<hex>"}.
type legacyHash struct {
	Type string `json:"type"`
	Hash string `json:"hash"`
	Salt string `json:"salt"`
	Data string `json:"data"` // type v2: a bcrypt hash (bcrypt.go)
}

// verifyLegacy checks a FreeSewing v3 hash: hex(scrypt(password, salt, 64))
// with N=16384, r=8, p=1. Upstream turns the stored hex salt back into bytes
// before hashing; the salt's hex text itself (its ASCII bytes) is tried as
// well, for records written that way.
func (h *Hasher) verifyLegacy(ctx context.Context, password, encoded string) (bool, bool, error) {
	var lh legacyHash
	if err := json.Unmarshal([]byte(encoded), &lh); err != nil {
		return false, false, malformed("legacy JSON: " + err.Error())
	}
	if lh.Type == "v2" {
		return h.verifyBcrypt(ctx, password, lh.Data)
	}
	if lh.Type != "v3" {
		return false, false, malformed("legacy type " + strconv.Quote(lh.Type) + " is not v3 or v2")
	}
	want, err := hex.DecodeString(lh.Hash)
	if err != nil || len(want) != legacyKeyLen {
		return false, false, malformed("legacy hash is not 64 bytes of hex")
	}
	if lh.Salt == "" || len(lh.Salt) > maxSaltLen {
		return false, false, malformed("legacy salt length out of range")
	}
	salts := [][]byte{[]byte(lh.Salt)}
	if raw, err := hex.DecodeString(lh.Salt); err == nil {
		salts = [][]byte{raw, []byte(lh.Salt)}
	}

	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	for _, salt := range salts {
		key, err := scrypt.Key([]byte(password), salt, legacyN, legacyR, legacyP, legacyKeyLen)
		if err != nil {
			return false, false, fmt.Errorf("password: scrypt: %w", err)
		}
		if subtle.ConstantTimeCompare(key, want) == 1 {
			return true, true, nil
		}
	}
	return false, false, nil
}

func malformed(why string) error {
	return errors.New("password: malformed hash: " + why)
}
