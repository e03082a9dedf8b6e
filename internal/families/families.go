// Package families is the one list of the keyvalue families witgo bundles.
// "witgo serve" registers them (package internal/serve), "witgo scaffold
// provider" writes a conformance test that names their kvtest suite and
// generated world (package internal/cli), and the end-to-end tests run the
// suite on each over every transport and engine (package e2e).
//
// Adding a family is: its WIT under wit/ (vendored, and generated under
// generated/), its adapter in package kvtest (a RunX function), and one
// entry in All built with define. Everything else (the folder, the suite's
// name, the import path of the generated world) is derived from the Go
// values of the entry, and TestRegistry checks the list against the
// bundled WIT.
package families

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	earlybackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	earlytypes "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/types"
	draft "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"
	draftbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draftstore "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/store"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	draft2store "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	wasmcloud "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports"
	wasmcloudbackend "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports/backend"
	wasmcloudtypes "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/types"
	wrpckv "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"
	wrpcbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports/backend"
	wrpcstore "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kvtest"
	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// All is every bundled keyvalue family, in the order of the keyvalue
// semantics (docs/keyvalue.md): (a) early, (b) draft, (c) draft2, (d) wRPC,
// (e) wasmCloud.
var All = []Family{
	define(Family{
		Name:        "Early",
		World:       "wasi:keyvalue/imports@0.2.0-draft",
		Description: "wasi:keyvalue/imports@0.2.0-draft (early: types, eventual, atomic, eventual-batch)",
	}, bindings[early.World]{kvtest.RunEarly, earlybackend.New, early.Register, early.NewClient, earlyProbe}),
	define(Family{
		Name:        "Draft",
		World:       "wasi:keyvalue/imports@0.2.0-draft",
		Description: "wasi:keyvalue/imports@0.2.0-draft (store, atomics, batch)",
	}, bindings[draft.World]{kvtest.RunDraft, draftbackend.New, draft.Register, draft.NewClient, draftProbe}),
	define(Family{
		Name:        "Draft2",
		World:       "wasi:keyvalue/imports@0.2.0-draft2",
		Description: "wasi:keyvalue/imports@0.2.0-draft2",
	}, bindings[draft2.World]{kvtest.RunDraft2, draft2backend.New, draft2.Register, draft2.NewClient, draft2Probe}),
	define(Family{
		Name:        "WRPC",
		World:       "wrpc:keyvalue/imports@0.2.0-draft",
		Description: "wrpc:keyvalue/imports@0.2.0-draft",
	}, bindings[wrpckv.World]{kvtest.RunWRPC, wrpcbackend.New, wrpckv.Register, wrpckv.NewClient, wrpcProbe}),
	define(Family{
		Name:        "Wasmcloud",
		World:       "wasmcloud:keyvalue/imports@0.2.0",
		Description: "wasmcloud:keyvalue/imports@0.2.0 (store, atomics, cas, batch; TTLs, if-not-exists, prefixes)",
	}, bindings[wasmcloud.World]{kvtest.RunWasmcloud, wasmcloudbackend.New, wasmcloud.Register, wasmcloud.NewClient, wasmcloudProbe}),
}

// A Family is one bundled keyvalue family.
type Family struct {
	// Name is a short name, the name of the family's subtests: "Draft2".
	Name string
	// Dir is the family's folder under wit/ and generated/:
	// "wasi-keyvalue-0.2.0-draft2".
	Dir string
	// World is the qualified name of the WIT world that the generated
	// backend serves and the suite tests.
	World string
	// Description says what the family is, for logs.
	Description string
	// Suite is the name of the family's conformance suite in package
	// kvtest: "RunDraft2".
	Suite string
	// WorldPackage is the import path of witgo's generated package of
	// World, whose World type Suite takes.
	WorldPackage string

	// Register serves the family's generated backend over e on s.
	Register func(s *wrpc.Server, e engine.Engine)

	// Conformance runs the family's kvtest suite on the generated backend
	// over the engines newEngine returns, called in-process if via is nil,
	// else through the generated client and server via reaches.
	Conformance func(t *testing.T, newEngine Factory, via Transport)
	// Probe returns a minimal client of the bucket named bucket of the
	// generated backend over e, reached as by Conformance: for tests that
	// need one bucket, not the suite.
	Probe func(t *testing.T, e engine.Engine, via Transport, bucket string) Probe
}

// Factory returns a new, empty engine configured by opts (as
// enginetest.Factory).
type Factory func(t *testing.T, opts ...engine.Option) engine.Engine

// A Transport serves, until the test ends, a new server on which register
// registers a World, and returns an Invoker that reaches it.
type Transport func(t testing.TB, register func(*wrpc.Server)) wrpc.Invoker

// Probe is a minimal client of one bucket of a family's World.
type Probe struct {
	// Set stores value under key.
	Set func(ctx context.Context, key string, value []byte) error
	// Get returns the value of key (nil if absent).
	Get func(ctx context.Context, key string) ([]byte, error)
	// Other reports whether err is the family's WIT error other, and its
	// message.
	Other func(ctx context.Context, err error) (msg string, ok bool)
}

// Lookup returns the family in the folder dir (Family.Dir).
func Lookup(dir string) (Family, bool) {
	for _, f := range All {
		if f.Dir == dir {
			return f, true
		}
	}
	return Family{}, false
}

// bindings are the Go values of one family: its suite, its generated
// backend, server registration and client, and its probe.
type bindings[W any] struct {
	suite     func(*testing.T, func(*testing.T, ...engine.Option) W)
	backend   func(engine.Engine) W
	register  func(*wrpc.Server, W)
	newClient func(wrpc.Invoker) W
	probe     func(ctx context.Context, w W, bucket string) (Probe, error)
}

// generatedPrefix is the import path prefix of witgo's generated packages.
const generatedPrefix = "github.com/witgo-dev/witgo/generated/"

// define completes f from b.
func define[W any](f Family, b bindings[W]) Family {
	f.WorldPackage = reflect.TypeFor[W]().PkgPath()
	f.Dir, _, _ = strings.Cut(strings.TrimPrefix(f.WorldPackage, generatedPrefix), "/")
	fn := runtime.FuncForPC(reflect.ValueOf(b.suite).Pointer()).Name()
	f.Suite = fn[strings.LastIndex(fn, ".")+1:]
	f.Register = func(s *wrpc.Server, e engine.Engine) { b.register(s, b.backend(e)) }
	f.Conformance = func(t *testing.T, newEngine Factory, via Transport) {
		b.suite(t, func(t *testing.T, opts ...engine.Option) W {
			return b.world(t, newEngine(t, opts...), via)
		})
	}
	f.Probe = func(t *testing.T, e engine.Engine, via Transport, bucket string) Probe {
		t.Helper()
		p, err := b.probe(t.Context(), b.world(t, e, via), bucket)
		if err != nil {
			t.Fatalf("%s: open %q: %v", f.Name, bucket, err)
		}
		return p
	}
	return f
}

// world returns the generated backend over e, or a client of it through
// via.
func (b bindings[W]) world(t *testing.T, e engine.Engine, via Transport) W {
	w := b.backend(e)
	if via == nil {
		return w
	}
	return b.newClient(via(t, func(s *wrpc.Server) { b.register(s, w) }))
}

func earlyProbe(ctx context.Context, w early.World, bucket string) (Probe, error) {
	b, err := w.Types.BucketOpenBucket(ctx, bucket)
	if err != nil {
		return Probe{}, err
	}
	return Probe{
		Set: func(ctx context.Context, key string, value []byte) error {
			out, err := w.Types.OutgoingValueNewOutgoingValue(ctx)
			if err == nil {
				err = out.OutgoingValueWriteBodySync(ctx, value)
			}
			if err == nil {
				err = w.Eventual.Set(ctx, b, key, out)
			}
			return err
		},
		Get: func(ctx context.Context, key string) ([]byte, error) {
			in, ok, err := w.Eventual.Get(ctx, b, key)
			if err != nil || !ok {
				return nil, err
			}
			return w.Types.IncomingValueIncomingValueConsumeSync(ctx, in)
		},
		Other: func(ctx context.Context, err error) (string, bool) {
			var we cm.Err[earlytypes.Error]
			if !errors.As(err, &we) || we.Value == nil {
				return "", false
			}
			trace, err := we.Value.Trace(ctx)
			return trace, err == nil
		},
	}, nil
}

// resourceBucket is the bucket resource of (b) and (c).
type resourceBucket interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte) error
}

func resourceProbe[B resourceBucket](b B, other func(context.Context, error) (string, bool)) Probe {
	return Probe{
		Set: b.Set,
		Get: func(ctx context.Context, key string) ([]byte, error) {
			v, _, err := b.Get(ctx, key)
			return v, err
		},
		Other: other,
	}
}

func draftProbe(ctx context.Context, w draft.World, bucket string) (Probe, error) {
	b, err := w.Store.Open(ctx, bucket)
	if err != nil {
		return Probe{}, err
	}
	return resourceProbe(b, variantOther[draftstore.Error]), nil
}

func draft2Probe(ctx context.Context, w draft2.World, bucket string) (Probe, error) {
	b, err := w.Store.Open(ctx, bucket)
	if err != nil {
		return Probe{}, err
	}
	return resourceProbe(b, variantOther[draft2store.Error]), nil
}

func wrpcProbe(_ context.Context, w wrpckv.World, bucket string) (Probe, error) {
	return Probe{
		Set: func(ctx context.Context, key string, value []byte) error {
			return w.Store.Set(ctx, bucket, key, value)
		},
		Get: func(ctx context.Context, key string) ([]byte, error) {
			v, _, err := w.Store.Get(ctx, bucket, key)
			return v, err
		},
		Other: variantOther[wrpcstore.Error],
	}, nil
}

func wasmcloudProbe(ctx context.Context, w wasmcloud.World, bucket string) (Probe, error) {
	b, err := w.Store.Open(ctx, bucket)
	if err != nil {
		return Probe{}, err
	}
	return Probe{
		Set: func(ctx context.Context, key string, value []byte) error {
			return b.Set(ctx, key, value, nil)
		},
		Get: func(ctx context.Context, key string) ([]byte, error) {
			v, _, err := b.Get(ctx, key)
			return v, err
		},
		Other: variantOther[wasmcloudtypes.Error],
	}, nil
}

// variantOther reads the error variant of (b), (c), (d) and (e).
func variantOther[E interface {
	error
	Other() (string, bool)
}](_ context.Context, err error) (string, bool) {
	var we E
	if !errors.As(err, &we) {
		return "", false
	}
	return we.Other()
}
