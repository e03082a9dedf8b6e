// Package kvtest is the conformance suite for implementations of the
// generated keyvalue interfaces. It checks the rules of the keyvalue
// semantics (docs/keyvalue.md in the witgo repository; package kv/engine
// documents them per operation),
// on any implementation of one family's World: a backend called in-process,
// the generated client talking to a server over a socket, or a provider of
// your own.
//
// There is one entry point per keyvalue family:
//
//	RunEarly      wasi:keyvalue@0.2.0-draft, early form (types, eventual, eventual-batch, atomic)
//	RunDraft      wasi:keyvalue@0.2.0-draft (store, atomics, batch; u64 cursor)
//	RunDraft2     wasi:keyvalue@0.2.0-draft2 (store, atomics with CAS, batch; string cursor)
//	RunWRPC       wrpc:keyvalue@0.2.0-draft (bucket as a plain string)
//	RunWasmcloud  wasmcloud:keyvalue@0.2.0 (set options, prefixes, versioned CAS, typed errors)
//
// Each takes a factory that returns a World over a new, empty store
// configured by opts, the options of package kv/engine (the same ones
// every engine takes, and engine.NewOptions resolves for a store that is
// not an engine); the suite calls it once per case. For the in-memory
// engine and the generated backends:
//
//	func TestConformance(t *testing.T) {
//		kvtest.RunDraft2(t, func(t *testing.T, opts ...engine.Option) imports.World {
//			return backend.New(memory.New(opts...))
//		})
//	}
//
// The factory must honour every option: CreateOnOpen, Buckets (created
// empty), the limits MaxKeyBytes, MaxValueBytes and PageSize, which the
// suite always sets to KeyLimit, ValueLimit and PageSize, and Clock, which
// the expiry cases of RunWasmcloud set to a clock they move forward (the
// store must read the time that decides expiry from it).
//
// Every rule is a subtest (Buckets, Values, Delete, Keys, Limits, ListKeys,
// Increment, CAS, Batch, ValueResources, SetOptions, Expiry,
// ListKeysPrefix, Errors) with several cases, so
// `go test -run 'Conformance/ListKeys'` runs one rule. A failure names the
// family, the operation, its input and what came back.
package kvtest

// Limits that the suite configures in every Options, and checks.
const (
	// KeyLimit is the largest key, in bytes (engine.DefaultMaxKeyBytes).
	KeyLimit = 16 << 10
	// ValueLimit is the largest value, in bytes: 2 MiB, at least the 1 MiB the
	// rules require and small enough that a value one byte over the limit
	// still fits in one wRPC message (4 MiB by default), so that the store,
	// not the transport, refuses it.
	ValueLimit = 2 << 20
	// PageSize is the largest number of keys in one list-keys page.
	PageSize = 100
)
