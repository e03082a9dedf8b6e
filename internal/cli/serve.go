package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/witgo-dev/witgo/internal/serve"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/wire"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

const serveUsage = `Usage: witgo serve [flags]

Serves every bundled keyvalue family (wasi:keyvalue 0.2.0-draft early and
late, 0.2.0-draft2, wrpc:keyvalue 0.2.0-draft) over wRPC on one listener,
backed by the in-memory engine. Unknown buckets are created on open unless
--create-on-open=false (then opening one is no-such-store, as the WIT says).
SIGINT or SIGTERM stops it after the calls in flight finish (up to --grace).

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
	maxValue := fl.Int("max-value-bytes", d.MaxValueBytes, "largest value, in bytes")
	pageSize := fl.Int("page-size", d.PageSize, "keys per list-keys page")
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

	opts := []engine.Option{memory.CreateOnOpen(*createOnOpen), memory.MaxKeyBytes(*maxKey), memory.MaxValueBytes(*maxValue), memory.PageSize(*pageSize)}
	if *buckets != "" {
		opts = append(opts, memory.Buckets(strings.Split(*buckets, ",")...))
	}
	mem := memory.New(opts...)
	// A value of MaxValueBytes must fit in one message with its key and framing.
	lim := wire.Limits{MaxValue: max(*maxValue, *maxKey) + 1024, MaxMessage: max(*maxMessage, *maxValue+*maxKey+4096)}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := serve.Run(ctx, serve.Config{
		Listen:  *listen,
		Engine:  mem,
		Backend: "memory",
		Options: mem.Options(),
		Logger:  log,
		Grace:   *grace,
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
