package enginetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule SetWith: if-absent writes and TTLs, on a clock the cases move.

// clock is a settable clock for engine.Clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// clocked returns bucket "b" of a new engine on a clock of its own.
func (s *suite) clocked(t *testing.T) (engine.Bucket, *clock) {
	t.Helper()
	c := newClock()
	return s.bucket(t, engine.Clock(c.Now)), c
}

func mustSetWith(t *testing.T, b engine.Bucket, key string, value []byte, o engine.SetOptions) {
	t.Helper()
	if err := b.SetWith(t.Context(), key, value, o); err != nil {
		t.Fatalf("SetWith(%q, %+v): %v", key, o, err)
	}
}

func (s *suite) testSetIfAbsent(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	ifAbsent := engine.SetOptions{IfAbsent: true}
	mustSetWith(t, b, "k", []byte("first"), ifAbsent)
	wantValue(t, b, "k", []byte("first"))
	ver := mustVersion(t, b, "k")
	err := b.SetWith(ctx, "k", []byte("second"), ifAbsent)
	wantKind(t, "SetWith(present key, IfAbsent)", err, engine.ErrPreconditionFailed, "k")
	wantValue(t, b, "k", []byte("first"))
	if after := mustVersion(t, b, "k"); after != ver {
		t.Fatalf("a refused SetWith changed the version from %q to %q", ver, after)
	}
	// An empty value is present.
	mustSet(t, b, "empty", nil)
	wantKind(t, "SetWith(key holding an empty value, IfAbsent)", b.SetWith(ctx, "empty", []byte("x"), ifAbsent), engine.ErrPreconditionFailed)
	wantValue(t, b, "empty", []byte{})
	// After a delete, the key is absent again.
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	mustSetWith(t, b, "k", []byte("third"), ifAbsent)
	wantValue(t, b, "k", []byte("third"))
	// The zero options are Set.
	mustSetWith(t, b, "k", []byte("fourth"), engine.SetOptions{})
	wantValue(t, b, "k", []byte("fourth"))
	// Limits apply as to Set.
	long := strings.Repeat("k", engine.DefaultMaxKeyBytes+1)
	wantKind(t, "SetWith(long key)", b.SetWith(ctx, long, nil, ifAbsent), engine.ErrKeyTooLarge, "MaxKeyBytes")
	wantKind(t, "SetWith(large value)", b.SetWith(ctx, "big", make([]byte, engine.DefaultMaxValueBytes+1), ifAbsent), engine.ErrValueTooLarge, "MaxValueBytes")
	wantAbsent(t, b, "big")

	// Concurrent if-absent writes of one key: exactly one wins.
	const writers = 8
	wins := make(chan int, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := b.SetWith(ctx, "race", []byte{byte(w)}, ifAbsent)
			switch {
			case err == nil:
				wins <- w
			case !errors.Is(err, engine.ErrPreconditionFailed):
				t.Errorf("concurrent SetWith(IfAbsent): %v", err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	var won []int
	for w := range wins {
		won = append(won, w)
	}
	if len(won) != 1 {
		t.Fatalf("%d concurrent SetWith(IfAbsent) of one key succeeded (%v), want exactly 1", len(won), won)
	}
	wantValue(t, b, "race", []byte{byte(won[0])})
}

func (s *suite) testNegativeTTL(t *testing.T) {
	b := s.bucket(t)
	err := b.SetWith(t.Context(), "k", []byte("v"), engine.SetOptions{TTL: -time.Second})
	wantKind(t, "SetWith(TTL -1s)", err, engine.ErrInvalidArgument)
	wantAbsent(t, b, "k")
}

// wantGone checks that key is absent to every read: Get, Exists, GetMany,
// GetVersioned and every listing.
func wantGone(t *testing.T, b engine.Bucket, key string) {
	t.Helper()
	ctx := t.Context()
	wantAbsent(t, b, key)
	got, err := b.GetMany(ctx, []string{key})
	if err != nil || len(got) != 1 || got[0] != nil {
		t.Fatalf("GetMany([%q]) = %v, %v; want [nil]", key, got, err)
	}
	if _, ok, _, err := b.GetVersioned(ctx, key); err != nil || ok {
		t.Fatalf("GetVersioned(%q) = present %v, %v; want absent", key, ok, err)
	}
	if keys := allKeys(t, b); slices.Contains(keys, key) {
		t.Fatalf("AllKeys lists %q", key)
	}
	if keys, _ := mustList(t, b, 0); slices.Contains(keys, key) {
		t.Fatalf("ListKeys(0) lists %q", key)
	}
	if keys, _, err := b.ListPrefix(ctx, key, nil); err != nil || len(keys) != 0 {
		t.Fatalf("ListPrefix(%q, nil) = %q, %v; want no keys", key, keys, err)
	}
}

// wantLive checks that key holds want for every read.
func wantLive(t *testing.T, b engine.Bucket, key string, want []byte) {
	t.Helper()
	ctx := t.Context()
	wantValue(t, b, key, want)
	got, err := b.GetMany(ctx, []string{key})
	if err != nil || len(got) != 1 || got[0] == nil || string(got[0].Value) != string(want) {
		t.Fatalf("GetMany([%q]) = %v, %v; want its value", key, got, err)
	}
	if keys := allKeys(t, b); !slices.Contains(keys, key) {
		t.Fatalf("AllKeys does not list %q: %q", key, keys)
	}
	if keys, _, err := b.ListPrefix(ctx, key, nil); err != nil || !slices.Contains(keys, key) {
		t.Fatalf("ListPrefix(%q, nil) = %q, %v; want it listed", key, keys, err)
	}
}

func (s *suite) testExpiry(t *testing.T) {
	b, c := s.clocked(t)
	mustSetWith(t, b, "k", []byte("v"), engine.SetOptions{TTL: 10 * time.Second})
	mustSet(t, b, "other", []byte("stays"))
	present := mustVersion(t, b, "k")
	c.Advance(10*time.Second - time.Millisecond)
	wantLive(t, b, "k", []byte("v"))
	if again := mustVersion(t, b, "k"); again != present {
		t.Fatalf("the version changed from %q to %q with the clock alone, before the expiry", present, again)
	}
	c.Advance(time.Millisecond)
	wantGone(t, b, "k")
	if gone := mustVersion(t, b, "k"); gone == present {
		t.Fatalf("the version %q did not change when the entry expired", gone)
	}
	wantLive(t, b, "other", []byte("stays"))
	// Deleting an expired key is ok.
	if err := b.Delete(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	wantGone(t, b, "k")
}

func (s *suite) testWritesAndExpiry(t *testing.T) {
	ctx := t.Context()
	b, c := s.clocked(t)
	ttl := engine.SetOptions{TTL: time.Minute}
	// Set, SetMany and CompareAndSwap store without expiry.
	for _, k := range []string{"set", "set-many", "swap", "longer", "shorter"} {
		mustSetWith(t, b, k, []byte("old"), ttl)
	}
	mustSet(t, b, "set", []byte("new"))
	if err := b.SetMany(ctx, []engine.Entry{{Key: "set-many", Value: []byte("new")}}); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := b.CompareAndSwap(ctx, "swap", mustVersion(t, b, "swap"), []byte("new")); err != nil || !ok {
		t.Fatalf("CompareAndSwap = %v, %v", ok, err)
	}
	// SetWith sets the expiry anew.
	mustSetWith(t, b, "longer", []byte("new"), engine.SetOptions{TTL: time.Hour})
	mustSetWith(t, b, "shorter", []byte("new"), engine.SetOptions{TTL: time.Second})
	// Increments keep a present entry's expiry.
	mustSetWith(t, b, "n", []byte("1"), ttl)
	if n, err := b.IncrementU64(ctx, "n", 1); err != nil || n != 2 {
		t.Fatalf("IncrementU64(n, 1) = %d, %v; want 2", n, err)
	}
	if n, err := b.IncrementS64(ctx, "n", 1); err != nil || n != 3 {
		t.Fatalf("IncrementS64(n, 1) = %d, %v; want 3", n, err)
	}
	c.Advance(2 * time.Second)
	wantGone(t, b, "shorter")
	wantLive(t, b, "n", []byte("3"))
	c.Advance(time.Minute)
	for _, k := range []string{"set", "set-many", "swap", "longer"} {
		wantLive(t, b, k, []byte("new"))
	}
	wantGone(t, b, "n")
	// An increment of an expired counter starts again at 0, without expiry.
	mustSetWith(t, b, "m", []byte("41"), ttl)
	c.Advance(time.Minute)
	if n, err := b.IncrementS64(ctx, "m", -1); err != nil || n != -1 {
		t.Fatalf("IncrementS64 of an expired counter = %d, %v; want -1", n, err)
	}
	c.Advance(time.Hour)
	wantLive(t, b, "m", []byte("-1"))
	wantGone(t, b, "longer")
}

func (s *suite) testIfAbsentAndExpiry(t *testing.T) {
	ctx := t.Context()
	b, c := s.clocked(t)
	lock := engine.SetOptions{TTL: 30 * time.Second, IfAbsent: true}
	mustSetWith(t, b, "lock", []byte("a"), lock)
	c.Advance(29 * time.Second)
	wantKind(t, "SetWith(held lock, IfAbsent)", b.SetWith(ctx, "lock", []byte("b"), lock), engine.ErrPreconditionFailed)
	wantValue(t, b, "lock", []byte("a"))
	c.Advance(time.Second)
	mustSetWith(t, b, "lock", []byte("b"), lock)
	wantValue(t, b, "lock", []byte("b"))
	c.Advance(29 * time.Second)
	wantValue(t, b, "lock", []byte("b"))
	c.Advance(time.Second)
	wantGone(t, b, "lock")
}

func (s *suite) testVersionsAndExpiry(t *testing.T) {
	ctx := t.Context()
	b, c := s.clocked(t)
	ttl := engine.SetOptions{TTL: time.Second}

	// The version of a live entry is stale once it expires.
	mustSetWith(t, b, "k", []byte("v"), ttl)
	present := mustVersion(t, b, "k")
	c.Advance(time.Second)
	wantGone(t, b, "k")
	swapped, cur, err := b.CompareAndSwap(ctx, "k", present, []byte("late"))
	if err != nil || swapped {
		t.Fatalf("CompareAndSwap from the version of an expired entry = %v, %v; want a conflict", swapped, err)
	}
	wantAbsent(t, b, "k")
	if cur == present {
		t.Fatalf("the conflict returned the version of the expired entry, %q", cur)
	}
	// The version of the expired (absent) key is current: it can create.
	if swapped, _, err := b.CompareAndSwap(ctx, "k", cur, []byte("new")); err != nil || !swapped {
		t.Fatalf("CompareAndSwap from the absent version = %v, %v; want success", swapped, err)
	}
	wantValue(t, b, "k", []byte("new"))

	// Absent, then created with a TTL that passes: created and deleted
	// in between, so a create-only swap fails.
	_, _, absent, err := b.GetVersioned(ctx, "j")
	if err != nil {
		t.Fatal(err)
	}
	mustSetWith(t, b, "j", []byte("brief"), ttl)
	c.Advance(time.Second)
	if swapped, _, err := b.CompareAndSwap(ctx, "j", absent, []byte("mine")); err != nil || swapped {
		t.Fatalf("create-only swap after a create that expired = %v, %v; want a conflict", swapped, err)
	}
	wantGone(t, b, "j")
}

func (s *suite) testListingSkipsExpired(t *testing.T) {
	b, c := s.clocked(t)
	var live []string
	for i := range 250 {
		k := fmt.Sprintf("key-%03d", i)
		if i%5 == 2 {
			mustSetWith(t, b, k, []byte(k), engine.SetOptions{TTL: time.Duration(1+i%3) * time.Second})
			continue
		}
		mustSet(t, b, k, []byte(k))
		live = append(live, k)
	}
	if keys := allKeys(t, b); len(keys) != 250 {
		t.Fatalf("AllKeys before the expiry returned %d keys, want 250", len(keys))
	}
	c.Advance(3 * time.Second)
	// Offset pages are full pages of live keys.
	var got []string
	for offset, more := uint64(0), true; more; {
		var keys []string
		keys, more = mustList(t, b, offset)
		if more && len(keys) != 100 {
			t.Fatalf("ListKeys(%d) after expiries returned a page of %d keys, want 100", offset, len(keys))
		}
		got = append(got, keys...)
		offset += uint64(len(keys))
	}
	if !slices.Equal(got, live) {
		t.Fatalf("offset walk after expiries returned %d keys, want the %d live ones", len(got), len(live))
	}
	if keys := allKeys(t, b); !slices.Equal(keys, live) {
		t.Fatalf("AllKeys after expiries returned %d keys, want the %d live ones", len(keys), len(live))
	}
}

// Listing with a prefix.

func (s *suite) testListPrefix(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	keys := []string{"", "a", "a/", "a/1", "a/2", "a/2/x", "ab", "b", "b/1", "é", "é/1", "\x00"}
	for _, k := range keys {
		mustSet(t, b, k, nil)
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"", slices.Sorted(slices.Values(keys))},
		{"a", []string{"a", "a/", "a/1", "a/2", "a/2/x", "ab"}},
		{"a/", []string{"a/", "a/1", "a/2", "a/2/x"}},
		{"a/2", []string{"a/2", "a/2/x"}},
		{"a/2/x", []string{"a/2/x"}},
		{"a/3", []string{}},
		{"b", []string{"b", "b/1"}},
		{"é", []string{"é", "é/1"}},
		{"\xc3", []string{"é", "é/1"}}, // bytewise: the first byte of é
		{"zzz", []string{}},
		{"\x00", []string{"\x00"}},
	} {
		got, more, err := b.ListPrefix(ctx, c.prefix, nil)
		if err != nil || more || got == nil || !slices.Equal(got, c.want) {
			t.Fatalf("ListPrefix(%q, nil) = %q, %v, %v; want %q, false", c.prefix, got, more, err, c.want)
		}
	}
	after := "a/1"
	if got, more, err := b.ListPrefix(ctx, "a/", &after); err != nil || more || !slices.Equal(got, []string{"a/2", "a/2/x"}) {
		t.Fatalf("ListPrefix(a/, a/1) = %q, %v, %v", got, more, err)
	}
	after = "a/2/x" // the last key of the prefix: nothing after it
	if got, more, err := b.ListPrefix(ctx, "a/", &after); err != nil || more || got == nil || len(got) != 0 {
		t.Fatalf("ListPrefix(a/, a/2/x) = %q, %v, %v; want [], false", got, more, err)
	}
	after = "" // the empty key, with the empty prefix: every key but it
	if got, _, err := b.ListPrefix(ctx, "", &after); err != nil || slices.Contains(got, "") || len(got) != len(keys)-1 {
		t.Fatalf("ListPrefix(\"\", \"\") = %q, %v", got, err)
	}
}

func (s *suite) testListPrefixPaging(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	var want []string
	for i := range 250 {
		k := fmt.Sprintf("p/%03d", (i*37)%250)
		want = append(want, k)
		mustSet(t, b, k, nil)
	}
	for _, k := range []string{"o", "p", "p.", "p0", "q", "p\x00"} {
		mustSet(t, b, k, nil) // around the prefix, not in it
	}
	slices.Sort(want)
	var got []string
	var after *string
	for page := 0; ; page++ {
		keys, more, err := b.ListPrefix(ctx, "p/", after)
		if err != nil {
			t.Fatalf("ListPrefix(p/, page %d): %v", page, err)
		}
		if more && len(keys) != 100 {
			t.Fatalf("ListPrefix(p/) page %d has %d keys and more, want full pages of 100", page, len(keys))
		}
		got = append(got, keys...)
		if !more {
			break
		}
		if page > 5 {
			t.Fatal("walk does not end")
		}
		after = &keys[len(keys)-1]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("prefix walk returned %d keys %q..., want the %d keys of the prefix", len(got), head(got), len(want))
	}
}

func (s *suite) testListPrefixCursor(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	mustSet(t, b, "a/1", nil)
	mustSet(t, b, "b/1", nil)
	for _, after := range []string{"b/1", "a", "", strings.Repeat("a/", engine.DefaultMaxKeyBytes), "a/\xff"} {
		_, _, err := b.ListPrefix(ctx, "a/", &after)
		wantKind(t, fmt.Sprintf("ListPrefix(a/, %.20q)", after), err, engine.ErrInvalidCursor)
		if !errors.Is(err, engine.ErrInvalidArgument) {
			t.Fatalf("ListPrefix(a/, %.20q): %v is not also ErrInvalidArgument", after, err)
		}
	}
	after := "a/zzz" // past the end of the prefix's keys
	if got, more, err := b.ListPrefix(ctx, "a/", &after); err != nil || more || got == nil || len(got) != 0 {
		t.Fatalf("ListPrefix(a/, a/zzz) = %q, %v, %v; want [], false", got, more, err)
	}
}

// SwapIf, the conditional swap of the wasmcloud family.

func (s *suite) testSwapIf(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	swap := func(key, value string, p engine.Precondition) (bool, *engine.Versioned) {
		t.Helper()
		ok, cur, err := engine.SwapIf(ctx, b, key, []byte(value), p)
		if err != nil {
			t.Fatalf("SwapIf(%q, %q, %+v): %v", key, value, p, err)
		}
		if ok && cur != nil {
			t.Fatalf("SwapIf(%q) swapped and returned a current entry", key)
		}
		return ok, cur
	}
	// No precondition: invalid, nothing written.
	_, _, err := engine.SwapIf(ctx, b, "k", []byte("x"), engine.Precondition{})
	wantKind(t, "SwapIf without a precondition", err, engine.ErrInvalidArgument)
	wantAbsent(t, b, "k")
	// An absent key fails every precondition and is not created.
	for _, p := range []engine.Precondition{
		{CheckVersion: true, Version: mustVersion(t, b, "k")},
		{CheckValue: true, Value: nil},
	} {
		if ok, cur := swap("k", "x", p); ok || cur != nil {
			t.Fatalf("SwapIf on an absent key with %+v = %v, %+v; want stale, none", p, ok, cur)
		}
		wantAbsent(t, b, "k")
	}
	mustSet(t, b, "k", []byte("A"))
	v1 := mustVersion(t, b, "k")
	// Version: swapped, then stale with the current entry.
	if ok, _ := swap("k", "B", engine.Precondition{CheckVersion: true, Version: v1}); !ok {
		t.Fatal("SwapIf with the current version did not swap")
	}
	wantValue(t, b, "k", []byte("B"))
	v2 := mustVersion(t, b, "k")
	ok, cur := swap("k", "C", engine.Precondition{CheckVersion: true, Version: v1})
	if ok || cur == nil || string(cur.Value) != "B" || cur.Version != v2 {
		t.Fatalf("SwapIf with a stale version = %v, %+v; want stale with B at %q", ok, cur, v2)
	}
	// Value: swapped when equal, stale when not.
	if ok, _ := swap("k", "C", engine.Precondition{CheckValue: true, Value: []byte("B")}); !ok {
		t.Fatal("SwapIf with the current value did not swap")
	}
	ok, cur = swap("k", "D", engine.Precondition{CheckValue: true, Value: []byte("B")})
	if ok || cur == nil || string(cur.Value) != "C" {
		t.Fatalf("SwapIf with another value = %v, %+v; want stale with C", ok, cur)
	}
	// Both: each must hold.
	v3 := mustVersion(t, b, "k")
	if ok, cur := swap("k", "D", engine.Precondition{CheckVersion: true, Version: v3, CheckValue: true, Value: []byte("X")}); ok || cur == nil {
		t.Fatal("SwapIf with the right version and a wrong value swapped")
	}
	if ok, cur := swap("k", "D", engine.Precondition{CheckVersion: true, Version: v1, CheckValue: true, Value: []byte("C")}); ok || cur == nil {
		t.Fatal("SwapIf with a wrong version and the right value swapped")
	}
	if ok, _ := swap("k", "D", engine.Precondition{CheckVersion: true, Version: v3, CheckValue: true, Value: []byte("C")}); !ok {
		t.Fatal("SwapIf with the right version and value did not swap")
	}
	wantValue(t, b, "k", []byte("D"))
	// An empty value is a value.
	mustSet(t, b, "e", nil)
	if ok, _ := swap("e", "", engine.Precondition{CheckValue: true, Value: []byte{}}); !ok {
		t.Fatal("SwapIf of an empty value, requiring it, did not swap")
	}
	wantValue(t, b, "e", []byte{})
	// A write between the read and the swap: with the version, stale; with
	// the value alone, a rewrite of the same value is no conflict.
	mustSet(t, b, "m", []byte("same"))
	meddler := &meddlingBucket{Bucket: b, times: 1, value: []byte("same")}
	ok, cur, err = engine.SwapIf(ctx, meddler, "m", []byte("mine"), engine.Precondition{CheckVersion: true, Version: mustVersion(t, b, "m")})
	if err != nil || ok || cur == nil || string(cur.Value) != "same" {
		t.Fatalf("SwapIf by version after a concurrent rewrite = %v, %+v, %v; want stale", ok, cur, err)
	}
	meddler = &meddlingBucket{Bucket: b, times: 2, value: []byte("same")}
	if ok, _, err := engine.SwapIf(ctx, meddler, "m", []byte("mine"), engine.Precondition{CheckValue: true, Value: []byte("same")}); err != nil || !ok {
		t.Fatalf("SwapIf by value after concurrent rewrites of the same value = %v, %v; want swapped", ok, err)
	}
	wantValue(t, b, "m", []byte("mine"))
}
