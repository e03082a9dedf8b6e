// Package serve runs witgo's keyvalue provider: every bundled keyvalue
// family, backed by one engine, served over wRPC on one listener. It is what
// "witgo serve" runs.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	earlybackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draft "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"
	draftbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	wrpckv "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"
	wrpckvbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports/backend"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// Families are the keyvalue worlds Register serves, by WIT name.
var Families = []string{
	"wasi:keyvalue/imports@0.2.0-draft (early: types, eventual, atomic, eventual-batch)",
	"wasi:keyvalue/imports@0.2.0-draft (store, atomics, batch)",
	"wasi:keyvalue/imports@0.2.0-draft2",
	"wrpc:keyvalue/imports@0.2.0-draft",
}

// Register serves every keyvalue family on s, all backed by e. Their
// instance names differ, so they share one server.
func Register(s *wrpc.Server, e engine.Engine) {
	early.Register(s, earlybackend.New(e))
	draft.Register(s, draftbackend.New(e))
	draft2.Register(s, draft2backend.New(e))
	wrpckv.Register(s, wrpckvbackend.New(e))
}

// Listen opens a listener for "tcp://host:port" or "unix:///path". A stale
// Unix socket file is removed first.
func Listen(addr string) (net.Listener, error) {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("listen address %q: want tcp://HOST:PORT or unix:///PATH", addr)
	}
	switch u.Scheme {
	case "tcp":
		if u.Host == "" || u.Path != "" {
			return nil, fmt.Errorf("listen address %q: want tcp://HOST:PORT", addr)
		}
		return net.Listen("tcp", u.Host)
	case "unix":
		path := u.Path
		if u.Host != "" { // unix://relative/path
			path = u.Host + u.Path
		}
		if path == "" {
			return nil, fmt.Errorf("listen address %q: want unix:///PATH", addr)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			if c, err := net.Dial("unix", path); err == nil {
				c.Close()
				return nil, fmt.Errorf("listen %s: a server is already listening there", path)
			}
			_ = os.Remove(path)
		}
		return net.Listen("unix", path)
	default:
		return nil, fmt.Errorf("listen address %q: unknown scheme %q (want tcp or unix)", addr, u.Scheme)
	}
}

// URL returns the listen address of l in the form Listen takes.
func URL(l net.Listener) string {
	a := l.Addr()
	if a.Network() == "unix" {
		return "unix://" + a.String()
	}
	return a.Network() + "://" + a.String()
}

// Config configures Run.
type Config struct {
	Listen  string // tcp://HOST:PORT or unix:///PATH
	Engine  engine.Engine
	Backend string         // the engine's name, for the logs
	Options engine.Options // the engine's options, for the logs
	// BackendAttrs are more key-value pairs (as slog takes them) that
	// describe the engine in the "listening" line, say where its data is.
	BackendAttrs []any
	Logger       *slog.Logger
	// Grace bounds the drain of calls in flight at shutdown (default 10 s).
	Grace         time.Duration
	ServerOptions []wrpc.ServerOption
	// Ready, if set, is called with the listener's address once it listens.
	Ready func(addr string)
}

// Run serves until ctx ends, then drains the calls in flight (up to Grace)
// and returns nil; it returns an error if it cannot listen or serve.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * time.Second
	}
	l, err := Listen(cfg.Listen)
	if err != nil {
		return err
	}
	srv := wrpc.NewServer(append([]wrpc.ServerOption{wrpc.WithLogger(log)}, cfg.ServerOptions...)...)
	Register(srv, cfg.Engine)
	opts := cfg.Options
	attrs := append([]any{"addr", URL(l), "backend", cfg.Backend}, cfg.BackendAttrs...)
	log.Info("listening", append(attrs,
		"create_on_open", opts.CreateOnOpen, "max_key_bytes", opts.MaxKeyBytes,
		"max_value_bytes", opts.MaxValueBytes, "page_size", opts.PageSize,
		"families", strings.Join(Families, "; "))...)
	if cfg.Ready != nil {
		cfg.Ready(URL(l))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.Grace)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Grace)
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
