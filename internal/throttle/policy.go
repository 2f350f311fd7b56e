package throttle

import (
	"context"
	"hash/maphash"
	"strconv"
	"sync"
	"time"
)

// Keys is the policy for API-key authentication. The secret is a 256-bit
// random value checked with a cheap keyed hash, so it is checked first and
// a right key and secret always pass: there is no per-key limit for anyone
// to fill. Failures are limited per client address, which stops an
// address from trying keys at volume.
type Keys struct {
	PerAddress Counter
}

// Failed counts a failed key authentication from addr. A positive retry
// means the address is over its limit: answer 429 with Retry-After instead
// of 401.
func (p *Keys) Failed(ctx context.Context, addr string, now time.Time) (retry time.Duration, err error) {
	d, err := p.PerAddress.Retry(ctx, addr, now)
	if err != nil || d > 0 {
		return d, err
	}
	return 0, p.PerAddress.Hit(ctx, addr, now)
}

// Known remembers, per account, the client addresses that signed in to it
// successfully. It is bounded per account (the most recent few) and, in
// memory, in the number of accounts.
type Known interface {
	Known(ctx context.Context, userID int64, addr string, now time.Time) (bool, error)
	Remember(ctx context.Context, userID int64, addr string, now time.Time) error
}

// SignIn is the policy for password sign-ins (and the other ways a
// password or second factor is tried: sign-in links, MFA changes). Others'
// failures never make the owner's right password fail:
//   - from an address or browser (device cookie) that signed in to the
//     account before, failures are limited per (account, address) or
//     (account, device) only: an attacker elsewhere cannot fill it;
//   - from anywhere else, per account (the limit that stops a distributed
//     guesser) and per address (the one that stops an address trying many
//     accounts).
//
// Check runs before any password hashing; a positive retry answers 429.
type SignIn struct {
	PerAccount Counter // failures from unknown addresses and devices, per account
	PerAddress Counter // failures from an unknown address, over all accounts
	PerKnown   Counter // failures per (account, known address) and (account, device)
	Known      Known
	// PerAccountTotal, when set, caps every failure on an account, known
	// or not (ASVS 2.2.1: at most 100 an hour). Set it above what
	// strangers alone can reach through PerAccount (10 per 15 minutes is
	// at most 50 in any hour), so that only failures from the owner's own
	// addresses and browsers can fill it.
	PerAccountTotal Counter
}

// Attempt is one sign-in attempt as the policy sees it.
type Attempt struct {
	// Account names the account tried: "user:<id>" when the user exists,
	// else a key for the name typed (so unknown names are limited too).
	Account string
	// UserID is the user's id, 0 when there is no such user.
	UserID int64
	// Address is the client address (the socket peer or a trusted proxy's).
	Address string
	// Device is the nonce of a device cookie verified for UserID
	// (auth.DeviceCookies.Verify), "" when there is none.
	Device string

	known   bool   // set by Check
	knownBy string // the PerKnown key, when known
}

// Trusted reports whether Check found the address or device known for the
// account (after Check).
func (a *Attempt) Trusted() bool { return a.known }

// Check decides whether the attempt may go on to the password check.
func (p *SignIn) Check(ctx context.Context, a *Attempt, now time.Time) (retry time.Duration, err error) {
	a.known, a.knownBy = false, ""
	// Asked for unknown users too, so the work does not tell who exists.
	known, err := p.Known.Known(ctx, a.UserID, a.Address, now)
	if err != nil {
		return 0, err
	}
	switch {
	case a.UserID != 0 && a.Device != "":
		a.known, a.knownBy = true, a.Account+"|device:"+a.Device
	case a.UserID != 0 && known:
		a.known, a.knownBy = true, a.Account+"|addr:"+a.Address
	}
	var total time.Duration
	if p.PerAccountTotal != nil {
		if total, err = p.PerAccountTotal.Retry(ctx, a.Account, now); err != nil {
			return 0, err
		}
	}
	if a.known {
		d, err := p.PerKnown.Retry(ctx, a.knownBy, now)
		return max(d, total), err
	}
	d1, err := p.PerAddress.Retry(ctx, a.Address, now)
	if err != nil {
		return 0, err
	}
	d2, err := p.PerAccount.Retry(ctx, a.Account, now)
	return max(d1, d2, total), err
}

// Failed counts a failed attempt (after Check).
func (p *SignIn) Failed(ctx context.Context, a *Attempt, now time.Time) error {
	if p.PerAccountTotal != nil {
		if err := p.PerAccountTotal.Hit(ctx, a.Account, now); err != nil {
			return err
		}
	}
	if a.known {
		return p.PerKnown.Hit(ctx, a.knownBy, now)
	}
	if err := p.PerAddress.Hit(ctx, a.Address, now); err != nil {
		return err
	}
	return p.PerAccount.Hit(ctx, a.Account, now)
}

// Succeeded remembers the address as known for the account; the caller
// also issues (or renews) the device cookie.
func (p *SignIn) Succeeded(ctx context.Context, a *Attempt, now time.Time) error {
	if a.UserID == 0 {
		return nil
	}
	return p.Known.Remember(ctx, a.UserID, a.Address, now)
}

// AccountKey is the Attempt.Account of an existing user.
func AccountKey(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// KnownPerAccount is how many addresses are remembered per account.
const KnownPerAccount = 8

// MemoryKnown is the in-process Known: at most KnownPerAccount addresses
// per account (the most recent), for at most a fixed number of accounts
// (the least recently signed-in account goes first, among a sample).
// Addresses are kept as 64-bit keyed hashes.
type MemoryKnown struct {
	TTL time.Duration // an address not seen for this long is forgotten

	seed     maphash.Seed
	perShard int
	sh       [shards]knownShard
}

type knownShard struct {
	mu sync.Mutex
	m  map[int64]*knownSet
}

type knownSet struct {
	addr [KnownPerAccount]uint64
	seen [KnownPerAccount]int64 // UnixNano; 0 = empty slot
	last int64
}

// NewMemoryKnown holds the addresses of at most accounts accounts.
func NewMemoryKnown(accounts int, ttl time.Duration) *MemoryKnown {
	k := &MemoryKnown{TTL: ttl, seed: maphash.MakeSeed(), perShard: max(sample, (accounts+shards-1)/shards)}
	for i := range k.sh {
		k.sh[i].m = map[int64]*knownSet{}
	}
	return k
}

func (k *MemoryKnown) shard(userID int64) *knownShard {
	return &k.sh[uint64(userID)%shards]
}

// Known implements Known.
func (k *MemoryKnown) Known(_ context.Context, userID int64, addr string, at time.Time) (bool, error) {
	h := maphash.String(k.seed, addr)
	s := k.shard(userID)
	now := at.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.m[userID]
	if set == nil {
		return false, nil
	}
	for i, a := range set.addr {
		if a == h && set.seen[i] != 0 && (k.TTL <= 0 || now-set.seen[i] < int64(k.TTL)) {
			return true, nil
		}
	}
	return false, nil
}

// Remember implements Known.
func (k *MemoryKnown) Remember(_ context.Context, userID int64, addr string, now time.Time) error {
	h := maphash.String(k.seed, addr)
	t := now.UnixNano()
	s := k.shard(userID)
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.m[userID]
	if set == nil {
		if len(s.m) >= k.perShard {
			k.evict(s)
		}
		set = &knownSet{}
		s.m[userID] = set
	}
	set.last = t
	oldest := 0
	for i, a := range set.addr {
		if a == h && set.seen[i] != 0 {
			set.seen[i] = t
			return nil
		}
		if set.seen[i] < set.seen[oldest] {
			oldest = i
		}
	}
	set.addr[oldest], set.seen[oldest] = h, t
	return nil
}

func (k *MemoryKnown) evict(s *knownShard) {
	var victim int64
	var best *knownSet
	n := 0
	for id, set := range s.m {
		if best == nil || set.last < best.last {
			victim, best = id, set
		}
		if n++; n == sample {
			break
		}
	}
	if best != nil {
		delete(s.m, victim)
	}
}
