package e2e

import (
	"testing"

	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// Each test runs the whole suite of every family of the registry (package
// internal/families) on every transport: on the backend called in-process,
// and through the generated client and server over TCP, over a Unix
// socket, over TLS with client certificates and over QUIC (one connection, a stream per call). Every case gets a new engine (and server).

func memoryEngine(_ *testing.T, opts ...engine.Option) engine.Engine {
	return memory.New(opts...)
}

// runFamilies runs run for each family, as a subtest named after it:
// TestMemory/Draft2/TCP/ListKeys/...
func runFamilies(t *testing.T, trs []transport, newEngine families.Factory) {
	for _, f := range families.All {
		t.Run(f.Name, func(t *testing.T) { run(t, f, trs, newEngine) })
	}
}

// run runs the suite of f on engines from newEngine over each transport,
// and checks that the network runs called every function of the world.
func run(t *testing.T, f families.Family, trs []transport, newEngine families.Factory) {
	for _, tr := range trs {
		t.Run(tr.name, func(t *testing.T) {
			via, checkCoverage := coverage(t, tr.via(), func(s *wrpc.Server) { f.Register(s, memory.New()) })
			defer checkCoverage()
			f.Conformance(t, newEngine, via)
		})
	}
}

func TestMemory(t *testing.T) { runFamilies(t, transports, memoryEngine) }
