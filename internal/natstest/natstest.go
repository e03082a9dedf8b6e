// Package natstest starts embedded NATS servers with JetStream for the
// tests of the NATS engine, witgo serve and the end-to-end suite.
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options configure a test server; the zero value is a server on a random
// loopback port, storing in a temporary folder, with the default max_payload
// (1 MiB).
type Options struct {
	// Port is the client port; 0 picks a free one. A test that restarts a
	// server on the same port passes the port of the first.
	Port int
	// Dir is the JetStream store folder; "" is a new temporary folder. A
	// test that restarts a server on the same data passes the same folder.
	Dir string
	// MaxPayload is the server's max_payload; 0 keeps the default.
	MaxPayload int32
}

// Start starts an embedded NATS server with JetStream on 127.0.0.1 and shuts
// it down when the test ends.
func Start(tb testing.TB, o Options) *server.Server {
	tb.Helper()
	opts := &server.Options{
		ServerName: "witgo-test",
		Host:       "127.0.0.1",
		Port:       o.Port,
		JetStream:  true,
		StoreDir:   o.Dir,
		MaxPayload: o.MaxPayload,
		NoLog:      true,
		NoSigs:     true,
	}
	if opts.Port == 0 {
		opts.Port = server.RANDOM_PORT
	}
	if opts.StoreDir == "" {
		opts.StoreDir = tb.TempDir()
	}
	s, err := server.NewServer(opts)
	if err != nil {
		tb.Fatalf("nats server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		tb.Fatal("nats server not ready after 10 s")
	}
	tb.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}
