package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/batch"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	wccas "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/cas"
	wasmcloud "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports"
	wcbackend "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports/backend"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/kvtest"
	"github.com/witgo-dev/witgo/runtime/cm"
)

// The suite must fail on a backend that breaks a rule. Each mutation below
// breaks one; TestSuiteCatchesMutations runs the suite on each in a child
// process (a failing suite fails its test, which cannot be caught in
// process) and checks that it fails, with the expected message.

// mutations maps a name to a World breaking one rule, the -run pattern of
// the cases that must catch it, and the failure text they must print.
var mutations = map[string]struct {
	wrap func(draft2.World) draft2.World
	run  string
	want string
}{
	// Known bug elsewhere: an empty value read back as absent.
	"EmptyValueIsAbsent": {
		wrap: func(w draft2.World) draft2.World {
			w.Store = emptyIsAbsent{w.Store}
			return w
		},
		run:  "Values/EmptyValueExists",
		want: `get("empty") = none, want some("")`,
	},
	// get-many that leaves missing keys out instead of returning none.
	"GetManyDropsMissing": {
		wrap: func(w draft2.World) draft2.World {
			w.Batch = dropMissing{w.Batch}
			return w
		},
		run:  "Batch/GetManyOrderMissingAndDuplicates",
		want: "returned 4 entries, want 7 (one per key)",
	},
	// An unknown bucket reported as other.
	"NoSuchStoreIsOther": {
		wrap: func(w draft2.World) draft2.World {
			w.Store = noSuchStoreIsOther{w.Store}
			return w
		},
		run:  "Buckets/UnknownIsNoSuchStore",
		want: "want no-such-store",
	},
}

const mutationEnv = "WITGO_KVTEST_MUTATION"

func TestSuiteCatchesMutations(t *testing.T) {
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutatedBackend$/"+m.run, "-test.count=1")
			cmd.Env = append(os.Environ(), mutationEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed on a backend with mutation %s; output:\n%s", name, out)
			}
			if !strings.Contains(string(out), m.want) {
				t.Fatalf("the suite failed on mutation %s, but without %q; output:\n%s", name, m.want, out)
			}
		})
	}
}

// TestMutatedBackend runs the suite on the mutation named by the
// environment, and does nothing when none is (in a normal test run).
func TestMutatedBackend(t *testing.T) {
	m, ok := mutations[os.Getenv(mutationEnv)]
	if !ok {
		return
	}
	kvtest.RunDraft2(t, func(t *testing.T, opts ...engine.Option) draft2.World {
		return m.wrap(draft2backend.New(memory.New(opts...)))
	})
}

type emptyIsAbsent struct{ store.Interface }

func (s emptyIsAbsent) Open(ctx context.Context, id string) (store.Bucket, error) {
	b, err := s.Interface.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	return emptyIsAbsentBucket{b}, nil
}

type emptyIsAbsentBucket struct{ store.Bucket }

func (b emptyIsAbsentBucket) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := b.Bucket.Get(ctx, key)
	if len(v) == 0 {
		return nil, false, err
	}
	return v, ok, err
}

type dropMissing struct{ batch.Interface }

func (d dropMissing) GetMany(ctx context.Context, b batch.Bucket, keys []string) ([]*cm.Tuple2[string, []byte], error) {
	res, err := d.Interface.GetMany(ctx, b, keys)
	var out []*cm.Tuple2[string, []byte]
	for _, r := range res {
		if r != nil {
			out = append(out, r)
		}
	}
	return out, err
}

type noSuchStoreIsOther struct{ store.Interface }

func (s noSuchStoreIsOther) Open(ctx context.Context, id string) (store.Bucket, error) {
	b, err := s.Interface.Open(ctx, id)
	if err != nil {
		return nil, store.ErrorOther(err.Error())
	}
	return b, nil
}

// The same for the rules only the wasmcloud family has: each mutation
// breaks one, in the engine under the generated backend (bucket) or in the
// World (wrap), and the suite must catch it.
var wasmcloudMutations = map[string]struct {
	bucket func(engine.Bucket) engine.Bucket
	wrap   func(wasmcloud.World) wasmcloud.World
	run    string
	want   string
}{
	// An engine that silently ignores TTLs, which the WIT forbids.
	"TTLIgnored": {
		bucket: func(b engine.Bucket) engine.Bucket { return dropSetOptions{b, true, false} },
		run:    "Expiry/ExpiresAfterTTL",
		want:   `get("k") = some("brief"), want none`,
	},
	// if-not-exists ignored: the second writer overwrites the first.
	"IfNotExistsIgnored": {
		bucket: func(b engine.Bucket) engine.Bucket { return dropSetOptions{b, false, true} },
		run:    "SetOptions/IfNotExists",
		want:   "= ok, want precondition-failed",
	},
	// list-keys that drops the prefix.
	"PrefixIgnored": {
		bucket: func(b engine.Bucket) engine.Bucket { return dropPrefix{b} },
		run:    "ListKeysPrefix/Filters",
		want:   `list-keys(prefix some("a"))`,
	},
	// swap that checks only the value: A→B→A goes unnoticed.
	"SwapChecksOnlyTheValue": {
		wrap: func(w wasmcloud.World) wasmcloud.World {
			w.Cas = valueOnlySwap{w.Cas}
			return w
		},
		run:  "CAS/RequireVersion",
		want: "want stale",
	},
}

func TestSuiteCatchesWasmcloudMutations(t *testing.T) {
	for name, m := range wasmcloudMutations {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutatedWasmcloudBackend$/"+m.run, "-test.count=1")
			cmd.Env = append(os.Environ(), mutationEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed on a backend with mutation %s; output:\n%s", name, out)
			}
			if !strings.Contains(string(out), m.want) {
				t.Fatalf("the suite failed on mutation %s, but without %q; output:\n%s", name, m.want, out)
			}
		})
	}
}

// TestMutatedWasmcloudBackend runs the wasmcloud suite on the mutation
// named by the environment, and does nothing when none is.
func TestMutatedWasmcloudBackend(t *testing.T) {
	m, ok := wasmcloudMutations[os.Getenv(mutationEnv)]
	if !ok {
		return
	}
	kvtest.RunWasmcloud(t, func(t *testing.T, opts ...engine.Option) wasmcloud.World {
		var e engine.Engine = memory.New(opts...)
		if m.bucket != nil {
			e = mutatedEngine{e, m.bucket}
		}
		w := wcbackend.New(e)
		if m.wrap != nil {
			w = m.wrap(w)
		}
		return w
	})
}

// mutatedEngine opens buckets wrapped by bucket.
type mutatedEngine struct {
	engine.Engine
	bucket func(engine.Bucket) engine.Bucket
}

func (e mutatedEngine) Open(ctx context.Context, name string) (engine.Bucket, error) {
	b, err := e.Engine.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	return e.bucket(b), nil
}

// dropSetOptions forgets the TTL, IfAbsent or both of SetWith.
type dropSetOptions struct {
	engine.Bucket
	ttl, ifAbsent bool
}

func (b dropSetOptions) SetWith(ctx context.Context, key string, value []byte, o engine.SetOptions) error {
	if b.ttl {
		o.TTL = 0
	}
	if b.ifAbsent {
		o.IfAbsent = false
	}
	return b.Bucket.SetWith(ctx, key, value, o)
}

// dropPrefix lists every key, whatever the prefix.
type dropPrefix struct{ engine.Bucket }

func (b dropPrefix) ListPrefix(ctx context.Context, _ string, after *string) ([]string, bool, error) {
	if after == nil {
		return b.ListKeys(ctx, 0)
	}
	return b.ListKeysAfter(ctx, *after)
}

// valueOnlySwap turns a version precondition into one on the value the key
// has, as a backend without versions might.
type valueOnlySwap struct{ wccas.Interface }

func (s valueOnlySwap) Swap(ctx context.Context, b wccas.Bucket, key string, value []byte, o wccas.CasOptions) (wccas.CasResult, error) {
	if o.RequireVersion != nil && o.RequireValue == nil {
		cur, ok, err := s.Current(ctx, b, key)
		if err != nil || !ok {
			return wccas.CasResult{}, err
		}
		o = wccas.CasOptions{RequireValue: &cur.Value}
	}
	return s.Interface.Swap(ctx, b, key, value, o)
}
