package e2e

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/kv/engine"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
)

// The NATS tests run the whole suite on the generated backends over the
// NATS JetStream engine (package kv/nats), in-process and through the
// generated client and server over TCP. Each test starts one embedded
// JetStream server; every case gets a new engine on it with a bucket prefix
// of its own, so it starts empty.

// natsTransports are the transports the NATS tests use: the engine's cost
// dominates, so the Unix socket, which adds nothing TCP does not test
// already, is left out.
var natsTransports = []transport{
	{name: "InProcess"},
	{name: "TCP", serve: serveTCP},
}

// natsMaxPayload is the max_payload of the embedded server: a value of
// kvtest.ValueLimit (2 MiB) with its headers and longest key fits, and one
// byte over the limit reaches the engine, which refuses it.
const natsMaxPayload = 8 << 20

// startNATS starts an embedded NATS server with JetStream on a random
// loopback port, storing in a temporary directory, and returns a JetStream
// on it; both stop when the test ends.
func startNATS(t *testing.T) jetstream.JetStream {
	t.Helper()
	s := natstest.Start(t, natstest.Options{MaxPayload: natsMaxPayload})
	nc, err := natsio.Connect(s.ClientURL())
	if err != nil {
		t.Fatalf("nats connect: %v", err)
	}
	t.Cleanup(nc.Close) // runs before the server's shutdown
	// JetStream API calls whose context has no deadline (the engine's
	// setup, calls from the server's side) time out after 5 s by default:
	// too tight on a loaded machine under the race detector. A minute still
	// fails a hung call long before the test binary times out.
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

var natsPrefixes atomic.Int64

// natsEngines returns a factory of new engines on js, each with a bucket
// prefix no other engine of this test binary uses.
func natsEngines(js jetstream.JetStream) families.Factory {
	return func(t *testing.T, opts ...engine.Option) engine.Engine {
		t.Helper()
		e, err := kvnats.New(context.Background(), js,
			kvnats.BucketPrefix(fmt.Sprintf("e2e%d_", natsPrefixes.Add(1))),
			kvnats.EngineOptions(opts...))
		if err != nil {
			t.Fatalf("kv/nats New: %v", err)
		}
		return e
	}
}

// TestNATS starts one embedded server per family.
func TestNATS(t *testing.T) {
	for _, f := range families.All {
		t.Run(f.Name, func(t *testing.T) { run(t, f, natsTransports, natsEngines(startNATS(t))) })
	}
}

// TestNATSStockPayload runs every family, in-process, on a server with the
// stock max_payload (1 MiB): values of kvtest.ValueLimit (2 MiB) are stored
// in chunks.
func TestNATSStockPayload(t *testing.T) {
	for _, f := range families.All {
		t.Run(f.Name, func(t *testing.T) {
			s := natstest.Start(t, natstest.Options{})
			nc, err := natsio.Connect(s.ClientURL())
			if err != nil {
				t.Fatalf("nats connect: %v", err)
			}
			t.Cleanup(nc.Close)
			js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			run(t, f, natsTransports[:1], natsEngines(js))
		})
	}
}
