// Package e2e runs the keyvalue conformance suite (package kvtest) of every
// bundled family (package internal/families) on the generated backends
// over the in-memory and NATS engines, in-process and through the
// generated client and server over TCP, a Unix socket, TLS (client
// certificates required) and QUIC, and benchmarks
// round trips.
package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/internal/testcerts"
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
	{name: "TLS", serve: serveTLS},
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

// testTLS holds the certificates of the TLS transport, made once: a CA,
// the server's certificate, and a client certificate it signed.
var testTLS struct {
	once                 sync.Once
	server, client, fast *tls.Config
}

// serveTLS serves srv over TLS 1.3 with client certificates required, and
// returns a Client that presents one (and resumes its TLS sessions), with
// X25519 as its only key exchange (see testTLS).
func serveTLS(t testing.TB, srv *wrpc.Server) wrpc.Invoker {
	return serveTLSWith(t, srv, func() *tls.Config { return testTLS.fast })
}

// serveTLSDefault is serveTLS with Go's default key exchange.
func serveTLSDefault(t testing.TB, srv *wrpc.Server) wrpc.Invoker {
	return serveTLSWith(t, srv, func() *tls.Config { return testTLS.client })
}

func serveTLSWith(t testing.TB, srv *wrpc.Server, client func() *tls.Config) wrpc.Invoker {
	t.Helper()
	testTLS.once.Do(func() {
		ca := testcerts.NewCA(t, "e2e CA")
		testTLS.server = ca.ServerConfig(t, ca.Pool)
		testTLS.client = ca.ClientConfig(ca.Client(t, testcerts.Identity{URI: "spiffe://e2e/client"}))
		// The suites make tens of thousands of calls, each a connection
		// with a (resumed) handshake: X25519 alone keeps them affordable
		// under the race detector, where the pure-Go ML-KEM half of Go's
		// default hybrid key exchange is slow. runtime/wrpc's tests and
		// BenchmarkDraft2Get100B keep the defaults.
		testTLS.fast = testTLS.client.Clone()
		testTLS.fast.CurvePreferences = []tls.CurveID{tls.X25519}
	})
	if testTLS.server == nil {
		t.Fatal("no test certificates")
	}
	l, err := wrpc.Listen("tls://127.0.0.1:0", wrpc.WithListenTLSConfig(testTLS.server))
	if err != nil {
		t.Fatal(err)
	}
	serve(t, srv, l)
	c, err := wrpc.Dial(wrpc.ListenerURL(l), wrpc.WithTLSConfig(client()))
	if err != nil {
		t.Fatal(err)
	}
	return c
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
