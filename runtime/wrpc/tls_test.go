package wrpc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/internal/testcerts"
)

// tlsServer serves a new Server on a tls:// listener of cfg until the test
// ends. The listener records its connections (for their TLS state).
type tlsServer struct {
	*Server
	url   string
	logs  *logBuffer
	conns *connRecorder
}

// connRecorder is a listener that keeps the connections it accepted.
type connRecorder struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (r *connRecorder) Accept() (net.Conn, error) {
	c, err := r.Listener.Accept()
	if err == nil {
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
	}
	return c, err
}

// last returns the TLS state of the last connection accepted.
func (r *connRecorder) last(t *testing.T) tls.ConnectionState {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.conns) == 0 {
		t.Fatal("no connection accepted")
	}
	return r.conns[len(r.conns)-1].(*tls.Conn).ConnectionState()
}

func startTLS(t *testing.T, cfg *tls.Config, opts ...ServerOption) *tlsServer {
	t.Helper()
	l, err := Listen("tls://127.0.0.1:0", WithListenTLSConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	url := ListenerURL(l)
	if !strings.HasPrefix(url, "tls://127.0.0.1:") {
		t.Fatalf("ListenerURL = %q", url)
	}
	logs := &logBuffer{}
	opts = append([]ServerOption{WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	ts := &tlsServer{Server: NewServer(opts...), url: url, logs: logs, conns: &connRecorder{Listener: l}}
	ts.Register("i", "whoami", func(ctx context.Context, _ []byte) ([]byte, error) {
		p, ok := PeerFromContext(ctx)
		if !ok {
			return nil, errors.New("no peer")
		}
		if a, ok := p.Addr.(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
			return nil, errors.New("peer address is not loopback TCP")
		}
		return []byte(p.Principal), nil
	})
	done := make(chan error, 1)
	go func() { done <- ts.Serve(ts.conns) }()
	t.Cleanup(func() {
		ts.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return ts
}

func dialTLS(t *testing.T, url string, cfg *tls.Config) *Client {
	t.Helper()
	c, err := Dial(url, WithTLSConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func whoami(c *Client) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := c.Invoke(ctx, "i", "whoami", nil)
	return string(b), err
}

// With client certificates required, a handler sees the identity of the
// caller's certificate: its first URI SAN, else its first DNS SAN, else its
// subject CN. A client without a certificate, or with one the client CA did
// not sign, is refused at the handshake: no handler runs, the server logs
// it and goes on serving.
func TestTLSPrincipals(t *testing.T) {
	ca := testcerts.NewCA(t, "test CA")
	ts := startTLS(t, ca.ServerConfig(t, ca.Pool))
	var calls atomic.Int32
	ts.Register("i", "count", func(ctx context.Context, _ []byte) ([]byte, error) {
		calls.Add(1)
		return nil, nil
	})
	for _, tc := range []struct {
		id   testcerts.Identity
		want string
	}{
		{testcerts.Identity{URI: "spiffe://example.org/alice", DNS: "alice.example.org", CN: "Alice"}, "spiffe://example.org/alice"},
		{testcerts.Identity{DNS: "bob.example.org", CN: "Bob"}, "bob.example.org"},
		{testcerts.Identity{CN: "carol"}, "carol"},
	} {
		got, err := whoami(dialTLS(t, ts.url, ca.ClientConfig(ca.Client(t, tc.id))))
		if err != nil || got != tc.want {
			t.Errorf("%+v: principal %q, %v; want %q", tc.id, got, err, tc.want)
		}
	}

	other := testcerts.NewCA(t, "another CA")
	untrusted := other.Client(t, testcerts.Identity{URI: "spiffe://example.org/alice"})
	// Sent even though the server asks for certificates of its CA only.
	forced := ca.ClientConfig()
	forced.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &untrusted, nil }
	for name, tc := range map[string]struct {
		cfg  *tls.Config
		want string // the server's alert, which the caller sees
	}{
		"no certificate":        {ca.ClientConfig(), "certificate required"},
		"untrusted certificate": {forced, "unknown certificate authority"},
	} {
		// A request large enough that the server's refusal arrives while
		// it is being written, as well as a small one.
		for _, size := range []int{0, 1 << 20} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := dialTLS(t, ts.url, tc.cfg).Invoke(ctx, "i", "count", make([]byte, size))
			cancel()
			var we *Error
			if !errors.As(err, &we) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s, %d-byte request: call = %v, want a refusal (*Error) saying %q", name, size, err, tc.want)
			}
			t.Logf("%s: %v", name, err)
		}
	}
	ts.logs.waitFor(t, "certificate signed by unknown authority")
	ts.logs.waitFor(t, "TLS handshake failed")
	if n := calls.Load(); n != 0 {
		t.Errorf("%d calls reached a handler without a trusted certificate", n)
	}
	if got, err := whoami(dialTLS(t, ts.url, ca.ClientConfig(ca.Client(t, testcerts.Identity{CN: "dave"})))); err != nil || got != "dave" {
		t.Errorf("after the refusals: %q, %v", got, err)
	}
}

// Without a verified certificate the caller is anonymous: a server that
// does not ask for one, or that takes one without verifying it.
func TestTLSAnonymous(t *testing.T) {
	ca := testcerts.NewCA(t, "test CA")
	cert := ca.Client(t, testcerts.Identity{CN: "eve"})
	for name, auth := range map[string]tls.ClientAuthType{"no client auth": tls.NoClientCert, "unverified": tls.RequireAnyClientCert} {
		cfg := ca.ServerConfig(t, nil)
		cfg.ClientAuth = auth
		ts := startTLS(t, cfg)
		if got, err := whoami(dialTLS(t, ts.url, ca.ClientConfig(cert))); err != nil || got != Anonymous {
			t.Errorf("%s: principal %q, %v; want %q", name, got, err, Anonymous)
		}
	}
	if p := principalFromTLS(tls.ConnectionState{}); p != Anonymous {
		t.Errorf("principal of no state = %q", p)
	}
	u, _ := url.Parse("spiffe://x/y")
	chain := [][]*x509.Certificate{{{URIs: []*url.URL{u}, DNSNames: []string{"d"}}}}
	if p := principalFromTLS(tls.ConnectionState{VerifiedChains: chain}); p != "spiffe://x/y" {
		t.Errorf("principal = %q", p)
	}
	if p := principalFromTLS(tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{}}}}); p != Anonymous {
		t.Errorf("principal of a certificate that names nothing = %q", p)
	}
}

// A Client's connections resume the TLS session of the first one (its
// session cache is shared), and a resumed connection still carries the
// client's principal. Another Client starts with a full handshake.
func TestTLSResumption(t *testing.T) {
	ca := testcerts.NewCA(t, "test CA")
	ts := startTLS(t, ca.ServerConfig(t, ca.Pool))
	cfg := ca.ClientConfig(ca.Client(t, testcerts.Identity{URI: "spiffe://example.org/alice"}))
	c := dialTLS(t, ts.url, cfg)
	// Record the client's side of each connection too.
	var mu sync.Mutex
	var clientConns []*tls.Conn
	inner := c.dialer
	c.dialer = DialerFunc(func(ctx context.Context) (Conn, error) {
		conn, err := inner.Dial(ctx)
		if err == nil {
			mu.Lock()
			clientConns = append(clientConns, conn.(*tls.Conn))
			mu.Unlock()
		}
		return conn, err
	})
	for i := range 3 {
		got, err := whoami(c)
		if err != nil || got != "spiffe://example.org/alice" {
			t.Fatalf("call %d: principal %q, %v", i, got, err)
		}
		st := ts.conns.last(t)
		mu.Lock()
		cst := clientConns[len(clientConns)-1].ConnectionState()
		mu.Unlock()
		if st.DidResume != (i > 0) || cst.DidResume != (i > 0) {
			t.Errorf("call %d: resumed %v (client %v), want %v", i, st.DidResume, cst.DidResume, i > 0)
		}
		if st.Version != tls.VersionTLS13 {
			t.Errorf("call %d: TLS version %x", i, st.Version)
		}
	}
	if _, err := whoami(dialTLS(t, ts.url, cfg)); err != nil {
		t.Fatal(err)
	}
	if ts.conns.last(t).DidResume {
		t.Error("a new Client resumed another Client's session")
	}
}

// TLS 1.2 is refused on both sides.
func TestTLS12Refused(t *testing.T) {
	ca := testcerts.NewCA(t, "test CA")
	ts := startTLS(t, ca.ServerConfig(t, nil))
	raw, err := tls.Dial("tcp", strings.TrimPrefix(ts.url, "tls://"), &tls.Config{RootCAs: ca.Pool, MaxVersion: tls.VersionTLS12})
	if err == nil {
		raw.Close()
		t.Fatal("a TLS 1.2 handshake succeeded")
	}
	cfg := ca.ClientConfig()
	cfg.MaxVersion = tls.VersionTLS12
	if got, err := whoami(dialTLS(t, ts.url, cfg)); err != nil || got != Anonymous {
		t.Errorf("DialTLS with MaxVersion 1.2 did not move to 1.3: %q, %v", got, err)
	}
}

// The handshake runs in the connection's goroutine, bounded by the header
// timeout: clients that connect and send nothing hold up neither accepting
// nor other clients, and are dropped when the header timeout passes.
func TestTLSHandshakeTimeout(t *testing.T) {
	ca := testcerts.NewCA(t, "test CA")
	ts := startTLS(t, ca.ServerConfig(t, nil), WithHeaderTimeout(300*time.Millisecond))
	addr := strings.TrimPrefix(ts.url, "tls://")
	var silent []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	start := time.Now()
	if got, err := whoami(dialTLS(t, ts.url, ca.ClientConfig())); err != nil || got != Anonymous {
		t.Fatalf("a call next to silent connections: %q, %v", got, err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Logf("the call took %v (a loaded machine?)", d)
	}
	for _, c := range silent {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(make([]byte, 1))
		if err == nil || n != 0 {
			t.Fatalf("a silent connection read %d bytes, %v", n, err)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("the server did not drop a silent connection")
		}
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("silent connections dropped after %v, before the header timeout", d)
	}
	// A client that starts a handshake and stalls is dropped too.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte{0x16, 0x03, 0x01, 0x00, 0x40}); err != nil { // a record header, no body
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 64)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a stalled handshake was not dropped: %v", err)
	}
	ts.logs.waitFor(t, "TLS handshake failed")
}

// A handle in the server's table belongs to the principal whose call
// created it: the same principal uses it from any connection (a resumed
// one, another Client), while another principal, or an anonymous caller
// from the same address over plain TCP, presenting the same bytes gets
// ErrUnknownHandle.
func TestTLSHandleOwnership(t *testing.T) {
	ca := testcerts.NewCA(t, "test CA")
	ts := startTLS(t, ca.ServerConfig(t, ca.Pool))
	const inst = "test:secrets/vault"
	type secret struct{ text string }
	resolved := make(chan error, 10)
	ts.Handle(inst, "open", func(ctx context.Context, d *Decoder) ([]byte, error) {
		return ReplyValue(d, func() (*secret, error) { return &secret{"for alice"}, nil }, ResourceEncoder[*secret](inst, "secret"))
	})
	ts.Handle(inst, "secret.read", func(ctx context.Context, d *Decoder) ([]byte, error) {
		s := DecodeResource[*secret](d, inst, "secret", Borrow, nil)
		resolved <- d.Err()
		return ReplyValue(d, func() (string, error) { return s.text, nil }, (*Encoder).String)
	})
	// The same server also serves plain TCP on loopback.
	tcp, err := Listen("tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.Serve(tcp)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	aliceCfg := ca.ClientConfig(ca.Client(t, testcerts.Identity{URI: "spiffe://example.org/alice"}))
	alice := dialTLS(t, ts.url, aliceCfg)
	h, err := CallValue(ctx, alice, inst, "open", NewEncoder(), ResourceDecoder(inst, "secret", Own, func(inv Invoker, h []byte) RemoteResource {
		return RemoteResource{Invoker: inv, Handle: h}
	}))
	if err != nil || len(h.Handle) != 16 {
		t.Fatalf("open = %x, %v", h.Handle, err)
	}
	read := func(inv Invoker) (string, error, error) {
		e := NewEncoder()
		EncodeResource(e, inst, "secret", h)
		v, err := CallValue(ctx, inv, inst, "secret.read", e, (*Decoder).ReadString)
		select {
		case rerr := <-resolved:
			return v, err, rerr
		case <-time.After(10 * time.Second):
			t.Fatal("the handler did not run")
			return "", nil, nil
		}
	}
	tcpClient, err := Dial(ListenerURL(tcp))
	if err != nil {
		t.Fatal(err)
	}
	for name, inv := range map[string]*Client{
		"bob":                   dialTLS(t, ts.url, ca.ClientConfig(ca.Client(t, testcerts.Identity{URI: "spiffe://example.org/bob"}))),
		"anonymous over TLS":    dialTLS(t, ts.url, ca.ClientConfig(ca.Client(t, testcerts.Identity{CN: "anonymous"}))),
		"anonymous over TCP":    tcpClient,
		"alice's CN as another": dialTLS(t, ts.url, ca.ClientConfig(ca.Client(t, testcerts.Identity{CN: "ip:127.0.0.1"}))),
	} {
		if v, err, rerr := read(inv); err == nil || !errors.Is(rerr, ErrUnknownHandle) {
			t.Errorf("%s read alice's secret: %q, %v (server: %v)", name, v, err, rerr)
		}
	}
	for name, inv := range map[string]*Client{"alice": alice, "alice, another client": dialTLS(t, ts.url, aliceCfg)} {
		if v, err, rerr := read(inv); err != nil || rerr != nil || v != "for alice" {
			t.Errorf("%s: read = %q, %v (server: %v)", name, v, err, rerr)
		}
	}
}

// Dial and Listen take the transport URLs; ListenerURL gives them back.
func TestTransportURLs(t *testing.T) {
	srv := NewServer(WithLogger(nil))
	srv.Register("i", "echo", echo)
	defer srv.Close()
	ca := testcerts.NewCA(t, "test CA")
	dir, err := os.MkdirTemp("", "wrpc")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, tc := range []struct {
		listen string
		lopts  []ListenOption
		copts  []ClientOption
	}{
		{listen: "tcp://127.0.0.1:0"},
		{listen: "unix://" + dir + "/s"},
		{listen: "tls://127.0.0.1:0", lopts: []ListenOption{WithListenTLSConfig(ca.ServerConfig(t, nil))}, copts: []ClientOption{WithTLSConfig(ca.ClientConfig())}},
		{listen: "tls://localhost:0", lopts: []ListenOption{WithListenTLSConfig(ca.ServerConfig(t, nil))}, copts: []ClientOption{WithTLSConfig(ca.ClientConfig())}},
		{listen: "quic://127.0.0.1:0", lopts: []ListenOption{WithListenTLSConfig(ca.ServerConfig(t, nil))}, copts: []ClientOption{WithTLSConfig(ca.ClientConfig())}},
	} {
		l, err := Listen(tc.listen, tc.lopts...)
		if err != nil {
			t.Fatalf("Listen(%q): %v", tc.listen, err)
		}
		go srv.Serve(l)
		u := ListenerURL(l)
		scheme, _, _ := strings.Cut(tc.listen, ":")
		if !strings.HasPrefix(u, scheme+"://") || strings.HasSuffix(u, ":0") {
			t.Errorf("ListenerURL of %q = %q", tc.listen, u)
		}
		c, err := Dial(u, tc.copts...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := c.Invoke(ctx, "i", "echo", []byte("hi"))
		cancel()
		if err != nil || string(got) != "hi" {
			t.Errorf("%s: echo = %q, %v", u, got, err)
		}
	}

	for _, tc := range []struct{ url, err string }{
		{"127.0.0.1:7761", `want tcp://HOST:PORT, tls://HOST:PORT, quic://HOST:PORT or unix:///PATH`},
		{"http://x:1", `unknown scheme "http"`},
		{"tcp://127.0.0.1", `"tcp://127.0.0.1": want tcp://HOST:PORT`},
		{"tls://h:1/x", `"tls://h:1/x": want tls://HOST:PORT`},
		{"unix://", `"unix://": want unix:///PATH`},
		{"quic://127.0.0.1", `"quic://127.0.0.1": want quic://HOST:PORT`},
	} {
		if _, err := Dial(tc.url, WithTLSConfig(ca.ClientConfig())); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Dial(%q) = %v, want %q", tc.url, err, tc.err)
		}
		if _, err := Listen(tc.url, WithListenTLSConfig(ca.ServerConfig(t, nil))); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Listen(%q) = %v, want %q", tc.url, err, tc.err)
		}
	}
	if _, err := Listen("quic://127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "needs a server certificate") {
		t.Errorf("Listen quic:// without a certificate = %v", err)
	}
	if _, err := Listen("tls://127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "needs a server certificate") {
		t.Errorf("Listen tls:// without a certificate = %v", err)
	}
	// A live Unix socket is not taken over.
	l, err := Listen("unix://" + dir + "/live")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Listen("unix://" + dir + "/live"); err == nil || !strings.Contains(err.Error(), "already listening") {
		t.Errorf("second Listen = %v", err)
	}
}
