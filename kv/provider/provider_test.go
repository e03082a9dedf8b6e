package provider_test

import (
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/syncbuf"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/kv/provider"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct{ addr, err string }{
		{"tcp://127.0.0.1:7761", ""},
		{"tcp://[::1]:0", ""},
		{"unix:///tmp/kv.sock", ""},
		{"unix://kv.sock", ""},
		{"127.0.0.1:7761", `"127.0.0.1:7761": want tcp://HOST:PORT or unix:///PATH`},
		{"http://x", `"http://x": unknown scheme "http" (want tcp or unix)`},
		{"tcp://127.0.0.1", `"tcp://127.0.0.1": want tcp://HOST:PORT`},
		{"tcp://127.0.0.1:1/x", `"tcp://127.0.0.1:1/x": want tcp://HOST:PORT`},
		{"unix://", `"unix://": want unix:///PATH`},
	} {
		err := provider.CheckAddress(tc.addr)
		if got := errString(err); got != tc.err {
			t.Errorf("CheckAddress(%q) = %q, want %q", tc.addr, got, tc.err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestFlags(t *testing.T) {
	cfg := provider.DefaultConfig()
	fs := flag.NewFlagSet("p", flag.ContinueOnError)
	cfg.AddFlags(fs)
	err := fs.Parse([]string{"--listen", "unix:///x.sock", "--create-on-open=false", "--buckets", "a,b", "--buckets", "c",
		"--max-key-bytes", "10", "--max-value-bytes", "20", "--page-size", "3", "--grace", "1s", "--log-format", "json"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	o := engine.NewOptions(cfg.EngineOptions()...)
	if o.CreateOnOpen || !slices.Equal(o.Buckets, []string{"a", "b", "c"}) || o.MaxKeyBytes != 10 || o.MaxValueBytes != 20 || o.PageSize != 3 {
		t.Errorf("engine options %+v", o)
	}
	if cfg.Listen != "unix:///x.sock" || cfg.Grace != time.Second {
		t.Errorf("config %+v", cfg)
	}
	// The defaults are witgo serve's: create on open, the engine's limits.
	d := provider.DefaultConfig()
	if !d.CreateOnOpen || d.Listen != "tcp://127.0.0.1:7761" || d.MaxValueBytes != engine.DefaultMaxValueBytes {
		t.Errorf("defaults %+v", d)
	}
	for _, bad := range [][]string{{"--listen", "x"}, {"--page-size", "-1"}, {"--log-level", "x"}, {"--log-format", "xml"}, {"--grace", "-1s"}} {
		cfg := provider.DefaultConfig()
		fs := flag.NewFlagSet("p", flag.ContinueOnError)
		cfg.AddFlags(fs)
		if err := fs.Parse(bad); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("Check after %q = %v, want an error naming %s", bad, err, bad[0])
		}
	}
}

// TestRun serves the draft2 family over a Unix socket with create-on-open
// off: a known bucket works, an unknown one is no-such-store and the log
// names it, and cancelling the context stops the provider cleanly and
// removes the socket.
func TestRun(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "kv.sock")
	cfg := provider.DefaultConfig()
	cfg.Listen = "unix://" + sock
	cfg.CreateOnOpen = false
	cfg.Buckets = []string{"known"}
	var logs syncbuf.Buffer
	log, err := cfg.Logger(&logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- provider.Run(ctx, cfg, provider.Service{
			Engine:   memory.New(cfg.EngineOptions()...),
			Register: func(s *wrpc.Server, e engine.Engine) { draft2.Register(s, backend.New(e)) },
			Logger:   log,
			Attrs:    []any{"world", "test"},
			Ready:    func(addr string) { ready <- addr },
		})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	if addr != "unix://"+sock {
		t.Errorf("ready at %q, want unix://%s", addr, sock)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	kv := store.NewClient(wrpc.DialUnix(sock))
	b, err := kv.Open(cctx, "known")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(cctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Open(cctx, "no-such-bucket"); !errors.Is(err, store.ErrNoSuchStore) {
		t.Fatalf("open of an unknown bucket: %v, want no-such-store", err)
	}
	long := strings.Repeat("x", 1000)
	if _, err := kv.Open(cctx, long); !errors.Is(err, store.ErrNoSuchStore) {
		t.Fatalf("open of an unknown bucket: %v, want no-such-store", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v after the context ended", err)
	}
	out := logs.String()
	for _, want := range []string{
		`msg=listening addr=unix://` + sock + ` world=test create_on_open=false`,
		`msg="open refused: no such bucket (create-on-open is off; create it with --buckets)" bucket="\"no-such-bucket\""`,
		`bucket="\"` + strings.Repeat("x", 128) + `…\""`,
		`msg=stopped`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, strings.Repeat("x", 129)) {
		t.Error("the log holds more than 128 bytes of a bucket name")
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
}

func TestListenBusy(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "kv.sock")
	l, err := provider.Listen("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := provider.Listen("unix://" + sock); err == nil || !strings.Contains(err.Error(), "a server is already listening there") {
		t.Errorf("second Listen = %v", err)
	}
	// A stale socket file (no server behind it) is replaced.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	l2, err := provider.Listen("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
}

// A provider started with no flags is bounded: buckets, memory, call time,
// handles, and the Go heap.
func TestDefaultsAreBounded(t *testing.T) {
	cfg := provider.DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.AddFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	o := engine.NewOptions(cfg.EngineOptions()...)
	if o.MaxBuckets != provider.DefaultMaxBuckets || o.MaxBytes != provider.DefaultMaxMemoryBytes {
		t.Errorf("engine bounds by default: %d buckets, %d bytes", o.MaxBuckets, o.MaxBytes)
	}
	if cfg.CallTimeout != wrpc.DefaultCallTimeout {
		t.Errorf("call timeout by default: %v", cfg.CallTimeout)
	}
	if cfg.MaxHandles != wrpc.DefaultMaxHandles || cfg.MaxHandleBytes != wrpc.DefaultMaxHandleBytes {
		t.Errorf("handle bounds by default: %d handles, %d bytes", cfg.MaxHandles, cfg.MaxHandleBytes)
	}
	want := int64(wrpc.DefaultMaxBytesInFlight) + wrpc.DefaultMaxHandleBytes + provider.DefaultMaxMemoryBytes + 64<<20
	if got := cfg.MemoryLimit(); got != want {
		t.Errorf("memory limit %d, want %d", got, want)
	}
	cfg.MaxMemoryBytes = 0
	if got := cfg.MemoryLimit(); got != 0 {
		t.Errorf("memory limit %d with an unbounded engine, want none", got)
	}
}
