package enginetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/engine/enginetest"
	"github.com/witgo-dev/witgo/kv/memory"
)

// The suite must fail on an engine that breaks a rule. Each mutation below
// is the memory engine with one rule broken; TestSuiteCatchesMutations runs
// the case that must catch it, TestMutatedEngine/RULE/CASE, in a child
// process (the suite reports through t, and a failure of a subtest fails
// its parents, so it cannot be caught in the same process) and checks that
// the case fails.

// A mutation breaks one rule of the memory engine.
type mutation struct {
	// run is the case that must catch it: RULE/CASE.
	run string
	// opts, if set, adds options to those of the suite.
	opts func(o engine.Options) []engine.Option
	// openErr, if set, replaces the error of a failed Open.
	openErr func(error) error
	// bucket, if set, wraps every bucket.
	bucket func(engine.Bucket) engine.Bucket
}

var mutations = map[string]mutation{
	"NoSuchStoreIsPlainError": {
		run:     "Buckets/UnknownIsNoSuchStore",
		openErr: func(err error) error { return errors.New(err.Error()) },
	},
	"EmptyValueIsAbsent": {
		run:    "Values/EmptyValueExists",
		bucket: func(b engine.Bucket) engine.Bucket { return emptyIsAbsent{b} },
	},
	"DeleteDoesNothing": {
		run:    "Delete/Delete",
		bucket: func(b engine.Bucket) engine.Bucket { return deleteNothing{b} },
	},
	"KeyLimitOneByteLate": {
		run: "Limits/KeyLimit",
		opts: func(o engine.Options) []engine.Option {
			return []engine.Option{engine.MaxKeyBytes(o.MaxKeyBytes + 1)}
		},
	},
	"ListKeysPageReversed": {
		run:    "ListKeys/BytewiseOrder",
		bucket: func(b engine.Bucket) engine.Bucket { return reversedPages{b} },
	},
	"IncrementOfAbsentStartsAtOne": {
		run:    "Increment/AbsentKeyStartsAtZero",
		bucket: func(b engine.Bucket) engine.Bucket { return absentIsOne{b} },
	},
	"CASIgnoresVersion": {
		run:    "CAS/ABAIsAConflict",
		bucket: func(b engine.Bucket) engine.Bucket { return casAlwaysSwaps{b} },
	},
	"SetManyFirstDuplicateWins": {
		run:    "Batch/SetManyLastDuplicateWins",
		bucket: func(b engine.Bucket) engine.Bucket { return setManyReversed{b} },
	},
	"GetManyDropsMissing": {
		run:    "Batch/GetManyOrderMissingAndDuplicates",
		bucket: func(b engine.Bucket) engine.Bucket { return dropMissing{b} },
	},
	"TTLIgnored": {
		run:    "SetWith/Expiry",
		bucket: func(b engine.Bucket) engine.Bucket { return ttlIgnored{b} },
	},
	"IfAbsentIgnored": {
		run:    "SetWith/IfAbsent",
		bucket: func(b engine.Bucket) engine.Bucket { return ifAbsentIgnored{b} },
	},
	"PrefixIgnoredAfterTheFirstPage": {
		run:    "ListKeys/PrefixPaging",
		bucket: func(b engine.Bucket) engine.Bucket { return prefixOnFirstPageOnly{b} },
	},
	"ContextIgnored": {
		run:    "Context/ContextDone",
		bucket: func(b engine.Bucket) engine.Bucket { return ignoreContext{b} },
	},
}

const mutationEnv = "WITGO_ENGINETEST_MUTATION"

func TestSuiteCatchesMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process per mutation")
	}
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutatedEngine$/^"+strings.ReplaceAll(m.run, "/", "$/^")+"$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), mutationEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed on an engine with mutation %s; output:\n%s", name, out)
			}
			if want := "--- FAIL: TestMutatedEngine/" + m.run; !strings.Contains(string(out), want) {
				t.Fatalf("the suite failed on mutation %s, but not with %q; output:\n%s", name, want, out)
			}
		})
	}
}

// TestMutatedEngine runs the suite on the mutation named by the
// environment, and does nothing when none is (in a normal test run).
func TestMutatedEngine(t *testing.T) {
	m, ok := mutations[os.Getenv(mutationEnv)]
	if !ok {
		return
	}
	enginetest.Run(t, func(t *testing.T, opts ...engine.Option) engine.Engine {
		if m.opts != nil {
			opts = append(opts, m.opts(engine.NewOptions(opts...))...)
		}
		return mutated{memory.New(opts...), m}
	})
}

type mutated struct {
	engine.Engine
	m mutation
}

func (e mutated) Open(ctx context.Context, name string) (engine.Bucket, error) {
	b, err := e.Engine.Open(ctx, name)
	if err != nil {
		if e.m.openErr != nil {
			err = e.m.openErr(err)
		}
		return nil, err
	}
	if e.m.bucket != nil {
		b = e.m.bucket(b)
	}
	return b, nil
}

type emptyIsAbsent struct{ engine.Bucket }

func (b emptyIsAbsent) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := b.Bucket.Get(ctx, key)
	if ok && len(v) == 0 {
		return nil, false, err
	}
	return v, ok, err
}

type deleteNothing struct{ engine.Bucket }

func (deleteNothing) Delete(context.Context, string) error { return nil }

type reversedPages struct{ engine.Bucket }

func (b reversedPages) ListKeys(ctx context.Context, offset uint64) ([]string, bool, error) {
	keys, more, err := b.Bucket.ListKeys(ctx, offset)
	slices.Reverse(keys)
	return keys, more, err
}

func (b reversedPages) ListKeysAfter(ctx context.Context, after string) ([]string, bool, error) {
	keys, more, err := b.Bucket.ListKeysAfter(ctx, after)
	slices.Reverse(keys)
	return keys, more, err
}

type absentIsOne struct{ engine.Bucket }

func (b absentIsOne) IncrementU64(ctx context.Context, key string, delta uint64) (uint64, error) {
	if ok, err := b.Exists(ctx, key); err == nil && !ok {
		delta++
	}
	return b.Bucket.IncrementU64(ctx, key, delta)
}

func (b absentIsOne) IncrementS64(ctx context.Context, key string, delta int64) (int64, error) {
	if ok, err := b.Exists(ctx, key); err == nil && !ok {
		delta++
	}
	return b.Bucket.IncrementS64(ctx, key, delta)
}

type casAlwaysSwaps struct{ engine.Bucket }

func (b casAlwaysSwaps) CompareAndSwap(ctx context.Context, key string, _ engine.Version, value []byte) (bool, engine.Version, error) {
	if err := b.Set(ctx, key, value); err != nil {
		return false, "", err
	}
	_, _, v, err := b.GetVersioned(ctx, key)
	return err == nil, v, err
}

type setManyReversed struct{ engine.Bucket }

func (b setManyReversed) SetMany(ctx context.Context, entries []engine.Entry) error {
	rev := slices.Clone(entries)
	slices.Reverse(rev)
	return b.Bucket.SetMany(ctx, rev)
}

type dropMissing struct{ engine.Bucket }

func (b dropMissing) GetMany(ctx context.Context, keys []string) ([]*engine.Entry, error) {
	res, err := b.Bucket.GetMany(ctx, keys)
	return slices.DeleteFunc(res, func(e *engine.Entry) bool { return e == nil }), err
}

type ignoreContext struct{ engine.Bucket }

func (b ignoreContext) Get(_ context.Context, key string) ([]byte, bool, error) {
	return b.Bucket.Get(context.Background(), key)
}

func (b ignoreContext) Set(_ context.Context, key string, value []byte) error {
	return b.Bucket.Set(context.Background(), key, value)
}

type ttlIgnored struct{ engine.Bucket }

func (b ttlIgnored) SetWith(ctx context.Context, key string, value []byte, o engine.SetOptions) error {
	o.TTL = 0
	return b.Bucket.SetWith(ctx, key, value, o)
}

type ifAbsentIgnored struct{ engine.Bucket }

func (b ifAbsentIgnored) SetWith(ctx context.Context, key string, value []byte, o engine.SetOptions) error {
	o.IfAbsent = false
	return b.Bucket.SetWith(ctx, key, value, o)
}

// prefixOnFirstPageOnly continues a walk as ListKeysAfter: the keys after
// the prefix's run leak into the pages.
type prefixOnFirstPageOnly struct{ engine.Bucket }

func (b prefixOnFirstPageOnly) ListPrefix(ctx context.Context, prefix string, after *string) ([]string, bool, error) {
	if after == nil {
		return b.Bucket.ListPrefix(ctx, prefix, after)
	}
	return b.Bucket.ListKeysAfter(ctx, *after)
}
