package nats

import (
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/nats/internal/keymap"
)

// Option configures New and Connect: EngineOptions carries the options of
// package engine, and the others are the NATS engine's own.
type Option func(*config)

type config struct {
	engine     []engine.Option
	prefix     string
	replicas   int
	storage    jetstream.StorageType
	natsOpts   []natsio.Option
	listWait   time.Duration
	reqWait    time.Duration
	skipLimits bool
	grace      time.Duration
}

func newConfig(opts []Option) config {
	c := config{prefix: DefaultBucketPrefix, replicas: 1, storage: jetstream.FileStorage, listWait: 30 * time.Second, reqWait: DefaultRequestTimeout, grace: DefaultChunkGrace}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// EngineOptions applies options of package engine, the ones every engine
// takes: engine.CreateOnOpen, engine.Buckets (created if they do not exist
// yet), engine.MaxKeyBytes, engine.MaxValueBytes (the server's max_payload
// must accommodate it; see New) and engine.PageSize. The other options of
// this package are the NATS engine's own.
func EngineOptions(opts ...engine.Option) Option {
	return func(c *config) { c.engine = append(c.engine, opts...) }
}

// BucketPrefix sets the prefix of the JetStream bucket names the engine
// uses (default DefaultBucketPrefix, "witgo_"). It may hold ASCII letters,
// digits, '_' and '-', at most 64 of them; engines with different prefixes
// on one server see different buckets.
func BucketPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// Replicas sets the number of replicas of the buckets the engine creates
// (default 1). Existing buckets keep theirs.
func Replicas(n int) Option { return func(c *config) { c.replicas = n } }

// Storage sets the storage of the buckets the engine creates (default
// jetstream.FileStorage). Existing buckets keep theirs.
func Storage(st jetstream.StorageType) Option { return func(c *config) { c.storage = st } }

// NATSOptions adds options for the connection that Connect makes; New
// ignores them.
func NATSOptions(opts ...natsio.Option) Option {
	return func(c *config) { c.natsOpts = append(c.natsOpts, opts...) }
}

// ListTimeout bounds one scan of a bucket's keys when the context has no
// deadline (default 30 s).
func ListTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.listWait = d
		}
	}
}

// RequestTimeout bounds the wait for JetStream's answer to one request of
// the engine (a read, a write, a deletion; default DefaultRequestTimeout,
// 5 s, JetStream's own default), however long the caller's context allows.
// A request in flight when the connection to NATS is lost gets no answer:
// it fails after this time, as engine.ErrOutcomeUnknown, rather than
// holding the call until its context ends.
func RequestTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.reqWait = d
		}
	}
}

// DefaultRequestTimeout is the default of RequestTimeout.
const DefaultRequestTimeout = 5 * time.Second

// IgnoreMaxPayload skips New's check that the server's max_payload can
// store a value of MaxValueBytes, in chunks if need be (MaxStorableValue).
// A value too large for the server then fails when it is written, with an
// error of kind engine.ErrValueTooLarge that names the server's limit.
func IgnoreMaxPayload() Option { return func(c *config) { c.skipLimits = true } }

// ChunkGrace sets the grace period of the chunks of large values (default
// DefaultChunkGrace, 10 minutes): a write commits its chunks within half of
// it or fails, and the background sweeper, which runs every half grace
// period, purges a group of chunks that no entry uses once it has seen it
// for a whole grace period. Shorter periods reclaim space sooner; a write
// of one value must take well under half of it.
func ChunkGrace(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.grace = d
		}
	}
}

// DefaultBucketPrefix is the default prefix of JetStream bucket names.
const DefaultBucketPrefix = keymap.DefaultBucketPrefix
