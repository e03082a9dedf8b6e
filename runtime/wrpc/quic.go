package wrpc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/quic-go/quic-go"
)

// QUICALPN is the application protocol (ALPN) that DialQUIC and ListenQUIC
// negotiate unless the TLS configuration names others. QUIC requires one
// (RFC 9001, section 8.1); wRPC's own QUIC transport leaves the choice to its
// user, and its examples configure none. See NewQUICDialer for how to
// negotiate none.
const QUICALPN = "wrpc"

// Defaults of the QUIC transport.
const (
	// DefaultQUICMaxStreams bounds the invocations one QUIC connection
	// carries at once (the streams its peer may open); a client past it
	// waits for a stream to end.
	DefaultQUICMaxStreams = 256
	// DefaultQUICIdleTimeout closes a QUIC connection that heard nothing
	// from its peer for this long.
	DefaultQUICIdleTimeout = 30 * time.Second
	// DefaultQUICKeepAlive is how often an idle connection pings its peer,
	// so that it stays open (and NAT bindings with it) between calls.
	DefaultQUICKeepAlive = 10 * time.Second
	// DefaultQUICMaxConnections and DefaultQUICMaxConnectionsPerRemote
	// bound the QUIC connections a listener keeps open, in total and from
	// one remote IP address.
	DefaultQUICMaxConnections          = 4096
	DefaultQUICMaxConnectionsPerRemote = 64
)

// Stream error codes. quicCodeDone is wRPC's own: its QUIC transport stops
// a stream it has read in full with it. quicCodeCancel ends a stream whose
// invocation was abandoned (the code a dropped quinn stream sends).
const (
	quicCodeCancel quic.StreamErrorCode = 0
	quicCodeDone   quic.StreamErrorCode = 1
)

// Connection error codes: a connection closed by its owner, and one refused
// by a listener over its connection caps.
const (
	quicCloseNormal  quic.ApplicationErrorCode = 0
	quicCloseRefused quic.ApplicationErrorCode = 1
)

// QUICOption configures a QUICDialer or a QUICListener.
type QUICOption func(*quicOptions)

type quicOptions struct {
	maxStreams   int64
	idleTimeout  time.Duration
	keepAlive    time.Duration
	maxConns     int
	perRemote    int
	resetKey     *quic.StatelessResetKey
	queueStreams int
}

func defaultQUICOptions() quicOptions {
	return quicOptions{
		maxStreams:   DefaultQUICMaxStreams,
		idleTimeout:  DefaultQUICIdleTimeout,
		keepAlive:    DefaultQUICKeepAlive,
		maxConns:     DefaultQUICMaxConnections,
		perRemote:    DefaultQUICMaxConnectionsPerRemote,
		queueStreams: 64,
	}
}

// WithQUICMaxStreams bounds the invocations one connection carries at once
// (default DefaultQUICMaxStreams; n ≤ 0 keeps it). It matters on the
// listener, which grants the streams; a client waits for a free one.
func WithQUICMaxStreams(n int) QUICOption {
	return func(o *quicOptions) {
		if n > 0 {
			o.maxStreams = int64(n)
		}
	}
}

// WithQUICIdleTimeout sets the idle timeout (default DefaultQUICIdleTimeout)
// and the keep-alive period (default DefaultQUICKeepAlive; 0 disables the
// keep-alives). An idle timeout ≤ 0 keeps the default.
func WithQUICIdleTimeout(idle, keepAlive time.Duration) QUICOption {
	return func(o *quicOptions) {
		if idle > 0 {
			o.idleTimeout = idle
		}
		o.keepAlive = max(keepAlive, 0)
	}
}

// WithQUICMaxConnections bounds the connections a listener keeps open, in
// total and from one remote IP address (defaults
// DefaultQUICMaxConnections and DefaultQUICMaxConnectionsPerRemote; values
// ≤ 0 keep them). A connection over a bound is closed as soon as its
// handshake ends.
func WithQUICMaxConnections(total, perRemote int) QUICOption {
	return func(o *quicOptions) {
		if total > 0 {
			o.maxConns = total
		}
		if perRemote > 0 {
			o.perRemote = perRemote
		}
	}
}

// WithQUICStatelessResetKey sets the listener's stateless reset key. With
// it, a server that restarted (even after a crash) tells the clients of its
// former connections at once that they are gone, instead of leaving them to
// their idle timeout. By default the key is derived from the private key of
// the listener's first certificate, so it survives restarts with the same
// certificate; a configuration without Certificates (GetCertificate only)
// sends no stateless resets unless given a key.
func WithQUICStatelessResetKey(key [32]byte) QUICOption {
	return func(o *quicOptions) {
		k := quic.StatelessResetKey(key)
		o.resetKey = &k
	}
}

func (o *quicOptions) config(server bool) *quic.Config {
	c := &quic.Config{
		MaxIdleTimeout:        o.idleTimeout,
		KeepAlivePeriod:       o.keepAlive,
		MaxIncomingUniStreams: -1,
		Allow0RTT:             false,
	}
	if server {
		c.MaxIncomingStreams = o.maxStreams
	} else {
		c.MaxIncomingStreams = -1 // the server never opens streams
	}
	return c
}

// quicTLS returns a copy of conf fit for wRPC over QUIC: TLS 1.3, and the
// ALPN protocol QUICALPN unless conf names its own (a non-nil empty
// NextProtos negotiates none).
func quicTLS(conf *tls.Config) *tls.Config {
	if conf == nil {
		conf = &tls.Config{}
	}
	c := conf.Clone()
	c.MinVersion = tls.VersionTLS13
	if c.NextProtos == nil {
		c.NextProtos = []string{QUICALPN}
	}
	return c
}

// QUICDialer is a Dialer over QUIC: it keeps one connection to the server
// and opens one bidirectional stream on it per invocation, as wRPC's QUIC
// transport does. It dials lazily, at the first invocation, and again when
// the connection was closed or failed; one dial at a time, which every
// invocation waiting for the connection shares. It is safe for concurrent
// use. Close closes the connection.
type QUICDialer struct {
	addr    string
	tlsConf *tls.Config
	conf    *quic.Config

	ctx    context.Context // cancelled by Close; bounds the dials
	cancel context.CancelFunc

	mu      sync.Mutex
	conn    *quic.Conn
	dialing *quicDial // the dial under way, if any
	closed  bool
}

type quicDial struct {
	done chan struct{}
	conn *quic.Conn
	err  error
}

// NewQUICDialer returns a QUICDialer for the wRPC server at addr
// ("host:port"). tlsConf must let the client verify the server (RootCAs, or
// the system roots), and carries the client certificate if the server asks
// for one; its ServerName defaults to addr's host. The connection uses TLS
// 1.3 and the ALPN protocol QUICALPN unless tlsConf.NextProtos names others;
// to reach a server that negotiates no ALPN (such as wRPC's Rust examples),
// set NextProtos to an empty, non-nil slice. 0-RTT is never used.
func NewQUICDialer(addr string, tlsConf *tls.Config, opts ...QUICOption) *QUICDialer {
	o := defaultQUICOptions()
	for _, f := range opts {
		f(&o)
	}
	c := quicTLS(tlsConf)
	if c.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			c.ServerName = host
		}
	}
	d := &QUICDialer{addr: addr, tlsConf: c, conf: o.config(false)}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d
}

// DialQUIC returns a Client for the wRPC server at the QUIC address addr
// ("host:port"), over a NewQUICDialer(addr, tlsConf). It dials lazily:
// nothing happens until an invocation. Close the Client to close its
// connection.
func DialQUIC(addr string, tlsConf *tls.Config, opts ...ClientOption) *Client {
	return NewClient(NewQUICDialer(addr, tlsConf), opts...)
}

// Dial opens a stream for one invocation, on the current connection or on
// a new one if there is none or it has failed. It waits, within ctx, for the
// connection and for a free stream (the server bounds the streams of a
// connection).
func (d *QUICDialer) Dial(ctx context.Context) (Conn, error) {
	for attempt := 0; ; attempt++ {
		qc, err := d.connection(ctx)
		if err != nil {
			return nil, err
		}
		s, err := qc.OpenStreamSync(ctx)
		if err == nil {
			return newQUICStream(s, qc, nil, nil), nil
		}
		if ctx.Err() != nil || attempt > 0 {
			return nil, quicError(err)
		}
		// Within its context, OpenStreamSync fails only on a connection
		// that has ended (its Context may not say so yet): dial again,
		// once.
		d.forget(qc)
	}
}

// connection returns the live connection, dialling if need be.
func (d *QUICDialer) connection(ctx context.Context) (*quic.Conn, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, net.ErrClosed
	}
	if qc := d.conn; qc != nil && qc.Context().Err() == nil {
		d.mu.Unlock()
		return qc, nil
	}
	call := d.dialing
	if call == nil {
		call = &quicDial{done: make(chan struct{})}
		d.dialing = call
		d.conn = nil
		go d.dial(call)
	}
	d.mu.Unlock()
	select {
	case <-call.done:
		return call.conn, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// dial makes a connection for call, on a UDP socket of its own that is
// closed with the connection. It is not bound to the context of the
// invocation that started it: the others waiting for it share it.
func (d *QUICDialer) dial(call *quicDial) {
	qc, err := d.dialConn()
	d.mu.Lock()
	if err == nil && d.closed {
		_ = qc.CloseWithError(quicCloseNormal, "client closed")
		qc, err = nil, net.ErrClosed
	}
	if err == nil {
		d.conn = qc
	}
	d.dialing = nil
	call.conn, call.err = qc, err
	d.mu.Unlock()
	close(call.done)
}

func (d *QUICDialer) dialConn() (*quic.Conn, error) {
	raddr, err := net.ResolveUDPAddr("udp", d.addr)
	if err != nil {
		return nil, err
	}
	udp, err := net.ListenUDP("udp", nil)
	if err != nil {
		return nil, err
	}
	tr := &quic.Transport{Conn: udp}
	qc, err := tr.Dial(d.ctx, raddr, d.tlsConf, d.conf)
	if err != nil {
		_ = tr.Close()
		_ = udp.Close()
		return nil, quicError(err)
	}
	context.AfterFunc(qc.Context(), func() {
		_ = tr.Close()
		_ = udp.Close()
	})
	return qc, nil
}

// forget drops qc if it is still the current connection.
func (d *QUICDialer) forget(qc *quic.Conn) {
	d.mu.Lock()
	if d.conn == qc {
		d.conn = nil
	}
	d.mu.Unlock()
}

// Close closes the connection (invocations under way fail) and makes every
// later Dial fail.
func (d *QUICDialer) Close() error {
	d.mu.Lock()
	d.closed = true
	qc := d.conn
	d.conn = nil
	d.mu.Unlock()
	d.cancel()
	if qc != nil {
		return qc.CloseWithError(quicCloseNormal, "client closed")
	}
	return nil
}

// quicStream is one invocation's bidirectional stream as a Conn. On the
// client, CloseWrite sends the stream's FIN; Close (also how an invocation
// is aborted) cancels whichever direction has not ended, so a server
// reading the results learns at once that the caller went away. On the
// server, Close sends the FIN after the results (or none: the client reads
// EOF without a result; a Close during a Write, from Server.Close, resets
// the stream instead) and stops the request's direction if it was not read
// to its end.
type quicStream struct {
	s  *quic.Stream
	qc *quic.Conn
	l  *QUICListener // the listener that accepted it; nil on the client
	id *quicPeer     // who is at the other end; nil on the client

	readEOF   atomic.Bool
	writeDone atomic.Bool
	closed    atomic.Bool
	wmu       sync.Mutex // held by a server-side Write
}

// quicPeer is what the server-side streams of one connection share: the
// caller, named once when the connection is accepted (its TLS handshake
// is complete by then) rather than for each invocation.
type quicPeer struct {
	principal string
	remote    string // the remote IP, as remoteKey gives it
	owner     string // the owner of the handles its calls create (ownerKey)
}

func newQUICPeer(qc *quic.Conn) *quicPeer {
	p := &quicPeer{
		principal: principalFromTLS(qc.ConnectionState().TLS),
		remote:    remoteIP(qc.RemoteAddr()),
	}
	p.owner = ownerKey(p.principal, qc.RemoteAddr())
	return p
}

func newQUICStream(s *quic.Stream, qc *quic.Conn, l *QUICListener, id *quicPeer) *quicStream {
	return &quicStream{s: s, qc: qc, l: l, id: id}
}

func (c *quicStream) Read(p []byte) (int, error) {
	n, err := c.s.Read(p)
	if err != nil {
		if err == io.EOF {
			c.readEOF.Store(true)
		} else {
			err = quicError(err)
		}
	}
	return n, err
}

func (c *quicStream) Write(p []byte) (int, error) {
	if c.l != nil {
		// quic-go forbids closing a stream during a Write; the server may
		// close it from another goroutine (Server.Close).
		c.wmu.Lock()
		defer c.wmu.Unlock()
		if c.writeDone.Load() {
			return 0, net.ErrClosed
		}
	}
	n, err := c.s.Write(p)
	return n, quicError(err)
}

// CloseWrite sends the FIN: the peer reads EOF after the data.
func (c *quicStream) CloseWrite() error {
	c.writeDone.Store(true)
	return quicError(c.s.Close())
}

func (c *quicStream) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	if !c.writeDone.Swap(true) {
		if c.l != nil && c.wmu.TryLock() {
			_ = c.s.Close()
			c.wmu.Unlock()
		} else {
			// The client abandons the invocation, or the server closes the
			// stream during a Write: a reset, which ends the Write.
			c.s.CancelWrite(quicCodeCancel)
		}
	}
	if !c.readEOF.Load() {
		if c.l != nil {
			c.s.CancelRead(quicCodeDone)
		} else {
			c.s.CancelRead(quicCodeCancel)
		}
	}
	if c.l != nil {
		c.l.streamDone()
	}
	return nil
}

func (c *quicStream) LocalAddr() net.Addr                { return c.qc.LocalAddr() }
func (c *quicStream) RemoteAddr() net.Addr               { return c.qc.RemoteAddr() }
func (c *quicStream) SetDeadline(t time.Time) error      { return c.s.SetDeadline(t) }
func (c *quicStream) SetReadDeadline(t time.Time) error  { return c.s.SetReadDeadline(t) }
func (c *quicStream) SetWriteDeadline(t time.Time) error { return c.s.SetWriteDeadline(t) }

// ConnectionState returns the TLS state of the stream's connection: its
// verified client certificate names the caller (see Peer).
func (c *quicStream) ConnectionState() tls.ConnectionState {
	return c.qc.ConnectionState().TLS
}

// identity names the caller of a server-side stream: the principal of its
// connection's client certificate, its remote IP, and the owner of the
// handles its calls create.
func (c *quicStream) identity() (principal, remote, owner string) {
	return c.id.principal, c.id.remote, c.id.owner
}

// callContext is the context of the stream's invocation: the stream's own,
// which ends when the caller stops reading the results (the client aborts
// with STOP_SENDING), when the connection ends, and when the server closes
// the stream (Server.Close). Before the server writes its results nothing
// else ends it.
func (c *quicStream) callContext() context.Context {
	return c.s.Context()
}

// quicResetError is a stream or connection that the peer (or the network)
// ended: it matches syscall.ECONNRESET, as a TCP reset does, so the client
// and the server treat both alike.
type quicResetError struct{ err error }

func (e *quicResetError) Error() string   { return e.err.Error() }
func (e *quicResetError) Unwrap() []error { return []error{e.err, syscall.ECONNRESET} }

// quicError maps an error of quic-go to what the runtime expects of a
// connection.
func quicError(err error) error {
	if err == nil {
		return nil
	}
	var (
		se *quic.StreamError
		ae *quic.ApplicationError
		ie *quic.IdleTimeoutError
		sr *quic.StatelessResetError
		te *quic.TransportError
	)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return err
	case errors.As(err, &se) && se.Remote, errors.As(err, &ae), errors.As(err, &ie), errors.As(err, &sr), errors.As(err, &te):
		return &quicResetError{err: err}
	}
	return err
}

// QUICListener accepts wRPC invocations over QUIC: its Accept yields one
// net.Conn per bidirectional stream, from any of its connections, so that
// Server.Serve serves it like a TCP listener.
//
// Connections and their streams are accepted in the background (a goroutine
// per connection) into a bounded queue; a connection carries at most
// WithQUICMaxStreams invocations at once, and past the queue's room the
// peers wait for flow control. The listener bounds its connections in total
// and per remote IP (WithQUICMaxConnections).
//
// Close stops accepting at once; the connections close (with
// CONNECTION_CLOSE) when every stream Accept returned has been closed and
// its last data had time to be acknowledged (10 round trips, 100 ms to
// 2 s), so
// Server.Shutdown lets running invocations finish and Server.Close ends
// them. The UDP socket closes with them.
type QUICListener struct {
	udp *net.UDPConn
	tr  *quic.Transport
	ql  *quic.Listener
	o   quicOptions

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	queue  chan *quicStream
	wg     sync.WaitGroup // the accepting goroutines

	mu        sync.Mutex
	conns     map[*quic.Conn]string // open connections, with their remote IP
	byRemote  map[string]int
	closed    bool
	finished  bool
	deadline  chan struct{} // closed when the accept deadline passes
	dlChanged chan struct{} // closed when SetDeadline is called
	dlTimer   *time.Timer

	accepted atomic.Int64 // connections accepted so far
	// out counts the streams accepted and not yet closed; closing is set
	// (under mu) when Close begins. Once both say so, the connections
	// close (maybeFinish).
	out     atomic.Int64
	closing atomic.Bool

	// serve, if set (by Server.Serve), takes each stream as it is
	// accepted, instead of Accept.
	serve atomic.Pointer[func(net.Conn)]
}

// ListenQUIC listens for wRPC over QUIC on the UDP address addr. tlsConf
// holds the server's certificate, and, to identify callers, ClientAuth and
// ClientCAs; the connection uses TLS 1.3 and the ALPN protocol QUICALPN
// unless tlsConf.NextProtos names others (an empty, non-nil NextProtos
// accepts clients that offer none, such as wRPC's Rust examples). 0-RTT is
// refused.
func ListenQUIC(addr string, tlsConf *tls.Config, opts ...QUICOption) (*QUICListener, error) {
	o := defaultQUICOptions()
	for _, f := range opts {
		f(&o)
	}
	if tlsConf == nil || (len(tlsConf.Certificates) == 0 && tlsConf.GetCertificate == nil && tlsConf.GetConfigForClient == nil) {
		return nil, errors.New("wrpc: ListenQUIC needs a TLS configuration with a certificate")
	}
	uaddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	udp, err := net.ListenUDP("udp", uaddr)
	if err != nil {
		return nil, err
	}
	key := o.resetKey
	if key == nil {
		key = resetKeyFromCert(tlsConf)
	}
	tr := &quic.Transport{Conn: udp, StatelessResetKey: key}
	ql, err := tr.Listen(quicTLS(tlsConf), o.config(true))
	if err != nil {
		_ = tr.Close()
		_ = udp.Close()
		return nil, err
	}
	l := &QUICListener{
		udp: udp, tr: tr, ql: ql, o: o,
		queue:    make(chan *quicStream, o.queueStreams),
		conns:    make(map[*quic.Conn]string),
		byRemote: make(map[string]int),

		dlChanged: make(chan struct{}),
	}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Add(1)
	go l.acceptConns()
	return l, nil
}

// resetKeyFromCert derives a stateless reset key from the private key of
// the first certificate of conf (a one-way function of it), or returns nil.
func resetKeyFromCert(conf *tls.Config) *quic.StatelessResetKey {
	if len(conf.Certificates) == 0 || conf.Certificates[0].PrivateKey == nil {
		return nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(conf.Certificates[0].PrivateKey)
	if err != nil {
		return nil
	}
	mac := hmac.New(sha256.New, der)
	mac.Write([]byte("witgo wRPC QUIC stateless reset key"))
	var k quic.StatelessResetKey
	copy(k[:], mac.Sum(nil))
	return &k
}

func (l *QUICListener) acceptConns() {
	defer l.wg.Done()
	for {
		qc, err := l.ql.Accept(l.ctx)
		if err != nil {
			return
		}
		key := remoteIP(qc.RemoteAddr())
		if !l.admit(qc, key) {
			_ = qc.CloseWithError(quicCloseRefused, "too many connections")
			continue
		}
		l.accepted.Add(1)
		context.AfterFunc(qc.Context(), func() { l.connGone(qc, key) })
		l.wg.Add(1)
		go l.acceptStreams(qc, newQUICPeer(qc))
	}
}

func (l *QUICListener) admit(qc *quic.Conn, key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || len(l.conns) >= l.o.maxConns || l.byRemote[key] >= l.o.perRemote {
		return false
	}
	l.conns[qc] = key
	l.byRemote[key]++
	return true
}

func (l *QUICListener) connGone(qc *quic.Conn, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.conns[qc]; !ok {
		return
	}
	delete(l.conns, qc)
	if l.byRemote[key]--; l.byRemote[key] <= 0 {
		delete(l.byRemote, key)
	}
}

func (l *QUICListener) acceptStreams(qc *quic.Conn, id *quicPeer) {
	defer l.wg.Done()
	for {
		s, err := qc.AcceptStream(l.ctx)
		if err != nil {
			return
		}
		c := newQUICStream(s, qc, l, id)
		l.out.Add(1)
		if serve := l.serve.Load(); serve != nil {
			(*serve)(c)
			continue
		}
		select {
		case l.queue <- c:
		case <-l.ctx.Done():
			_ = c.Close()
			return
		}
	}
}

// handOff makes the listener give every stream it accepts from now on to
// serve, on the goroutine that accepted it, rather than to Accept.
// Server.Serve calls it.
func (l *QUICListener) handOff(serve func(net.Conn)) {
	l.serve.Store(&serve)
}

// Accept returns the next stream, from any connection. Under Server.Serve
// it only returns the streams queued before Serve began, and reports the
// listener's close and the accept deadline: the streams go straight to the
// server.
func (l *QUICListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		dl, changed := l.deadline, l.dlChanged
		l.mu.Unlock()
		select {
		case c := <-l.queue:
			return c, nil
		case <-l.ctx.Done():
			return nil, &net.OpError{Op: "accept", Net: "quic", Addr: l.Addr(), Err: net.ErrClosed}
		case <-dl:
			return nil, &net.OpError{Op: "accept", Net: "quic", Addr: l.Addr(), Err: os.ErrDeadlineExceeded}
		case <-changed:
			// SetDeadline was called: wait for the new deadline.
		}
	}
}

// SetDeadline sets the deadline of Accept (the zero time: none), as
// *net.TCPListener does; Server.Shutdown uses it to drain the queue.
func (l *QUICListener) SetDeadline(t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dlTimer != nil {
		l.dlTimer.Stop()
		l.dlTimer = nil
	}
	close(l.dlChanged)
	l.dlChanged = make(chan struct{})
	if t.IsZero() {
		l.deadline = nil
		return nil
	}
	ch := make(chan struct{})
	l.deadline = ch
	if d := time.Until(t); d <= 0 {
		close(ch)
	} else {
		l.dlTimer = time.AfterFunc(d, func() { close(ch) })
	}
	return nil
}

// Addr is the UDP address the listener is bound to.
func (l *QUICListener) Addr() net.Addr { return l.udp.LocalAddr() }

// Close stops accepting connections and streams; streams queued but not
// yet accepted are refused. The connections (and the socket) close once
// every stream that Accept returned has been closed, after a linger for
// the peers to acknowledge the last results.
func (l *QUICListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.closing.Store(true)
	l.mu.Unlock()
	l.cancel()
	_ = l.ql.Close()
	l.wg.Wait()
	for {
		select {
		case c := <-l.queue:
			_ = c.Close()
			continue
		default:
		}
		break
	}
	l.mu.Lock()
	l.maybeFinish()
	l.mu.Unlock()
	return nil
}

// A closed listener closes its connections once their streams are done,
// after lingering 10 round trips, within these bounds, for the peers to
// acknowledge the last results.
const (
	quicMinLinger = 100 * time.Millisecond
	quicMaxLinger = 2 * time.Second
)

// streamDone counts a stream closed.
func (l *QUICListener) streamDone() {
	if l.out.Add(-1) > 0 || !l.closing.Load() {
		return // the common case, without the lock
	}
	l.mu.Lock()
	l.maybeFinish()
	l.mu.Unlock()
}

// maybeFinish closes the connections and the socket once the listener is
// closed and no stream is out. l.mu is held.
func (l *QUICListener) maybeFinish() {
	if !l.closed || l.out.Load() > 0 || l.finished {
		return
	}
	l.finished = true
	conns := make([]*quic.Conn, 0, len(l.conns))
	for qc := range l.conns {
		conns = append(conns, qc)
	}
	go func() {
		// A stream's last results may still wait for the peer's
		// acknowledgement, which closing the connection would drop: linger
		// a few round trips first.
		linger := quicMinLinger
		for _, qc := range conns {
			linger = max(linger, 10*qc.ConnectionStats().SmoothedRTT)
		}
		if len(conns) > 0 {
			time.Sleep(min(linger, quicMaxLinger))
		}
		for _, qc := range conns {
			_ = qc.CloseWithError(quicCloseNormal, "server closed")
		}
		_ = l.tr.Close()
		_ = l.udp.Close()
	}()
}

// remoteIP is the IP of a UDP or TCP address, or "".
func remoteIP(a net.Addr) string {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.IP.String()
	case *net.TCPAddr:
		return a.IP.String()
	}
	return ""
}

// dialQUIC returns the Dialer of a quic://HOST:PORT URL (Dial); cfg is
// already TLS 1.3-only, with a session cache and its ServerName.
func dialQUIC(addr string, cfg *tls.Config) (Dialer, error) {
	return NewQUICDialer(addr, cfg), nil
}

// listenQUIC returns the listener of a quic://HOST:PORT URL (Listen).
func listenQUIC(addr string, cfg *tls.Config) (net.Listener, error) {
	l, err := ListenQUIC(addr, cfg)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// URL returns quic://HOST:PORT (see ListenerURL).
func (l *QUICListener) URL() string { return "quic://" + l.Addr().String() }
