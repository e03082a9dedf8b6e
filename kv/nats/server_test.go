package nats_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/kv/engine"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
)

// testMaxPayload is the max_payload of the test servers: room for a value
// at engine.DefaultMaxValueBytes (4 MiB) plus headers and long keys.
const testMaxPayload = 8 << 20

// connect connects to s and closes the connection when the test ends.
func connect(tb testing.TB, url string, opts ...natsio.Option) (*natsio.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := natsio.Connect(url, opts...)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

var prefixes atomic.Int64

// uniquePrefix returns a bucket prefix no other engine of this test binary
// uses, so that engines sharing one server start empty.
func uniquePrefix() string { return fmt.Sprintf("t%d_", prefixes.Add(1)) }

// newEngine returns a new, empty engine on js with opts.
func newEngine(tb testing.TB, js jetstream.JetStream, opts ...kvnats.Option) *kvnats.Engine {
	tb.Helper()
	opts = append([]kvnats.Option{kvnats.BucketPrefix(uniquePrefix())}, opts...)
	e, err := kvnats.New(context.Background(), js, opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(e.Close)
	return e
}

// open opens bucket name of e, failing the test on error.
func open(tb testing.TB, e engine.Engine, name string) engine.Bucket {
	tb.Helper()
	b, err := e.Open(context.Background(), name)
	if err != nil {
		tb.Fatalf("Open(%q): %v", name, err)
	}
	return b
}
