// Package vault derives every key Bobbin uses from the one root secret
// (BACKEND_ENC_KEY) and encrypts personal fields at rest with AES-256-GCM.
// Keys are derived once at start; nothing per request derives a key.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
)

// prefix marks a value encrypted by this version of the scheme.
const prefix = "v1:"

// ErrDecrypt is returned for a value that is not ours or was altered.
var ErrDecrypt = errors.New("vault: cannot decrypt value")

// Vault holds the derived keys.
type Vault struct {
	aead      cipher.AEAD
	hashKey   []byte
	signing   []byte
	secretKey []byte
	root      []byte
}

// New derives the keys from the root secret (at least 32 bytes).
func New(root string) (*Vault, error) {
	if len(root) < 32 {
		return nil, errors.New("vault: root secret shorter than 32 bytes")
	}
	derive := func(purpose string) ([]byte, error) {
		return hkdf.Key(sha256.New, []byte(root), []byte("bobbin"), purpose, 32)
	}
	encKey, err := derive("field-encryption")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	v := &Vault{aead: aead, root: []byte(root)}
	if v.hashKey, err = derive("email-hash"); err != nil {
		return nil, err
	}
	if v.signing, err = derive("jwt-hs256"); err != nil {
		return nil, err
	}
	if v.secretKey, err = derive("apikey-secret-hmac"); err != nil {
		return nil, err
	}
	return v, nil
}

// SigningKey is the HS256 key for sign-in tokens.
func (v *Vault) SigningKey() []byte { return v.signing }

// Ed25519Key derives the token signing key of a version: every replica
// with the same root secret derives the same key, so nothing is stored or
// shipped, and raising the version rotates it.
func (v *Vault) Ed25519Key(version int) (ed25519.PrivateKey, error) {
	seed, err := hkdf.Key(sha256.New, v.root, []byte("bobbin"), "jwt-ed25519-v"+strconv.Itoa(version), ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// SecretKey is the HMAC key for API-key secrets and other stored checks.
func (v *Vault) SecretKey() []byte { return v.secretKey }

// Encrypt seals plaintext; field names the column and is bound as
// associated data, so a value cannot be moved to another column.
func (v *Vault) Encrypt(field, plaintext string) (string, error) {
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := v.aead.Seal(nonce, nonce, []byte(plaintext), []byte(field))
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Decrypt opens a value made by Encrypt for the same field.
func (v *Vault) Decrypt(field, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	if !strings.HasPrefix(value, prefix) {
		return "", ErrDecrypt
	}
	raw, err := base64.RawStdEncoding.DecodeString(value[len(prefix):])
	if err != nil || len(raw) < v.aead.NonceSize()+v.aead.Overhead() {
		return "", ErrDecrypt
	}
	n := v.aead.NonceSize()
	plain, err := v.aead.Open(nil, raw[:n], raw[n:], []byte(field))
	if err != nil {
		return "", ErrDecrypt
	}
	return string(plain), nil
}

// EHash is the keyed lookup hash of an email: trimmed, lower-cased.
func (v *Vault) EHash(email string) string {
	m := hmac.New(sha256.New, v.hashKey)
	m.Write([]byte(NormalizeEmail(email)))
	return hex.EncodeToString(m.Sum(nil))
}

// Check hashes a confirmation check or other bearer secret for storage.
func (v *Vault) Check(secret string) string {
	m := hmac.New(sha256.New, v.secretKey)
	m.Write([]byte("check:" + secret))
	return hex.EncodeToString(m.Sum(nil))
}

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Token returns n random bytes as lower-case hex (n >= 16 gives 128 bits).
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("vault: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
