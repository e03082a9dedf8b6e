// Package e2e runs the keyvalue conformance suite (package kvtest) of every
// bundled family (package internal/families) on the generated backends
// over the in-memory and NATS engines, in-process and through the
// generated client and server over TCP, a Unix socket and QUIC, and benchmarks
// round trips.
package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// A transport decides how a test reaches a World: directly (serve is nil)
// or through a server.
type transport struct {
	name string
	// serve serves srv on a new listener until the test ends and returns an
	// Invoker that reaches it.
	serve func(t testing.TB, srv *wrpc.Server) wrpc.Invoker
}

// via returns the families.Transport of tr: nil for in-process, else one
// that serves a new server (logs discarded) through tr.
func (tr transport) via() families.Transport {
	if tr.serve == nil {
		return nil
	}
	return func(t testing.TB, register func(*wrpc.Server)) wrpc.Invoker {
		srv := newServer()
		register(srv)
		return tr.serve(t, srv)
	}
}

var transports = []transport{
	{name: "InProcess"},
	{name: "TCP", serve: serveTCP},
	{name: "Unix", serve: serveUnix},
	{name: "QUIC", serve: serveQUIC},
}

// newServer returns a server whose logs are discarded (bad input is
// expected here, and the runtime logs refused requests).
func newServer() *wrpc.Server {
	return wrpc.NewServer(wrpc.WithLogger(slog.New(slog.DiscardHandler)))
}

func serveTCP(t testing.TB, srv *wrpc.Server) wrpc.Invoker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, srv, l)
	return wrpc.DialTCP(l.Addr().String())
}

func serveUnix(t testing.TB, srv *wrpc.Server) wrpc.Invoker {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kv.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, srv, l)
	return wrpc.DialUnix(path)
}

// serve runs srv on l and shuts it down when the test ends, checking that
// Serve returned ErrServerClosed.
func serve(t testing.TB, srv *wrpc.Server, l net.Listener) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, wrpc.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
}
