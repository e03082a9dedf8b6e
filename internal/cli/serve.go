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

	"github.com/witgo-dev/witgo/internal/serve"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
	"github.com/witgo-dev/witgo/runtime/wire"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

const serveUsage = `Usage: witgo serve [--backend memory|nats] [flags]

Serves every bundled keyvalue family (wasi:keyvalue 0.2.0-draft early and
late, 0.2.0-draft2, wrpc:keyvalue 0.2.0-draft) over wRPC on one listener,
backed by one engine:

  --backend memory  (default) the in-memory engine; data lives in the process
                    and is gone when it stops.
  --backend nats    NATS JetStream key-value buckets (package kv/nats) on the
                    server(s) at --nats-url; data lives in NATS and outlives
                    the process. Every keyvalue bucket is the JetStream bucket
                    --nats-bucket-prefix + an encoding of its identifier, so
                    servers with the same prefix share data. Unless
                    --max-value-bytes is given, the value limit is lowered to
                    fit the server's max_payload (1 MiB unless configured).

Unknown buckets are created on open unless --create-on-open=false (then
opening one is no-such-store, as the WIT says). SIGINT or SIGTERM stops it
after the calls in flight finish (up to --grace).

Flags:
`

func runServe(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("witgo serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fl.PrintDefaults()
	}
	d := engine.NewOptions()
	listen := fl.String("listen", "tcp://127.0.0.1:7761", "address: tcp://HOST:PORT or unix:///PATH")
	createOnOpen := fl.Bool("create-on-open", true, "create unknown buckets on open (false: no-such-store)")
	buckets := fl.String("buckets", "", "comma-separated buckets to create at start")
	maxKey := fl.Int("max-key-bytes", d.MaxKeyBytes, "largest key or bucket identifier, in bytes")
	maxValue := fl.Int("max-value-bytes", d.MaxValueBytes, "largest value, in bytes (nats: unless given, lowered to fit the server's max_payload)")
	pageSize := fl.Int("page-size", d.PageSize, "keys per list-keys page")
	backend := fl.String("backend", "memory", "engine: memory or nats")
	natsURL := fl.String("nats-url", natsio.DefaultURL, "NATS server URL, or comma-separated URLs (--backend nats)")
	natsPrefix := fl.String("nats-bucket-prefix", kvnats.DefaultBucketPrefix, "prefix of the JetStream bucket names (--backend nats)")
	maxMessage := fl.Int("max-message-bytes", wire.DefaultMaxMessage, "largest request, in bytes, framing included (raise it with --max-value-bytes)")
	maxCalls := fl.Int("max-concurrent", wrpc.DefaultMaxConcurrentInvocations, "calls served at once")
	grace := fl.Duration("grace", 10*time.Second, "how long shutdown waits for calls in flight")
	logLevel := fl.String("log-level", "info", "debug, info, warn or error")
	logFormat := fl.String("log-format", "text", "text or json")
	if err := fl.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "witgo serve: unexpected arguments %q\n", fl.Args())
		return 2
	}
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *backend {
	case "memory":
		for _, name := range []string{"nats-url", "nats-bucket-prefix"} {
			if set[name] {
				fmt.Fprintf(stderr, "witgo serve: --%s needs --backend nats\n", name)
				return 2
			}
		}
	case "nats":
	default:
		fmt.Fprintf(stderr, "witgo serve: --backend %q: want memory or nats\n", *backend)
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "witgo serve: --log-level: %v\n", err)
		return 2
	}
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch *logFormat {
	case "text":
		h = slog.NewTextHandler(stderr, hopts)
	case "json":
		h = slog.NewJSONHandler(stderr, hopts)
	default:
		fmt.Fprintf(stderr, "witgo serve: --log-format %q: want text or json\n", *logFormat)
		return 2
	}
	log := slog.New(h)

	opts := []engine.Option{engine.CreateOnOpen(*createOnOpen), engine.MaxKeyBytes(*maxKey), engine.MaxValueBytes(*maxValue), engine.PageSize(*pageSize)}
	if *buckets != "" {
		opts = append(opts, engine.Buckets(strings.Split(*buckets, ",")...))
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var (
		eng   engine.Engine
		eopts engine.Options
		attrs []any
	)
	switch *backend {
	case "memory":
		mem := memory.New(opts...)
		eng, eopts = mem, mem.Options()
	case "nats":
		e, nc, err := openNATS(ctx, log, *natsURL, *natsPrefix, opts, set["max-value-bytes"])
		if err != nil {
			log.Error("witgo serve failed", "err", err)
			return 1
		}
		defer nc.Close()
		eng, eopts = e, e.Options()
		attrs = []any{"nats_url", nc.ConnectedUrlRedacted(), "nats_bucket_prefix", *natsPrefix}
	}
	// A value of MaxValueBytes must fit in one message with its key and framing.
	mv, mk := eopts.MaxValueBytes, eopts.MaxKeyBytes
	lim := wire.Limits{MaxValue: max(mv, mk) + 1024, MaxMessage: max(*maxMessage, mv+mk+4096)}

	err := serve.Run(ctx, serve.Config{
		Listen:       *listen,
		Engine:       eng,
		Backend:      *backend,
		Options:      eopts,
		BackendAttrs: attrs,
		Logger:       log,
		Grace:        *grace,
		ServerOptions: []wrpc.ServerOption{
			wrpc.WithServerLimits(lim),
			wrpc.WithMaxConcurrentInvocations(*maxCalls),
		},
	})
	if err != nil {
		log.Error("witgo serve failed", "err", err)
		return 1
	}
	return 0
}

// openNATS connects to the NATS server(s) at url and returns an engine on
// their JetStream with opts and the bucket prefix, and the connection, which
// the caller closes once done with the engine. Unless valueSet (the value
// limit was given explicitly), a value limit too large for the server's
// max_payload is lowered to fit.
func openNATS(ctx context.Context, log *slog.Logger, url, prefix string, opts []engine.Option, valueSet bool) (*kvnats.Engine, *natsio.Conn, error) {
	nc, err := natsio.Connect(url,
		natsio.Name("witgo serve"),
		natsio.MaxReconnects(-1),
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
	if over := kvnats.MessageOverhead(o.MaxKeyBytes) + 1024; !valueSet && mp > 0 && int64(o.MaxValueBytes)+over > mp {
		fit := (mp - over) &^ 1023 // whole KiB, with 1 KiB to spare
		if fit <= 0 {
			nc.Close()
			return nil, nil, fmt.Errorf("the NATS server's max_payload (%d bytes) is too small for keys of --max-key-bytes %d: raise max_payload or lower --max-key-bytes", mp, o.MaxKeyBytes)
		}
		log.Info("value limit lowered to fit the NATS server's max_payload (raise max_payload on the server, up to 8 MiB, for larger values)",
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
