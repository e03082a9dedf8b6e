package wrpc

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
)

// quicTestPKI is a CA, a server certificate for 127.0.0.1 and localhost,
// and a client certificate, made for the test.
type quicTestPKI struct {
	pool   *x509.CertPool
	server tls.Certificate
	client tls.Certificate
}

var (
	quicPKIOnce sync.Once
	quicPKI     quicTestPKI
)

func testPKI(tb testing.TB) quicTestPKI {
	tb.Helper()
	quicPKIOnce.Do(func() {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		ca := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "wrpc test CA"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
		if err != nil {
			panic(err)
		}
		caCert, _ := x509.ParseCertificate(caDER)
		issue := func(serial int64, cn string, usage x509.ExtKeyUsage, ips []net.IP, names []string) tls.Certificate {
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				panic(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(serial),
				Subject:      pkix.Name{CommonName: cn},
				NotBefore:    time.Now().Add(-time.Hour),
				NotAfter:     time.Now().Add(24 * time.Hour),
				KeyUsage:     x509.KeyUsageDigitalSignature,
				ExtKeyUsage:  []x509.ExtKeyUsage{usage},
				IPAddresses:  ips,
				DNSNames:     names,
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
			if err != nil {
				panic(err)
			}
			return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
		}
		quicPKI.pool = x509.NewCertPool()
		quicPKI.pool.AddCert(caCert)
		quicPKI.server = issue(2, "wrpc test server", x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)}, []string{"localhost"})
		quicPKI.client = issue(3, "wrpc test client", x509.ExtKeyUsageClientAuth, nil, nil)
	})
	return quicPKI
}

func quicServerTLS(tb testing.TB) *tls.Config {
	p := testPKI(tb)
	return &tls.Config{Certificates: []tls.Certificate{p.server}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: p.pool}
}

func quicClientTLS(tb testing.TB) *tls.Config {
	p := testPKI(tb)
	return &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.client}}
}

// startQUICServer serves a Server on a QUIC listener at addr ("" for a free
// loopback port) until the test ends.
func startQUICServer(tb testing.TB, addr string, opts ...ServerOption) (*testServer, *QUICListener) {
	tb.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := ListenQUIC(addr, quicServerTLS(tb))
	if err != nil {
		tb.Fatal(err)
	}
	logs := &logBuffer{}
	opts = append([]ServerOption{WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	ts := &testServer{Server: NewServer(opts...), l: l, logs: logs, served: make(chan error, 1)}
	ts.client = NewClient(NewQUICDialer(l.Addr().String(), quicClientTLS(tb)))
	go func() { ts.served <- ts.Serve(l) }()
	tb.Cleanup(func() {
		ts.client.Close()
		ts.Close()
		select {
		case err := <-ts.served:
			if !errors.Is(err, ErrServerClosed) {
				tb.Errorf("Serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Error("Serve did not return after Close")
		}
	})
	return ts, l
}

func TestQUICRoundTrip(t *testing.T) {
	ts, l := startQUICServer(t, "")
	ts.Register(testInstance, "echo", echo)
	peers := make(chan Peer, 1)
	ts.Register(testInstance, "peer", func(ctx context.Context, p []byte) ([]byte, error) {
		pr, _ := PeerFromContext(ctx)
		peers <- pr
		return nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, n := range []int{0, 1, 100, 4097, 64 << 10, 1 << 20} {
		p := bytes.Repeat([]byte{0, 1, 0xff, 7}, n/4+1)[:n]
		got, err := ts.client.Invoke(ctx, testInstance, "echo", p)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, p) {
			t.Fatalf("%d bytes: echo returned %d bytes, different", n, len(got))
		}
	}
	if _, err := ts.client.Invoke(ctx, testInstance, "peer", nil); err != nil {
		t.Fatal(err)
	}
	pr := <-peers
	if a, ok := pr.Addr.(*net.UDPAddr); !ok || !a.IP.IsLoopback() {
		t.Errorf("peer address %v, want a loopback UDP address", pr.Addr)
	}
	// An unknown function ends the stream without a result, at once.
	start := time.Now()
	_, err := ts.client.Invoke(ctx, testInstance, "nope", []byte("x"))
	if !errors.Is(err, ErrNoResult) {
		t.Errorf("unknown function: %v, want ErrNoResult", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("unknown function took %v", d)
	}
	ts.logs.waitFor(t, "unknown function")
	if got := l.accepted.Load(); got != 1 {
		t.Errorf("server accepted %d connections, want 1", got)
	}
}

// TestQUICStreamConnState: a stream carries its connection's TLS state, the
// verified client certificate included, for the server to name the caller.
func TestQUICStreamConnState(t *testing.T) {
	ts, _ := startQUICServer(t, "")
	states := make(chan tls.ConnectionState, 1)
	ts.Register(testInstance, "state", func(ctx context.Context, p []byte) ([]byte, error) {
		return nil, nil
	})
	// The listener hands Serve the stream; look at one directly too.
	l, err := ListenQUIC("127.0.0.1:0", quicServerTLS(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		states <- c.(interface{ ConnectionState() tls.ConnectionState }).ConnectionState()
		_, _ = io.Copy(io.Discard, c)
	}()
	cl := DialQUIC(l.Addr().String(), quicClientTLS(t))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { _, _ = cl.Invoke(ctx, testInstance, "state", nil) }()
	select {
	case st := <-states:
		if st.Version != tls.VersionTLS13 || st.NegotiatedProtocol != QUICALPN {
			t.Errorf("TLS version %x, ALPN %q; want TLS 1.3 and %q", st.Version, st.NegotiatedProtocol, QUICALPN)
		}
		if len(st.VerifiedChains) == 0 || st.PeerCertificates[0].Subject.CommonName != "wrpc test client" {
			t.Errorf("client certificate not verified: %d chains", len(st.VerifiedChains))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no stream accepted")
	}
	if _, err := ts.client.Invoke(ctx, testInstance, "state", nil); err != nil {
		t.Fatal(err)
	}
}

// TestQUICOneConnection: many concurrent calls share one QUIC connection,
// beyond the per-connection stream bound (the client waits for a stream).
func TestQUICOneConnection(t *testing.T) {
	l, err := ListenQUIC("127.0.0.1:0", quicServerTLS(t), WithQUICMaxStreams(16))
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(WithLogger(nil))
	s.Register(testInstance, "echo", func(ctx context.Context, p []byte) ([]byte, error) {
		time.Sleep(time.Millisecond)
		return p, nil
	})
	go s.Serve(l)
	defer s.Close()
	c := DialQUIC(l.Addr().String(), quicClientTLS(t))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Go(func() {
			for i := range 20 {
				p := fmt.Appendf(nil, "caller %d call %d", g, i)
				got, err := c.Invoke(ctx, testInstance, "echo", p)
				if err == nil && !bytes.Equal(got, p) {
					err = fmt.Errorf("got %q, want %q", got, p)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := l.accepted.Load(); got != 1 {
		t.Errorf("server accepted %d connections for 1280 calls, want 1", got)
	}
}

// TestQUICReconnect: after the server restarts on the same address, the
// client dials again, whether the old server closed its connections or
// vanished without a word (then its successor's stateless reset, keyed by
// the same certificate, tells the client at once).
func TestQUICReconnect(t *testing.T) {
	for _, abrupt := range []bool{false, true} {
		t.Run(fmt.Sprintf("abrupt=%v", abrupt), func(t *testing.T) {
			serve := func(addr string) (*Server, *QUICListener) {
				var l *QUICListener
				var err error
				for range 50 { // the port may take a moment to be free
					if l, err = ListenQUIC(addr, quicServerTLS(t)); err == nil {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if err != nil {
					t.Fatal(err)
				}
				s := NewServer(WithLogger(nil))
				s.Register(testInstance, "echo", echo)
				go s.Serve(l)
				return s, l
			}
			s1, l1 := serve("127.0.0.1:0")
			addr := l1.Addr().String()
			c := DialQUIC(addr, quicClientTLS(t))
			defer c.Close()
			call := func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				got, err := c.Invoke(ctx, testInstance, "echo", []byte("hi"))
				if err == nil && string(got) != "hi" {
					err = fmt.Errorf("got %q", got)
				}
				return err
			}
			if err := call(); err != nil {
				t.Fatal(err)
			}
			if abrupt {
				// The socket goes without CONNECTION_CLOSE, as in a crash.
				_ = l1.tr.Close()
				_ = l1.udp.Close()
			}
			s1.Close()
			s2, l2 := serve(addr)
			defer s2.Close()
			start := time.Now()
			var err error
			for range 3 {
				// The call that meets the dead connection may fail; the
				// next ones dial again.
				if err = call(); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("no call succeeded after the restart: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("reconnecting took %v", d)
			}
			if got := l2.accepted.Load(); got != 1 {
				t.Errorf("new server accepted %d connections, want 1", got)
			}
		})
	}
}

// TestQUICDialOnce: callers that find no connection share one dial.
func TestQUICDialOnce(t *testing.T) {
	ts, l := startQUICServer(t, "")
	ts.Register(testInstance, "echo", echo)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if _, err := ts.client.Invoke(ctx, testInstance, "echo", []byte("x")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := l.accepted.Load(); got != 1 {
		t.Errorf("32 first calls at once made %d connections, want 1", got)
	}
	// After Close, the client refuses.
	ts.client.Close()
	if _, err := ts.client.Invoke(ctx, testInstance, "echo", nil); !errors.Is(err, net.ErrClosed) {
		t.Errorf("call after Close: %v, want net.ErrClosed", err)
	}
}

func TestQUICContextCancelEndsBothSides(t *testing.T) {
	ts, _ := startQUICServer(t, "")
	started := make(chan struct{})
	handlerDone := make(chan error, 1)
	ts.Register(testInstance, "block", func(ctx context.Context, p []byte) ([]byte, error) {
		close(started)
		select {
		case <-ctx.Done():
			handlerDone <- ctx.Err()
			return nil, ctx.Err()
		case <-time.After(20 * time.Second):
			handlerDone <- errors.New("handler context was never cancelled")
			return nil, nil
		}
	})
	ts.Register(testInstance, "echo", echo)
	ctx, cancel := context.WithCancel(context.Background())
	clientDone := make(chan error, 1)
	go func() {
		_, err := ts.client.Invoke(ctx, testInstance, "block", []byte("p"))
		clientDone <- err
	}()
	<-started
	cancel()
	select {
	case err := <-clientDone:
		var te *Error
		if !errors.As(err, &te) || !errors.Is(err, context.Canceled) {
			t.Errorf("client: %v, want *Error wrapping context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client did not return after cancel")
	}
	select {
	case err := <-handlerDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("handler: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not see ctx.Done after the client cancelled")
	}
	// The connection carries on.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if got, err := ts.client.Invoke(ctx2, testInstance, "echo", []byte("after")); err != nil || string(got) != "after" {
		t.Errorf("call after a cancelled one: %q, %v", got, err)
	}
}

// quicRawClient opens raw streams on its own QUIC connection to l.
func quicRawClient(t *testing.T, l *QUICListener) *quic.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	qc, err := quic.DialAddr(ctx, l.Addr().String(), quicTLS(quicClientTLS(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = qc.CloseWithError(0, "") })
	return qc
}

// TestQUICHostileStreams: a client that opens streams and sends garbage,
// resets them or leaves them open gets no answer, and the server keeps
// serving it and others.
func TestQUICHostileStreams(t *testing.T) {
	ts, l := startQUICServer(t, "", WithHeaderTimeout(300*time.Millisecond))
	ts.Register(testInstance, "echo", echo)
	qc := quicRawClient(t, l)
	good := AppendRequest(nil, testInstance, "echo", []byte("payload"))
	reqs := map[string][]byte{
		"empty":               {},
		"bad version":         append([]byte{1}, good[1:]...),
		"1 GiB instance name": {0, 0x80, 0x80, 0x80, 0x80, 0x04, 'a'},
		"frame claims 1 GiB":  append(AppendHeader(nil, testInstance, "echo"), 0, 0x80, 0x80, 0x80, 0x80, 0x04),
		"random":              bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 4096),
		"truncated":           good[:len(good)-3],
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for name, req := range reqs {
		wg.Go(func() {
			s, err := qc.OpenStreamSync(ctx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			_, _ = s.Write(req)
			_ = s.Close()
			resp, _ := io.ReadAll(s)
			if len(resp) != 0 {
				t.Errorf("%s: server answered % x", name, resp)
			}
		})
	}
	// Streams left open without a header, and streams reset mid-request.
	for range 20 {
		wg.Go(func() {
			s, err := qc.OpenStreamSync(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = s.Write(good[:5])
			resp, _ := io.ReadAll(s) // the header timeout ends it
			if len(resp) != 0 {
				t.Errorf("idle stream: server answered % x", resp)
			}
		})
		wg.Go(func() {
			s, err := qc.OpenStreamSync(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = s.Write(good[:10])
			s.CancelWrite(7)
			s.CancelRead(7)
		})
	}
	wg.Wait()
	// The same connection, and the regular client, are still served.
	s, err := qc.OpenStreamSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.Write(good)
	_ = s.Close()
	resp, err := io.ReadAll(s)
	if err != nil || !bytes.Equal(resp, AppendFrame(nil, nil, []byte("payload"))) {
		t.Fatalf("good request after hostile ones: % x, %v", resp, err)
	}
	if got, err := ts.client.Invoke(ctx, testInstance, "echo", []byte("ok")); err != nil || string(got) != "ok" {
		t.Fatalf("client after hostile streams: %q, %v", got, err)
	}
	ts.logs.waitFor(t, "unsupported wRPC framing version 0x01")
	// A connection that is not TLS 1.3 with the ALPN is refused.
	bad := quicTLS(quicClientTLS(t))
	bad.NextProtos = []string{"h3"}
	if qc, err := quic.DialAddr(ctx, l.Addr().String(), bad, nil); err == nil {
		qc.CloseWithError(0, "")
		t.Error("a connection with another ALPN was accepted")
	}
}

// TestQUICConnectionCaps: the listener closes connections over its
// per-remote bound at once.
func TestQUICConnectionCaps(t *testing.T) {
	l, err := ListenQUIC("127.0.0.1:0", quicServerTLS(t), WithQUICMaxConnections(0, 2))
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(WithLogger(nil))
	s.Register(testInstance, "echo", echo)
	go s.Serve(l)
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ok, refused int
	for range 3 {
		c := DialQUIC(l.Addr().String(), quicClientTLS(t))
		defer c.Close()
		if _, err := c.Invoke(ctx, testInstance, "echo", nil); err == nil {
			ok++
		} else {
			refused++
		}
	}
	if ok != 2 || refused != 1 {
		t.Errorf("%d calls served, %d refused; want 2 and 1", ok, refused)
	}
}

// TestQUICShutdown: Shutdown lets a running invocation finish over its
// stream, then the listener closes its connections and socket.
func TestQUICShutdown(t *testing.T) {
	l, err := ListenQUIC("127.0.0.1:0", quicServerTLS(t))
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(WithLogger(nil))
	started := make(chan struct{})
	s.Register(testInstance, "slow", func(ctx context.Context, p []byte) ([]byte, error) {
		close(started)
		time.Sleep(200 * time.Millisecond)
		return []byte("done"), nil
	})
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	c := DialQUIC(l.Addr().String(), quicClientTLS(t))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := make(chan error, 1)
	go func() {
		got, err := c.Invoke(ctx, testInstance, "slow", nil)
		if err == nil && string(got) != "done" {
			err = fmt.Errorf("got %q", got)
		}
		res <- err
	}()
	<-started
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-res; err != nil {
		t.Errorf("call running at Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	// The socket is closed: the port can be bound again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		u, err := net.ListenPacket("udp", l.Addr().String())
		if err == nil {
			u.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listener's socket stayed open: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestQUICCloseDuringWrite: Server.Close while the results wait for a
// caller that does not read them resets the stream, which ends the write.
func TestQUICCloseDuringWrite(t *testing.T) {
	ts, l := startQUICServer(t, "")
	returned := make(chan struct{})
	ts.Register(testInstance, "big", func(ctx context.Context, p []byte) ([]byte, error) {
		defer close(returned)
		return make([]byte, 3<<20), nil // past the stream's flow-control window
	})
	qc := quicRawClient(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := qc.OpenStreamSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.Write(AppendRequest(nil, testInstance, "big", nil))
	_ = s.Close()
	<-returned
	time.Sleep(50 * time.Millisecond) // the server is blocked writing
	closed := make(chan struct{})
	go func() { ts.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Server.Close did not return")
	}
	_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.Copy(io.Discard, s)
	var se *quic.StreamError
	if !errors.As(err, &se) || n >= 3<<20 {
		t.Errorf("client read %d bytes, then %v; want a stream reset before the end", n, err)
	}
}
