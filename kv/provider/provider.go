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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/policy"
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
	// Listen is tcp://HOST:PORT, tls://HOST:PORT, quic://HOST:PORT or unix:///PATH (see
	// wrpc.Listen).
	Listen string
	// TLSCert and TLSKey are the PEM files of the server's certificate
	// (its chain, leaf first) and key, for a tls:// listener.
	TLSCert, TLSKey string
	// TLSClientCA, if set, is a PEM file of the CA certificates that sign
	// client certificates: every client must then present one they signed,
	// and its identity is the caller's principal (wrpc.PeerFromContext).
	TLSClientCA string
	// Insecure lets a plain tcp:// listener on an address other than
	// loopback start (protected mode; see ProtectedModeError).
	Insecure bool
	// CreateOnOpen creates unknown buckets on open; when false, opening one
	// is the WIT's no-such-store error.
	CreateOnOpen bool
	// Buckets are created at start (comma-separated on the command line).
	Buckets []string
	// MaxKeyBytes, MaxValueBytes and PageSize are the engine's limits.
	MaxKeyBytes, MaxValueBytes, PageSize int
	// MaxBuckets and MaxMemoryBytes bound the buckets and the bytes of keys
	// and values of the in-memory engine (engine.MaxBuckets, which the NATS
	// engine honours too,
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
	// MaxHandles and MaxHandlesPerClient bound the server's handle table
	// (resource values such as outgoing values and streams), in all and
	// for one client; 0 per client is a sixteenth of MaxHandles.
	MaxHandles, MaxHandlesPerClient int
	// MaxHandleBytes and MaxHandleBytesPerClient bound the bytes those
	// values hold; 0 per client is a quarter of MaxHandleBytes.
	MaxHandleBytes, MaxHandleBytesPerClient int64
	// Grace bounds the drain of calls in flight at shutdown.
	Grace time.Duration
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel, LogFormat string
	// PolicyFile is the access policy (package kv/policy) that every call
	// is checked against, for the caller's principal; "" is no policy:
	// every caller may do everything, except behind a listener that requires
	// client certificates, where no one may do anything (see Policy). A
	// policy satisfies protected mode too.
	PolicyFile string
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
		MaxHandles:              wrpc.DefaultMaxHandles,
		MaxHandleBytes:          wrpc.DefaultMaxHandleBytes,
		MaxBuckets:              DefaultMaxBuckets,
		MaxMemoryBytes:          DefaultMaxMemoryBytes,
		CallTimeout:             wrpc.DefaultCallTimeout,
		Grace:                   DefaultGrace,
		LogLevel:                "info",
		LogFormat:               "text",
	}
}

// AddFlags defines one flag per field of c on fs, with c's values as the
// defaults.
func (c *Config) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "address to serve wRPC on: tcp://HOST:PORT, tls://HOST:PORT, quic://HOST:PORT or unix:///PATH")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "server certificate chain, PEM, leaf first (--listen tls://)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "server private key, PEM (--listen tls://)")
	fs.StringVar(&c.TLSClientCA, "tls-client-ca", c.TLSClientCA, "CA certificates, PEM: clients must present a certificate they signed, whose identity (URI SAN, else DNS SAN, else CN) names the caller (--listen tls://)")
	fs.BoolVar(&c.Insecure, "insecure", c.Insecure, "serve plain tcp:// on an address other than loopback, where anyone who can reach it can read and write every bucket")
	fs.BoolVar(&c.CreateOnOpen, "create-on-open", c.CreateOnOpen, "create unknown buckets on open (false: opening one is no-such-store)")
	fs.Func("buckets", "comma-separated buckets to create at start", func(s string) error {
		c.Buckets = append(c.Buckets, strings.Split(s, ",")...)
		return nil
	})
	fs.IntVar(&c.MaxKeyBytes, "max-key-bytes", c.MaxKeyBytes, "largest key or bucket identifier, in bytes")
	fs.IntVar(&c.MaxValueBytes, "max-value-bytes", c.MaxValueBytes, "largest value, in bytes")
	fs.IntVar(&c.PageSize, "page-size", c.PageSize, "keys per list-keys page")
	fs.IntVar(&c.MaxBuckets, "max-buckets", c.MaxBuckets, "buckets the in-memory and NATS engines hold at most (0: no bound); one more is quota-exceeded or other")
	fs.Int64Var(&c.MaxMemoryBytes, "max-memory", c.MaxMemoryBytes, "bytes of keys and values the in-memory engine holds at most (0: no bound); a write over it is quota-exceeded or other")
	fs.IntVar(&c.MaxMessageBytes, "max-message-bytes", c.MaxMessageBytes, "largest request, in bytes, framing included (raised to fit --max-value-bytes)")
	fs.IntVar(&c.MaxConcurrent, "max-concurrent", c.MaxConcurrent, "calls served at once")
	fs.IntVar(&c.MaxConnections, "max-connections", c.MaxConnections, "connections open at once; more are closed as they are accepted")
	fs.IntVar(&c.MaxConnectionsPerRemote, "max-connections-per-remote", c.MaxConnectionsPerRemote, "connections open at once from one IP address")
	fs.DurationVar(&c.HeaderTimeout, "header-timeout", c.HeaderTimeout, "time from accept to the end of a request's header")
	fs.DurationVar(&c.CallTimeout, "call-timeout", c.CallTimeout, "deadline of each call's engine work; past it the call answers with the family's timeout or other error")
	fs.IntVar(&c.MaxBytesInFlight, "max-bytes-in-flight", c.MaxBytesInFlight, "request bytes buffered at once; a request that finds no room within a second is refused")
	fs.IntVar(&c.MaxHandles, "max-handles", c.MaxHandles, "resource handles (outgoing and incoming values, streams) the server holds at once")
	fs.IntVar(&c.MaxHandlesPerClient, "max-handles-per-client", c.MaxHandlesPerClient, "handles one client may hold (0: a sixteenth of --max-handles); over it, calls that can fail get \"too many open handles: limit N per client\"")
	fs.Int64Var(&c.MaxHandleBytes, "max-handle-bytes", c.MaxHandleBytes, "bytes the values behind handles hold at once (outgoing values being written, incoming values being read)")
	fs.Int64Var(&c.MaxHandleBytesPerClient, "max-handle-bytes-per-client", c.MaxHandleBytesPerClient, "bytes behind one client's handles (0: a quarter of --max-handle-bytes)")
	fs.DurationVar(&c.Grace, "grace", c.Grace, "how long shutdown waits for calls in flight")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.StringVar(&c.PolicyFile, "policy", c.PolicyFile, "access policy `file`: which principals may read, write or create which buckets (deny by default; see package kv/policy)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", c.MetricsListen, "HOST:PORT to serve Prometheus metrics (/metrics) and health checks (/healthz, /readyz, /livez) on over HTTP; empty: none")
}

// Check reports the first flag value that cannot work, naming the flag, so
// that a command can treat it as a usage error before it starts anything.
func (c *Config) Check() error {
	if err := CheckAddress(c.Listen); err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	if err := c.checkTLS(); err != nil {
		return err
	}
	if err := ProtectedModeError(*c); err != nil {
		return err
	}
	for _, n := range []struct {
		name string
		v    int
	}{
		{"max-key-bytes", c.MaxKeyBytes}, {"max-value-bytes", c.MaxValueBytes}, {"page-size", c.PageSize},
		{"max-message-bytes", c.MaxMessageBytes}, {"max-concurrent", c.MaxConcurrent},
		{"max-connections", c.MaxConnections}, {"max-connections-per-remote", c.MaxConnectionsPerRemote},
		{"max-bytes-in-flight", c.MaxBytesInFlight}, {"max-handles", c.MaxHandles},
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
	if c.MaxHandlesPerClient < 0 || c.MaxHandleBytes <= 0 || c.MaxHandleBytesPerClient < 0 {
		return fmt.Errorf("--max-handles-per-client %d, --max-handle-bytes %d, --max-handle-bytes-per-client %d: want 0 (the default share) or more, and a positive --max-handle-bytes",
			c.MaxHandlesPerClient, c.MaxHandleBytes, c.MaxHandleBytesPerClient)
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
	if _, err := c.Policy(); err != nil {
		return err
	}
	if c.MetricsListen != "" {
		if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil || port == "" {
			return fmt.Errorf("--metrics-listen %q: want HOST:PORT (such as 127.0.0.1:9464 or :9464)", c.MetricsListen)
		}
	}
	return nil
}

// Policy returns the access policy c sets: the rules of PolicyFile; with
// no PolicyFile, nil (every call is allowed), except that a listener that
// requires client certificates (TLSClientCA) denies every principal until a
// policy says who may do what. A file that cannot be read or has a line
// that is not a rule is an error that names the file, and the line.
func (c *Config) Policy() (*policy.Policy, error) {
	if c.PolicyFile == "" {
		if c.usesTLS() && c.TLSClientCA != "" {
			return policy.DenyAll(), nil
		}
		return nil, nil
	}
	p, err := policy.Load(c.PolicyFile)
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	return p, nil
}

// usesTLS reports whether the listener of c runs TLS (tls://, quic://).
func (c *Config) usesTLS() bool {
	scheme, _, err := wrpc.ParseURL(c.Listen)
	return err == nil && (scheme == "tls" || scheme == "quic")
}

// checkTLS checks that the TLS flags go together and with the listener.
func (c *Config) checkTLS() error {
	if !c.usesTLS() {
		for _, f := range []struct{ name, v string }{{"tls-cert", c.TLSCert}, {"tls-key", c.TLSKey}, {"tls-client-ca", c.TLSClientCA}} {
			if f.v != "" {
				return fmt.Errorf("--%s needs --listen tls://HOST:PORT or quic://HOST:PORT", f.name)
			}
		}
		return nil
	}
	if c.TLSCert == "" || c.TLSKey == "" {
		return fmt.Errorf("--listen %s needs --tls-cert and --tls-key (the server's certificate and key)", c.Listen)
	}
	return nil
}

// ProtectedModeError refuses, in the manner of Redis's protected mode, a
// provider that anyone on the network could use: a plain tcp:// listener on
// an address other than loopback, unless c.Insecure is set or a policy
// (c.PolicyFile) says who may call. TLS listeners, Unix sockets and
// loopback addresses pass. Check calls it; so does Run.
func ProtectedModeError(c Config) error {
	scheme, addr, err := wrpc.ParseURL(c.Listen)
	if err != nil || scheme != "tcp" || c.Insecure || c.PolicyFile != "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil // ParseURL checked the form
	}
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
		return nil
	}
	return fmt.Errorf("--listen %s: protected mode: plain TCP on an address other than loopback lets anyone who can reach it read and write every bucket. "+
		"Serve over TLS with client certificates (--listen tls://HOST:PORT --tls-cert FILE --tls-key FILE --tls-client-ca FILE), "+
		"or say who may call with a policy (--policy FILE), "+
		"or, on a network you trust, pass --insecure", c.Listen)
}

// TLSConfig returns the TLS configuration of c's tls:// listener: the
// certificate of --tls-cert and --tls-key, and with --tls-client-ca,
// client certificates required and verified against those CAs. It is nil
// for other listeners.
func (c *Config) TLSConfig() (*tls.Config, error) {
	if !c.usesTLS() {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", c.TLSCert, c.TLSKey, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	if c.TLSClientCA != "" {
		pem, err := os.ReadFile(c.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-client-ca %s: no PEM certificate in it", c.TLSClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
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
		wrpc.WithHandleTable(c.MaxHandles, 0),
		wrpc.WithHandleQuota(c.MaxHandlesPerClient),
		wrpc.WithHandleBytes(c.MaxHandleBytes, c.MaxHandleBytesPerClient),
	}
}

// memoryHeadroom is what MemoryLimit adds to the budgets: the runtime, the
// connections' buffers, the handlers' own allocations.
const memoryHeadroom = 32 << 20

// MemoryLimit is the Go memory limit Run sets (runtime/debug.SetMemoryLimit)
// unless GOMEMLIMIT is set: the sum of the budgets (request bytes in flight,
// bytes behind handles, the in-memory engine's keys and values) plus 32 MiB,
// so that the collector runs before garbage takes the heap past what the
// budgets allow. It is 0 (no limit) when the engine's memory is unbounded.
func (c *Config) MemoryLimit() int64 {
	if c.MaxMemoryBytes <= 0 {
		return 0
	}
	return int64(c.MaxBytesInFlight) + c.MaxHandleBytes + c.MaxMemoryBytes + memoryHeadroom
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
//
// With cfg.PolicyFile, every call is checked against the policy for the
// caller's principal (policy.Wrap): a call the policy does not allow is the
// family's access-denied error, or other where the WIT has no such case.
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
	if err := ProtectedModeError(cfg); err != nil {
		return err
	}
	pol, err := cfg.Policy()
	if err != nil {
		return err
	}
	e := svc.Engine
	if pol != nil {
		e = policy.Wrap(reportOptions(e, opts), pol)
	}
	tlsCfg, err := cfg.TLSConfig()
	if err != nil {
		return err
	}
	l, err := wrpc.Listen(cfg.Listen, wrpc.WithListenTLSConfig(tlsCfg))
	if err != nil {
		return err
	}
	if lim := cfg.MemoryLimit(); lim > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(lim)
		log.Debug("Go memory limit set to the sum of the budgets", "bytes", lim)
	}
	sopts := append([]wrpc.ServerOption{wrpc.WithLogger(log)}, cfg.serverOptions(opts)...)
	var ms *metricsServer
	if cfg.MetricsListen != "" {
		ms, err = startMetrics(cfg.MetricsListen, svc.Engine, log)
		if err != nil {
			_ = l.Close()
			return err
		}
		defer ms.stop()
		sopts = append(sopts, wrpc.WithObserver(ms.m))
		e = ms.m.CountErrors(e)
	}
	srv := wrpc.NewServer(sopts...)
	svc.Register(srv, logRefusedOpens{e, opts, log})
	attrs := []any{"addr", URL(l)}
	if tlsCfg != nil {
		auth := "none"
		if tlsCfg.ClientCAs != nil {
			auth = "required"
		}
		attrs = append(attrs, "client_certificates", auth)
	}
	if pol != nil {
		attrs = append(attrs, "policy", pol.File(), "policy_rules", len(pol.Rules()))
	}
	attrs = append(attrs, svc.Attrs...)
	attrs = append(attrs,
		"create_on_open", opts.CreateOnOpen, "max_key_bytes", opts.MaxKeyBytes,
		"max_value_bytes", opts.MaxValueBytes, "page_size", opts.PageSize)
	if ms != nil {
		ms.m.Observe(srv)
		go ms.serve(log)
		attrs = append(attrs, "metrics_url", ms.url)
	}
	log.Info("listening", attrs...)
	if tlsCfg != nil && tlsCfg.ClientCAs == nil && cfg.PolicyFile == "" {
		log.Warn("TLS without --tls-client-ca: traffic is encrypted, but any client that reaches the listener can call")
	}
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

// reportOptions returns e reporting the options opts (so that the policy
// knows whether e creates buckets on open), and opening buckets without
// creating them if e can (engine.ExistingOpener).
func reportOptions(e engine.Engine, opts engine.Options) engine.Engine {
	w := withOptions{e, opts}
	if eo, ok := e.(engine.ExistingOpener); ok {
		return withOptionsExisting{w, eo}
	}
	return w
}

type withOptions struct {
	engine.Engine
	opts engine.Options
}

func (w withOptions) Options() engine.Options { return w.opts }

type withOptionsExisting struct {
	withOptions
	engine.ExistingOpener
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
	_, _, err := wrpc.ParseURL(addr)
	return err
}

// Listen opens a listener for tcp://HOST:PORT or unix:///PATH (wrpc.Listen;
// a stale Unix socket file, one no server answers on, is removed first).
// Run listens on tls:// too, with the configuration's certificates.
func Listen(addr string) (net.Listener, error) {
	return wrpc.Listen(addr)
}

// URL returns the address of l in the form Listen takes
// (wrpc.ListenerURL).
func URL(l net.Listener) string {
	return wrpc.ListenerURL(l)
}
