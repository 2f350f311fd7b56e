package throttle

import (
	"context"
	"strconv"
	"testing"
	"time"
)

func newSignIn() *SignIn {
	w := 15 * time.Minute
	return &SignIn{
		PerAccount: New(10, w),
		PerAddress: New(100, w),
		PerKnown:   New(10, w),
		Known:      NewMemoryKnown(1000, 90*24*time.Hour),
	}
}

func check(t *testing.T, p *SignIn, a Attempt, now time.Time) (time.Duration, *Attempt) {
	t.Helper()
	d, err := p.Check(context.Background(), &a, now)
	if err != nil {
		t.Fatal(err)
	}
	return d, &a
}

func fail(t *testing.T, p *SignIn, a Attempt, now time.Time) time.Duration {
	t.Helper()
	d, at := check(t, p, a, now)
	if d == 0 {
		if err := p.Failed(context.Background(), at, now); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// Issue 12, lock-out: ten wrong passwords from anywhere made the owner's
// right password answer 429. Now the attacker's failures from unknown
// addresses fill the per-account limit for unknown addresses only.
func TestAttackerFailuresDoNotLockTheOwnerOut(t *testing.T) {
	ctx := context.Background()
	p := newSignIn()
	t0 := time.Unix(100_000, 0)
	owner := Attempt{Account: AccountKey(7), UserID: 7, Address: "198.51.100.7"}
	// The owner signed in from home before.
	if _, at := check(t, p, owner, t0); at.Trusted() {
		t.Fatal("an address never seen is trusted")
	} else if err := p.Succeeded(ctx, at, t0); err != nil {
		t.Fatal(err)
	}
	// Attackers on many addresses guess the password: the 11th is 429.
	for i := 0; i < 10; i++ {
		a := Attempt{Account: AccountKey(7), UserID: 7, Address: "203.0.113." + strconv.Itoa(i)}
		if d := fail(t, p, a, t0.Add(time.Second)); d != 0 {
			t.Fatalf("failure %d already throttled", i+1)
		}
	}
	stranger := Attempt{Account: AccountKey(7), UserID: 7, Address: "203.0.113.99"}
	if d, _ := check(t, p, stranger, t0.Add(2*time.Second)); d == 0 {
		t.Fatal("the 11th guess from an unknown address is not throttled")
	}
	// The owner, at home: through.
	d, at := check(t, p, owner, t0.Add(3*time.Second))
	if d != 0 || !at.Trusted() {
		t.Fatalf("owner from a known address: retry %v, trusted %v", d, at.Trusted())
	}
	// The owner on a new network with their browser's device cookie: through.
	travelling := Attempt{Account: AccountKey(7), UserID: 7, Address: "192.0.2.1", Device: "nonce-of-owners-browser"}
	if d, at := check(t, p, travelling, t0.Add(3*time.Second)); d != 0 || !at.Trusted() {
		t.Fatalf("owner with a device cookie: retry %v, trusted %v", d, at.Trusted())
	}
	// Another account is not touched.
	other := Attempt{Account: AccountKey(8), UserID: 8, Address: "192.0.2.2"}
	if d, _ := check(t, p, other, t0.Add(3*time.Second)); d != 0 {
		t.Fatal("another account is throttled")
	}
	// The window ends: strangers may try again.
	if d, _ := check(t, p, stranger, t0.Add(16*time.Minute)); d != 0 {
		t.Fatal("still throttled after the window")
	}
}

// A known address or device is limited per (account, address or device):
// someone sharing the owner's address still gets only 10 guesses, and that
// touches neither the owner's other addresses nor their browser.
func TestKnownAddressesAndDevicesAreLimitedEachOnTheirOwn(t *testing.T) {
	ctx := context.Background()
	p := newSignIn()
	t0 := time.Unix(200_000, 0)
	home := Attempt{Account: AccountKey(7), UserID: 7, Address: "198.51.100.7"}
	office := Attempt{Account: AccountKey(7), UserID: 7, Address: "198.51.100.8"}
	for _, a := range []Attempt{home, office} {
		_, at := check(t, p, a, t0)
		p.Succeeded(ctx, at, t0)
	}
	for i := 0; i < 10; i++ {
		if d := fail(t, p, home, t0.Add(time.Second)); d != 0 {
			t.Fatalf("failure %d from home already throttled", i+1)
		}
	}
	if d, _ := check(t, p, home, t0.Add(2*time.Second)); d == 0 {
		t.Fatal("11th failure from a known address not throttled")
	}
	if d, _ := check(t, p, office, t0.Add(2*time.Second)); d != 0 {
		t.Fatal("failures at home throttle the office")
	}
	device := Attempt{Account: AccountKey(7), UserID: 7, Address: "198.51.100.7", Device: "n1"}
	if d, _ := check(t, p, device, t0.Add(2*time.Second)); d != 0 {
		t.Fatal("failures from the address throttle the browser with a device cookie")
	}
	for i := 0; i < 10; i++ {
		fail(t, p, device, t0.Add(3*time.Second))
	}
	if d, _ := check(t, p, device, t0.Add(4*time.Second)); d == 0 {
		t.Fatal("a device cookie is not limited itself (OWASP: lock out the device, not the account)")
	}
	// None of this filled the account's limit for strangers.
	stranger := Attempt{Account: AccountKey(7), UserID: 7, Address: "203.0.113.1"}
	if d, _ := check(t, p, stranger, t0.Add(4*time.Second)); d != 0 {
		t.Fatal("known failures counted against the account")
	}
}

// An address trying many accounts is stopped by the per-address limit;
// an unknown name is limited like an account.
func TestPerAddressAndUnknownNames(t *testing.T) {
	p := newSignIn()
	t0 := time.Unix(300_000, 0)
	for i := 0; i < 100; i++ {
		a := Attempt{Account: "name:guess" + strconv.Itoa(i), Address: "203.0.113.5"}
		if d := fail(t, p, a, t0); d != 0 {
			t.Fatalf("failure %d throttled", i+1)
		}
	}
	if d, _ := check(t, p, Attempt{Account: "name:another", Address: "203.0.113.5"}, t0); d == 0 {
		t.Fatal("the 101st failure from one address is not throttled")
	}
	if d, _ := check(t, p, Attempt{Account: "name:another", Address: "203.0.113.6"}, t0); d != 0 {
		t.Fatal("another address is throttled")
	}
	// A device value without a user does not make an attempt trusted.
	d, at := check(t, p, Attempt{Account: "name:x", Address: "203.0.113.5", Device: "forged"}, t0)
	if d == 0 || at.Trusted() {
		t.Fatal("a device cookie for no user bypassed the address limit")
	}
}

// Issue 12: a million distinct usernames, each failed once from many
// addresses, do not block anyone else's sign-in.
func TestUsernameFloodBlocksNoOtherSignIn(t *testing.T) {
	t.Parallel() // beside the other flood; the heap-measuring test stays serial
	w := 15 * time.Minute
	p := &SignIn{PerAccount: NewSized(10, w, floodCapacity), PerAddress: NewSized(100, w, floodCapacity),
		PerKnown: NewSized(10, w, floodCapacity), Known: NewMemoryKnown(1<<12, time.Hour)}
	ctx := context.Background()
	t0 := time.Unix(400_000, 0)
	for i := 0; i < floodKeys; i++ {
		a := &Attempt{Account: "name:u" + strconv.Itoa(i), Address: "10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)}
		if d, err := p.Check(ctx, a, t0); err != nil {
			t.Fatal(err)
		} else if d == 0 {
			p.Failed(ctx, a, t0)
		}
	}
	for _, a := range []Attempt{
		{Account: AccountKey(1), UserID: 1, Address: "192.0.2.10"},
		{Account: "name:newcomer", Address: "192.0.2.11"},
		{Account: AccountKey(2), UserID: 2, Address: "10.0.0.1"}, // an address the flood used once
	} {
		if d, _ := check(t, p, a, t0.Add(time.Second)); d != 0 {
			t.Fatalf("%+v throttled after the flood", a)
		}
	}
}

// Keys: there is no per-key limit, so a right secret after 50 wrong ones
// is not stopped by the policy at all (the handler checks the secret
// first); failures are limited per address.
func TestKeyFailuresAreLimitedPerAddressOnly(t *testing.T) {
	ctx := context.Background()
	p := &Keys{PerAddress: New(100, 15*time.Minute)}
	t0 := time.Unix(500_000, 0)
	for i := 0; i < 100; i++ {
		d, err := p.Failed(ctx, "203.0.113.9", t0)
		if err != nil || d != 0 {
			t.Fatalf("failure %d: %v %v", i+1, d, err)
		}
	}
	if d, _ := p.Failed(ctx, "203.0.113.9", t0.Add(time.Minute)); d != 14*time.Minute {
		t.Fatalf("101st failure: retry %v, want 14m", d)
	}
	if d, _ := p.Failed(ctx, "198.51.100.1", t0.Add(time.Minute)); d != 0 {
		t.Fatal("another address throttled")
	}
}

func TestMemoryKnownIsBounded(t *testing.T) {
	ctx := context.Background()
	k := NewMemoryKnown(shards*sample, time.Hour)
	t0 := time.Unix(600_000, 0)
	for i := 0; i < KnownPerAccount+3; i++ {
		k.Remember(ctx, 1, "addr"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Second))
	}
	for i := 0; i < 3; i++ {
		if ok, _ := k.Known(ctx, 1, "addr"+strconv.Itoa(i), t0.Add(time.Minute)); ok {
			t.Fatalf("addr%d still known beyond %d per account", i, KnownPerAccount)
		}
	}
	for i := 3; i < KnownPerAccount+3; i++ {
		if ok, _ := k.Known(ctx, 1, "addr"+strconv.Itoa(i), t0.Add(time.Minute)); !ok {
			t.Fatalf("addr%d, among the %d most recent, forgotten", i, KnownPerAccount)
		}
	}
	if ok, _ := k.Known(ctx, 1, "addr5", t0.Add(2*time.Hour)); ok {
		t.Fatal("an address not seen for longer than the TTL is still known")
	}
	if ok, _ := k.Known(ctx, 2, "addr5", t0.Add(time.Minute)); ok {
		t.Fatal("known for another account")
	}
	for id := int64(10); id < 10_000; id++ {
		k.Remember(ctx, id, "a", t0)
	}
	n := 0
	for i := range k.sh {
		n += len(k.sh[i].m)
	}
	if n > shards*sample {
		t.Fatalf("%d accounts held, bound %d", n, shards*sample)
	}
}

// ASVS 2.2.1: at most 100 failures per account an hour, whatever their
// source; strangers alone cannot reach that cap, so it locks no one out.
func TestPerAccountTotalCapsKnownSourcesButNotStrangers(t *testing.T) {
	w := 15 * time.Minute
	p := newSignIn()
	p.PerAccountTotal = New(100, time.Hour)
	ctx := context.Background()
	t0 := time.Unix(700_000, 0)
	// Strangers for a whole hour, as fast as the per-account limit lets them.
	n := 0
	for q := 0; q < 4; q++ {
		at := t0.Add(time.Duration(q) * w)
		for i := 0; i < 12; i++ {
			a := Attempt{Account: AccountKey(9), UserID: 9, Address: "203.0.113." + strconv.Itoa(q*12+i)}
			if fail(t, p, a, at) == 0 {
				n++
			}
		}
	}
	if n != 40 {
		t.Fatalf("%d stranger failures in the hour, want 40 (10 per window)", n)
	}
	owner := Attempt{Account: AccountKey(9), UserID: 9, Address: "198.51.100.9", Device: "d"}
	if d, _ := check(t, p, owner, t0.Add(59*time.Minute)); d != 0 {
		t.Fatal("strangers filled the total cap: the owner is locked out")
	}
	// Known sources (each with its own 10) do reach the cap.
	for dev := 0; dev < 10; dev++ {
		a := Attempt{Account: AccountKey(9), UserID: 9, Address: "198.51.100.9", Device: "dev" + strconv.Itoa(dev)}
		for i := 0; i < 10; i++ {
			fail(t, p, a, t0.Add(59*time.Minute))
		}
	}
	if d, _ := check(t, p, owner, t0.Add(59*time.Minute)); d == 0 {
		t.Fatal("more than 100 failures in an hour on one account")
	}
	if d, err := p.Check(ctx, &Attempt{Account: AccountKey(9), UserID: 9, Address: "198.51.100.9", Device: "d"}, t0.Add(61*time.Minute)); d != 0 || err != nil {
		t.Fatalf("still capped after the hour: %v %v", d, err)
	}
}
