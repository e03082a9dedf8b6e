// Package provider runs a keyvalue provider: a wRPC server for one or more
// keyvalue worlds, backed by one engine. It holds what every provider's
// command line shares (the listener syntax, the flags and their defaults,
// logging, the graceful stop), so that "witgo serve" and a provider made by
// "witgo scaffold provider" take the same flags and behave the same way.
//
// A provider's main is a few lines:
//
//	cfg := provider.DefaultConfig()
//	cfg.AddFlags(flag.CommandLine)
//	flag.Parse()
//	if err := cfg.Check(); err != nil { ... exit 2 ... }
//	log, _ := cfg.Logger(os.Stderr)
//	e, err := NewEngine(cfg.EngineOptions()...)
//	...
//	err = provider.Run(ctx, cfg, provider.Service{
//		Engine:   e,
//		Register: func(s *wrpc.Server, e engine.Engine) { world.Register(s, backend.New(e)) },
//		Logger:   log,
//	})
package provider

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/provider/metrics"
	"github.com/witgo-dev/witgo/runtime/wire"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// DefaultListen is where a provider listens unless told otherwise.
const DefaultListen = "tcp://127.0.0.1:7761"

// DefaultGrace bounds the drain of calls in flight at shutdown.
const DefaultGrace = 10 * time.Second

// Defaults of the in-memory engine's bounds: 10,000 buckets and 1 GiB of
// keys and values.
const (
	DefaultMaxBuckets     = 10000
	DefaultMaxMemoryBytes = 1 << 30
)

// Config is what a provider's command line sets. DefaultConfig gives the
// defaults; AddFlags binds every field to a flag.
type Config struct {
	// Listen is tcp://HOST:PORT or unix:///PATH.
	Listen string
	// CreateOnOpen creates unknown buckets on open; when false, opening one
	// is the WIT's no-such-store error.
	CreateOnOpen bool
	// Buckets are created at start (comma-separated on the command line).
	Buckets []string
	// MaxKeyBytes, MaxValueBytes and PageSize are the engine's limits.
	MaxKeyBytes, MaxValueBytes, PageSize int
	// MaxBuckets and MaxMemoryBytes bound the buckets and the bytes of keys
	// and values of the in-memory engine (engine.MaxBuckets,
	// engine.MaxBytes); 0 is no bound.
	MaxBuckets     int
	MaxMemoryBytes int64
	// MaxMessageBytes is the largest request, framing included. It is
	// raised to fit a value of MaxValueBytes with its key if smaller.
	MaxMessageBytes int
	// MaxConcurrent is the number of calls served at once.
	MaxConcurrent int
	// MaxConnections and MaxConnectionsPerRemote bound the connections
	// open at once, in total and from one IP address.
	MaxConnections, MaxConnectionsPerRemote int
	// HeaderTimeout bounds the time from accept to the end of a request's
	// header.
	HeaderTimeout time.Duration
	// MaxBytesInFlight bounds the request bytes buffered at once.
	MaxBytesInFlight int
	// CallTimeout is the deadline of every call's engine work.
	CallTimeout time.Duration
	// Grace bounds the drain of calls in flight at shutdown.
	Grace time.Duration
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel, LogFormat string
	// MetricsListen, if not empty, is the HOST:PORT where the metrics
	// (/metrics, in the Prometheus text format) and the health endpoints
	// (/healthz, /readyz, /livez) are served over HTTP; see package
	// metrics. Empty (the default) serves none.
	MetricsListen string
}

// DefaultConfig returns the defaults of every provider: listen on
// DefaultListen, create buckets on open, the engine's default limits.
func DefaultConfig() Config {
	d := engine.NewOptions()
	return Config{
		Listen:                  DefaultListen,
		CreateOnOpen:            true,
		MaxKeyBytes:             d.MaxKeyBytes,
		MaxValueBytes:           d.MaxValueBytes,
		PageSize:                d.PageSize,
		MaxMessageBytes:         wire.DefaultMaxMessage,
		MaxConcurrent:           wrpc.DefaultMaxConcurrentInvocations,
		MaxConnections:          wrpc.DefaultMaxConnections,
		MaxConnectionsPerRemote: wrpc.DefaultMaxConnectionsPerRemote,
		HeaderTimeout:           wrpc.DefaultHeaderTimeout,
		MaxBytesInFlight:        wrpc.DefaultMaxBytesInFlight,
		Grace:                   DefaultGrace,
		LogLevel:                "info",
		LogFormat:               "text",
	}
}

// AddFlags defines one flag per field of c on fs, with c's values as the
// defaults.
func (c *Config) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "address to serve wRPC on: tcp://HOST:PORT or unix:///PATH")
	fs.BoolVar(&c.CreateOnOpen, "create-on-open", c.CreateOnOpen, "create unknown buckets on open (false: opening one is no-such-store)")
	fs.Func("buckets", "comma-separated buckets to create at start", func(s string) error {
		c.Buckets = append(c.Buckets, strings.Split(s, ",")...)
		return nil
	})
	fs.IntVar(&c.MaxKeyBytes, "max-key-bytes", c.MaxKeyBytes, "largest key or bucket identifier, in bytes")
	fs.IntVar(&c.MaxValueBytes, "max-value-bytes", c.MaxValueBytes, "largest value, in bytes")
	fs.IntVar(&c.PageSize, "page-size", c.PageSize, "keys per list-keys page")
	fs.IntVar(&c.MaxBuckets, "max-buckets", c.MaxBuckets, "buckets the in-memory engine holds at most (0: no bound); one more is quota-exceeded or other")
	fs.Int64Var(&c.MaxMemoryBytes, "max-memory", c.MaxMemoryBytes, "bytes of keys and values the in-memory engine holds at most (0: no bound); a write over it is quota-exceeded or other")
	fs.IntVar(&c.MaxMessageBytes, "max-message-bytes", c.MaxMessageBytes, "largest request, in bytes, framing included (raised to fit --max-value-bytes)")
	fs.IntVar(&c.MaxConcurrent, "max-concurrent", c.MaxConcurrent, "calls served at once")
	fs.IntVar(&c.MaxConnections, "max-connections", c.MaxConnections, "connections open at once; more are closed as they are accepted")
	fs.IntVar(&c.MaxConnectionsPerRemote, "max-connections-per-remote", c.MaxConnectionsPerRemote, "connections open at once from one IP address")
	fs.DurationVar(&c.HeaderTimeout, "header-timeout", c.HeaderTimeout, "time from accept to the end of a request's header")
	fs.DurationVar(&c.CallTimeout, "call-timeout", c.CallTimeout, "deadline of each call's engine work; past it the call answers with the family's timeout or other error")
	fs.IntVar(&c.MaxBytesInFlight, "max-bytes-in-flight", c.MaxBytesInFlight, "request bytes buffered at once; a request that finds no room within a second is refused")
	fs.DurationVar(&c.Grace, "grace", c.Grace, "how long shutdown waits for calls in flight")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.StringVar(&c.MetricsListen, "metrics-listen", c.MetricsListen, "HOST:PORT to serve Prometheus metrics (/metrics) and health checks (/healthz, /readyz, /livez) on over HTTP; empty: none")
}

// Check reports the first flag value that cannot work, naming the flag, so
// that a command can treat it as a usage error before it starts anything.
func (c *Config) Check() error {
	if err := CheckAddress(c.Listen); err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	for _, n := range []struct {
		name string
		v    int
	}{
		{"max-key-bytes", c.MaxKeyBytes}, {"max-value-bytes", c.MaxValueBytes}, {"page-size", c.PageSize},
		{"max-message-bytes", c.MaxMessageBytes}, {"max-concurrent", c.MaxConcurrent},
		{"max-connections", c.MaxConnections}, {"max-connections-per-remote", c.MaxConnectionsPerRemote},
		{"max-bytes-in-flight", c.MaxBytesInFlight},
	} {
		if n.v <= 0 {
			return fmt.Errorf("--%s %d: want a positive number", n.name, n.v)
		}
	}
	if c.Grace < 0 {
		return fmt.Errorf("--grace %v: want a duration of 0 or more", c.Grace)
	}
	if c.MaxBuckets < 0 || c.MaxMemoryBytes < 0 {
		return fmt.Errorf("--max-buckets %d, --max-memory %d: want 0 (no bound) or more", c.MaxBuckets, c.MaxMemoryBytes)
	}
	if c.CallTimeout < 0 {
		return fmt.Errorf("--call-timeout %v: want a duration of 0 or more", c.CallTimeout)
	}
	if c.HeaderTimeout < 0 {
		return fmt.Errorf("--header-timeout %v: want a duration of 0 or more", c.HeaderTimeout)
	}
	if _, err := c.level(); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
	}
	if c.MetricsListen != "" {
		if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil || port == "" {
			return fmt.Errorf("--metrics-listen %q: want HOST:PORT (such as 127.0.0.1:9464 or :9464)", c.MetricsListen)
		}
	}
	return nil
}

func (c *Config) level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// Logger returns the structured logger that c's log flags describe,
// writing to w.
func (c *Config) Logger(w io.Writer) (*slog.Logger, error) {
	l, err := c.level()
	if err != nil {
		return nil, err
	}
	o := &slog.HandlerOptions{Level: l}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
}

// EngineOptions returns the engine options c sets, for any engine's
// constructor.
func (c *Config) EngineOptions() []engine.Option {
	return []engine.Option{
		engine.CreateOnOpen(c.CreateOnOpen),
		engine.Buckets(c.Buckets...),
		engine.MaxKeyBytes(c.MaxKeyBytes),
		engine.MaxValueBytes(c.MaxValueBytes),
		engine.PageSize(c.PageSize),
		engine.MaxBuckets(c.MaxBuckets),
		engine.MaxBytes(c.MaxMemoryBytes),
	}
}

// serverOptions returns the wRPC server options for an engine with options
// o: the wire limits fit a value of o.MaxValueBytes with its key.
func (c *Config) serverOptions(o engine.Options) []wrpc.ServerOption {
	mv, mk := o.MaxValueBytes, o.MaxKeyBytes
	lim := wire.Limits{MaxValue: max(mv, mk) + 1024, MaxMessage: max(c.MaxMessageBytes, mv+mk+4096)}
	return []wrpc.ServerOption{
		wrpc.WithServerLimits(lim),
		wrpc.WithMaxConcurrentInvocations(c.MaxConcurrent),
		wrpc.WithMaxConnections(c.MaxConnections, c.MaxConnectionsPerRemote),
		wrpc.WithHeaderTimeout(c.HeaderTimeout),
		wrpc.WithMaxBytesInFlight(c.MaxBytesInFlight),
		wrpc.WithCallTimeout(c.CallTimeout),
	}
}

// Service is what Run serves.
type Service struct {
	// Engine backs every world.
	Engine engine.Engine
	// Options are the engine's options in force (what its Options method
	// reports, if it has one); zero means the options of Config.
	Options engine.Options
	// Register registers the worlds on s, backed by e.
	Register func(s *wrpc.Server, e engine.Engine)
	// Logger gets the server's log; nil means slog.Default().
	Logger *slog.Logger
	// Attrs are more key-value pairs (as slog takes them) for the
	// "listening" line: the backend, where its data is, the worlds.
	Attrs []any
	// Ready, if set, is called with the listener's address once it
	// listens.
	Ready func(addr string)
	// MetricsReady, if set, is called with the URL of the metrics server
	// (http://HOST:PORT) once it listens (Config.MetricsListen).
	MetricsReady func(url string)
}

// Run listens on cfg.Listen and serves svc until ctx ends, then stops
// accepting, lets the calls in flight finish (up to cfg.Grace) and returns
// nil. It returns an error if it cannot listen or serve.
//
// An open of an unknown bucket refused because create-on-open is off is
// logged with the bucket's name, since the WIT's no-such-store error does
// not carry it back to the caller.
func Run(ctx context.Context, cfg Config, svc Service) error {
	log := svc.Logger
	if log == nil {
		log = slog.Default()
	}
	grace := cfg.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	opts := svc.Options
	if opts.MaxKeyBytes == 0 {
		opts = engine.NewOptions(cfg.EngineOptions()...)
	}
	l, err := Listen(cfg.Listen)
	if err != nil {
		return err
	}
	sopts := append([]wrpc.ServerOption{wrpc.WithLogger(log)}, cfg.serverOptions(opts)...)
	eng := svc.Engine
	var ms *metricsServer
	if cfg.MetricsListen != "" {
		ms, err = startMetrics(cfg.MetricsListen, svc.Engine, log)
		if err != nil {
			_ = l.Close()
			return err
		}
		defer ms.stop()
		sopts = append(sopts, wrpc.WithObserver(ms.m))
		eng = ms.m.CountErrors(eng)
	}
	srv := wrpc.NewServer(sopts...)
	svc.Register(srv, logRefusedOpens{eng, opts, log})
	attrs := append([]any{"addr", URL(l)}, svc.Attrs...)
	attrs = append(attrs,
		"create_on_open", opts.CreateOnOpen, "max_key_bytes", opts.MaxKeyBytes,
		"max_value_bytes", opts.MaxValueBytes, "page_size", opts.PageSize)
	if ms != nil {
		ms.m.Observe(srv)
		go ms.serve(log)
		attrs = append(attrs, "metrics_url", ms.url)
	}
	log.Info("listening", attrs...)
	if ms != nil && svc.MetricsReady != nil {
		svc.MetricsReady(ms.url)
	}
	if svc.Ready != nil {
		svc.Ready(URL(l))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	if ms != nil {
		ms.m.SetDraining(true)
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, wrpc.ErrServerClosed) {
		log.Warn("serve", "err", serr)
	}
	if l.Addr().Network() == "unix" {
		_ = os.Remove(l.Addr().String())
	}
	if err != nil {
		log.Warn("calls still running after the grace period were cancelled", "err", err)
	} else {
		log.Info("stopped")
	}
	return nil
}

// metricsServer serves a provider's metrics and health endpoints over HTTP.
type metricsServer struct {
	m   *metrics.Metrics
	hs  *http.Server
	l   net.Listener
	url string
}

// startMetrics listens on addr (HOST:PORT) for the metrics server of an
// engine e, whose health it reports if e is an engine.HealthChecker.
func startMetrics(addr string, e engine.Engine, log *slog.Logger) (*metricsServer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	m := metrics.New()
	if h, ok := e.(engine.HealthChecker); ok {
		m.SetHealth(h)
	}
	return &metricsServer{
		m: m,
		hs: &http.Server{
			Handler:           m.Handler(),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       time.Minute,
			MaxHeaderBytes:    16 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		},
		l:   l,
		url: "http://" + l.Addr().String(),
	}, nil
}

func (s *metricsServer) serve(log *slog.Logger) {
	if err := s.hs.Serve(s.l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("metrics server stopped", "err", err)
	}
}

// stop closes the metrics server once the wRPC server has stopped: its
// scrapes in progress get a second to finish.
func (s *metricsServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		_ = s.hs.Close()
	}
	_ = s.l.Close() // if Serve never ran
}

// logRefusedOpens logs opens refused with ErrNoSuchStore. It reports the
// engine's options, as memory and nats engines do, for backends that size
// buffers by them.
type logRefusedOpens struct {
	engine.Engine
	opts engine.Options
	log  *slog.Logger
}

func (e logRefusedOpens) Options() engine.Options { return e.opts }

// maxLoggedName bounds how much of a client-chosen bucket name is logged.
const maxLoggedName = 128

func (e logRefusedOpens) Open(ctx context.Context, bucket string) (engine.Bucket, error) {
	b, err := e.Engine.Open(ctx, bucket)
	if errors.Is(err, engine.ErrNoSuchStore) {
		name := bucket
		if len(name) > maxLoggedName {
			name = name[:maxLoggedName] + "…"
		}
		e.log.Info("open refused: no such bucket (create-on-open is off; create it with --buckets)",
			"bucket", fmt.Sprintf("%q", name))
	}
	return b, err
}

// CheckAddress reports whether addr is a listener address Listen takes,
// without listening.
func CheckAddress(addr string) error {
	_, _, err := parseAddress(addr)
	return err
}

// parseAddress splits "tcp://HOST:PORT" or "unix:///PATH" (also
// unix://relative/path) into a network and an address.
func parseAddress(addr string) (network, address string, err error) {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" {
		return "", "", fmt.Errorf("%q: want tcp://HOST:PORT or unix:///PATH", addr)
	}
	switch u.Scheme {
	case "tcp":
		if u.Host == "" || u.Path != "" || u.Port() == "" {
			return "", "", fmt.Errorf("%q: want tcp://HOST:PORT", addr)
		}
		return "tcp", u.Host, nil
	case "unix":
		path := u.Path
		if u.Host != "" { // unix://relative/path
			path = u.Host + u.Path
		}
		if path == "" {
			return "", "", fmt.Errorf("%q: want unix:///PATH", addr)
		}
		return "unix", path, nil
	default:
		return "", "", fmt.Errorf("%q: unknown scheme %q (want tcp or unix)", addr, u.Scheme)
	}
}

// Listen opens a listener for "tcp://HOST:PORT" or "unix:///PATH". A stale
// Unix socket file (one no server answers on) is removed first.
func Listen(addr string) (net.Listener, error) {
	network, address, err := parseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %w", err)
	}
	if network == "unix" {
		if fi, err := os.Stat(address); err == nil && fi.Mode()&os.ModeSocket != 0 {
			if c, err := net.Dial("unix", address); err == nil {
				c.Close()
				return nil, fmt.Errorf("listen %s: a server is already listening there", address)
			}
			_ = os.Remove(address)
		}
	}
	return net.Listen(network, address)
}

// URL returns the address of l in the form Listen takes.
func URL(l net.Listener) string {
	a := l.Addr()
	if a.Network() == "unix" {
		return "unix://" + a.String()
	}
	return a.Network() + "://" + a.String()
}
