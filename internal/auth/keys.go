package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"sync"

	"github.com/google/uuid"
)

// MinKeyLen is the smallest server-side key, in bytes, accepted by
// NewTokens and NewSecretHasher (256 bits).
const MinKeyLen = 32

// NewAPIKey returns a fresh API key id (a UUID v4 string) and secret (32
// bytes from crypto/rand as 64 lower-case hex characters).
func NewAPIKey() (keyID, secret string, err error) {
	id, err := uuid.NewRandom()
	if err != nil {
		return "", "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	return id.String(), hex.EncodeToString(b[:]), nil
}

// SecretHasher stores API key secrets as HMAC-SHA256(serverKey, secret).
// It is safe for concurrent use.
type SecretHasher struct {
	key []byte
	// macs are keyed HMACs ready for use (every key request hashes its
	// secret: a fresh HMAC hashes the key's pads again each time).
	macs sync.Pool
}

// NewSecretHasher returns a hasher keyed with serverKey, which must be at
// least 32 bytes. The key is copied. Use a key of its own (derived for this
// purpose), not the key that signs tokens.
func NewSecretHasher(serverKey []byte) (*SecretHasher, error) {
	if len(serverKey) < MinKeyLen {
		return nil, errors.New("auth: secret hashing key shorter than 32 bytes")
	}
	s := &SecretHasher{key: append([]byte(nil), serverKey...)}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s, nil
}

// Hash returns the 32-byte keyed hash of secret, to be stored.
func (s *SecretHasher) Hash(secret string) []byte {
	var sum [sha256.Size]byte
	return append([]byte(nil), s.sum(&sum, secret)...)
}

// sum writes the keyed hash of secret into out and returns it.
func (s *SecretHasher) sum(out *[sha256.Size]byte, secret string) []byte {
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	io.WriteString(m, secret)
	b := m.Sum(out[:0])
	m.Reset() // nothing of the secret stays in the pooled state
	s.macs.Put(m)
	return b
}

// Equal reports whether secret hashes to stored, in constant time. stored
// may be nil or of the wrong length (an unknown key): the hash is still
// computed and the answer is false, so an unknown key and a wrong secret
// take the same time.
func (s *SecretHasher) Equal(secret string, stored []byte) bool {
	var sum [sha256.Size]byte
	return hmac.Equal(s.sum(&sum, secret), stored)
}

// ValidKeyID reports whether s is a UUID in canonical lower-case form
// (8-4-4-4-12 hex digits, 36 characters). It is a cheap check to make
// before looking a key up.
func ValidKeyID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
