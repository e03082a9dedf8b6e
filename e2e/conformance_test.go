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
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/kvtest"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// Each test runs the whole suite three times: on the backend called
// in-process, and through the generated client and server over TCP and
// over a Unix socket. Every case gets a new engine (and server).

func TestEarly(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			serve, checkCoverage := coverage(t, tr.serve, func(s *wrpc.Server) { early.Register(s, earlybackend.New(memory.New())) })
			defer checkCoverage()
			kvtest.RunEarly(t, func(t *testing.T, o kvtest.Options) early.World {
				w := earlybackend.New(memory.New(o.EngineOptions()...))
				if serve == nil {
					return w
				}
				srv := newServer()
				early.Register(srv, w)
				return early.NewClient(serve(t, srv))
			})
		})
	}
}

func TestDraft(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			serve, checkCoverage := coverage(t, tr.serve, func(s *wrpc.Server) { draft.Register(s, draftbackend.New(memory.New())) })
			defer checkCoverage()
			kvtest.RunDraft(t, func(t *testing.T, o kvtest.Options) draft.World {
				w := draftbackend.New(memory.New(o.EngineOptions()...))
				if serve == nil {
					return w
				}
				srv := newServer()
				draft.Register(srv, w)
				return draft.NewClient(serve(t, srv))
			})
		})
	}
}

func TestDraft2(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			serve, checkCoverage := coverage(t, tr.serve, func(s *wrpc.Server) { draft2.Register(s, draft2backend.New(memory.New())) })
			defer checkCoverage()
			kvtest.RunDraft2(t, func(t *testing.T, o kvtest.Options) draft2.World {
				w := draft2backend.New(memory.New(o.EngineOptions()...))
				if serve == nil {
					return w
				}
				srv := newServer()
				draft2.Register(srv, w)
				return draft2.NewClient(serve(t, srv))
			})
		})
	}
}

func TestWRPC(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			serve, checkCoverage := coverage(t, tr.serve, func(s *wrpc.Server) { wrpckv.Register(s, wrpcbackend.New(memory.New())) })
			defer checkCoverage()
			kvtest.RunWRPC(t, func(t *testing.T, o kvtest.Options) wrpckv.World {
				w := wrpcbackend.New(memory.New(o.EngineOptions()...))
				if serve == nil {
					return w
				}
				srv := newServer()
				wrpckv.Register(srv, w)
				return wrpckv.NewClient(serve(t, srv))
			})
		})
	}
}
