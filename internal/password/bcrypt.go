package password

import (
	"context"
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// maxBcryptCost bounds the cost read from a stored bcrypt hash: FreeSewing
// v2 used 10; a stored hash beyond this is treated as malformed rather than
// allowed to spin for minutes.
const maxBcryptCost = 14

// verifyBcrypt checks a FreeSewing v2 password hash (imported into v3 as
// {"type":"v2","data":"$2a$..."}). A match is always flagged for rehash.
func (h *Hasher) verifyBcrypt(ctx context.Context, password, hash string) (bool, bool, error) {
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		return false, false, malformed("legacy v2 data is not a bcrypt hash")
	}
	if cost > maxBcryptCost {
		return false, false, malformed("legacy v2 bcrypt cost out of range")
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	// bcrypt compares in constant time. It reads at most 72 bytes of the
	// password, as the library upstream used did; longer passwords are
	// refused by this library, so they are cut the same way here.
	pw := []byte(password)
	if len(pw) > 72 {
		pw = pw[:72]
	}
	err = bcrypt.CompareHashAndPassword([]byte(hash), pw)
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, false, nil
	}
	if err != nil {
		return false, false, malformed("legacy v2: " + err.Error())
	}
	return true, true, nil
}
