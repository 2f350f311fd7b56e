package fsimport

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// FreeSewing v3 encrypts personal fields with AES-256-CBC under a key made
// by scrypt from its ENC key and the salt "FreeSewing" (Node's scrypt
// defaults: N=16384, r=8, p=1), and stores the JSON text {"iv": hex, "ct":
// hex} of the ciphertext of the JSON encoding of the value (so a string is
// stored as the encryption of "\"...\"").

// ErrUndecryptable is returned for a field that does not decrypt under the
// key, or decrypts to something that is not JSON.
var ErrUndecryptable = errors.New("fsimport: field does not decrypt under --enc-key")

// Cipher decrypts (and, for test data and the generator, encrypts)
// upstream fields.
type Cipher struct {
	block cipher.Block
}

// NewCipher derives upstream's field key from its ENC key.
func NewCipher(encKey string) (*Cipher, error) {
	if encKey == "" {
		return nil, errors.New("fsimport: empty --enc-key")
	}
	key, err := scrypt.Key([]byte(encKey), []byte("FreeSewing"), 16384, 8, 1, 32)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &Cipher{block: b}, nil
}

type sealed struct {
	IV string `json:"iv"`
	CT string `json:"ct"`
}

// LooksEncrypted reports whether a stored value has upstream's shape,
// {"iv":"<hex>","ct":"<hex>"} (JSON.stringify of {iv, ct}: always that
// order, no spaces). Plain values (upstream keeps defaults such as ” and
// '{}' in clear) do not.
func LooksEncrypted(stored string) bool {
	return strings.HasPrefix(strings.TrimSpace(stored), `{"iv":"`)
}

// parseSealed reads {"iv":"<hex>","ct":"<hex>"} without a JSON decoder
// (the import reads millions), falling back to one for any other spacing.
func parseSealed(stored string) (iv, ct string, ok bool) {
	s := strings.TrimSpace(stored)
	if rest, found := strings.CutPrefix(s, `{"iv":"`); found {
		if i := strings.IndexByte(rest, '"'); i >= 0 {
			iv = rest[:i]
			if c, found := strings.CutPrefix(rest[i:], `","ct":"`); found {
				if j := strings.IndexByte(c, '"'); j >= 0 && c[j:] == `"}` {
					return iv, c[:j], true
				}
			}
		}
	}
	var v sealed
	if err := json.Unmarshal([]byte(s), &v); err != nil || v.IV == "" {
		return "", "", false
	}
	return v.IV, v.CT, true
}

// Decrypt returns the JSON value a stored field holds.
func (c *Cipher) Decrypt(stored string) (json.RawMessage, error) {
	ivHex, ctHex, ok := parseSealed(stored)
	if !ok {
		return nil, ErrUndecryptable
	}
	iv, err := hex.DecodeString(ivHex)
	if err != nil || len(iv) != aes.BlockSize {
		return nil, ErrUndecryptable
	}
	ct, err := hex.DecodeString(ctHex)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, ErrUndecryptable
	}
	plain := ct // decrypted in place
	cipher.NewCBCDecrypter(c.block, iv).CryptBlocks(plain, ct)
	// PKCS#7 padding, checked whole (a wrong key fails here 255 times in 256).
	n := int(plain[len(plain)-1])
	if n == 0 || n > aes.BlockSize || n > len(plain) ||
		!bytes.Equal(plain[len(plain)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, ErrUndecryptable
	}
	plain = plain[:len(plain)-n]
	if !json.Valid(plain) {
		return nil, ErrUndecryptable // and the 256th time here
	}
	return plain, nil
}

// Encrypt stores v the way upstream does. The import never calls it; it
// makes upstream-shaped test data and the generator's databases.
func (c *Cipher) Encrypt(v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	plain = append(plain, bytes.Repeat([]byte{byte(n)}, n)...)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	ct := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(ct, plain)
	out, err := json.Marshal(sealed{IV: hex.EncodeToString(iv), CT: hex.EncodeToString(ct)})
	return string(out), err
}

// UpstreamEHash is upstream's ehash: SHA-256 hex of the trimmed,
// lower-cased address (Bobbin's own ehash is keyed; see internal/vault).
func UpstreamEHash(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// jsonString decodes raw as a JSON string.
func jsonString(raw json.RawMessage, s *string) bool { return json.Unmarshal(raw, s) == nil }
