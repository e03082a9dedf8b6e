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
//	RunEarly   wasi:keyvalue@0.2.0-draft, early form (types, eventual, eventual-batch, atomic)
//	RunDraft   wasi:keyvalue@0.2.0-draft (store, atomics, batch; u64 cursor)
//	RunDraft2  wasi:keyvalue@0.2.0-draft2 (store, atomics with CAS, batch; string cursor)
//	RunWRPC    wrpc:keyvalue@0.2.0-draft (bucket as a plain string)
//
// Each takes a factory that returns a World over a new, empty store
// configured by Options; the suite calls it once per case. For the
// in-memory engine and the generated backends:
//
//	func TestConformance(t *testing.T) {
//		kvtest.RunDraft2(t, func(t *testing.T, o kvtest.Options) imports.World {
//			return backend.New(memory.New(o.EngineOptions()...))
//		})
//	}
//
// Every rule is a subtest (Buckets, Values, Delete, Keys, Limits, ListKeys,
// Increment, CAS, Batch, ValueResources, Errors) with several cases, so
// `go test -run 'Conformance/ListKeys'` runs one rule. A failure names the
// family, the operation, its input and what came back.
package kvtest

import (
	"github.com/witgo-dev/witgo/kv/engine"
)

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

// Options configure the store that a factory returns. The factory must
// return a new store holding no data, honouring every field.
type Options struct {
	// CreateOnOpen makes opening an unknown bucket create it; when false,
	// an unknown bucket is no-such-store.
	CreateOnOpen bool
	// Buckets exist, empty, when the store is created.
	Buckets []string
	// MaxKeyBytes is the key limit; the suite always sets it to KeyLimit.
	MaxKeyBytes int
	// MaxValueBytes is the value limit; the suite always sets it to
	// ValueLimit.
	MaxValueBytes int
	// PageSize is the list-keys page size; the suite always sets it to
	// PageSize.
	PageSize int
}

// EngineOptions returns o as options of package kv/engine, for memory.New
// or any engine that takes them.
func (o Options) EngineOptions() []engine.Option {
	return []engine.Option{
		engine.CreateOnOpen(o.CreateOnOpen),
		engine.Buckets(o.Buckets...),
		engine.MaxKeyBytes(o.MaxKeyBytes),
		engine.MaxValueBytes(o.MaxValueBytes),
		engine.PageSize(o.PageSize),
	}
}
