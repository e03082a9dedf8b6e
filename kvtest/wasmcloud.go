package kvtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/cas"
	wasmcloud "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports"
	"github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/types"
	"github.com/witgo-dev/witgo/kv/engine"
)

// RunWasmcloud runs the suite on wasmcloud:keyvalue@0.2.0: the rules every
// family follows (with its s64 increments and string cursor, and
// invalid-argument for a malformed cursor), then its own: set options
// (if-not-exists, ttl-ms), expiry, list-keys with a prefix, and the
// resource-free CAS (current, swap with require-version and require-value).
// f returns a World over a new, empty store configured by opts (see the
// package doc); every field of the World must be set. The expiry cases pass
// engine.Clock with a clock of their own, which they move forward instead
// of sleeping: the store must read its time from it.
func RunWasmcloud(t *testing.T, f func(t *testing.T, opts ...engine.Option) wasmcloud.World) {
	fam := &family{
		name:      "wasmcloud:keyvalue@0.2.0",
		cursor:    keyCursor,
		signed:    true,
		badCursor: invalidArgument,
		newStore: func(t *testing.T, opts []engine.Option) kvstore {
			t.Helper()
			w := f(t, opts...)
			if w.Store == nil || w.Atomics == nil || w.Cas == nil || w.Batch == nil {
				t.Fatalf("wasmcloud:keyvalue@0.2.0: the factory returned a World with a nil field: %+v", w)
			}
			return wasmcloudStore{w}
		},
	}
	run(t, fam, commonRules(fam, wasmcloudCASCases,
		rule{"SetOptions", wasmcloudSetCases},
		rule{"Expiry", wasmcloudExpiryCases},
		rule{"ListKeysPrefix", wasmcloudPrefixCases},
	))
}

type wasmcloudStore struct{ w wasmcloud.World }

func (s wasmcloudStore) open(ctx context.Context, id string) (bucket, error) {
	b, err := s.w.Store.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	return wasmcloudBucket{s.w, b}, nil
}

// describe reads the error variant of (e), which has more named cases
// than the others.
func (wasmcloudStore) describe(_ context.Context, err error) witErr {
	var we types.Error
	if !errors.As(err, &we) {
		return witErr{kind: notWIT, msg: err.Error()}
	}
	switch we.Case() {
	case types.ErrorCaseNoSuchStore:
		return witErr{kind: noSuchStore}
	case types.ErrorCaseAccessDenied:
		return witErr{kind: accessDenied}
	case types.ErrorCaseInvalidArgument:
		return witErr{kind: invalidArgument}
	case types.ErrorCasePreconditionFailed:
		return witErr{kind: preconditionFailed}
	case types.ErrorCaseOther:
		msg, _ := we.Other()
		return witErr{kind: otherError, msg: msg}
	}
	return witErr{kind: otherCase, msg: we.Case().String()}
}

type wasmcloudBucket struct {
	w wasmcloud.World
	b types.Bucket
}

func (b wasmcloudBucket) get(ctx context.Context, key string) ([]byte, bool, error) {
	return b.b.Get(ctx, key)
}

func (b wasmcloudBucket) set(ctx context.Context, key string, value []byte) error {
	return b.b.Set(ctx, key, value, nil)
}

func (b wasmcloudBucket) del(ctx context.Context, key string) error { return b.b.Delete(ctx, key) }

func (b wasmcloudBucket) exists(ctx context.Context, key string) (bool, error) {
	return b.b.Exists(ctx, key)
}

func (b wasmcloudBucket) listPage(ctx context.Context, cursor *string) ([]string, *string, error) {
	r, err := b.b.ListKeys(ctx, nil, cursor)
	return r.Keys, r.Cursor, err
}

func (b wasmcloudBucket) increment(ctx context.Context, key, delta string) (string, error) {
	d, err := strconv.ParseInt(delta, 10, 64)
	if err != nil {
		panic("kvtest: bad s64 delta " + delta)
	}
	n, err := b.w.Atomics.Increment(ctx, b.b, key, d)
	return strconv.FormatInt(n, 10), err
}

func (b wasmcloudBucket) getMany(ctx context.Context, keys []string) ([]getResult, error) {
	return fromTuples(b.w.Batch.GetMany(ctx, b.b, keys))
}

func (b wasmcloudBucket) setMany(ctx context.Context, entries []entry) error {
	return b.w.Batch.SetMany(ctx, b.b, toTuples(entries))
}

func (b wasmcloudBucket) deleteMany(ctx context.Context, keys []string) error {
	return b.w.Batch.DeleteMany(ctx, b.b, keys)
}

// clock is a settable clock, passed to the store with engine.Clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// wcEnv is a wasmcloud store with bucket "b" opened twice (b and other,
// for a concurrent writer), on a clock of its own.
type wcEnv struct {
	*env
	w        wasmcloud.World
	b, other wasmcloudBucket
	clock    *clock
}

func newWCEnv(t *testing.T, f *family) *wcEnv {
	t.Helper()
	c := &clock{now: time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)}
	e := f.newEnv(t, append(options(false, "b"), engine.Clock(c.Now)))
	return &wcEnv{
		env:   e,
		w:     e.s.(wasmcloudStore).w,
		b:     e.open("b").(wasmcloudBucket),
		other: e.open("b").(wasmcloudBucket),
		clock: c,
	}
}

// advance moves the store's clock forward.
func (c *wcEnv) advance(d time.Duration) { c.clock.advance(d) }

func ttlMs(ms uint64) *types.SetOptions { return &types.SetOptions{TTLMs: &ms} }

var ifNotExists = &types.SetOptions{IfNotExists: true}

func optText(o *types.SetOptions) string {
	if o == nil {
		return "none"
	}
	ttl := "none"
	if o.TTLMs != nil {
		ttl = strconv.FormatUint(*o.TTLMs, 10)
	}
	return fmt.Sprintf("{ttl-ms: %s, if-not-exists: %v}", ttl, o.IfNotExists)
}

// setOpt sets key with options o, wanting ok.
func (c *wcEnv) setOpt(key string, value []byte, o *types.SetOptions) {
	c.t.Helper()
	c.ok(fmt.Sprintf("set(%s, %s, %s)", q(key), short(value), optText(o)), c.b.b.Set(c.ctx, key, value, o))
}

// setOptErr sets key with options o, wanting the error case want.
func (c *wcEnv) setOptErr(key string, value []byte, o *types.SetOptions, want errKind, names ...string) {
	c.t.Helper()
	c.wantErr(fmt.Sprintf("set(%s, %s, %s)", q(key), short(value), optText(o)), c.b.b.Set(c.ctx, key, value, o), want, names...)
}

// current returns cas.current of key.
func (c *wcEnv) current(key string) (cas.Entry, bool) {
	c.t.Helper()
	e, ok, err := c.w.Cas.Current(c.ctx, c.b.b, key)
	c.ok(fmt.Sprintf("current(%s)", q(key)), err)
	if ok && (e.Value == nil || e.Version == "") {
		c.t.Fatalf("%s: current(%s) = some({value: %s, version: %q}): a present entry has a non-nil value and a version", c.f.name, q(key), short(e.Value), e.Version)
	}
	return e, ok
}

// wantCurrent fails unless current(key) is some entry holding want (none
// if want is nil), and returns it.
func (c *wcEnv) wantCurrent(key string, want []byte) cas.Entry {
	c.t.Helper()
	e, ok := c.current(key)
	switch {
	case want == nil && ok:
		c.t.Fatalf("%s: current(%s) = some(%s), want none", c.f.name, q(key), short(e.Value))
	case want != nil && !ok:
		c.t.Fatalf("%s: current(%s) = none, want some(%s)", c.f.name, q(key), short(want))
	case want != nil && !bytes.Equal(e.Value, want):
		c.t.Fatalf("%s: current(%s) = some(%s), want some(%s)", c.f.name, q(key), short(e.Value), short(want))
	}
	return e
}

func requireVersion(v string) cas.CasOptions { return cas.CasOptions{RequireVersion: &v} }

func requireValue(v []byte) cas.CasOptions { return cas.CasOptions{RequireValue: &v} }

func casText(o cas.CasOptions) string {
	var parts []string
	if o.RequireVersion != nil {
		parts = append(parts, "require-version: "+q(*o.RequireVersion))
	}
	if o.RequireValue != nil {
		parts = append(parts, "require-value: "+short(*o.RequireValue))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (c *wcEnv) swap(key string, value []byte, o cas.CasOptions) cas.CasResult {
	c.t.Helper()
	r, err := c.w.Cas.Swap(c.ctx, c.b.b, key, value, o)
	c.ok(fmt.Sprintf("swap(%s, %s, %s)", q(key), short(value), casText(o)), err)
	return r
}

// swapOK fails unless swap returns swapped and key then holds value.
func (c *wcEnv) swapOK(key string, value []byte, o cas.CasOptions) {
	c.t.Helper()
	r := c.swap(key, value, o)
	if r.Case() != cas.CasResultCaseSwapped {
		c.t.Fatalf("%s: swap(%s, %s, %s) = %s, want swapped", c.f.name, q(key), short(value), casText(o), staleText(r))
	}
	c.wantValue(c.other, key, value)
}

// swapStale fails unless swap returns stale, with nothing written, and
// returns the entry it carries (nil for none).
func (c *wcEnv) swapStale(key string, value []byte, o cas.CasOptions) *cas.Entry {
	c.t.Helper()
	before, had := c.get(c.other, key)
	r := c.swap(key, value, o)
	cur, stale := r.Stale()
	if !stale {
		c.t.Fatalf("%s: swap(%s, %s, %s) = %s, want stale", c.f.name, q(key), short(value), casText(o), r.Case())
	}
	after, has := c.get(c.other, key)
	if has != had || !bytes.Equal(after, before) {
		c.t.Fatalf("%s: a stale swap(%s, %s) changed the value from %s to %s", c.f.name, q(key), short(value), short(before), short(after))
	}
	if cur != nil && (cur.Value == nil || cur.Version == "") {
		c.t.Fatalf("%s: swap(%s) = stale(some({value: %s, version: %q})): an entry has a non-nil value and a version", c.f.name, q(key), short(cur.Value), cur.Version)
	}
	return cur
}

func staleText(r cas.CasResult) string {
	cur, stale := r.Stale()
	switch {
	case !stale:
		return r.Case().String()
	case cur == nil:
		return "stale(none)"
	}
	return fmt.Sprintf("stale(some({value: %s, version: %q}))", short(cur.Value), cur.Version)
}

// wantGone fails unless key is absent to every read: get, exists,
// get-many, current and list-keys (with and without a prefix).
func (c *wcEnv) wantGone(key string) {
	c.t.Helper()
	c.wantAbsent(c.b, key)
	res, err := c.b.getMany(c.ctx, []string{key})
	c.ok(fmt.Sprintf("get-many([%s])", q(key)), err)
	if len(res) != 1 || res[0].found {
		c.t.Fatalf("%s: get-many([%s]) = %d entries, found %v; want [none]", c.f.name, q(key), len(res), len(res) == 1 && res[0].found)
	}
	c.wantCurrent(key, nil)
	if keys := c.walk(c.b, nil); slices.Contains(keys, key) {
		c.t.Fatalf("%s: list-keys lists %s, which has expired", c.f.name, q(key))
	}
	if keys := c.walkPrefix(&key); len(keys) != 0 {
		c.t.Fatalf("%s: list-keys(prefix %s) = %q, want no keys", c.f.name, q(key), keys)
	}
}

// wantLive fails unless key holds want for every read.
func (c *wcEnv) wantLive(key string, want []byte) {
	c.t.Helper()
	c.wantValue(c.b, key, want)
	res, err := c.b.getMany(c.ctx, []string{key})
	c.ok(fmt.Sprintf("get-many([%s])", q(key)), err)
	if len(res) != 1 || !res[0].found || !bytes.Equal(res[0].value, want) {
		c.t.Fatalf("%s: get-many([%s]) does not return %s", c.f.name, q(key), short(want))
	}
	c.wantCurrent(key, want)
	if keys := c.walk(c.b, nil); !slices.Contains(keys, key) {
		c.t.Fatalf("%s: list-keys does not list %s", c.f.name, q(key))
	}
	if keys := c.walkPrefix(&key); !slices.Contains(keys, key) {
		c.t.Fatalf("%s: list-keys(prefix %s) = %q, want it listed", c.f.name, q(key), keys)
	}
}

// walkPrefix follows list-keys cursors with prefix from none until none,
// checking each page as walk does, and returns every key listed.
func (c *wcEnv) walkPrefix(prefix *string) []string {
	c.t.Helper()
	keys, _ := c.walkPrefixPages(prefix)
	return keys
}

// walkPrefixPages is walkPrefix that also returns the page lengths.
func (c *wcEnv) walkPrefixPages(prefix *string) ([]string, []int) {
	c.t.Helper()
	var all []string
	var pages []int
	var cursor *string
	for page := 0; ; page++ {
		if page > 10000 {
			c.t.Fatalf("%s: list-keys(prefix %s) walk did not end after %d pages", c.f.name, qp(prefix), page)
		}
		r, err := c.b.b.ListKeys(c.ctx, prefix, cursor)
		c.ok(fmt.Sprintf("list-keys(prefix %s, cursor %s) (page %d)", qp(prefix), qp(cursor), page), err)
		if len(r.Keys) > PageSize {
			c.t.Fatalf("%s: list-keys(prefix %s) returned %d keys, over the page size of %d", c.f.name, qp(prefix), len(r.Keys), PageSize)
		}
		if r.Cursor != nil && len(r.Keys) == 0 {
			c.t.Fatalf("%s: list-keys(prefix %s, cursor %s) returned no keys and a cursor", c.f.name, qp(prefix), qp(cursor))
		}
		all = append(all, r.Keys...)
		pages = append(pages, len(r.Keys))
		if r.Cursor == nil {
			return all, pages
		}
		cursor = r.Cursor
	}
}

// Set options: if-not-exists and the limits of ttl-ms.

var wasmcloudSetCases = []tcase{
	{"NoOptionsIsAPlainSet", testWCSetDefaults},
	{"IfNotExists", testWCIfNotExists},
	{"IfNotExistsConcurrent", testWCIfNotExistsConcurrent},
	{"TTLOfZeroOrTooLongIsInvalid", testWCBadTTL},
}

func testWCSetDefaults(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("one"), nil)
	c.setOpt("k", []byte("two"), &types.SetOptions{})
	c.wantValue(c.b, "k", []byte("two"))
	c.advance(100 * 365 * 24 * time.Hour) // neither expires
	c.wantValue(c.b, "k", []byte("two"))
}

func testWCIfNotExists(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("first"), ifNotExists)
	c.wantValue(c.b, "k", []byte("first"))
	v := c.wantCurrent("k", []byte("first")).Version
	c.setOptErr("k", []byte("second"), ifNotExists, preconditionFailed)
	c.wantValue(c.b, "k", []byte("first"))
	if again := c.wantCurrent("k", []byte("first")).Version; again != v {
		t.Fatalf("%s: a refused set changed the version from %q to %q", f.name, v, again)
	}
	// An empty value is present.
	c.setOpt("empty", nil, nil)
	c.setOptErr("empty", []byte("x"), ifNotExists, preconditionFailed)
	c.wantValue(c.b, "empty", []byte{})
	// After a delete the key is absent again.
	c.del(c.b, "k")
	c.setOpt("k", []byte("third"), ifNotExists)
	c.wantValue(c.other, "k", []byte("third"))
	// The limits come first: a key over the limit is other, naming it.
	long := strings.Repeat("k", KeyLimit+1)
	c.setOptErr(long, []byte("v"), ifNotExists, otherError, keyLimitText)
	c.setOptErr("big", make([]byte, ValueLimit+1), ifNotExists, otherError, valueLimitText)
	c.wantAbsent(c.b, "big")
}

func testWCIfNotExistsConcurrent(t *testing.T, f *family) {
	const writers = 8
	c := newWCEnv(t, f)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = c.b.b.Set(c.ctx, "lock", []byte{byte('a' + w)}, ifNotExists)
		}()
	}
	wg.Wait()
	winner := -1
	for w, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("%s: two concurrent set(lock, if-not-exists) succeeded (writers %d and %d)", f.name, winner, w)
			}
			winner = w
			continue
		}
		c.wantErr("a losing concurrent set(lock, if-not-exists)", err, preconditionFailed)
	}
	if winner < 0 {
		t.Fatalf("%s: none of %d concurrent set(lock, if-not-exists) succeeded", f.name, writers)
	}
	c.wantValue(c.b, "lock", []byte{byte('a' + winner)})
}

func testWCBadTTL(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("before"), nil)
	for _, ms := range []uint64{0, math.MaxInt64/uint64(time.Millisecond) + 1, math.MaxUint64} {
		c.setOptErr("k", []byte("after"), ttlMs(ms), invalidArgument)
		c.setOptErr("new", []byte("v"), ttlMs(ms), invalidArgument)
	}
	c.wantValue(c.b, "k", []byte("before"))
	c.wantAbsent(c.b, "new")
	// The longest TTL is accepted, and does not expire for a long while.
	c.setOpt("long", []byte("v"), ttlMs(math.MaxInt64/uint64(time.Millisecond)))
	c.advance(100 * 365 * 24 * time.Hour)
	c.wantValue(c.b, "long", []byte("v"))
}

// Expiry: keys set with ttl-ms, on the store's clock.

var wasmcloudExpiryCases = []tcase{
	{"ExpiresAfterTTL", testWCExpires},
	{"SetsReplaceTheExpiry", testWCSetReplacesExpiry},
	{"IncrementKeepsTheExpiry", testWCIncrementKeepsExpiry},
	{"SwapAndSetManyRemoveTheExpiry", testWCSwapClearsExpiry},
	{"IfNotExistsAfterExpiry", testWCLock},
	{"VersionOfAnExpiredKeyIsStale", testWCExpiredVersion},
	{"ListingSkipsExpiredKeys", testWCListExpired},
}

func testWCExpires(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("brief"), ttlMs(1500))
	c.setOpt("stays", []byte("v"), nil)
	c.advance(1499 * time.Millisecond)
	c.wantLive("k", []byte("brief"))
	c.advance(time.Millisecond)
	c.wantGone("k")
	c.wantLive("stays", []byte("v"))
	c.del(c.b, "k") // deleting an expired key is ok
	c.wantGone("k")
	c.setOpt("k", []byte("back"), nil)
	c.wantLive("k", []byte("back"))
}

func testWCSetReplacesExpiry(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("cleared", []byte("a"), ttlMs(1000))
	c.setOpt("cleared", []byte("b"), nil) // no ttl-ms: no expiry
	c.setOpt("longer", []byte("a"), ttlMs(1000))
	c.setOpt("longer", []byte("b"), ttlMs(60_000))
	c.setOpt("shorter", []byte("a"), ttlMs(60_000))
	c.setOpt("shorter", []byte("b"), ttlMs(1000))
	c.advance(time.Second)
	c.wantLive("cleared", []byte("b"))
	c.wantLive("longer", []byte("b"))
	c.wantGone("shorter")
	c.advance(time.Minute)
	c.wantGone("longer")
	c.wantLive("cleared", []byte("b"))
}

func testWCIncrementKeepsExpiry(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("n", []byte("1"), ttlMs(1000))
	if got := c.incr(c.b, "n", "1"); got != "2" {
		t.Fatalf("%s: increment(n, 1) on \"1\" = %s, want 2", f.name, got)
	}
	c.advance(999 * time.Millisecond)
	c.wantLive("n", []byte("2"))
	c.advance(time.Millisecond)
	c.wantGone("n")
	// An expired counter starts again at 0, without expiry.
	if got := c.incr(c.b, "n", "-5"); got != "-5" {
		t.Fatalf("%s: increment(n, -5) on an expired counter = %s, want -5", f.name, got)
	}
	c.advance(time.Hour)
	c.wantLive("n", []byte("-5"))
}

func testWCSwapClearsExpiry(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("swapped", []byte("a"), ttlMs(1000))
	c.setOpt("set-many", []byte("a"), ttlMs(1000))
	c.swapOK("swapped", []byte("b"), requireValue([]byte("a")))
	c.ok("set-many", c.b.setMany(c.ctx, []entry{{"set-many", []byte("b")}}))
	c.advance(time.Hour)
	c.wantLive("swapped", []byte("b"))
	c.wantLive("set-many", []byte("b"))
}

// testWCLock is a lock with a lease: set(if-not-exists, ttl-ms) until the
// holder's lease runs out.
func testWCLock(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	lease := &types.SetOptions{TTLMs: ttlMs(30_000).TTLMs, IfNotExists: true}
	c.setOpt("lock", []byte("a"), lease)
	c.advance(29_999 * time.Millisecond)
	c.setOptErr("lock", []byte("b"), lease, preconditionFailed)
	c.wantValue(c.b, "lock", []byte("a"))
	c.advance(time.Millisecond)
	c.setOpt("lock", []byte("b"), lease)
	c.wantLive("lock", []byte("b"))
	c.advance(30 * time.Second)
	c.wantGone("lock")
}

func testWCExpiredVersion(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("v"), ttlMs(1000))
	e := c.wantCurrent("k", []byte("v"))
	c.advance(time.Second)
	if cur := c.swapStale("k", []byte("late"), requireVersion(e.Version)); cur != nil {
		t.Fatalf("%s: swap of an expired key = stale(some(%s)), want stale(none)", f.name, short(cur.Value))
	}
	if cur := c.swapStale("k", []byte("late"), requireValue([]byte("v"))); cur != nil {
		t.Fatalf("%s: swap of an expired key = stale(some(%s)), want stale(none)", f.name, short(cur.Value))
	}
	c.wantGone("k")
	// Set again with the same value: a new version.
	c.setOpt("k", []byte("v"), nil)
	if again := c.wantCurrent("k", []byte("v")); again.Version == e.Version {
		t.Fatalf("%s: the key set again after its expiry has its old version %q", f.name, e.Version)
	}
	c.swapStale("k", []byte("late"), requireVersion(e.Version))
}

func testWCListExpired(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	var live []string
	for i, k := range keyNames(250, 6) {
		if i%5 == 2 {
			c.setOpt(k, nil, ttlMs(uint64(1000+i)))
			continue
		}
		c.setOpt(k, nil, nil)
		live = append(live, k)
	}
	checkWalk(t, f, c.walk(c.b, nil), keyNames(250, 6))
	c.advance(2 * time.Second)
	checkWalk(t, f, c.walk(c.b, nil), live)
	prefix := "key-0"
	keys, pages := c.walkPrefixPages(&prefix)
	var want []string
	for _, k := range live {
		if strings.HasPrefix(k, prefix) {
			want = append(want, k)
		}
	}
	checkWalk(t, f, keys, want)
	for i, n := range pages[:len(pages)-1] {
		if n != PageSize {
			t.Fatalf("%s: page %d of a prefix walk after expiries has %d keys, want %d (expired keys leave no holes)", f.name, i, n, PageSize)
		}
	}
}

// list-keys with a prefix.

var wasmcloudPrefixCases = []tcase{
	{"Filters", testWCPrefixFilters},
	{"Walk250KeysAmongOthers", testWCPrefixWalk},
	{"DeletesAndCreatesBetweenPages", testWCPrefixChurn},
	{"CursorOutsideThePrefixIsInvalid", testWCPrefixBadCursor},
	{"CursorPastEnd", testWCPrefixPastEnd},
}

func testWCPrefixFilters(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	keys := []string{"", "a", "a/", "a/1", "a/2", "a/2/x", "ab", "b", "b/1", "é", "é/1", "日本", "日本/語"}
	for _, k := range keys {
		c.setOpt(k, []byte(k), nil)
	}
	all := slices.Sorted(slices.Values(keys))
	for _, tc := range []struct {
		prefix *string
		want   []string
	}{
		{nil, all},
		{ptr(""), all},
		{ptr("a"), []string{"a", "a/", "a/1", "a/2", "a/2/x", "ab"}},
		{ptr("a/"), []string{"a/", "a/1", "a/2", "a/2/x"}},
		{ptr("a/2"), []string{"a/2", "a/2/x"}},
		{ptr("a/3"), nil},
		{ptr("b/1"), []string{"b/1"}},
		{ptr("é"), []string{"é", "é/1"}},
		{ptr("日本/"), []string{"日本/語"}},
		{ptr("zzz"), nil},
		{ptr("A"), nil}, // exact bytes: no case folding
	} {
		if got := c.walkPrefix(tc.prefix); !slices.Equal(got, tc.want) {
			t.Fatalf("%s: list-keys(prefix %s) = %q, want %q", f.name, qp(tc.prefix), got, tc.want)
		}
	}
}

func ptr(s string) *string { return &s }

func testWCPrefixWalk(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	var want []string
	for _, k := range keyNames(250, 7) {
		c.setOpt("p/"+k, nil, nil)
		want = append(want, "p/"+k)
	}
	for _, k := range keyNames(60, 8) { // before, beside and after the prefix
		for _, p := range []string{"o/", "p", "p.", "q/"} {
			c.setOpt(p+k, nil, nil)
		}
	}
	prefix := "p/"
	keys, pages := c.walkPrefixPages(&prefix)
	checkWalk(t, f, keys, want)
	if !slices.Equal(pages, []int{PageSize, PageSize, 50}) {
		t.Fatalf("%s: the 250 keys of prefix p/ came in pages of %v, want [%d %d 50]", f.name, pages, PageSize, PageSize)
	}
	if len(c.walk(c.b, nil)) != 250+4*60 {
		t.Fatalf("%s: list-keys without a prefix does not return all %d keys", f.name, 250+4*60)
	}
}

func testWCPrefixChurn(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	prefix := "p/"
	for _, k := range keyNames(250, 9) {
		c.setOpt(prefix+k, nil, nil)
	}
	sorted := c.walkPrefix(&prefix)
	deleted := map[string]bool{}
	var got []string
	var cursor *string
	for page := 0; ; page++ {
		r, err := c.b.b.ListKeys(c.ctx, &prefix, cursor)
		c.ok(fmt.Sprintf("list-keys(prefix p/, cursor %s)", qp(cursor)), err)
		got = append(got, r.Keys...)
		if r.Cursor == nil {
			break
		}
		last := r.Keys[len(r.Keys)-1]
		// Delete the cursor's key and the 5 keys after it; create keys
		// before and after the cursor, in the prefix and out of it.
		deleted[last] = true
		i, _ := slices.BinarySearch(sorted, last)
		for j := i + 1; j < len(sorted) && j <= i+5; j++ {
			deleted[sorted[j]] = true
		}
		for k := range deleted {
			c.del(c.b, k)
		}
		for _, k := range []string{"p/", "p/" + strconv.Itoa(page), last + "+", "q/" + last} {
			c.setOpt(k, nil, nil)
		}
		cursor = r.Cursor
	}
	seen := map[string]bool{}
	for _, k := range got {
		if seen[k] {
			t.Fatalf("%s: the prefix walk returned %q twice", f.name, k)
		}
		seen[k] = true
		if !strings.HasPrefix(k, prefix) {
			t.Fatalf("%s: the prefix walk returned %q, outside the prefix", f.name, k)
		}
	}
	for _, k := range sorted {
		if !deleted[k] && !seen[k] {
			t.Fatalf("%s: the prefix walk missed %q, which existed throughout", f.name, k)
		}
	}
	if !slices.IsSorted(got) {
		t.Fatalf("%s: the prefix walk returned keys out of bytewise order", f.name)
	}
}

func testWCPrefixBadCursor(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	for _, k := range []string{"a/1", "a/2", "b/1"} {
		c.setOpt(k, nil, nil)
	}
	prefix := "a/"
	for _, cur := range []string{"b/1", "a", "", strings.Repeat("a/", KeyLimit)} {
		_, err := c.b.b.ListKeys(c.ctx, &prefix, &cur)
		c.wantErr(fmt.Sprintf("list-keys(prefix a/, cursor %s)", q(cur)), err, invalidArgument)
	}
	// Without a prefix, every key is a cursor.
	cur := "a"
	r, err := c.b.b.ListKeys(c.ctx, nil, &cur)
	c.ok("list-keys(prefix none, cursor \"a\")", err)
	if !slices.Equal(r.Keys, []string{"a/1", "a/2", "b/1"}) {
		t.Fatalf("%s: list-keys(prefix none, cursor \"a\") = %q", f.name, r.Keys)
	}
}

func testWCPrefixPastEnd(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	for _, k := range []string{"a/1", "a/2", "b/1"} {
		c.setOpt(k, nil, nil)
	}
	prefix := "a/"
	for _, cur := range []string{"a/2", "a/3", "a/\U0010FFFF"} {
		r, err := c.b.b.ListKeys(c.ctx, &prefix, &cur)
		c.ok(fmt.Sprintf("list-keys(prefix a/, cursor %s)", q(cur)), err)
		if len(r.Keys) != 0 || r.Cursor != nil {
			t.Fatalf("%s: list-keys(prefix a/, cursor %s) past the prefix's last key = %q, cursor %s; want ok([], none)", f.name, q(cur), r.Keys, qp(r.Cursor))
		}
	}
}

// The resource-free CAS: current and swap.

var wasmcloudCASCases = []tcase{
	{"CurrentOfAbsentKeyIsNone", testWCCurrentAbsent},
	{"VersionChangesOnEveryWrite", testWCVersions},
	{"RequireVersion", testWCRequireVersion},
	{"RequireValue", testWCRequireValue},
	{"RequireBoth", testWCRequireBoth},
	{"AbsentKeyIsNeverCreated", testWCSwapAbsent},
	{"NoPreconditionIsInvalidArgument", testWCSwapNoPrecondition},
	{"EmptyValues", testWCSwapEmpty},
	{"ConcurrentRetryLoops", testWCSwapConcurrent},
	{"StoreErrors", testWCCASErrors},
}

func testWCCurrentAbsent(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.wantCurrent("k", nil)
	c.setOpt("k", []byte("v"), nil)
	c.del(c.other, "k")
	c.wantCurrent("k", nil)
}

func testWCVersions(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	seen := map[string]string{}
	record := func(step string, want []byte) {
		t.Helper()
		e := c.wantCurrent("k", want)
		if again := c.wantCurrent("k", want); again.Version != e.Version {
			t.Fatalf("%s: current(k) twice after %s: versions %q and %q without a write", f.name, step, e.Version, again.Version)
		}
		if prev, dup := seen[e.Version]; dup {
			t.Fatalf("%s: version %q after %s was already the version after %s", f.name, e.Version, step, prev)
		}
		seen[e.Version] = step
	}
	c.setOpt("k", []byte("1"), nil)
	record("set", []byte("1"))
	c.setOpt("k", []byte("1"), nil)
	record("set of the same bytes", []byte("1"))
	c.incr(c.b, "k", "1")
	record("increment", []byte("2"))
	c.ok("set-many", c.b.setMany(c.ctx, []entry{{"k", []byte("2")}}))
	record("set-many", []byte("2"))
	c.swapOK("k", []byte("3"), requireValue([]byte("2")))
	record("swap", []byte("3"))
	c.setOpt("k", []byte("3"), ttlMs(60_000))
	record("set with ttl-ms", []byte("3"))
	c.del(c.b, "k")
	c.setOpt("k", []byte("3"), nil)
	record("delete and set", []byte("3"))
	// Failed writes change nothing.
	v := c.wantCurrent("k", []byte("3")).Version
	c.setOptErr("k", []byte("4"), ifNotExists, preconditionFailed)
	_, err := c.b.increment(c.ctx, "k", "9223372036854775807")
	c.wantErr("increment(k, max s64) on 3", err, otherError)
	c.swapStale("k", []byte("5"), requireValue([]byte("no")))
	if after := c.wantCurrent("k", []byte("3")).Version; after != v {
		t.Fatalf("%s: the version changed from %q to %q without a write", f.name, v, after)
	}
}

func testWCRequireVersion(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("A"), nil)
	e := c.wantCurrent("k", []byte("A"))
	c.swapOK("k", []byte("B"), requireVersion(e.Version))
	// The old version is stale now; stale carries the current entry, and
	// a retry with its version swaps.
	cur := c.swapStale("k", []byte("C"), requireVersion(e.Version))
	now := c.wantCurrent("k", []byte("B"))
	if cur == nil || !bytes.Equal(cur.Value, []byte("B")) || cur.Version != now.Version {
		t.Fatalf("%s: stale swap returned %+v, want the current entry {B, %q}", f.name, cur, now.Version)
	}
	c.setOpt("k", []byte("X"), nil) // a concurrent set lands
	cur = c.swapStale("k", []byte("C"), requireVersion(now.Version))
	if cur == nil || !bytes.Equal(cur.Value, []byte("X")) {
		t.Fatalf("%s: swap after a concurrent set returned %+v, want stale with X", f.name, cur)
	}
	c.swapOK("k", []byte("C"), requireVersion(cur.Version))
	// A→B→A between current and swap is a conflict for the version.
	e = c.wantCurrent("k", []byte("C"))
	c.setOpt("k", []byte("B"), nil)
	c.setOpt("k", []byte("C"), nil)
	c.swapStale("k", []byte("mine"), requireVersion(e.Version))
	// A version no write produced is stale.
	for _, v := range []string{"", "0", "not a version", e.Version + "-stale"} {
		c.swapStale("k", []byte("mine"), requireVersion(v))
	}
	c.wantValue(c.b, "k", []byte("C"))
}

func testWCRequireValue(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("A"), nil)
	c.swapOK("k", []byte("B"), requireValue([]byte("A")))
	cur := c.swapStale("k", []byte("C"), requireValue([]byte("A")))
	if cur == nil || !bytes.Equal(cur.Value, []byte("B")) || cur.Version != c.wantCurrent("k", []byte("B")).Version {
		t.Fatalf("%s: stale swap returned %+v, want the current entry B with its version", f.name, cur)
	}
	// A value check does not see A→B→A: that is what require-version is for.
	c.setOpt("k", []byte("C"), nil)
	c.setOpt("k", []byte("B"), nil)
	c.swapOK("k", []byte("D"), requireValue([]byte("B")))
	// Bytes, not text: a prefix or a longer value is another value.
	c.swapStale("k", []byte("E"), requireValue([]byte("")))
	c.swapStale("k", []byte("E"), requireValue([]byte("D\x00")))
	c.wantValue(c.b, "k", []byte("D"))
}

func testWCRequireBoth(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("A"), nil)
	old := c.wantCurrent("k", []byte("A"))
	c.setOpt("k", []byte("A"), nil) // same value, new version
	e := c.wantCurrent("k", []byte("A"))
	both := func(v string, value []byte) cas.CasOptions {
		return cas.CasOptions{RequireVersion: &v, RequireValue: &value}
	}
	c.swapStale("k", []byte("X"), both(old.Version, []byte("A"))) // value holds, version does not
	c.swapStale("k", []byte("X"), both(e.Version, []byte("B")))   // version holds, value does not
	c.swapOK("k", []byte("X"), both(e.Version, []byte("A")))
}

func testWCSwapAbsent(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("gone", []byte("v"), nil)
	gone := c.wantCurrent("gone", []byte("v"))
	c.del(c.b, "gone")
	for _, o := range []cas.CasOptions{
		requireVersion(gone.Version), requireVersion(""), requireVersion("0"),
		requireValue([]byte("v")), requireValue([]byte{}),
	} {
		for _, k := range []string{"never", "gone"} {
			if cur := c.swapStale(k, []byte("created"), o); cur != nil {
				t.Fatalf("%s: swap(%s, %s) of an absent key = stale(some(%s)), want stale(none)", f.name, q(k), casText(o), short(cur.Value))
			}
			c.wantAbsent(c.b, k)
		}
	}
}

func testWCSwapNoPrecondition(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", []byte("v"), nil)
	for _, k := range []string{"k", "absent"} {
		_, err := c.w.Cas.Swap(c.ctx, c.b.b, k, []byte("unconditional"), cas.CasOptions{})
		c.wantErr(fmt.Sprintf("swap(%s) without a precondition", q(k)), err, invalidArgument)
	}
	c.wantValue(c.b, "k", []byte("v"))
	c.wantAbsent(c.b, "absent")
}

func testWCSwapEmpty(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	c.setOpt("k", nil, nil)
	c.swapOK("k", []byte("full"), requireValue([]byte{}))
	c.swapOK("k", []byte{}, requireValue([]byte("full")))
	c.wantValue(c.b, "k", []byte{})
	e := c.wantCurrent("k", []byte{})
	c.swapOK("k", nil, requireVersion(e.Version))
	c.wantValue(c.b, "k", []byte{})
}

// testWCSwapConcurrent adds 1 to a counter from concurrent retry loops of
// current and swap(require-version), retrying from the stale entry.
func testWCSwapConcurrent(t *testing.T, f *family) {
	const goroutines, each = 4, 25
	c := newWCEnv(t, f)
	c.setOpt("n", []byte("0"), nil)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = c.addOne(each)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
	}
	c.wantValue(c.b, "n", []byte(strconv.Itoa(goroutines*each)))
}

func (c *wcEnv) addOne(times int) error {
	for range times {
		e, ok, err := c.w.Cas.Current(c.ctx, c.b.b, "n")
		if err != nil || !ok {
			return fmt.Errorf("current(n) = %v, %s; want some counter", ok, c.errText(err))
		}
		for attempt := 0; ; attempt++ {
			if attempt > 10000 {
				return errors.New("a swap retry loop made no progress in 10000 attempts")
			}
			n, err := strconv.Atoi(string(e.Value))
			if err != nil {
				return fmt.Errorf("the counter is %q", e.Value)
			}
			v := e.Version
			r, err := c.w.Cas.Swap(c.ctx, c.b.b, "n", []byte(strconv.Itoa(n+1)), cas.CasOptions{RequireVersion: &v})
			if err != nil {
				return fmt.Errorf("swap: %s", c.errText(err))
			}
			if r.Case() == cas.CasResultCaseSwapped {
				break
			}
			cur, _ := r.Stale()
			if cur == nil {
				return errors.New("swap of a present counter = stale(none)")
			}
			e = *cur
		}
	}
	return nil
}

func testWCCASErrors(t *testing.T, f *family) {
	c := newWCEnv(t, f)
	long := strings.Repeat("k", KeyLimit+1)
	_, _, err := c.w.Cas.Current(c.ctx, c.b.b, long)
	c.wantErr("current(key of KeyLimit+1 bytes)", err, otherError, keyLimitText)
	_, err = c.w.Cas.Swap(c.ctx, c.b.b, long, []byte("v"), requireValue(nil))
	c.wantErr("swap(key of KeyLimit+1 bytes)", err, otherError, keyLimitText)
	c.setOpt("k", []byte("v"), nil)
	_, err = c.w.Cas.Swap(c.ctx, c.b.b, "k", make([]byte, ValueLimit+1), requireValue([]byte("v")))
	c.wantErr("swap(k, value of ValueLimit+1 bytes)", err, otherError, valueLimitText)
	c.wantValue(c.b, "k", []byte("v"))
}
