// Package enginetest checks that an implementation of engine.Engine follows
// the keyvalue rules documented in package engine. Every engine, built in or
// custom, runs the same suite:
//
//	func TestEngine(t *testing.T) {
//		enginetest.Run(t, func(t *testing.T, opts ...engine.Option) engine.Engine {
//			return memory.New(opts...)
//		})
//	}
//
// The factory must return a new, empty engine honouring opts (CreateOnOpen,
// Buckets, MaxKeyBytes, MaxValueBytes, PageSize) on every call.
package enginetest

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

	"github.com/witgo-dev/witgo/kv/engine"
)

// Factory returns a new, empty engine configured by opts.
type Factory func(t *testing.T, opts ...engine.Option) engine.Engine

// Run runs every check as a subtest of t.
func Run(t *testing.T, f Factory) {
	s := &suite{f: f}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"OpenUnknown", s.testOpenUnknown},
		{"SharedHandles", s.testSharedHandles},
		{"Isolation", s.testIsolation},
		{"BinaryValues", s.testBinaryValues},
		{"EmptyValue", s.testEmptyValue},
		{"EmptyKey", s.testEmptyKey},
		{"Delete", s.testDelete},
		{"KeyLimit", s.testKeyLimit},
		{"ValueLimit", s.testValueLimit},
		{"InvalidUTF8Key", s.testInvalidUTF8Key},
		{"ListKeysPaging", s.testListKeysPaging},
		{"ListKeysBytewiseOrder", s.testListKeysBytewiseOrder},
		{"ListKeysAfterDeletesBetweenPages", s.testListKeysDeletesBetweenPages},
		{"ListKeysConcurrentChurn", s.testListKeysConcurrentChurn},
		{"ListKeysPastEnd", s.testListKeysPastEnd},
		{"ListKeysInvalidCursor", s.testListKeysInvalidCursor},
		{"ListKeysResultNotAliased", s.testListKeysNotAliased},
		{"AllKeys", s.testAllKeys},
		{"IncrementAbsent", s.testIncrementAbsent},
		{"IncrementU64Values", s.testIncrementU64Values},
		{"IncrementS64Values", s.testIncrementS64Values},
		{"IncrementConcurrent", s.testIncrementConcurrent},
		{"CASConcurrentSet", s.testCASConcurrentSet},
		{"CASABA", s.testCASABA},
		{"CASAbsentOnlyCreates", s.testCASAbsentOnlyCreates},
		{"CASVersionChangesOnEveryWrite", s.testCASVersionChanges},
		{"CASZeroVersion", s.testCASZeroVersion},
		{"CASConcurrentCounter", s.testCASConcurrentCounter},
		{"CompareAndSwapU64", s.testCompareAndSwapU64},
		{"GetMany", s.testGetMany},
		{"SetManyLastDuplicateWins", s.testSetMany},
		{"DeleteMany", s.testDeleteMany},
		{"EmptyBatches", s.testEmptyBatches},
		{"BatchErrors", s.testBatchErrors},
		{"NoAliasing", s.testNoAliasing},
		{"ContextDone", s.testContextDone},
		{"ConcurrentMixed", s.testConcurrentMixed},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.fn)
	}
}

type suite struct{ f Factory }

var ctx = context.Background()

// bucket returns a bucket "b" of a new engine with page size 100 and opts.
func (s *suite) bucket(t *testing.T, opts ...engine.Option) engine.Bucket {
	t.Helper()
	opts = append([]engine.Option{engine.CreateOnOpen(true), engine.PageSize(100)}, opts...)
	b, err := s.f(t, opts...).Open(ctx, "b")
	if err != nil {
		t.Fatalf("Open(b) with CreateOnOpen: %v", err)
	}
	return b
}

func mustSet(t *testing.T, b engine.Bucket, key string, value []byte) {
	t.Helper()
	if err := b.Set(ctx, key, value); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, b engine.Bucket, key string) ([]byte, bool) {
	t.Helper()
	v, ok, err := b.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !ok && v != nil {
		t.Fatalf("Get(%q) = %q, false: a missing key must come back as nil", key, v)
	}
	return v, ok
}

func wantValue(t *testing.T, b engine.Bucket, key string, want []byte) {
	t.Helper()
	v, ok := mustGet(t, b, key)
	if !ok {
		t.Fatalf("Get(%q): missing, want %q", key, short(want))
	}
	if v == nil {
		t.Fatalf("Get(%q) returned a nil slice for a present key", key)
	}
	if !bytes.Equal(v, want) {
		t.Fatalf("Get(%q) = %q, want %q", key, short(v), short(want))
	}
}

func wantAbsent(t *testing.T, b engine.Bucket, key string) {
	t.Helper()
	if v, ok := mustGet(t, b, key); ok {
		t.Fatalf("Get(%q) = %q, want absent", key, short(v))
	}
	if ok, err := b.Exists(ctx, key); err != nil || ok {
		t.Fatalf("Exists(%q) = %v, %v; want false, nil", key, ok, err)
	}
}

func short(p []byte) string {
	if len(p) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", p[:40], len(p))
	}
	return string(p)
}

func allKeys(t *testing.T, b engine.Bucket) []string {
	t.Helper()
	keys, err := engine.AllKeys(ctx, b)
	if err != nil {
		t.Fatalf("AllKeys: %v", err)
	}
	return keys
}

// wantKind checks that err is an *engine.Error of the given kind whose
// message contains every one of words.
func wantKind(t *testing.T, what string, err, kind error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("%s: error %q is not %v", what, err, kind)
	}
	var ke *engine.Error
	if !errors.As(err, &ke) {
		t.Fatalf("%s: error %q (%T) is not an *engine.Error", what, err, err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("%s: error %q does not mention %q", what, err, w)
		}
	}
}

func (s *suite) testOpenUnknown(t *testing.T) {
	e := s.f(t)
	if _, err := e.Open(ctx, "nope"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("Open(unknown) without CreateOnOpen: err = %v, want ErrNoSuchStore", err)
	}
	if _, err := e.Open(ctx, "nope"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("second Open(unknown): err = %v, want ErrNoSuchStore (a failed open must not create)", err)
	}
	e = s.f(t, engine.CreateOnOpen(false), engine.Buckets("known", ""))
	for _, name := range []string{"known", ""} {
		if _, err := e.Open(ctx, name); err != nil {
			t.Fatalf("Open(%q) of a bucket created with Buckets: %v", name, err)
		}
	}
	if _, err := e.Open(ctx, "Known"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("Open(Known): err = %v, want ErrNoSuchStore (identifiers are case-sensitive)", err)
	}
	e = s.f(t, engine.CreateOnOpen(true))
	b, err := e.Open(ctx, "fresh")
	if err != nil {
		t.Fatalf("Open(unknown) with CreateOnOpen: %v", err)
	}
	if keys := allKeys(t, b); len(keys) != 0 {
		t.Fatalf("new bucket has keys %q", keys)
	}
	mustSet(t, b, "k", []byte("v"))
	b2, err := e.Open(ctx, "fresh")
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	wantValue(t, b2, "k", []byte("v"))
}

func (s *suite) testSharedHandles(t *testing.T) {
	e := s.f(t, engine.Buckets("shared"))
	b1, err := e.Open(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	b2, err := e.Open(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, b1, "k", []byte("one"))
	wantValue(t, b2, "k", []byte("one"))
	mustSet(t, b2, "k", []byte("two"))
	wantValue(t, b1, "k", []byte("two"))
	if n, err := b1.IncrementU64(ctx, "n", 2); err != nil || n != 2 {
		t.Fatalf("IncrementU64 = %d, %v", n, err)
	}
	if n, err := b2.IncrementU64(ctx, "n", 3); err != nil || n != 5 {
		t.Fatalf("IncrementU64 through the second handle = %d, %v; want 5", n, err)
	}
	if err := b2.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b1, "k")
}

func (s *suite) testIsolation(t *testing.T) {
	e := s.f(t, engine.Buckets("a", "b", "a/b", "ab"))
	open := func(name string) engine.Bucket {
		b, err := e.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, ab1, ab2 := open("a"), open("b"), open("a/b"), open("ab")
	mustSet(t, a, "k", []byte("in a"))
	mustSet(t, a, "b/k", []byte("in a"))
	if _, err := a.IncrementU64(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	for _, other := range []engine.Bucket{b, ab1, ab2} {
		wantAbsent(t, other, "k")
		wantAbsent(t, other, "b/k")
		wantAbsent(t, other, "n")
		if keys := allKeys(t, other); len(keys) != 0 {
			t.Fatalf("other bucket lists %q", keys)
		}
	}
	mustSet(t, b, "k", []byte("in b"))
	wantValue(t, a, "k", []byte("in a"))
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	wantValue(t, a, "k", []byte("in a"))
}

func (s *suite) testBinaryValues(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	mib := make([]byte, 1<<20)
	for i := range mib {
		mib[i] = byte(i*7 + i>>8)
	}
	cases := []struct {
		name  string
		value []byte
	}{
		{"00 ff", []byte{0x00, 0xff}},
		{"invalid UTF-8", []byte{0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1}},
		{"lone NUL", []byte{0}},
		{"all bytes", all},
		{"1 MiB", mib},
		{"at the default limit", bytes.Repeat([]byte{0xab}, engine.DefaultMaxValueBytes)},
	}
	b := s.bucket(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mustSet(t, b, tc.name, tc.value)
			wantValue(t, b, tc.name, tc.value)
			got, err := b.GetMany(ctx, []string{tc.name})
			if err != nil || len(got) != 1 || got[0] == nil || !bytes.Equal(got[0].Value, tc.value) {
				t.Fatalf("GetMany did not return the value: %v", err)
			}
			v, ok, _, err := b.GetVersioned(ctx, tc.name)
			if err != nil || !ok || !bytes.Equal(v, tc.value) {
				t.Fatalf("GetVersioned did not return the value: %v", err)
			}
		})
	}
}

func (s *suite) testEmptyValue(t *testing.T) {
	b := s.bucket(t)
	for _, tc := range []struct {
		key   string
		value []byte
	}{{"empty", []byte{}}, {"nil", nil}, {"cap", make([]byte, 0, 16)}} {
		mustSet(t, b, tc.key, tc.value)
		wantValue(t, b, tc.key, []byte{})
		if ok, err := b.Exists(ctx, tc.key); err != nil || !ok {
			t.Fatalf("Exists(%q) after set to an empty value = %v, %v; want true", tc.key, ok, err)
		}
		v, ok, _, err := b.GetVersioned(ctx, tc.key)
		if err != nil || !ok || v == nil || len(v) != 0 {
			t.Fatalf("GetVersioned(%q) = %q, %v, %v; want non-nil empty, true", tc.key, v, ok, err)
		}
		got, err := b.GetMany(ctx, []string{tc.key})
		if err != nil || got[0] == nil || got[0].Value == nil || len(got[0].Value) != 0 {
			t.Fatalf("GetMany(%q) = %v, %v; want one non-nil empty value", tc.key, got, err)
		}
	}
	if err := b.SetMany(ctx, []engine.Entry{{Key: "many", Value: nil}}); err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "many", []byte{})
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"cap", "empty", "many", "nil"}) {
		t.Fatalf("keys = %q; empty values must be listed", keys)
	}
	swapped, _, err := b.CompareAndSwap(ctx, "empty", mustVersion(t, b, "empty"), nil)
	if err != nil || !swapped {
		t.Fatalf("CompareAndSwap to nil: %v, %v", swapped, err)
	}
	wantValue(t, b, "empty", []byte{})
}

func (s *suite) testEmptyKey(t *testing.T) {
	b := s.bucket(t)
	wantAbsent(t, b, "")
	mustSet(t, b, "", []byte("empty key"))
	mustSet(t, b, "a", []byte("a"))
	wantValue(t, b, "", []byte("empty key"))
	keys, more, err := b.ListKeys(ctx, 0)
	if err != nil || more || !slices.Equal(keys, []string{"", "a"}) {
		t.Fatalf("ListKeys(0) = %q, %v, %v; want [\"\" a], false", keys, more, err)
	}
	keys, more, err = b.ListKeysAfter(ctx, "")
	if err != nil || more || !slices.Equal(keys, []string{"a"}) {
		t.Fatalf("ListKeysAfter(\"\") = %q, %v, %v; want [a], false", keys, more, err)
	}
	if n, err := b.IncrementU64(ctx, "", 0); err == nil {
		t.Fatalf("IncrementU64 on %q gave %d, want ErrNotInteger", "empty key", n)
	}
	if err := b.Delete(ctx, ""); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b, "")
	if n, err := b.IncrementS64(ctx, "", -3); err != nil || n != -3 {
		t.Fatalf("IncrementS64(\"\", -3) = %d, %v", n, err)
	}
}

func (s *suite) testDelete(t *testing.T) {
	b := s.bucket(t)
	for i := range 2 {
		if err := b.Delete(ctx, "missing"); err != nil {
			t.Fatalf("Delete(missing) #%d: %v", i+1, err)
		}
	}
	mustSet(t, b, "k", []byte("v"))
	mustSet(t, b, "other", []byte("o"))
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b, "k")
	wantValue(t, b, "other", []byte("o"))
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatalf("Delete of a deleted key: %v", err)
	}
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"other"}) {
		t.Fatalf("keys after delete = %q", keys)
	}
}

func (s *suite) testKeyLimit(t *testing.T) {
	const limit = 64
	e := s.f(t, engine.CreateOnOpen(true), engine.MaxKeyBytes(limit))
	b, err := e.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	atLimit := strings.Repeat("k", limit)
	mustSet(t, b, atLimit, []byte("ok"))
	wantValue(t, b, atLimit, []byte("ok"))
	multi := strings.Repeat("é", limit/2) // 2 bytes each: exactly at the limit
	mustSet(t, b, multi, []byte("ok"))
	over := atLimit + "k"
	overMulti := multi + "é"
	value := []byte("v")
	ops := map[string]func(key string) error{
		"Get":            func(k string) error { _, _, err := b.Get(ctx, k); return err },
		"Set":            func(k string) error { return b.Set(ctx, k, value) },
		"Delete":         func(k string) error { return b.Delete(ctx, k) },
		"Exists":         func(k string) error { _, err := b.Exists(ctx, k); return err },
		"IncrementU64":   func(k string) error { _, err := b.IncrementU64(ctx, k, 1); return err },
		"IncrementS64":   func(k string) error { _, err := b.IncrementS64(ctx, k, 1); return err },
		"GetVersioned":   func(k string) error { _, _, _, err := b.GetVersioned(ctx, k); return err },
		"CompareAndSwap": func(k string) error { _, _, err := b.CompareAndSwap(ctx, k, "1", value); return err },
		"GetMany":        func(k string) error { _, err := b.GetMany(ctx, []string{"a", k}); return err },
		"SetMany": func(k string) error {
			return b.SetMany(ctx, []engine.Entry{{Key: "a", Value: value}, {Key: k, Value: value}})
		},
		"DeleteMany": func(k string) error { return b.DeleteMany(ctx, []string{"a", k}) },
		"Open":       func(k string) error { _, err := e.Open(ctx, k); return err },
	}
	for name, op := range ops {
		for _, k := range []string{over, overMulti} {
			wantKind(t, name, op(k), engine.ErrKeyTooLarge, "MaxKeyBytes", strconv.Itoa(limit), strconv.Itoa(len(k)))
		}
	}
	if keys := allKeys(t, b); !slices.Equal(keys, []string{atLimit, multi}) {
		t.Fatalf("keys = %q; failed operations must store nothing", keys)
	}
	if _, err := e.Open(ctx, atLimit); err != nil {
		t.Fatalf("Open of an identifier at the limit: %v", err)
	}
	// The default limit is documented as DefaultMaxKeyBytes.
	d := s.bucket(t)
	mustSet(t, d, strings.Repeat("d", engine.DefaultMaxKeyBytes), nil)
	wantKind(t, "Set over the default key limit", d.Set(ctx, strings.Repeat("d", engine.DefaultMaxKeyBytes+1), nil),
		engine.ErrKeyTooLarge, "MaxKeyBytes")
}

func (s *suite) testValueLimit(t *testing.T) {
	const limit = 1000
	b := s.bucket(t, engine.MaxValueBytes(limit))
	atLimit := bytes.Repeat([]byte{1}, limit)
	mustSet(t, b, "k", atLimit)
	wantValue(t, b, "k", atLimit)
	over := append(atLimit, 2)
	wantKind(t, "Set", b.Set(ctx, "k", over), engine.ErrValueTooLarge, "MaxValueBytes", "1000", "1001")
	wantValue(t, b, "k", atLimit)
	wantKind(t, "Set new key", b.Set(ctx, "new", over), engine.ErrValueTooLarge, "MaxValueBytes")
	wantAbsent(t, b, "new")
	ver := mustVersion(t, b, "k")
	_, _, err := b.CompareAndSwap(ctx, "k", ver, over)
	wantKind(t, "CompareAndSwap", err, engine.ErrValueTooLarge, "MaxValueBytes")
	wantValue(t, b, "k", atLimit)
	err = b.SetMany(ctx, []engine.Entry{{Key: "a", Value: []byte("a")}, {Key: "k", Value: over}})
	wantKind(t, "SetMany", err, engine.ErrValueTooLarge, "MaxValueBytes", "1001")
	// Counters obey the value limit too.
	tiny := s.bucket(t, engine.MaxValueBytes(2))
	if n, err := tiny.IncrementU64(ctx, "n", 99); err != nil || n != 99 {
		t.Fatalf("IncrementU64 to 99 with a 2-byte limit = %d, %v", n, err)
	}
	_, err = tiny.IncrementU64(ctx, "n", 1)
	wantKind(t, "IncrementU64 to 100 with a 2-byte limit", err, engine.ErrValueTooLarge, "MaxValueBytes")
	wantValue(t, tiny, "n", []byte("99"))
}

func (s *suite) testInvalidUTF8Key(t *testing.T) {
	b := s.bucket(t)
	bad := "a\xffb"
	wantKind(t, "Set", b.Set(ctx, bad, nil), engine.ErrInvalidKey, "UTF-8")
	_, _, err := b.Get(ctx, bad)
	wantKind(t, "Get", err, engine.ErrInvalidKey, "UTF-8")
	err = b.SetMany(ctx, []engine.Entry{{Key: "ok"}, {Key: bad}})
	wantKind(t, "SetMany", err, engine.ErrInvalidKey, "UTF-8")
	if keys := allKeys(t, b); len(keys) != 0 {
		t.Fatalf("keys = %q, want none", keys)
	}
}

func mustList(t *testing.T, b engine.Bucket, offset uint64) ([]string, bool) {
	t.Helper()
	keys, more, err := b.ListKeys(ctx, offset)
	if err != nil {
		t.Fatalf("ListKeys(%d): %v", offset, err)
	}
	if keys == nil {
		t.Fatalf("ListKeys(%d) returned a nil slice", offset)
	}
	if more && len(keys) == 0 {
		t.Fatalf("ListKeys(%d): more=true with an empty page", offset)
	}
	return keys, more
}

func mustListAfter(t *testing.T, b engine.Bucket, after string) ([]string, bool) {
	t.Helper()
	keys, more, err := b.ListKeysAfter(ctx, after)
	if err != nil {
		t.Fatalf("ListKeysAfter(%q): %v", after, err)
	}
	if keys == nil {
		t.Fatalf("ListKeysAfter(%q) returned a nil slice", after)
	}
	if more && len(keys) == 0 {
		t.Fatalf("ListKeysAfter(%q): more=true with an empty page", after)
	}
	return keys, more
}

func (s *suite) testListKeysPaging(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100, 101, 200, 250} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			b := s.bucket(t)
			var want []string
			for i := range n {
				k := fmt.Sprintf("key-%03d", (i*37)%n) // set out of order
				want = append(want, k)
				mustSet(t, b, k, []byte(k))
			}
			slices.Sort(want)
			wantPages := (n + 99) / 100

			// u64 offset cursor.
			var got []string
			pages := 0
			for offset, more := uint64(0), true; more; {
				var keys []string
				keys, more = mustList(t, b, offset)
				pages++
				if len(keys) > 100 {
					t.Fatalf("page of %d keys, page size is 100", len(keys))
				}
				if more && len(keys) != 100 {
					t.Fatalf("non-final page has %d keys, want 100", len(keys))
				}
				got = append(got, keys...)
				offset += uint64(len(keys))
				if pages > 10 {
					t.Fatal("walk does not end")
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("offset walk returned %d keys %q..., want %d in bytewise order", len(got), head(got), len(want))
			}
			if pages != max(wantPages, 1) {
				t.Fatalf("offset walk took %d pages, want %d", pages, max(wantPages, 1))
			}

			// string last-key cursor.
			got = nil
			keys, more := mustList(t, b, 0)
			got = append(got, keys...)
			pages = 1
			for more {
				keys, more = mustListAfter(t, b, got[len(got)-1])
				got = append(got, keys...)
				pages++
				if pages > 10 {
					t.Fatal("walk does not end")
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("last-key walk returned %d keys, want %d in bytewise order", len(got), len(want))
			}
			if pages != max(wantPages, 1) {
				t.Fatalf("last-key walk took %d pages, want %d", pages, max(wantPages, 1))
			}
			if n == 250 && len(uniq(got)) != 250 {
				t.Fatalf("250 keys walked, %d distinct", len(uniq(got)))
			}
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

func uniq(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, k := range s {
		m[k] = true
	}
	return m
}

func (s *suite) testListKeysBytewiseOrder(t *testing.T) {
	b := s.bucket(t, engine.PageSize(2))
	// Bytewise (UTF-8) order, which is not UTF-16 or collation order:
	// U+FF61 sorts before U+1F600 in UTF-8 but after it in UTF-16.
	want := []string{"", "A", "Z", "a", "a\x00", "aa", "b", "z", "\u00e9", "\uff61", "\U0001f600"}
	for _, i := range []int{7, 3, 10, 0, 5, 1, 9, 2, 8, 4, 6} {
		mustSet(t, b, want[i], nil)
	}
	if got := allKeys(t, b); !slices.Equal(got, want) {
		t.Fatalf("keys = %q, want %q", got, want)
	}
	var got []string
	for off, more := uint64(0), true; more; {
		var keys []string
		keys, more = mustList(t, b, off)
		if len(keys) > 2 {
			t.Fatalf("PageSize(2) gave a page of %d", len(keys))
		}
		got = append(got, keys...)
		off += uint64(len(keys))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("offset walk = %q, want %q", got, want)
	}
}

// testListKeysDeletesBetweenPages deletes and adds keys between pages of a
// last-key walk: every key present throughout must come back exactly once.
func (s *suite) testListKeysDeletesBetweenPages(t *testing.T) {
	b := s.bucket(t)
	initial := map[string]bool{}
	for i := range 250 {
		k := fmt.Sprintf("k%03d", i)
		initial[k] = true
		mustSet(t, b, k, nil)
	}
	removed := map[string]bool{}
	del := func(keys ...string) {
		for _, k := range keys {
			if err := b.Delete(ctx, k); err != nil {
				t.Fatal(err)
			}
			removed[k] = true
		}
	}
	keys, more := mustList(t, b, 0)
	got := slices.Clone(keys)
	pages := 1
	for more {
		last := got[len(got)-1]
		switch pages {
		case 1:
			// The cursor key itself, keys already returned, keys not yet returned.
			del(last, "k000", "k050", "k100", "k150", "k151", "k199", "k200")
			mustSet(t, b, "k0995", nil) // after the cursor: may be listed
			mustSet(t, b, "k001a", nil) // before the cursor: must not be listed
		case 2:
			del(last, "k249", "k248")
		}
		keys, more = mustListAfter(t, b, last)
		got = append(got, keys...)
		pages++
		if pages > 10 {
			t.Fatal("walk does not end")
		}
	}
	count := map[string]int{}
	for i, k := range got {
		count[k]++
		if i > 0 && got[i-1] >= k {
			t.Fatalf("keys out of order: %q then %q", got[i-1], k)
		}
	}
	for k := range initial {
		if !removed[k] && count[k] != 1 {
			t.Fatalf("key %q present throughout was returned %d times", k, count[k])
		}
	}
	if count["k001a"] != 0 {
		t.Fatal("a key created before the cursor was listed")
	}
	for _, k := range []string{"k100", "k150", "k151", "k199", "k200", "k248", "k249"} {
		if count[k] != 0 {
			t.Fatalf("key %q, deleted before its page, was listed", k)
		}
	}
	if n := len(got); n < 250-10-3 || n > 250+1 {
		t.Fatalf("walk returned %d keys", n)
	}
}

// testListKeysConcurrentChurn walks while another goroutine creates and
// deletes keys: stable keys must come back exactly once, in order.
func (s *suite) testListKeysConcurrentChurn(t *testing.T) {
	b := s.bucket(t)
	stable := map[string]bool{}
	for i := range 300 {
		k := fmt.Sprintf("%03d-s", i)
		stable[k] = true
		mustSet(t, b, k, nil)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := fmt.Sprintf("%03d-v", (i*131)%300)
			if i%2 == 0 {
				_ = b.Set(ctx, k, nil)
			} else {
				_ = b.Delete(ctx, k)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for round := range 20 {
		keys, more := mustList(t, b, 0)
		got := slices.Clone(keys)
		for pages := 1; more; pages++ {
			if pages > 50 {
				t.Fatalf("round %d: walk does not end", round)
			}
			keys, more = mustListAfter(t, b, got[len(got)-1])
			got = append(got, keys...)
		}
		seen := map[string]bool{}
		for i, k := range got {
			if i > 0 && got[i-1] >= k {
				t.Fatalf("round %d: keys out of order or repeated: %q then %q", round, got[i-1], k)
			}
			seen[k] = true
		}
		for k := range stable {
			if !seen[k] {
				t.Fatalf("round %d: stable key %q missing", round, k)
			}
		}
	}
}

func (s *suite) testListKeysPastEnd(t *testing.T) {
	b := s.bucket(t)
	if keys, more := mustList(t, b, 0); len(keys) != 0 || more {
		t.Fatalf("empty bucket: ListKeys(0) = %q, %v", keys, more)
	}
	if keys, more := mustListAfter(t, b, ""); len(keys) != 0 || more {
		t.Fatalf("empty bucket: ListKeysAfter(\"\") = %q, %v", keys, more)
	}
	for i := range 5 {
		mustSet(t, b, strconv.Itoa(i), nil)
	}
	for _, off := range []uint64{5, 6, 1 << 40, math.MaxUint64} {
		if keys, more := mustList(t, b, off); len(keys) != 0 || more {
			t.Fatalf("ListKeys(%d) past the end = %q, %v; want [], false", off, keys, more)
		}
	}
	if keys, more := mustList(t, b, 4); !slices.Equal(keys, []string{"4"}) || more {
		t.Fatalf("ListKeys(4) = %q, %v; want [4], false", keys, more)
	}
	for _, after := range []string{"4", "5", "\U0010ffff"} {
		if keys, more := mustListAfter(t, b, after); len(keys) != 0 || more {
			t.Fatalf("ListKeysAfter(%q) past the end = %q, %v; want [], false", after, keys, more)
		}
	}
}

func (s *suite) testListKeysInvalidCursor(t *testing.T) {
	b := s.bucket(t, engine.MaxKeyBytes(10))
	mustSet(t, b, "a", nil)
	for _, after := range []string{"01234567890", "\xff", "a\xc3"} {
		keys, more, err := b.ListKeysAfter(ctx, after)
		wantKind(t, fmt.Sprintf("ListKeysAfter(%q)", after), err, engine.ErrInvalidCursor)
		if keys != nil || more {
			t.Fatalf("ListKeysAfter(%q) returned keys %q with an error", after, keys)
		}
	}
	if _, _, err := b.ListKeysAfter(ctx, "0123456789"); err != nil {
		t.Fatalf("cursor at the key limit: %v", err)
	}
}

func (s *suite) testListKeysNotAliased(t *testing.T) {
	b := s.bucket(t)
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, b, k, nil)
	}
	keys, _ := mustList(t, b, 0)
	keys[0] = "zzz"
	keys, _ = mustListAfter(t, b, "")
	keys[0] = "yyy"
	if got, _ := mustList(t, b, 0); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("modifying a returned page changed the listing: %q", got)
	}
}

func (s *suite) testAllKeys(t *testing.T) {
	b := s.bucket(t, engine.PageSize(7))
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("%02d", i))
		mustSet(t, b, want[i], nil)
	}
	if got := allKeys(t, b); !slices.Equal(got, want) {
		t.Fatalf("AllKeys = %q", got)
	}
}

func (s *suite) testIncrementAbsent(t *testing.T) {
	b := s.bucket(t)
	if n, err := b.IncrementU64(ctx, "u", 5); err != nil || n != 5 {
		t.Fatalf("IncrementU64(absent, 5) = %d, %v; want 5", n, err)
	}
	wantValue(t, b, "u", []byte("5"))
	if n, err := b.IncrementU64(ctx, "u", 10); err != nil || n != 15 {
		t.Fatalf("IncrementU64(5, 10) = %d, %v; want 15", n, err)
	}
	wantValue(t, b, "u", []byte("15"))
	if n, err := b.IncrementS64(ctx, "s", -5); err != nil || n != -5 {
		t.Fatalf("IncrementS64(absent, -5) = %d, %v; want -5", n, err)
	}
	wantValue(t, b, "s", []byte("-5"))
	if n, err := b.IncrementU64(ctx, "zero", 0); err != nil || n != 0 {
		t.Fatalf("IncrementU64(absent, 0) = %d, %v", n, err)
	}
	wantValue(t, b, "zero", []byte("0"))
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"s", "u", "zero"}) {
		t.Fatalf("counters must be listed: %q", keys)
	}
	// A counter written with Set is read by increments.
	mustSet(t, b, "set", []byte("41"))
	if n, err := b.IncrementS64(ctx, "set", 1); err != nil || n != 42 {
		t.Fatalf("IncrementS64(\"41\", 1) = %d, %v", n, err)
	}
}

type incCase struct {
	stored string
	delta  int64
	want   string
	kind   error // nil: success, result want
}

func (s *suite) testIncrementU64Values(t *testing.T) {
	maxU := strconv.FormatUint(math.MaxUint64, 10)
	cases := []struct {
		stored string
		delta  uint64
		want   string
		kind   error
	}{
		{"0", 1, "1", nil},
		{"007", 1, "8", nil},
		{"+3", 1, "4", nil},
		{"18446744073709551614", 1, maxU, nil},
		{maxU, 0, maxU, nil},
		{"1", math.MaxUint64 - 1, maxU, nil},
		{maxU, 1, "", engine.ErrOverflow},
		{"1", math.MaxUint64, "", engine.ErrOverflow},
		{"18446744073709551616", 1, "", engine.ErrNotInteger}, // does not fit
		{"99999999999999999999999", 1, "", engine.ErrNotInteger},
		{"abc", 1, "", engine.ErrNotInteger},
		{"", 1, "", engine.ErrNotInteger},
		{"-1", 1, "", engine.ErrNotInteger},
		{"-0", 1, "", engine.ErrNotInteger},
		{"+", 1, "", engine.ErrNotInteger},
		{" 1", 1, "", engine.ErrNotInteger},
		{"1 ", 1, "", engine.ErrNotInteger},
		{"1\n", 1, "", engine.ErrNotInteger},
		{"1.0", 1, "", engine.ErrNotInteger},
		{"1e3", 1, "", engine.ErrNotInteger},
		{"0x10", 1, "", engine.ErrNotInteger},
		{"1_000", 1, "", engine.ErrNotInteger},
		{"\u0663", 1, "", engine.ErrNotInteger}, // ARABIC-INDIC DIGIT THREE
		{"\x00", 1, "", engine.ErrNotInteger},
	}
	b := s.bucket(t)
	for i, tc := range cases {
		key := fmt.Sprintf("c%d", i)
		mustSet(t, b, key, []byte(tc.stored))
		n, err := b.IncrementU64(ctx, key, tc.delta)
		if tc.kind != nil {
			wantKind(t, fmt.Sprintf("IncrementU64(%q, %d)", tc.stored, tc.delta), err, tc.kind, "increment")
			wantValue(t, b, key, []byte(tc.stored)) // unchanged
			continue
		}
		if err != nil || strconv.FormatUint(n, 10) != tc.want {
			t.Fatalf("IncrementU64(%q, %d) = %d, %v; want %s", tc.stored, tc.delta, n, err, tc.want)
		}
		wantValue(t, b, key, []byte(tc.want)) // canonical text
	}
	_, err := b.IncrementU64(ctx, "c0", math.MaxUint64)
	wantKind(t, "overflow", err, engine.ErrOverflow, "u64")
	_, err = b.IncrementU64(ctx, "c10", 1)
	wantKind(t, "not a number", err, engine.ErrNotInteger, `"abc"`)
}

func (s *suite) testIncrementS64Values(t *testing.T) {
	maxS := strconv.FormatInt(math.MaxInt64, 10)
	minS := strconv.FormatInt(math.MinInt64, 10)
	cases := []incCase{
		{"0", -1, "-1", nil},
		{"-5", 3, "-2", nil},
		{"-5", -3, "-8", nil},
		{"+5", -10, "-5", nil},
		{"-007", 0, "-7", nil},
		{maxS, 0, maxS, nil},
		{minS, 0, minS, nil},
		{minS, math.MaxInt64, "-1", nil},
		{maxS, math.MinInt64, "-1", nil},
		{"9223372036854775806", 1, maxS, nil},
		{"-9223372036854775807", -1, minS, nil},
		{maxS, 1, "", engine.ErrOverflow},
		{minS, -1, "", engine.ErrOverflow},
		{"1", math.MaxInt64, "", engine.ErrOverflow},
		{"-2", math.MinInt64, "", engine.ErrOverflow},
		{"9223372036854775808", -1, "", engine.ErrNotInteger}, // does not fit s64
		{"-9223372036854775809", 1, "", engine.ErrNotInteger},
		{"18446744073709551615", -1, "", engine.ErrNotInteger},
		{"abc", 1, "", engine.ErrNotInteger},
		{"", 1, "", engine.ErrNotInteger},
		{"-", 1, "", engine.ErrNotInteger},
		{"--1", 1, "", engine.ErrNotInteger},
		{"+-1", 1, "", engine.ErrNotInteger},
		{"1-", 1, "", engine.ErrNotInteger},
	}
	b := s.bucket(t)
	for i, tc := range cases {
		key := fmt.Sprintf("c%d", i)
		mustSet(t, b, key, []byte(tc.stored))
		n, err := b.IncrementS64(ctx, key, tc.delta)
		if tc.kind != nil {
			wantKind(t, fmt.Sprintf("IncrementS64(%q, %d)", tc.stored, tc.delta), err, tc.kind, "increment")
			wantValue(t, b, key, []byte(tc.stored))
			continue
		}
		if err != nil || strconv.FormatInt(n, 10) != tc.want {
			t.Fatalf("IncrementS64(%q, %d) = %d, %v; want %s", tc.stored, tc.delta, n, err, tc.want)
		}
		wantValue(t, b, key, []byte(tc.want))
	}
	// A negative s64 counter is not a u64.
	mustSet(t, b, "neg", []byte("-5"))
	_, err := b.IncrementU64(ctx, "neg", 1)
	wantKind(t, "IncrementU64 on -5", err, engine.ErrNotInteger, "u64")
	wantValue(t, b, "neg", []byte("-5"))
	_, err = b.IncrementS64(ctx, "c11", 1)
	wantKind(t, "overflow", err, engine.ErrOverflow, "s64")
}

func (s *suite) testIncrementConcurrent(t *testing.T) {
	const workers, each = 16, 1000
	b := s.bucket(t)
	for _, typ := range []string{"u64", "s64"} {
		t.Run(typ, func(t *testing.T) {
			results := make([][]int64, workers)
			errs := make(chan error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						var n int64
						var err error
						if typ == "u64" {
							var u uint64
							u, err = b.IncrementU64(ctx, typ, 1)
							n = int64(u)
						} else {
							n, err = b.IncrementS64(ctx, typ, 1)
						}
						if err != nil {
							errs <- err
							return
						}
						results[w] = append(results[w], n)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			seen := make(map[int64]bool, workers*each)
			for _, r := range results {
				for i, n := range r {
					if seen[n] {
						t.Fatalf("value %d returned twice", n)
					}
					if i > 0 && n <= r[i-1] {
						t.Fatalf("one goroutine saw %d after %d", n, r[i-1])
					}
					seen[n] = true
				}
			}
			if len(seen) != workers*each {
				t.Fatalf("%d distinct results, want %d", len(seen), workers*each)
			}
			for n := int64(1); n <= workers*each; n++ {
				if !seen[n] {
					t.Fatalf("result %d missing", n)
				}
			}
			wantValue(t, b, typ, []byte(strconv.Itoa(workers*each)))
		})
	}
}

func mustVersion(t *testing.T, b engine.Bucket, key string) engine.Version {
	t.Helper()
	_, _, v, err := b.GetVersioned(ctx, key)
	if err != nil {
		t.Fatalf("GetVersioned(%q): %v", key, err)
	}
	if v == "" {
		t.Fatalf("GetVersioned(%q) returned the zero Version", key)
	}
	return v
}

func (s *suite) testCASConcurrentSet(t *testing.T) {
	b := s.bucket(t)
	mustSet(t, b, "k", []byte("old"))
	v, ok, ver, err := b.GetVersioned(ctx, "k")
	if err != nil || !ok || string(v) != "old" || ver == "" {
		t.Fatalf("GetVersioned = %q, %v, %q, %v", v, ok, ver, err)
	}
	// current: reading again changes nothing.
	if again := mustVersion(t, b, "k"); again != ver {
		t.Fatalf("Version changed without a write: %q then %q", ver, again)
	}
	mustSet(t, b, "k", []byte("concurrent")) // another client's write lands
	swapped, cur, err := b.CompareAndSwap(ctx, "k", ver, []byte("mine"))
	if err != nil || swapped {
		t.Fatalf("CompareAndSwap after a concurrent Set = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("concurrent"))
	if latest := mustVersion(t, b, "k"); cur != latest {
		t.Fatalf("conflict returned version %q, latest is %q", cur, latest)
	}
	swapped, next, err := b.CompareAndSwap(ctx, "k", cur, []byte("mine"))
	if err != nil || !swapped {
		t.Fatalf("retry with the returned version = %v, %v; want success", swapped, err)
	}
	wantValue(t, b, "k", []byte("mine"))
	if latest := mustVersion(t, b, "k"); next != latest || next == cur {
		t.Fatalf("success returned version %q, latest %q, previous %q", next, latest, cur)
	}
	// The returned version is usable directly for the next swap.
	if swapped, _, err := b.CompareAndSwap(ctx, "k", next, []byte("again")); err != nil || !swapped {
		t.Fatalf("chained swap = %v, %v", swapped, err)
	}
	// An old version stays stale.
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("stale")); err != nil || swapped {
		t.Fatalf("swap with the first version = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("again"))
}

func (s *suite) testCASABA(t *testing.T) {
	b := s.bucket(t)
	mustSet(t, b, "k", []byte("A"))
	ver := mustVersion(t, b, "k")
	mustSet(t, b, "k", []byte("B"))
	mustSet(t, b, "k", []byte("A"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("C")); err != nil || swapped {
		t.Fatalf("CompareAndSwap after A→B→A = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("A"))
	// Same with a delete and re-create in between.
	ver = mustVersion(t, b, "k")
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, b, "k", []byte("A"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("C")); err != nil || swapped {
		t.Fatalf("CompareAndSwap after delete and re-create = %v, %v; want a conflict", swapped, err)
	}
	// And with an identical rewrite.
	ver = mustVersion(t, b, "k")
	mustSet(t, b, "k", []byte("A"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("C")); err != nil || swapped {
		t.Fatalf("CompareAndSwap after rewriting the same bytes = %v, %v; want a conflict", swapped, err)
	}
}

func (s *suite) testCASAbsentOnlyCreates(t *testing.T) {
	b := s.bucket(t)
	// Absent at "new", created by someone else: conflict.
	v, ok, absent, err := b.GetVersioned(ctx, "k")
	if err != nil || ok || v != nil || absent == "" {
		t.Fatalf("GetVersioned(absent) = %q, %v, %q, %v", v, ok, absent, err)
	}
	mustSet(t, b, "k", []byte("theirs"))
	swapped, cur, err := b.CompareAndSwap(ctx, "k", absent, []byte("mine"))
	if err != nil || swapped {
		t.Fatalf("create-only swap after a concurrent create = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("theirs"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", cur, []byte("mine")); err != nil || !swapped {
		t.Fatalf("retry = %v, %v", swapped, err)
	}
	// Absent, then created and deleted again: still a conflict.
	_, _, absent, _ = b.GetVersioned(ctx, "k2")
	mustSet(t, b, "k2", []byte("x"))
	if err := b.Delete(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	if swapped, _, err := b.CompareAndSwap(ctx, "k2", absent, []byte("mine")); err != nil || swapped {
		t.Fatalf("create-only swap after create+delete = %v, %v; want a conflict", swapped, err)
	}
	wantAbsent(t, b, "k2")
	// Absent, untouched: the swap creates the key.
	_, _, absent, _ = b.GetVersioned(ctx, "k3")
	swapped, created, err := b.CompareAndSwap(ctx, "k3", absent, []byte("new"))
	if err != nil || !swapped || created == absent {
		t.Fatalf("create-only swap = %v, %q, %v; want success with a new version", swapped, created, err)
	}
	wantValue(t, b, "k3", []byte("new"))
	if keys := allKeys(t, b); !slices.Contains(keys, "k3") {
		t.Fatalf("key created by CompareAndSwap not listed: %q", keys)
	}
	// The absent version of a present key never matches.
	if swapped, _, err := b.CompareAndSwap(ctx, "k3", absent, []byte("again")); err != nil || swapped {
		t.Fatalf("create-only swap on a present key = %v, %v; want a conflict", swapped, err)
	}
	// Deleting makes the key absent with a version unlike the present one.
	present := mustVersion(t, b, "k3")
	if err := b.Delete(ctx, "k3"); err != nil {
		t.Fatal(err)
	}
	if gone := mustVersion(t, b, "k3"); gone == present || gone == absent {
		t.Fatalf("version after delete %q equals an earlier one (%q, %q)", gone, present, absent)
	}
}

func (s *suite) testCASVersionChanges(t *testing.T) {
	b := s.bucket(t)
	seen := map[engine.Version]string{}
	record := func(step string) {
		t.Helper()
		v := mustVersion(t, b, "k")
		if prev, dup := seen[v]; dup {
			t.Fatalf("version %q after %s already seen after %s", v, step, prev)
		}
		seen[v] = step
	}
	record("start (absent)")
	mustSet(t, b, "k", []byte("1"))
	record("Set")
	if _, err := b.IncrementU64(ctx, "k", 1); err != nil {
		t.Fatal(err)
	}
	record("IncrementU64")
	if _, err := b.IncrementS64(ctx, "k", -1); err != nil {
		t.Fatal(err)
	}
	record("IncrementS64")
	if err := b.SetMany(ctx, []engine.Entry{{Key: "k", Value: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	record("SetMany")
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	record("Delete")
	mustSet(t, b, "k", []byte("1"))
	record("Set again")
	if err := b.DeleteMany(ctx, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	record("DeleteMany")
	// Failed operations and reads do not change the version.
	mustSet(t, b, "k", []byte("x"))
	record("Set x")
	v := mustVersion(t, b, "k")
	_, _, _ = b.Get(ctx, "k")
	_, _ = b.Exists(ctx, "k")
	_, _ = b.IncrementU64(ctx, "k", 1) // fails: not a number
	_ = b.Set(ctx, "k", make([]byte, engine.DefaultMaxValueBytes+1))
	_, _, _ = b.CompareAndSwap(ctx, "k", "stale", []byte("y"))
	if after := mustVersion(t, b, "k"); after != v {
		t.Fatalf("version changed from %q to %q without a write", v, after)
	}
}

func (s *suite) testCASZeroVersion(t *testing.T) {
	b := s.bucket(t)
	for _, k := range []string{"absent", "present"} {
		if k == "present" {
			mustSet(t, b, k, []byte("v"))
		}
		if swapped, cur, err := b.CompareAndSwap(ctx, k, "", []byte("x")); err != nil || swapped || cur == "" {
			t.Fatalf("CompareAndSwap(%s, zero Version) = %v, %q, %v; want a conflict and the current version", k, swapped, cur, err)
		}
	}
	wantAbsent(t, b, "absent")
	wantValue(t, b, "present", []byte("v"))
}

// testCASConcurrentCounter builds a counter out of CAS retry loops.
func (s *suite) testCASConcurrentCounter(t *testing.T) {
	const workers, each = 8, 200
	b := s.bucket(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				v, ok, ver, err := b.GetVersioned(ctx, "n")
				for {
					if err != nil {
						errs <- err
						return
					}
					n := 0
					if ok {
						n, _ = strconv.Atoi(string(v))
					}
					swapped, _, err2 := b.CompareAndSwap(ctx, "n", ver, []byte(strconv.Itoa(n+1)))
					if err2 != nil {
						errs <- err2
						return
					}
					if swapped {
						break
					}
					v, ok, ver, err = b.GetVersioned(ctx, "n")
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantValue(t, b, "n", []byte(strconv.Itoa(workers*each)))
}

func (s *suite) testCompareAndSwapU64(t *testing.T) {
	b := s.bucket(t)
	if ok, err := engine.CompareAndSwapU64(ctx, b, "missing", 0, 1); err != nil || ok {
		t.Fatalf("missing key: %v, %v; want false", ok, err)
	}
	wantAbsent(t, b, "missing")
	mustSet(t, b, "n", []byte("7"))
	if ok, err := engine.CompareAndSwapU64(ctx, b, "n", 8, 9); err != nil || ok {
		t.Fatalf("mismatch: %v, %v; want false", ok, err)
	}
	wantValue(t, b, "n", []byte("7"))
	if ok, err := engine.CompareAndSwapU64(ctx, b, "n", 7, 9); err != nil || !ok {
		t.Fatalf("match: %v, %v; want true", ok, err)
	}
	wantValue(t, b, "n", []byte("9"))
	mustSet(t, b, "n", []byte("abc"))
	if ok, err := engine.CompareAndSwapU64(ctx, b, "n", 0, 1); err != nil || ok {
		t.Fatalf("non-numeric: %v, %v; want false", ok, err)
	}
	wantValue(t, b, "n", []byte("abc"))
	// A write between the helper's read and its swap that leaves the
	// number equal to old must not make it fail: it retries.
	mustSet(t, b, "n", []byte("5"))
	meddler := &meddlingBucket{Bucket: b, times: 3, value: []byte("05")}
	if ok, err := engine.CompareAndSwapU64(ctx, meddler, "n", 5, 6); err != nil || !ok {
		t.Fatalf("after same-number writes between read and swap: %v, %v; want true", ok, err)
	}
	wantValue(t, b, "n", []byte("6"))
	if meddler.times != 0 {
		t.Fatalf("helper read %d times fewer than expected", meddler.times)
	}
	// A write that changes the number makes it return false.
	meddler = &meddlingBucket{Bucket: b, times: 1, value: []byte("7")}
	if ok, err := engine.CompareAndSwapU64(ctx, meddler, "n", 6, 8); err != nil || ok {
		t.Fatalf("after a changing write between read and swap: %v, %v; want false", ok, err)
	}
	wantValue(t, b, "n", []byte("7"))

	mustSet(t, b, "n", []byte("0"))
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for {
					v, _, _ := b.Get(ctx, "n")
					n, _ := strconv.ParseUint(string(v), 10, 64)
					if ok, err := engine.CompareAndSwapU64(ctx, b, "n", n, n+1); err != nil || ok {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	wantValue(t, b, "n", []byte(strconv.Itoa(workers*each)))
}

func (s *suite) testGetMany(t *testing.T) {
	b := s.bucket(t)
	mustSet(t, b, "a", []byte("A"))
	mustSet(t, b, "b", []byte("B"))
	mustSet(t, b, "e", nil)
	got, err := b.GetMany(ctx, []string{"a", "b", "missing", "a", "e", "missing", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := []*engine.Entry{
		{Key: "a", Value: []byte("A")}, {Key: "b", Value: []byte("B")}, nil,
		{Key: "a", Value: []byte("A")}, {Key: "e", Value: []byte{}}, nil, nil,
	}
	if len(got) != len(want) {
		t.Fatalf("GetMany returned %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		switch {
		case want[i] == nil && got[i] != nil:
			t.Fatalf("entry %d = %q, want none", i, got[i].Key)
		case want[i] != nil && got[i] == nil:
			t.Fatalf("entry %d = none, want %q", i, want[i].Key)
		case want[i] != nil && (got[i].Key != want[i].Key || !bytes.Equal(got[i].Value, want[i].Value) || got[i].Value == nil):
			t.Fatalf("entry %d = %q=%q, want %q=%q", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	got[0].Value[0] = 'X'
	if got[3].Value[0] != 'A' {
		t.Fatal("duplicate entries share one value slice")
	}
	_ = append(got[0].Value, 'X')
	_ = append(got[4].Value, 'X')
	for i, w := range want {
		if i > 0 && w != nil && !bytes.Equal(got[i].Value, w.Value) {
			t.Fatalf("appending to one returned value changed entry %d to %q", i, got[i].Value)
		}
	}
	wantValue(t, b, "a", []byte("A"))
}

func (s *suite) testSetMany(t *testing.T) {
	b := s.bucket(t)
	err := b.SetMany(ctx, []engine.Entry{
		{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("x")},
		{Key: "a", Value: []byte("2")}, {Key: "a", Value: []byte("3")},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "a", []byte("3"))
	wantValue(t, b, "b", []byte("x"))
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"a", "b"}) {
		t.Fatalf("keys = %q", keys)
	}
}

func (s *suite) testDeleteMany(t *testing.T) {
	b := s.bucket(t)
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, b, k, nil)
	}
	if err := b.DeleteMany(ctx, []string{"a", "missing", "a", "c"}); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b, "a")
	wantAbsent(t, b, "c")
	wantValue(t, b, "b", []byte{})
}

func (s *suite) testEmptyBatches(t *testing.T) {
	b := s.bucket(t)
	for _, keys := range [][]string{nil, {}} {
		got, err := b.GetMany(ctx, keys)
		if err != nil || len(got) != 0 {
			t.Fatalf("GetMany(%#v) = %v, %v", keys, got, err)
		}
		if err := b.DeleteMany(ctx, keys); err != nil {
			t.Fatalf("DeleteMany(%#v): %v", keys, err)
		}
	}
	for _, entries := range [][]engine.Entry{nil, {}} {
		if err := b.SetMany(ctx, entries); err != nil {
			t.Fatalf("SetMany(%#v): %v", entries, err)
		}
	}
}

func (s *suite) testBatchErrors(t *testing.T) {
	b := s.bucket(t, engine.MaxKeyBytes(8), engine.MaxValueBytes(8))
	mustSet(t, b, "keep", []byte("old"))
	check := func(what string, err error, index int, kind error, limit string) {
		t.Helper()
		wantKind(t, what, err, kind, limit)
		var be *engine.BatchError
		if !errors.As(err, &be) {
			t.Fatalf("%s: %T is not a *BatchError", what, err)
		}
		if be.Index != index || be.Done != 0 || be.Total != 3 {
			t.Fatalf("%s: Index=%d Done=%d Total=%d; want %d, 0, 3", what, be.Index, be.Done, be.Total, index)
		}
		if !strings.Contains(err.Error(), "entry "+strconv.Itoa(index)) {
			t.Fatalf("%s: %q does not say which entry failed", what, err)
		}
	}
	err := b.SetMany(ctx, []engine.Entry{{Key: "keep", Value: []byte("new")}, {Key: "x", Value: []byte("123456789")}, {Key: "y"}})
	check("SetMany value", err, 1, engine.ErrValueTooLarge, "MaxValueBytes")
	err = b.SetMany(ctx, []engine.Entry{{Key: "keep", Value: []byte("new")}, {Key: "y"}, {Key: "123456789"}})
	check("SetMany key", err, 2, engine.ErrKeyTooLarge, "MaxKeyBytes")
	err = b.DeleteMany(ctx, []string{"keep", "123456789", "y"})
	check("DeleteMany", err, 1, engine.ErrKeyTooLarge, "MaxKeyBytes")
	_, err = b.GetMany(ctx, []string{"keep", "y", "123456789"})
	check("GetMany", err, 2, engine.ErrKeyTooLarge, "MaxKeyBytes")
	wantValue(t, b, "keep", []byte("old"))
	wantAbsent(t, b, "y")
}

func (s *suite) testNoAliasing(t *testing.T) {
	b := s.bucket(t)
	in := []byte("value")
	mustSet(t, b, "set", in)
	in[0] = 'X'
	wantValue(t, b, "set", []byte("value"))

	out, _ := mustGet(t, b, "set")
	out[0] = 'Y'
	_ = append(out[:1], "ZZZZZZZZ"...)
	wantValue(t, b, "set", []byte("value"))

	v, _, ver, _ := b.GetVersioned(ctx, "set")
	v[0] = 'V'
	wantValue(t, b, "set", []byte("value"))

	casIn := []byte("swapped")
	if ok, _, err := b.CompareAndSwap(ctx, "set", ver, casIn); err != nil || !ok {
		t.Fatalf("CompareAndSwap: %v, %v", ok, err)
	}
	casIn[0] = 'X'
	wantValue(t, b, "set", []byte("swapped"))

	batch := []engine.Entry{{Key: "m1", Value: []byte("one")}, {Key: "m2", Value: []byte("two")}}
	if err := b.SetMany(ctx, batch); err != nil {
		t.Fatal(err)
	}
	batch[0].Value[0] = 'X'
	batch[1].Value = []byte("other")
	wantValue(t, b, "m1", []byte("one"))
	wantValue(t, b, "m2", []byte("two"))

	got, err := b.GetMany(ctx, []string{"m1", "m2"})
	if err != nil {
		t.Fatal(err)
	}
	got[0].Value[0] = 'X'
	got[1].Value = append(got[1].Value[:0], 'Q')
	wantValue(t, b, "m1", []byte("one"))
	wantValue(t, b, "m2", []byte("two"))

	// Increments write a fresh value: an earlier Get result is not affected.
	mustSet(t, b, "n", []byte("1"))
	before, _ := mustGet(t, b, "n")
	if _, err := b.IncrementU64(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	if string(before) != "1" {
		t.Fatalf("an increment changed a slice returned earlier: %q", before)
	}
}

func (s *suite) testContextDone(t *testing.T) {
	e := s.f(t, engine.CreateOnOpen(true))
	b, err := e.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, b, "k", []byte("v"))
	c, cancel := context.WithCancel(ctx)
	cancel()
	ops := map[string]func() error{
		"Open":           func() error { _, err := e.Open(c, "b"); return err },
		"Get":            func() error { _, _, err := b.Get(c, "k"); return err },
		"Set":            func() error { return b.Set(c, "k", []byte("new")) },
		"Delete":         func() error { return b.Delete(c, "k") },
		"Exists":         func() error { _, err := b.Exists(c, "k"); return err },
		"ListKeys":       func() error { _, _, err := b.ListKeys(c, 0); return err },
		"ListKeysAfter":  func() error { _, _, err := b.ListKeysAfter(c, ""); return err },
		"IncrementU64":   func() error { _, err := b.IncrementU64(c, "n", 1); return err },
		"IncrementS64":   func() error { _, err := b.IncrementS64(c, "n", 1); return err },
		"GetVersioned":   func() error { _, _, _, err := b.GetVersioned(c, "k"); return err },
		"CompareAndSwap": func() error { _, _, err := b.CompareAndSwap(c, "k", "1", nil); return err },
		"GetMany":        func() error { _, err := b.GetMany(c, []string{"k"}); return err },
		"SetMany":        func() error { return b.SetMany(c, []engine.Entry{{Key: "k"}}) },
		"DeleteMany":     func() error { return b.DeleteMany(c, []string{"k"}) },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, context.Canceled) {
			t.Fatalf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
	wantValue(t, b, "k", []byte("v"))
	wantAbsent(t, b, "n")
}

// testConcurrentMixed runs every operation at once, for the race detector.
func (s *suite) testConcurrentMixed(t *testing.T) {
	e := s.f(t, engine.CreateOnOpen(true), engine.PageSize(10))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := e.Open(ctx, fmt.Sprintf("b%d", w%2))
			if err != nil {
				errs <- err
				return
			}
			for i := range 300 {
				k := fmt.Sprintf("k%02d", (i*7+w)%40)
				var err error
				switch i % 10 {
				case 0:
					err = b.Set(ctx, k, []byte(k))
				case 1:
					_, _, err = b.Get(ctx, k)
				case 2:
					err = b.Delete(ctx, k)
				case 3:
					_, err = b.IncrementS64(ctx, "n", 1)
				case 4:
					_, _, err = b.ListKeys(ctx, uint64(i%30))
				case 5:
					_, _, err = b.ListKeysAfter(ctx, k)
				case 6:
					var ver engine.Version
					if _, _, ver, err = b.GetVersioned(ctx, k); err == nil {
						_, _, err = b.CompareAndSwap(ctx, k, ver, []byte("cas"))
					}
				case 7:
					_, err = b.GetMany(ctx, []string{k, "k00", "k01"})
				case 8:
					err = b.SetMany(ctx, []engine.Entry{{Key: k, Value: []byte("m")}, {Key: "k39"}})
				case 9:
					err = b.DeleteMany(ctx, []string{k, "k38"})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, name := range []string{"b0", "b1"} {
		b, _ := e.Open(ctx, name)
		if n, err := b.IncrementS64(ctx, "n", 0); err != nil || n != 4*30 {
			t.Fatalf("%s: counter = %d, %v; want %d", name, n, err, 4*30)
		}
	}
}

// meddlingBucket writes value under the key right after each of the first
// `times` GetVersioned calls, as a concurrent client could.
type meddlingBucket struct {
	engine.Bucket
	times int
	value []byte
}

func (m *meddlingBucket) GetVersioned(ctx context.Context, key string) ([]byte, bool, engine.Version, error) {
	v, ok, ver, err := m.Bucket.GetVersioned(ctx, key)
	if err == nil && m.times > 0 {
		m.times--
		err = m.Bucket.Set(ctx, key, m.value)
	}
	return v, ok, ver, err
}
