package e2e

import (
	"context"
	"testing"

	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/internal/redistest"
	"github.com/witgo-dev/witgo/kv/engine"
	kvredis "github.com/witgo-dev/witgo/kv/redis"
)

// The Redis tests run the whole suite on the generated backends over the
// Redis engine (package kv/redis), in-process and through the generated
// client and server over TCP, against one Redis server (redistest.Find:
// $WITGO_REDIS_URL, or a redis-server of the test's own); every case gets a
// new engine with a key prefix of its own, so it starts empty.

// redisTransports are the transports of the Redis tests: as for NATS, the
// engine's cost dominates, and the Unix socket adds nothing TCP does not
// test already.
var redisTransports = []transport{
	{name: "InProcess"},
	{name: "TCP", serve: serveTCP},
}

// redisEngines returns a factory of new engines on the Redis at url.
func redisEngines(url string) families.Factory {
	return func(t *testing.T, opts ...engine.Option) engine.Engine {
		t.Helper()
		e, err := kvredis.Connect(context.Background(), url,
			kvredis.KeyPrefix(redistest.Prefix("e2e")), kvredis.EngineOptions(opts...))
		if err != nil {
			t.Fatalf("kv/redis Connect: %v", err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
}

// TestRedis runs every family on one Redis server.
func TestRedis(t *testing.T) {
	s := redistest.Find(t)
	for _, f := range families.All {
		t.Run(f.Name, func(t *testing.T) { run(t, f, redisTransports, redisEngines(s.URL)) })
	}
}
