package redis

import (
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/witgo-dev/witgo/kv/engine"
)

// DefaultKeyPrefix is the default prefix of every Redis key the engine
// uses.
const DefaultKeyPrefix = "witgo:"

// DefaultCallTimeout bounds one call to Redis when the caller's context has
// no earlier deadline.
const DefaultCallTimeout = 5 * time.Second

// Option configures New and Connect: EngineOptions carries the options of
// package engine, and the others are the Redis engine's own.
type Option func(*config)

type config struct {
	engine      []engine.Option
	prefix      string
	callTimeout time.Duration
	redisOpts   []func(*goredis.Options)
}

func newConfig(opts []Option) config {
	c := config{prefix: DefaultKeyPrefix, callTimeout: DefaultCallTimeout}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// EngineOptions applies options of package engine, the ones every engine
// takes: engine.CreateOnOpen, engine.Buckets (created if they do not exist
// yet), engine.MaxKeyBytes, engine.MaxValueBytes, engine.PageSize and
// engine.Clock.
func EngineOptions(opts ...engine.Option) Option {
	return func(c *config) { c.engine = append(c.engine, opts...) }
}

// KeyPrefix sets the prefix of every Redis key the engine uses (default
// DefaultKeyPrefix, "witgo:"). It may not contain '{' or '}', which would
// change the hash tag of the keys; engines with different prefixes on one
// Redis see different buckets.
func KeyPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// CallTimeout bounds every call to Redis whose context has no earlier
// deadline (default DefaultCallTimeout, 5 s). It is also the server-side
// deadline of writes: Redis refuses to run a write whose deadline passed.
func CallTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.callTimeout = d
		}
	}
}

// RedisOptions adjusts the go-redis options that Connect builds from the
// URL (pool size, TLS configuration, ...); New ignores it. Connect applies
// its own settings afterwards: retries off and context deadlines honoured.
func RedisOptions(f func(*goredis.Options)) Option {
	return func(c *config) { c.redisOpts = append(c.redisOpts, f) }
}

func validPrefix(p string) bool { return !strings.ContainsAny(p, "{}") }
