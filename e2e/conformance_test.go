package e2e

import (
	"testing"

	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	earlybackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draft "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"
	draftbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	wrpckv "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"
	wrpcbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports/backend"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/kvtest"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// Each test runs the whole suite on every transport: on the backend called
// in-process, and through the generated client and server over TCP and
// over a Unix socket. Every case gets a new engine (and server).

// An engineFactory makes the new, empty engine of one suite case.
type engineFactory func(t *testing.T, o kvtest.Options) engine.Engine

func memoryEngine(_ *testing.T, o kvtest.Options) engine.Engine {
	return memory.New(o.EngineOptions()...)
}

// family is what the suite needs of one keyvalue family's generated code.
type family[W any] struct {
	suite     func(*testing.T, func(*testing.T, kvtest.Options) W)
	backend   func(engine.Engine) W
	register  func(*wrpc.Server, W)
	newClient func(wrpc.Invoker) W
}

var (
	earlyFamily  = family[early.World]{kvtest.RunEarly, earlybackend.New, early.Register, early.NewClient}
	draftFamily  = family[draft.World]{kvtest.RunDraft, draftbackend.New, draft.Register, draft.NewClient}
	draft2Family = family[draft2.World]{kvtest.RunDraft2, draft2backend.New, draft2.Register, draft2.NewClient}
	wrpcFamily   = family[wrpckv.World]{kvtest.RunWRPC, wrpcbackend.New, wrpckv.Register, wrpckv.NewClient}
)

// run runs the suite of f on engines from newEngine over each transport,
// and checks that the network runs called every function of the world.
func run[W any](t *testing.T, f family[W], trs []transport, newEngine engineFactory) {
	for _, tr := range trs {
		t.Run(tr.name, func(t *testing.T) {
			serve, checkCoverage := coverage(t, tr.serve, func(s *wrpc.Server) { f.register(s, f.backend(memory.New())) })
			defer checkCoverage()
			f.suite(t, func(t *testing.T, o kvtest.Options) W {
				w := f.backend(newEngine(t, o))
				if serve == nil {
					return w
				}
				srv := newServer()
				f.register(srv, w)
				return f.newClient(serve(t, srv))
			})
		})
	}
}

func TestEarly(t *testing.T)  { run(t, earlyFamily, transports, memoryEngine) }
func TestDraft(t *testing.T)  { run(t, draftFamily, transports, memoryEngine) }
func TestDraft2(t *testing.T) { run(t, draft2Family, transports, memoryEngine) }
func TestWRPC(t *testing.T)   { run(t, wrpcFamily, transports, memoryEngine) }
