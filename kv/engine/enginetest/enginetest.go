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
// Buckets, MaxKeyBytes, MaxValueBytes, PageSize, Clock) on every call. The
// cases of TTLs run on a clock of their own (engine.Clock), which they move
// forward instead of sleeping.
package enginetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Factory returns a new, empty engine configured by opts.
type Factory func(t *testing.T, opts ...engine.Option) engine.Engine

// Run runs every check, grouped by rule: each rule is a subtest of t and
// each of its cases a subtest of the rule, so `go test -run
// 'Engine/ListKeys'` runs one rule. The rules are those of the conformance
// suite of the generated interfaces (package kvtest), with its names where
// they correspond, then the engine's own: Aliasing, Context, Concurrency.
func Run(t *testing.T, f Factory) {
	s := &suite{f: f}
	for _, r := range s.rules() {
		t.Run(r.name, func(t *testing.T) {
			for _, c := range r.cases {
				t.Run(c.name, c.fn)
			}
		})
	}
}

// A rule is one subtest, with its cases.
type rule struct {
	name  string
	cases []tcase
}

type tcase struct {
	name string
	fn   func(*testing.T)
}

func (s *suite) rules() []rule {
	return []rule{
		{"Buckets", []tcase{
			{"UnknownIsNoSuchStore", s.testOpenUnknown},
			{"OpenExistingNeverCreates", s.testOpenExisting},
			{"TwoHandlesShareData", s.testSharedHandles},
			{"BucketsAreIsolated", s.testIsolation},
		}},
		{"Values", []tcase{
			{"BinaryBytes", s.testBinaryValues},
			{"EmptyValueExists", s.testEmptyValue},
			{"LargeValuesReplaced", s.testLargeValuesReplaced},
		}},
		{"Delete", []tcase{
			{"Delete", s.testDelete},
		}},
		{"Keys", []tcase{
			{"EmptyKey", s.testEmptyKey},
			{"InvalidUTF8Key", s.testInvalidUTF8Key},
		}},
		{"Limits", []tcase{
			{"KeyLimit", s.testKeyLimit},
			{"ValueLimit", s.testValueLimit},
		}},
		{"ListKeys", []tcase{
			{"Paging", s.testListKeysPaging},
			{"BytewiseOrder", s.testListKeysBytewiseOrder},
			{"DeletesBetweenPages", s.testListKeysDeletesBetweenPages},
			{"ConcurrentChurn", s.testListKeysConcurrentChurn},
			{"CursorPastEnd", s.testListKeysPastEnd},
			{"MalformedCursor", s.testListKeysInvalidCursor},
			{"ResultNotAliased", s.testListKeysNotAliased},
			{"AllKeys", s.testAllKeys},
			{"Prefix", s.testListPrefix},
			{"PrefixPaging", s.testListPrefixPaging},
			{"PrefixCursor", s.testListPrefixCursor},
		}},
		{"SetWith", []tcase{
			{"IfAbsent", s.testSetIfAbsent},
			{"NegativeTTL", s.testNegativeTTL},
			{"Expiry", s.testExpiry},
			{"WritesAndExpiry", s.testWritesAndExpiry},
			{"IfAbsentAndExpiry", s.testIfAbsentAndExpiry},
			{"VersionsAndExpiry", s.testVersionsAndExpiry},
			{"ListingSkipsExpired", s.testListingSkipsExpired},
		}},
		{"Increment", []tcase{
			{"AbsentKeyStartsAtZero", s.testIncrementAbsent},
			{"U64Values", s.testIncrementU64Values},
			{"S64Values", s.testIncrementS64Values},
			{"Concurrent", s.testIncrementConcurrent},
		}},
		{"CAS", []tcase{
			{"ConcurrentSet", s.testCASConcurrentSet},
			{"ABAIsAConflict", s.testCASABA},
			{"AbsentKeyMayOnlyBeCreated", s.testCASAbsentOnlyCreates},
			{"VersionChangesOnEveryWrite", s.testCASVersionChanges},
			{"ZeroVersion", s.testCASZeroVersion},
			{"ConcurrentCounter", s.testCASConcurrentCounter},
			{"CompareAndSwapU64", s.testCompareAndSwapU64},
			{"SwapIf", s.testSwapIf},
		}},
		{"Batch", []tcase{
			{"GetManyOrderMissingAndDuplicates", s.testGetMany},
			{"SetManyLastDuplicateWins", s.testSetMany},
			{"DeleteMany", s.testDeleteMany},
			{"EmptyBatches", s.testEmptyBatches},
			{"ErrorsSayHowFar", s.testBatchErrors},
		}},
		{"Aliasing", []tcase{
			{"NoAliasing", s.testNoAliasing},
		}},
		{"Context", []tcase{
			{"ContextDone", s.testContextDone},
		}},
		{"Concurrency", []tcase{
			{"ConcurrentMixed", s.testConcurrentMixed},
		}},
	}
}

type suite struct{ f Factory }

// bucket returns a bucket "b" of a new engine with page size 100 and opts.
func (s *suite) bucket(t *testing.T, opts ...engine.Option) engine.Bucket {
	ctx := t.Context()
	t.Helper()
	opts = append([]engine.Option{engine.CreateOnOpen(true), engine.PageSize(100)}, opts...)
	b, err := s.f(t, opts...).Open(ctx, "b")
	if err != nil {
		t.Fatalf("Open(b) with CreateOnOpen: %v", err)
	}
	return b
}

func mustSet(t *testing.T, b engine.Bucket, key string, value []byte) {
	ctx := t.Context()
	t.Helper()
	if err := b.Set(ctx, key, value); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, b engine.Bucket, key string) ([]byte, bool) {
	ctx := t.Context()
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
	ctx := t.Context()
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
	ctx := t.Context()
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
