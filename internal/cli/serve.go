package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"os/signal"
	"strings"
	"syscall"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"

	"github.com/witgo-dev/witgo/internal/serve"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
	"github.com/witgo-dev/witgo/kv/provider"
	kvredis "github.com/witgo-dev/witgo/kv/redis"
)

const serveHelp = `Serve serves every bundled keyvalue family (wasi:keyvalue 0.2.0-draft early
and late, 0.2.0-draft2, wrpc:keyvalue 0.2.0-draft, wasmcloud:keyvalue 0.2.0)
over wRPC on one listener, backed by one engine:

  --backend memory  (default) the in-memory engine; data lives in the process
                    and is gone when it stops.
  --backend nats    NATS JetStream key-value buckets (package kv/nats) on the
                    server(s) at --nats-url; data lives in NATS and outlives
                    the process. Every keyvalue bucket is the JetStream bucket
                    --nats-bucket-prefix + an encoding of its identifier, so
                    servers with the same prefix share data. A value too
                    large for one message (the server's max_payload, 1 MiB
                    unless configured) is stored in chunks, so the default
                    4 MiB limit works on a stock server.
  --backend redis   Redis (package kv/redis) at --redis-url
                    (redis://[:PASSWORD@]HOST:PORT/DB, rediss:// for TLS);
                    data lives in Redis (persisted as Redis is configured,
                    e.g. appendonly yes). Every Redis key of a bucket is
                    --redis-key-prefix + {an encoding of its identifier} +
                    a suffix, so servers with the same prefix share data and
                    a bucket stays in one Redis Cluster slot. Redis calls
                    that fail (server down, no reply within --redis-timeout)
                    are errors saying "redis unavailable"; a write that
                    failed is never applied afterwards.

--listen tls://HOST:PORT serves over TLS 1.3 with the certificate and key
of --tls-cert and --tls-key; with --tls-client-ca, every client must present
a certificate signed by one of those CAs, and its identity (first URI SAN,
else first DNS SAN, else subject CN) names the caller: the resources it
opens are its own. Protected mode: plain tcp:// on an address other than
loopback does not start unless --insecure is given (or a policy says who
may call), since anyone who reaches it could read and write every bucket.

Unknown buckets are created on open unless --create-on-open=false (then
opening one is no-such-store, as the WIT says, and the log names the
bucket). --policy FILE checks every call against an access policy: lines
"PRINCIPAL BUCKET RIGHTS" (patterns with *, rights read,write,create; deny
by default; see docs/policy.md); the principal is the client certificate's
identity, uid:N on a Unix socket, else anonymous. A denied call is the
family's access-denied error (other where the WIT has none); with client
certificates required and no policy, every call is denied.
--metrics-listen HOST:PORT serves Prometheus metrics (/metrics) and the
engine's health (/healthz, /readyz: 503 with the reason when NATS or
Redis cannot be reached) over HTTP; it is off by default. SIGINT or
SIGTERM stops it after the calls in flight finish (up to --grace). A provider made by "witgo scaffold provider" takes the same flags
(but --backend and the NATS and Redis flags).
`

func runServe(args []string, stdout, stderr io.Writer) int {
	c := newCommand("witgo serve", "witgo serve [--listen tcp://HOST:PORT | tls://HOST:PORT | quic://HOST:PORT | unix:///PATH] [--backend memory|nats|redis] [flags]", serveHelp, stdout, stderr)
	cfg := provider.DefaultConfig()
	cfg.AddFlags(c.fl)
	backend := c.fl.String("backend", "memory", "engine: memory, nats or redis")
	natsURL := c.fl.String("nats-url", natsio.DefaultURL, "NATS server URL, or comma-separated URLs (--backend nats)")
	natsPrefix := c.fl.String("nats-bucket-prefix", kvnats.DefaultBucketPrefix, "prefix of the JetStream bucket names (--backend nats)")
	redisURL := c.fl.String("redis-url", "redis://127.0.0.1:6379/0", "Redis URL: redis://[[USER]:PASSWORD@]HOST:PORT/DB, rediss:// for TLS (--backend redis)")
	redisPrefix := c.fl.String("redis-key-prefix", kvredis.DefaultKeyPrefix, "prefix of the Redis keys (--backend redis)")
	redisTimeout := c.fl.Duration("redis-timeout", kvredis.DefaultCallTimeout, "deadline of one call to Redis when the caller's is later or absent; writes past it are refused by Redis (--backend redis)")
	if code, done := c.parse(args); done {
		return code
	}
	if c.fl.NArg() > 0 {
		return c.usageError("unexpected arguments %q", c.fl.Args())
	}
	if err := cfg.Check(); err != nil {
		return c.usageError("%v", err)
	}
	set := map[string]bool{}
	c.fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *backend {
	case "memory", "nats", "redis":
	default:
		return c.usageError("--backend %q: want memory, nats or redis", *backend)
	}
	for _, name := range []string{"nats-url", "nats-bucket-prefix", "redis-url", "redis-key-prefix", "redis-timeout"} {
		if want := strings.SplitN(name, "-", 2)[0]; set[name] && *backend != want {
			return c.usageError("--%s needs --backend %s", name, want)
		}
	}
	if *redisTimeout <= 0 {
		return c.usageError("--redis-timeout %v: want a positive duration", *redisTimeout)
	}
	log, err := cfg.Logger(stderr)
	if err != nil {
		return c.usageError("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	svc := provider.Service{
		Register: serve.Register,
		Logger:   log,
		Attrs:    []any{"backend", *backend},
	}
	switch *backend {
	case "memory":
		mem := memory.New(cfg.EngineOptions()...)
		svc.Engine, svc.Options = mem, mem.Options()
	case "nats":
		e, nc, err := openNATS(ctx, log, *natsURL, *natsPrefix, cfg.EngineOptions(), set["max-value-bytes"])
		if err != nil {
			return c.fail(err)
		}
		defer nc.Close()
		defer e.Close() // stops its chunk sweeper, before nc closes
		svc.Engine, svc.Options = e, e.Options()
		svc.Attrs = append(svc.Attrs, "nats_url", nc.ConnectedUrlRedacted(), "nats_bucket_prefix", *natsPrefix)
	case "redis":
		e, err := openRedis(ctx, log, *redisURL, *redisPrefix, *redisTimeout, cfg.EngineOptions())
		if err != nil {
			return c.fail(err)
		}
		defer e.Close()
		svc.Engine, svc.Options = e, e.Options()
		svc.Attrs = append(svc.Attrs, "redis_url", kvredis.Redacted(*redisURL), "redis_key_prefix", *redisPrefix)
	}
	svc.Attrs = append(svc.Attrs, "families", strings.Join(serve.Families, "; "))
	if err := provider.Run(ctx, cfg, svc); err != nil {
		return c.fail(err)
	}
	return 0
}

// openNATS connects to the NATS server(s) at url and returns an engine on
// their JetStream with opts and the bucket prefix, and the connection, which
// the caller closes once done with the engine. Values too large for one
// message are stored in chunks; only if the server's max_payload is so small
// that even chunks cannot hold a value of the limit, the limit is lowered to
// fit, unless valueSet (the value limit was given explicitly: then it is an
// error).
func openNATS(ctx context.Context, log *slog.Logger, url, prefix string, opts []engine.Option, valueSet bool) (*kvnats.Engine, *natsio.Conn, error) {
	nc, err := natsio.Connect(url,
		natsio.Name("witgo serve"),
		natsio.MaxReconnects(-1),
		// No reconnect buffer: a write issued while disconnected fails at
		// once (store unavailable; not applied), and is never sent, maybe
		// applied, later (kv/nats).
		natsio.ReconnectBufSize(-1),
		natsio.DisconnectErrHandler(func(_ *natsio.Conn, err error) {
			if err != nil {
				log.Warn("NATS connection lost; reconnecting", "err", err)
			}
		}),
		natsio.ReconnectHandler(func(nc *natsio.Conn) {
			log.Info("NATS reconnected", "nats_url", nc.ConnectedUrlRedacted())
		}))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w", redactURLs(url), err)
	}
	mp, at := nc.MaxPayload(), nc.ConnectedUrlRedacted()
	log.Info("connected to NATS", "nats_url", at,
		"server_version", nc.ConnectedServerVersion(), "max_payload", mp)
	o := engine.NewOptions(opts...)
	if fit := kvnats.MaxStorableValue(mp, o.MaxKeyBytes); !valueSet && mp > 0 && int64(o.MaxValueBytes) > fit {
		if fit <= 0 {
			nc.Close()
			return nil, nil, fmt.Errorf("the NATS server's max_payload (%d bytes) is too small for keys of --max-key-bytes %d: raise max_payload or lower --max-key-bytes", mp, o.MaxKeyBytes)
		}
		log.Info("value limit lowered to fit the NATS server's max_payload (raise max_payload on the server for larger values)",
			"max_value_bytes", fit, "default", o.MaxValueBytes, "max_payload", mp)
		opts = append(opts, engine.MaxValueBytes(int(fit)))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("NATS JetStream: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// New itself only asks JetStream for the --buckets: check it now, not
	// at the first call.
	if _, err := js.AccountInfo(cctx); err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("NATS JetStream at %s: %w", at, err)
	}
	e, err := kvnats.New(cctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(opts...))
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return e, nc, nil
}

// redactURLs hides the passwords of a comma-separated list of URLs.
func redactURLs(list string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		if u, err := neturl.Parse(strings.TrimSpace(p)); err == nil {
			parts[i] = u.Redacted()
		}
	}
	return strings.Join(parts, ",")
}

// openRedis connects to the Redis at url and returns an engine on it with
// opts, the key prefix and the call timeout; the caller closes it.
func openRedis(ctx context.Context, log *slog.Logger, url, prefix string, timeout time.Duration, opts []engine.Option) (*kvredis.Engine, error) {
	// go-redis logs its reconnection attempts itself: to the server's log,
	// at debug level (the calls that fail say "redis unavailable").
	goredis.SetLogger(redisLog{log})
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e, err := kvredis.Connect(cctx, url, kvredis.KeyPrefix(prefix), kvredis.CallTimeout(timeout), kvredis.EngineOptions(opts...))
	if err != nil {
		return nil, err
	}
	info, _ := e.Client().Info(cctx, "server").Result()
	version := ""
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			version = v
		}
	}
	log.Info("connected to Redis", "redis_url", kvredis.Redacted(url), "server_version", version)
	return e, nil
}

// redisLog routes go-redis's log lines to the server's log.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
