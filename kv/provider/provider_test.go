package provider_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/syncbuf"
	"github.com/witgo-dev/witgo/internal/testcerts"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/kv/policy"
	"github.com/witgo-dev/witgo/kv/provider"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct{ addr, err string }{
		{"tcp://127.0.0.1:7761", ""},
		{"tcp://[::1]:0", ""},
		{"unix:///tmp/kv.sock", ""},
		{"unix://kv.sock", ""},
		{"tls://127.0.0.1:7761", ""},
		{"tls://localhost:7761", ""},
		{"127.0.0.1:7761", `"127.0.0.1:7761": want tcp://HOST:PORT, tls://HOST:PORT, quic://HOST:PORT or unix:///PATH`},
		{"http://x", `"http://x": unknown scheme "http" (want tcp, tls, quic or unix)`},
		{"tls://127.0.0.1", `"tls://127.0.0.1": want tls://HOST:PORT`},
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
	// A value at the limit goes and comes back with the client's default
	// limits.
	big := bytes.Repeat([]byte{0xa5}, cfg.MaxValueBytes)
	if err := b.Set(cctx, "big", big); err != nil {
		t.Fatalf("set of a value at the limit: %v", err)
	}
	if got, ok, err := b.Get(cctx, "big"); err != nil || !ok || !bytes.Equal(got, big) {
		t.Fatalf("get of a value at the limit: %v", err)
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
	want := int64(wrpc.DefaultMaxBytesInFlight) + wrpc.DefaultMaxHandleBytes + provider.DefaultMaxMemoryBytes + 32<<20
	if got := cfg.MemoryLimit(); got != want {
		t.Errorf("memory limit %d, want %d", got, want)
	}
	cfg.MaxMemoryBytes = 0
	if got := cfg.MemoryLimit(); got != 0 {
		t.Errorf("memory limit %d with an unbounded engine, want none", got)
	}
}

// TestPolicyFlag: --policy names a policy file; Check rejects a bad one
// with its file and line, before anything starts, and so does Run.
func TestPolicyFlag(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.policy")
	if err := os.WriteFile(bad, []byte("# rules\nuid:1 * read\nuid:2 *\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := provider.DefaultConfig()
	fs := flag.NewFlagSet("p", flag.ContinueOnError)
	cfg.AddFlags(fs)
	if err := fs.Parse([]string{"--policy", bad}); err != nil {
		t.Fatal(err)
	}
	if cfg.PolicyFile != bad {
		t.Fatalf("PolicyFile = %q", cfg.PolicyFile)
	}
	want := "--policy: " + bad + ":3: 2 fields, want 3: PRINCIPAL BUCKET RIGHTS"
	if err := cfg.Check(); err == nil || err.Error() != want {
		t.Errorf("Check = %v, want %s", err, want)
	}
	sock := filepath.Join(dir, "kv.sock")
	cfg.Listen = "unix://" + sock
	err := provider.Run(t.Context(), cfg, provider.Service{
		Engine:   memory.New(),
		Register: func(s *wrpc.Server, e engine.Engine) { t.Error("Run registered worlds with a bad policy") },
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err == nil || err.Error() != want {
		t.Errorf("Run = %v, want %s", err, want)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Run with a bad policy listened: %v", err)
	}
	cfg.PolicyFile = filepath.Join(dir, "missing.policy")
	if err := cfg.Check(); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "--policy") {
		t.Errorf("Check with a missing file = %v", err)
	}
	cfg.PolicyFile = ""
	if p, err := cfg.Policy(); p != nil || err != nil {
		t.Errorf("Policy() without a file = %v, %v; want none", p, err)
	}
}

// TestRunWithPolicy serves the draft2 family over a Unix socket, where the
// caller's principal is uid:N, with a policy: each call is allowed or
// denied as the policy says, a denial is the WIT's access-denied, and the
// connection stays usable after one.
func TestRunWithPolicy(t *testing.T) {
	dir := t.TempDir()
	me := "uid:" + strconv.Itoa(os.Getuid())
	file := filepath.Join(dir, "kv.policy")
	rules := me + " ro read\n" + me + " rw read,write\n" + me + " new-* create\nuid:4294967294 * read,write,create\n"
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "kv.sock")
	cfg := provider.DefaultConfig()
	cfg.Listen = "unix://" + sock
	cfg.Buckets = []string{"ro", "rw", "secret"}
	cfg.PolicyFile = file
	var logs syncbuf.Buffer
	stop := start(t, cfg, memory.New(cfg.EngineOptions()...), &logs)
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	kv := store.NewClient(wrpc.DialUnix(sock))
	denied := func(what string, err error) {
		t.Helper()
		var se store.Error
		if !errors.As(err, &se) || se.Case() != store.ErrorCaseAccessDenied {
			t.Errorf("%s: err = %v, want access-denied", what, err)
		}
	}
	rw, err := kv.Open(cctx, "rw")
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Set(cctx, "k", []byte("v")); err != nil {
		t.Fatalf("set in rw: %v", err)
	}
	ro, err := kv.Open(cctx, "ro")
	if err != nil {
		t.Fatal(err)
	}
	denied("set in ro", ro.Set(cctx, "k", []byte("v")))
	if _, ok, err := ro.Get(cctx, "k"); err != nil || ok {
		t.Errorf("get in ro: %v %v (the denied set must not have written)", ok, err)
	}
	_, err = kv.Open(cctx, "secret")
	denied("open secret", err)
	_, err = kv.Open(cctx, "unknown")
	denied("open unknown", err)
	nb, err := kv.Open(cctx, "new-1")
	if err != nil {
		t.Fatalf("open new-1 with create: %v", err)
	}
	_, _, err = nb.Get(cctx, "k")
	denied("get in new-1 with create only", err)
	if v, _, err := rw.Get(cctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("get in rw after denials: %q %v", v, err)
	}
	stop()
	if want := "policy=" + file + " policy_rules=4"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs.String())
	}
}

// start runs a provider of the draft2 family over e with cfg until the
// returned function is called.
func start(t *testing.T, cfg provider.Config, e engine.Engine, logs *syncbuf.Buffer) (stop func()) {
	t.Helper()
	log, err := cfg.Logger(logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- provider.Run(ctx, cfg, provider.Service{
			Engine:   e,
			Register: func(s *wrpc.Server, e engine.Engine) { draft2.Register(s, backend.New(e)) },
			Logger:   log,
			Ready:    func(addr string) { ready <- addr },
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestPolicyOnABareEngine: on an engine that neither reports its options
// nor opens without creating (as a scaffolded provider's may), the
// provider tells the policy the options in force, so that with
// create-on-open off a reader opens the buckets that exist.
func TestPolicyOnABareEngine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kv.policy")
	if err := os.WriteFile(file, []byte("* ro read\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := provider.DefaultConfig()
	cfg.Listen = "unix://" + filepath.Join(dir, "kv.sock")
	cfg.CreateOnOpen = false
	cfg.Buckets = []string{"ro"}
	cfg.PolicyFile = file
	bare := struct{ engine.Engine }{memory.New(cfg.EngineOptions()...)}
	start(t, cfg, bare, &syncbuf.Buffer{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv := store.NewClient(wrpc.DialUnix(strings.TrimPrefix(cfg.Listen, "unix://")))
	b, err := kv.Open(ctx, "ro")
	if err != nil {
		t.Fatalf("open ro: %v", err)
	}
	if _, _, err := b.Get(ctx, "k"); err != nil {
		t.Errorf("get in ro: %v", err)
	}
	if err := b.Set(ctx, "k", nil); !errors.Is(err, store.ErrAccessDenied) {
		t.Errorf("set in ro: %v, want access-denied", err)
	}
	if _, err := kv.Open(ctx, "ro2"); !errors.Is(err, store.ErrAccessDenied) {
		t.Errorf("open ro2: %v, want access-denied", err)
	}
}

// Protected mode: plain TCP on an address other than loopback does not
// start unless --insecure or a policy says so; TLS, Unix sockets and
// loopback do.
func TestProtectedMode(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		refused bool
	}{
		{[]string{"--listen", "tcp://0.0.0.0:7761"}, true},
		{[]string{"--listen", "tcp://:7761"}, true},
		{[]string{"--listen", "tcp://[::]:7761"}, true},
		{[]string{"--listen", "tcp://192.0.2.10:7761"}, true},
		{[]string{"--listen", "tcp://kv.example.org:7761"}, true},
		{[]string{"--listen", "tcp://0.0.0.0:7761", "--insecure"}, false},
		{[]string{"--listen", "tcp://127.0.0.1:7761"}, false},
		{[]string{"--listen", "tcp://127.0.0.2:7761"}, false},
		{[]string{"--listen", "tcp://[::1]:7761"}, false},
		{[]string{"--listen", "tcp://localhost:7761"}, false},
		{[]string{"--listen", "unix:///tmp/kv.sock"}, false},
		{[]string{"--listen", "tls://0.0.0.0:7761", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, false},
	} {
		cfg := provider.DefaultConfig()
		fs := flag.NewFlagSet("p", flag.ContinueOnError)
		cfg.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err := cfg.Check()
		if tc.refused != (err != nil) {
			t.Errorf("%q: Check = %v, refused %v", tc.args, err, tc.refused)
			continue
		}
		if err != nil {
			for _, want := range []string{"protected mode", "--tls-client-ca", "--policy", "--insecure"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q: the error does not mention %s: %v", tc.args, want, err)
				}
			}
		}
		// A policy satisfies protected mode too.
		cfg.PolicyFile = "policy.json"
		if err := provider.ProtectedModeError(cfg); err != nil {
			t.Errorf("%q with a policy: %v", tc.args, err)
		}
	}
	// Run refuses too, for a configuration that skipped Check.
	cfg := provider.DefaultConfig()
	cfg.Listen = "tcp://0.0.0.0:0"
	err := provider.Run(context.Background(), cfg, provider.Service{Engine: memory.New(), Register: func(*wrpc.Server, engine.Engine) {}})
	if err == nil || !strings.Contains(err.Error(), "protected mode") {
		t.Fatalf("Run on 0.0.0.0 = %v", err)
	}
}

// The TLS flags go together and with a tls:// listener.
func TestTLSFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--listen", "tls://127.0.0.1:7761"}, "needs --tls-cert and --tls-key"},
		{[]string{"--listen", "tls://127.0.0.1:7761", "--tls-cert", "c.pem"}, "needs --tls-cert and --tls-key"},
		{[]string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, "--tls-cert needs --listen tls://HOST:PORT or quic://HOST:PORT"},
		{[]string{"--listen", "unix:///x.sock", "--tls-client-ca", "ca.pem"}, "--tls-client-ca needs --listen tls://HOST:PORT or quic://HOST:PORT"},
		{[]string{"--listen", "tls://127.0.0.1:7761", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca", "ca.pem"}, ""},
	} {
		cfg := provider.DefaultConfig()
		fs := flag.NewFlagSet("p", flag.ContinueOnError)
		cfg.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := errString(cfg.Check()); (tc.err == "") != (got == "") || !strings.Contains(got, tc.err) {
			t.Errorf("%q: Check = %q, want %q", tc.args, got, tc.err)
		}
	}
	// Files that are not there fail at Run, naming the flag.
	cfg := provider.DefaultConfig()
	cfg.Listen, cfg.TLSCert, cfg.TLSKey = "tls://127.0.0.1:0", "/nonexistent/c.pem", "/nonexistent/k.pem"
	if err := provider.Run(context.Background(), cfg, provider.Service{Engine: memory.New(), Register: func(*wrpc.Server, engine.Engine) {}}); err == nil || !strings.Contains(err.Error(), "--tls-cert") {
		t.Errorf("Run with missing certificate files = %v", err)
	}
}

// TestRunTLS serves the draft2 family on tls:// with client certificates
// required: the generated client with a certificate of the client CA works
// (its identity is the caller's principal), one without is refused, and
// the log says the listener is TLS.
func TestRunTLS(t *testing.T) {
	for _, scheme := range []string{"tls", "quic"} {
		t.Run(scheme, func(t *testing.T) { testRunTLS(t, scheme) })
	}
}

func testRunTLS(t *testing.T, scheme string) {
	dir := t.TempDir()
	ca := testcerts.NewCA(t, "test CA")
	cfg := provider.DefaultConfig()
	cfg.Listen = scheme + "://127.0.0.1:0"
	cfg.TLSCert, cfg.TLSKey = testcerts.WriteCert(t, ca.Server(t), dir, "server")
	cfg.TLSClientCA = ca.WriteCA(t, dir, "ca.crt")
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	// Client certificates without a policy: no one may do anything.
	if p, err := cfg.Policy(); err != nil || p == nil || p.Allows("spiffe://example.org/app", "b", policy.Read) {
		t.Fatalf("policy with client certificates and no --policy: %v, %v; want one that denies all", p, err)
	}
	cfg.PolicyFile = filepath.Join(dir, "policy")
	if err := os.WriteFile(cfg.PolicyFile, []byte("spiffe://example.org/app * read,write,create\n"), 0o600); err != nil {
		t.Fatal(err)
	}
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
			Engine: memory.New(cfg.EngineOptions()...),
			Register: func(s *wrpc.Server, e engine.Engine) {
				draft2.Register(s, backend.New(e))
			},
			Logger: log,
			Ready:  func(addr string) { ready <- addr },
		})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	if !strings.HasPrefix(addr, scheme+"://127.0.0.1:") {
		t.Fatalf("ready at %q", addr)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	inv, err := wrpc.Dial(addr, wrpc.WithTLSConfig(ca.ClientConfig(ca.Client(t, testcerts.Identity{URI: "spiffe://example.org/app"}))))
	if err != nil {
		t.Fatal(err)
	}
	kv := store.NewClient(inv)
	b, err := kv.Open(cctx, "b")
	if err == nil {
		err = b.Set(cctx, "k", []byte("v"))
	}
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Get(cctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Fatalf("get = %q, %v, %v", v, ok, err)
	}
	anon, err := wrpc.Dial(addr, wrpc.WithTLSConfig(ca.ClientConfig()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.NewClient(anon).Open(cctx, "b"); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	wants := []string{"msg=listening addr=" + addr + " client_certificates=required", "msg=stopped"}
	if scheme == "tls" {
		// (QUIC handshakes run inside quic-go's listener, which does not
		// report the refused ones.)
		wants = append(wants, "TLS handshake failed")
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
