package kvtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/atomics"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/runtime/cm"
)

// RunDraft2 runs the suite on wasi:keyvalue@0.2.0-draft2. f returns a
// World over a new, empty store configured by opts (see the package
// doc); every field of the World must be set.
func RunDraft2(t *testing.T, f func(t *testing.T, opts ...engine.Option) draft2.World) {
	fam := &family{
		name:   "wasi:keyvalue@0.2.0-draft2",
		cursor: keyCursor,
		signed: true,
		newStore: func(t *testing.T, opts []engine.Option) kvstore {
			t.Helper()
			w := f(t, opts...)
			if w.Store == nil || w.Atomics == nil || w.Batch == nil {
				t.Fatalf("wasi:keyvalue@0.2.0-draft2: the factory returned a World with a nil field: %+v", w)
			}
			return draft2Store{w}
		},
	}
	run(t, fam, commonRules(fam, draft2CASCases))
}

type draft2Store struct{ w draft2.World }

func (s draft2Store) open(ctx context.Context, id string) (bucket, error) {
	b, err := s.w.Store.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	return draft2Bucket{s.w, b}, nil
}

func (draft2Store) describe(_ context.Context, err error) witErr {
	return describeVariant[store.Error](err, store.ErrorCaseNoSuchStore, store.ErrorCaseAccessDenied)
}

// variantError is the error variant of (b), (c) and (d): each family has its
// own Go type, with the same shape.
type variantError[C ~uint8] interface {
	error
	Case() C
	Other() (string, bool)
}

// describeVariant reads an error of variant type E.
func describeVariant[E variantError[C], C ~uint8](err error, noSuchStoreCase, accessDeniedCase C) witErr {
	var we E
	if !errors.As(err, &we) {
		return witErr{kind: notWIT, msg: err.Error()}
	}
	switch we.Case() {
	case noSuchStoreCase:
		return witErr{kind: noSuchStore}
	case accessDeniedCase:
		return witErr{kind: accessDenied}
	}
	msg, _ := we.Other()
	return witErr{kind: otherError, msg: msg}
}

type draft2Bucket struct {
	w draft2.World
	b store.Bucket
}

func (b draft2Bucket) get(ctx context.Context, key string) ([]byte, bool, error) {
	return b.b.Get(ctx, key)
}

func (b draft2Bucket) set(ctx context.Context, key string, value []byte) error {
	return b.b.Set(ctx, key, value)
}

func (b draft2Bucket) del(ctx context.Context, key string) error { return b.b.Delete(ctx, key) }

func (b draft2Bucket) exists(ctx context.Context, key string) (bool, error) {
	return b.b.Exists(ctx, key)
}

func (b draft2Bucket) listPage(ctx context.Context, cursor *string) ([]string, *string, error) {
	r, err := b.b.ListKeys(ctx, cursor)
	return r.Keys, r.Cursor, err
}

func (b draft2Bucket) increment(ctx context.Context, key, delta string) (string, error) {
	d, err := strconv.ParseInt(delta, 10, 64)
	if err != nil {
		panic("kvtest: bad s64 delta " + delta)
	}
	n, err := b.w.Atomics.Increment(ctx, b.b, key, d)
	return strconv.FormatInt(n, 10), err
}

func (b draft2Bucket) getMany(ctx context.Context, keys []string) ([]getResult, error) {
	return fromTuples(b.w.Batch.GetMany(ctx, b.b, keys))
}

func (b draft2Bucket) setMany(ctx context.Context, entries []entry) error {
	return b.w.Batch.SetMany(ctx, b.b, toTuples(entries))
}

func (b draft2Bucket) deleteMany(ctx context.Context, keys []string) error {
	return b.w.Batch.DeleteMany(ctx, b.b, keys)
}

// fromTuples converts the get-many result of (b), (c) and (d).
func fromTuples(res []*cm.Tuple2[string, []byte], err error) ([]getResult, error) {
	if err != nil {
		return nil, err
	}
	out := make([]getResult, len(res))
	for i, r := range res {
		if r != nil {
			out[i] = getResult{found: true, hasKey: true, key: r.F0, value: r.F1}
		}
	}
	return out, nil
}

func toTuples(entries []entry) []cm.Tuple2[string, []byte] {
	if entries == nil {
		return nil
	}
	kv := make([]cm.Tuple2[string, []byte], len(entries))
	for i, e := range entries {
		kv[i] = cm.Tuple2[string, []byte]{F0: e.key, F1: e.value}
	}
	return kv
}

// Rule 6 in (c): the CAS resource.

var draft2CASCases = []tcase{
	{"NewCurrentSwap", testCASSwap},
	{"ConcurrentSetThenRetry", testCASConflictRetry},
	{"ABAIsAConflict", testCASABA},
	{"CurrentRefreshesNothing", testCASCurrentNoRefresh},
	{"IncrementIsAWrite", testCASAfterIncrement},
	{"AbsentKeyIsCreated", testCASCreate},
	{"AbsentKeyMayOnlyBeCreated", testCASAbsentCreatedMeanwhile},
	{"DeletedMeanwhile", testCASDeletedMeanwhile},
	{"ConcurrentRetryLoops", testCASConcurrent},
	{"StoreErrors", testCASStoreErrors},
}

// casEnv is a draft2 store with bucket "b" opened twice: b for the CAS,
// other for the concurrent writer.
type casEnv struct {
	*env
	w        draft2.World
	b, other store.Bucket
}

func newCASEnv(t *testing.T, f *family) *casEnv {
	t.Helper()
	e := f.newEnv(t, options(false, "b"))
	w := e.s.(draft2Store).w
	return &casEnv{
		env:   e,
		w:     w,
		b:     e.open("b").(draft2Bucket).b,
		other: e.open("b").(draft2Bucket).b,
	}
}

func (c *casEnv) new(key string) atomics.Cas {
	c.t.Helper()
	cas, err := c.w.Atomics.CasNew(c.ctx, c.b, key)
	c.ok(fmt.Sprintf("cas.new(%s)", q(key)), err)
	if cas == nil {
		c.t.Fatalf("%s: cas.new(%s) returned a nil handle", c.f.name, q(key))
	}
	return cas
}

// wantCurrent fails unless cas.current returns want (nil: none).
func (c *casEnv) wantCurrent(cas atomics.Cas, want []byte) {
	c.t.Helper()
	v, ok, err := cas.Current(c.ctx)
	c.ok("cas.current", err)
	switch {
	case want == nil && ok:
		c.t.Fatalf("%s: cas.current = some(%s), want none", c.f.name, short(v))
	case want == nil:
	case !ok:
		c.t.Fatalf("%s: cas.current = none, want some(%s)", c.f.name, short(want))
	case string(v) != string(want) || v == nil:
		c.t.Fatalf("%s: cas.current = some(%s), want some(%s)", c.f.name, short(v), short(want))
	}
}

func (c *casEnv) swapOK(cas atomics.Cas, value []byte) {
	c.t.Helper()
	if err := c.w.Atomics.Swap(c.ctx, cas, value); err != nil {
		c.t.Fatalf("%s: swap(%s) = %s, want ok", c.f.name, short(value), c.casErrText(err))
	}
}

// swapConflict fails unless swap fails with cas-failed, and returns the
// new handle.
func (c *casEnv) swapConflict(cas atomics.Cas, value []byte) atomics.Cas {
	c.t.Helper()
	err := c.w.Atomics.Swap(c.ctx, cas, value)
	var ce atomics.CasError
	if !errors.As(err, &ce) || ce.Case() != atomics.CasErrorCaseCasFailed {
		c.t.Fatalf("%s: swap(%s) after a conflicting write = %s, want cas-failed", c.f.name, short(value), c.casErrText(err))
	}
	next, _ := ce.CasFailed()
	if next == nil {
		c.t.Fatalf("%s: swap returned cas-failed without a new CAS handle", c.f.name)
	}
	return next
}

func (c *casEnv) casErrText(err error) string {
	var ce atomics.CasError
	if errors.As(err, &ce) {
		if se, ok := ce.StoreError(); ok {
			return "store-error(" + c.errText(se) + ")"
		}
		return ce.Case().String()
	}
	return c.errText(err)
}

func (c *casEnv) setOther(key string, value []byte) {
	c.t.Helper()
	c.ok(fmt.Sprintf("set(%s) through another handle", q(key)), c.other.Set(c.ctx, key, value))
}

func (c *casEnv) wantStored(key string, want []byte) {
	c.t.Helper()
	c.wantValue(draft2Bucket{c.w, c.other}, key, want)
}

func testCASSwap(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	c.setOther("k", []byte("A"))
	cas := c.new("k")
	c.wantCurrent(cas, []byte("A"))
	c.wantCurrent(cas, []byte("A"))
	c.swapOK(cas, []byte("B"))
	c.wantStored("k", []byte("B"))
	// An empty value is a value.
	c.swapOK(c.new("k"), []byte{})
	c.wantStored("k", []byte{})
}

func testCASConflictRetry(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	c.setOther("k", []byte("A"))
	cas := c.new("k")
	c.wantCurrent(cas, []byte("A"))
	c.setOther("k", []byte("C")) // a concurrent set lands
	c.wantStored("k", []byte("C"))
	next := c.swapConflict(cas, []byte("B"))
	c.wantStored("k", []byte("C")) // the failed swap wrote nothing
	c.wantCurrent(next, []byte("C"))
	c.swapOK(next, []byte("B"))
	c.wantStored("k", []byte("B"))
}

func testCASABA(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	c.setOther("k", []byte("A"))
	cas := c.new("k")
	c.setOther("k", []byte("B"))
	c.setOther("k", []byte("A"))
	next := c.swapConflict(cas, []byte("mine"))
	c.wantStored("k", []byte("A"))
	c.wantCurrent(next, []byte("A"))
	c.swapOK(next, []byte("mine"))
	c.wantStored("k", []byte("mine"))
}

func testCASCurrentNoRefresh(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	c.setOther("k", []byte("A"))
	cas := c.new("k")
	c.setOther("k", []byte("B"))
	c.wantCurrent(cas, []byte("B")) // current reads the value...
	next := c.swapConflict(cas, []byte("C"))
	c.wantStored("k", []byte("B")) // ...but does not move the recorded version
	c.swapOK(next, []byte("C"))
	c.wantStored("k", []byte("C"))
}

func testCASAfterIncrement(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	c.setOther("n", []byte("1"))
	cas := c.new("n")
	if _, err := c.w.Atomics.Increment(c.ctx, c.other, "n", 1); err != nil {
		t.Fatalf("%s: increment(n, 1): %s", f.name, c.errText(err))
	}
	next := c.swapConflict(cas, []byte("10"))
	c.wantStored("n", []byte("2"))
	c.swapOK(next, []byte("10"))
	c.wantStored("n", []byte("10"))
}

func testCASCreate(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	cas := c.new("new")
	c.wantCurrent(cas, nil)
	c.swapOK(cas, []byte("created"))
	c.wantStored("new", []byte("created"))
}

func testCASAbsentCreatedMeanwhile(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	// Created by someone else: a conflict, and the value stays theirs.
	cas := c.new("k")
	c.setOther("k", []byte("theirs"))
	next := c.swapConflict(cas, []byte("mine"))
	c.wantStored("k", []byte("theirs"))
	c.wantCurrent(next, []byte("theirs"))
	c.swapOK(next, []byte("mine"))
	c.wantStored("k", []byte("mine"))

	// Created and deleted again: still a conflict.
	cas = c.new("j")
	c.setOther("j", []byte("brief"))
	c.ok("delete(j)", c.other.Delete(c.ctx, "j"))
	next = c.swapConflict(cas, []byte("mine"))
	c.wantAbsent(draft2Bucket{c.w, c.other}, "j")
	c.wantCurrent(next, nil)
	c.swapOK(next, []byte("mine"))
	c.wantStored("j", []byte("mine"))
}

func testCASDeletedMeanwhile(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	c.setOther("k", []byte("A"))
	cas := c.new("k")
	c.ok("delete(k)", c.other.Delete(c.ctx, "k"))
	next := c.swapConflict(cas, []byte("B"))
	c.wantAbsent(draft2Bucket{c.w, c.other}, "k")
	c.wantCurrent(next, nil)
	c.swapOK(next, []byte("B"))
	c.wantStored("k", []byte("B"))
}

// testCASConcurrent runs retry loops that each add 1 to a counter with
// new, current and swap; the total must be exact.
func testCASConcurrent(t *testing.T, f *family) {
	const goroutines, each = 4, 25
	c := newCASEnv(t, f)
	c.setOther("n", []byte("0"))
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
	c.wantStored("n", []byte(strconv.Itoa(goroutines*each)))
}

// addOne adds 1 to counter n, times times, with CAS retry loops.
func (c *casEnv) addOne(times int) error {
	for range times {
		cas, err := c.w.Atomics.CasNew(c.ctx, c.b, "n")
		if err != nil {
			return fmt.Errorf("cas.new(n): %s", c.errText(err))
		}
		for attempt := 0; ; attempt++ {
			if attempt > 10000 {
				return errors.New("a CAS retry loop made no progress in 10000 attempts")
			}
			v, ok, err := cas.Current(c.ctx)
			if err != nil || !ok {
				return fmt.Errorf("cas.current = %s, %v; want some counter", c.errText(err), ok)
			}
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return fmt.Errorf("cas.current = %q, not a counter", v)
			}
			err = c.w.Atomics.Swap(c.ctx, cas, []byte(strconv.Itoa(n+1)))
			if err == nil {
				break
			}
			var ce atomics.CasError
			next, failed := cas, false
			if errors.As(err, &ce) {
				next, failed = ce.CasFailed()
			}
			if !failed || next == nil {
				return fmt.Errorf("swap = %s, want ok or cas-failed with a handle", c.casErrText(err))
			}
			cas = next
		}
	}
	return nil
}

func testCASStoreErrors(t *testing.T, f *family) {
	c := newCASEnv(t, f)
	long := string(make([]byte, KeyLimit+1))
	_, err := c.w.Atomics.CasNew(c.ctx, c.b, long)
	c.wantErr("cas.new(key of KeyLimit+1 bytes)", err, otherError, keyLimitText)
	cas := c.new("k")
	err = c.w.Atomics.Swap(c.ctx, cas, make([]byte, ValueLimit+1))
	var ce atomics.CasError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: swap(value of ValueLimit+1 bytes) = %s, want store-error(other)", f.name, c.errText(err))
	}
	se, ok := ce.StoreError()
	if !ok {
		t.Fatalf("%s: swap(value of ValueLimit+1 bytes) = %s, want store-error(other)", f.name, ce.Case())
	}
	c.wantErr("swap(value of ValueLimit+1 bytes)", se, otherError, valueLimitText)
	c.wantAbsent(draft2Bucket{c.w, c.other}, "k")
}
