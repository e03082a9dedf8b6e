package wrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// Handler serves one invocation: params holds the decoded root parameter
// bytes; it returns the encoded root results. A non-nil error ends the
// invocation without results (the server closes the stream), and so does a
// cancelled ctx: results returned after ctx is cancelled are dropped.
//
// params is only valid until the handler returns: the server reuses the
// buffer, so a handler that keeps parameter bytes must copy them (the
// wire.Decoder does). ctx is cancelled when the caller goes away or the
// server is forced to stop; see Server.
type Handler func(ctx context.Context, params []byte) (results []byte, err error)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("wrpc: server closed")

// watchDelay is how long a handler runs before the server starts watching
// for the caller going away.
const watchDelay = 2 * time.Millisecond

// Defaults of the server options.
const (
	DefaultMaxConcurrentInvocations = 1024
	DefaultReadTimeout              = 30 * time.Second
	DefaultWriteTimeout             = 30 * time.Second
)

// Server serves registered functions over any number of listeners (TCP and
// Unix sockets alike), one invocation per connection.
//
// For each connection it reads the whole request (bounded by MaxMessage, the
// header timeout, the read timeout and the bytes-in-flight budget) before it
// calls the handler; it then writes the
// results in one root frame and closes the connection. An unknown instance
// or function, a malformed or oversized request, a handler error and a
// handler panic each close the connection at once without a result, so the
// caller fails fast (the client reports ErrNoResult); the reason is logged.
// A panic is recovered, logged with its stack at Error level, and the server
// keeps serving. Names a caller sent are cut to 128 bytes in the log, and
// warnings are rate-limited per message and remote address.
//
// Accepting never waits for handlers: every connection is read on its own,
// within the connection caps (WithMaxConnections); a connection over a cap
// is closed as soon as it is accepted.
//
// A handler's context is cancelled when the caller goes away (on Linux the
// server watches the connection while the handler runs: a TCP reset or the
// close of a Unix socket cancels it; over QUIC, everywhere, the caller
// stopping the stream or the loss of its connection does; elsewhere it is
// noticed only when the results are written), and when Shutdown's grace period ends or Close is
// called. Shutdown itself lets running invocations finish. An invocation
// whose context was cancelled ends without a result, whatever its handler
// returns.
type Server struct {
	lim          wire.Limits
	log          *slog.Logger
	readTimeout  time.Duration
	writeTimeout time.Duration
	sem          chan struct{} // one token per running handler
	intercept    ServerInterceptor
	handles      *handleTable
	obs          Observer // nil: no observing at all

	headerTimeout time.Duration
	callTimeout   time.Duration
	minReadRate   int
	conns         *connCounter
	budget        *byteBudget
	warns         *warnLimiter
	workers       workerPool // workers.go
	alim          AsyncLimits

	regMu  sync.Mutex
	routes atomic.Pointer[routeMap] // copy on write

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	active    map[*invocation]struct{}
	closing   bool
	closed    bool // Close was called: no new invocation at all
	// drainUntil ends Shutdown's drain of the listeners' queues.
	drainUntil time.Time
	done       chan struct{} // closed when Shutdown or Close begins
	idle       chan struct{} // closed when closing and no invocation is left
}

// identifiedConn is a connection whose transport named the caller before
// the server got it, and whose context ends when the caller goes away (a
// QUIC stream: its connection's TLS handshake is done, and the stream
// ends when the client stops reading it or the connection is lost).
type identifiedConn interface {
	// identity returns the caller's principal, remoteKey of the
	// connection, and the owner of the handles its calls create.
	identity() (principal, remote, owner string)
	// callContext is the context of the connection's invocation; closing
	// the connection ends it.
	callContext() context.Context
}

// noCancel is the cancel function of an invocation whose context ends with
// its connection.
func noCancel() {}

// handoffListener is a listener that can hand each connection it accepts
// to a function, from its own goroutines, instead of returning it from
// Accept: the QUIC listener accepts streams on a goroutine per
// connection, and this spares each invocation a goroutine switch.
type handoffListener interface {
	handOff(serve func(net.Conn))
}

type routeMap map[string]map[string]*route

type route struct {
	instance, name string
	h              Handler
	ah             asyncHandler // functions with async values (async_server.go)
}

type invocation struct {
	srv    *Server
	conn   net.Conn
	peer   *Peer  // in ctx; its principal is set by the TLS handshake
	remote string // remoteKey(conn)
	ctx    context.Context
	cancel context.CancelFunc

	// While the request is read (frameReader): the bytes it holds in the
	// bytes-in-flight budget, and the read deadline that each declared
	// byte extends (zero: none).
	reserved     int
	readDeadline time.Time

	// What peer and ctx point to, and the handler's context under the
	// call timeout: one allocation with the invocation.
	peerVal  Peer
	peerCtx  peerContext
	deadline deadlineCtx
}

// reserve takes n more bytes of the request from the bytes-in-flight
// budget.
func (inv *invocation) reserve(n int) error {
	if err := inv.srv.budget.acquire(inv.ctx, n); err != nil {
		return err
	}
	inv.reserved += n
	return nil
}

// dataLen extends the read deadline by the time a frame of n bytes may
// take at the minimum read rate.
func (inv *invocation) dataLen(n int) {
	if inv.readDeadline.IsZero() {
		return
	}
	inv.readDeadline = inv.readDeadline.Add(time.Duration(n) * time.Second / time.Duration(inv.srv.minReadRate))
	_ = inv.conn.SetReadDeadline(inv.readDeadline)
}

// ServerOption configures a Server. Options that exist on both sides are
// named after their side: WithServerLimits here, WithClientLimits for a
// Client (ClientOption).
type ServerOption func(*Server)

// WithServerLimits sets the limits applied to requests (zero fields mean the
// defaults, 4 MiB each). MaxValue bounds the instance and function names,
// MaxMessage the whole request.
func WithServerLimits(lim wire.Limits) ServerOption {
	return func(s *Server) { s.lim = lim.WithDefaults() }
}

// ServerInterceptor wraps every handler call on the server side, like
// grpc.UnaryServerInterceptor: it sees the instance and function names and
// the encoded parameters, and calls next to run the handler (or does not, to
// refuse the call with an error). See WithInterceptor.
type ServerInterceptor func(ctx context.Context, instance, name string, params []byte, next Handler) ([]byte, error)

// WithInterceptor runs every handler call through i. With several
// WithInterceptor options, the first one given is the outermost. A panic in an
// interceptor is recovered like a handler's.
func WithInterceptor(i ServerInterceptor) ServerOption {
	return func(s *Server) {
		outer := s.intercept
		if outer == nil {
			s.intercept = i
			return
		}
		s.intercept = func(ctx context.Context, instance, name string, params []byte, next Handler) ([]byte, error) {
			return outer(ctx, instance, name, params, func(ctx context.Context, params []byte) ([]byte, error) {
				return i(ctx, instance, name, params, next)
			})
		}
	}
}

// WithMaxConcurrentInvocations bounds how many handlers run at once
// (default 1024; n ≤ 0 means the default). A request read in full while
// the bound is reached waits for a slot, holding its connection. Reading
// requests does not take a slot: idle and slow connections cannot keep a
// handler from running (see WithHeaderTimeout, WithMaxConnections and
// WithMaxBytesInFlight for what bounds them).
func WithMaxConcurrentInvocations(n int) ServerOption {
	return func(s *Server) {
		if n <= 0 {
			n = DefaultMaxConcurrentInvocations
		}
		s.sem = make(chan struct{}, n)
	}
}

// WithLogger sets the logger (default slog.Default(); nil discards the
// logs). The server logs only
// per invocation and only when something goes wrong, never per value: a
// handler panic at Error; an unknown function, a refused request, a handler
// error or a failed write at Warn; a caller that went away or sent nothing at
// Debug.
func WithLogger(l *slog.Logger) ServerOption {
	return func(s *Server) {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		s.log = l
	}
}

// WithReadTimeout bounds the time to receive a request's body, from the
// end of its header (default 30 s; 0 disables it): each frame's declared
// data length adds to it at the minimum read rate (WithMinReadRate), so a
// large body that keeps arriving is not cut.
func WithReadTimeout(d time.Duration) ServerOption {
	return func(s *Server) { s.readTimeout = d }
}

// WithWriteTimeout bounds the time to write the results (default 30 s; 0
// disables it). Results of up to 1 KiB need no bound: their write never
// waits for the caller.
func WithWriteTimeout(d time.Duration) ServerOption {
	return func(s *Server) { s.writeTimeout = d }
}

// NewServer returns a Server with no functions registered.
func NewServer(opts ...ServerOption) *Server {
	s := &Server{
		lim:           wire.DefaultLimits(),
		log:           slog.Default(),
		readTimeout:   DefaultReadTimeout,
		writeTimeout:  DefaultWriteTimeout,
		sem:           make(chan struct{}, DefaultMaxConcurrentInvocations),
		handles:       newHandleTable(),
		headerTimeout: DefaultHeaderTimeout,
		callTimeout:   DefaultCallTimeout,
		minReadRate:   DefaultMinReadRate,
		conns:         newConnCounter(),
		budget:        newByteBudget(),
		warns:         newWarnLimiter(),
		listeners:     make(map[net.Listener]struct{}),
		active:        make(map[*invocation]struct{}),
		done:          make(chan struct{}),
		idle:          make(chan struct{}),
	}
	s.routes.Store(&routeMap{})
	for _, o := range opts {
		o(s)
	}
	s.handles.obs = s.obs
	return s
}

// Register serves h for the function name of instance (wire names: an
// interface's qualified name such as "wasi:keyvalue/store@0.2.0-draft2", and
// "open", "bucket.get", ...). It may be called while the server runs. It
// panics if the pair is already registered or h is nil.
func (s *Server) Register(instance, name string, h Handler) {
	if h == nil {
		panic("wrpc: Register with a nil handler for " + instance + "#" + name)
	}
	s.addRoute(&route{instance: instance, name: name, h: h})
}

func (s *Server) addRoute(rt *route) {
	instance, name := rt.instance, rt.name
	s.regMu.Lock()
	defer s.regMu.Unlock()
	old := *s.routes.Load()
	if _, dup := old[instance][name]; dup {
		panic("wrpc: duplicate registration of " + instance + "#" + name)
	}
	m := make(routeMap, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	fns := make(map[string]*route, len(old[instance])+1)
	for k, v := range old[instance] {
		fns[k] = v
	}
	fns[name] = rt
	m[instance] = fns
	s.routes.Store(&m)
}

// Lookup returns the handler registered for the function name of instance,
// or nil. It lets tests and middleware call a handler without a connection.
func (s *Server) Lookup(instance, name string) Handler {
	if rt := (*s.routes.Load())[instance][name]; rt != nil {
		return rt.h
	}
	return nil
}

// Functions returns the registered functions as "instance#name", sorted.
func (s *Server) Functions() []string {
	var fns []string
	for inst, m := range *s.routes.Load() {
		for name := range m {
			fns = append(fns, inst+"#"+name)
		}
	}
	sort.Strings(fns)
	return fns
}

func (s *Server) lookup(instance, name []byte) *route {
	return (*s.routes.Load())[string(instance)][string(name)]
}

// Serve accepts connections on l and serves one invocation on each, until
// Shutdown or Close (then it returns ErrServerClosed) or until l fails. It
// closes l when it returns. Serve may be called for several listeners at
// once (TCP and Unix); they share the concurrency bound.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		_ = l.Close()
		s.mu.Lock()
		delete(s.listeners, l)
		s.closeIfIdle()
		s.mu.Unlock()
	}()

	if h, ok := l.(handoffListener); ok {
		// The listener hands its connections over as it accepts them, on
		// its own goroutines; Accept then only reports the deadline and
		// the close.
		h.handOff(func(c net.Conn) { s.accepted(l, c) })
	}
	var delay time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				// Shutdown's drain ended (the accept deadline passed),
				// or Close closed the listener.
				return ErrServerClosed
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				// Out of file descriptors and the like: back off and retry.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("wrpc: accept failed; retrying", "err", err, "delay", delay)
				select {
				case <-time.After(delay):
					continue
				case <-s.done:
					return ErrServerClosed
				}
			}
			return err
		}
		delay = 0
		if !s.accepted(l, c) {
			return ErrServerClosed
		}
	}
}

// accepted serves c, a connection l accepted, within the connection caps;
// it returns false, having closed c, once Close was called.
func (s *Server) accepted(l net.Listener, c net.Conn) bool {
	s.extendDrain(l)
	id, identified := c.(identifiedConn)
	var principal, key, owner string
	if identified {
		principal, key, owner = id.identity()
	} else {
		key = remoteKey(c)
	}
	if ok, name, limit := s.conns.admit(key); !ok {
		// Closed at once, unread: the caller sees the connection end
		// without a result, and accepting goes on for the others.
		_ = c.Close()
		s.refused(name)
		s.warn(c, "wrpc: too many connections; closing a new one", "remote", remote(c), "limit", limit)
		return true
	}
	if s.obs != nil {
		s.obs.ConnAccepted()
	}
	inv := &invocation{srv: s, conn: c, remote: key, peerVal: s.peer(c)}
	inv.peer = &inv.peerVal
	inv.peerCtx.peer = inv.peer
	if identified {
		inv.peer.Principal, inv.peer.owner = principal, owner
		inv.peerCtx.Context, inv.cancel = id.callContext(), noCancel
	} else {
		inv.peerCtx.Context, inv.cancel = context.WithCancel(context.Background())
	}
	inv.ctx = &inv.peerCtx
	if !s.track(inv) {
		s.conns.release(key)
		inv.cancel()
		_ = c.Close()
		return false
	}
	s.dispatch(inv)
	return true
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// track records a new invocation; after Close it refuses. During
// Shutdown's drain, connections the kernel had already accepted are still
// served.
func (s *Server) track(inv *invocation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.active[inv] = struct{}{}
	return true
}

func (s *Server) untrack(inv *invocation) {
	s.mu.Lock()
	delete(s.active, inv)
	s.closeIfIdle()
	s.mu.Unlock()
}

// closeIfIdle closes s.idle once the server is closing, no listener is
// left (a draining one may still accept) and no invocation runs. s.mu is
// held.
func (s *Server) closeIfIdle() {
	if s.closing && len(s.listeners) == 0 && len(s.active) == 0 {
		closeOnce(s.idle)
	}
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// Shutdown stops the server gracefully: it stops accepting (Serve returns
// ErrServerClosed), serves the connections the kernel had already accepted
// and lets running invocations finish, and returns nil when none is left.
// New connections are refused once the listeners are closed: when none has
// come for 50 ms, and at most a second after Shutdown begins. If ctx ends first, it cancels the
// contexts of the invocations still running, closes their connections,
// and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginClose(true)
	defer s.handles.closeAll()
	select {
	case <-s.idle:
		return nil
	case <-ctx.Done():
		s.forceClose()
		return ctx.Err()
	}
}

// Close stops the server at once: it closes the listeners, cancels the
// contexts of running invocations and closes their connections.
func (s *Server) Close() error {
	s.beginClose(false)
	s.forceClose()
	s.handles.closeAll()
	return nil
}

// Shutdown keeps accepting the connections already in the listeners'
// queues: until none has come for drainWindow, and for at most maxDrain.
const (
	drainWindow = 50 * time.Millisecond
	maxDrain    = time.Second
)

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// extendDrain, during Shutdown's drain, gives l another drainWindow after a
// connection was accepted, up to the end of the drain.
func (s *Server) extendDrain(l net.Listener) {
	select {
	case <-s.done:
	default:
		return // not closing: the common case, without the lock
	}
	s.mu.Lock()
	until, draining := s.drainUntil, s.closing && !s.closed
	s.mu.Unlock()
	if !draining || until.IsZero() {
		return
	}
	if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
		_ = d.SetDeadline(earliest(time.Now().Add(drainWindow), until))
	}
}

// beginClose stops accepting: with drain, each listener that has an accept
// deadline accepts what its queue holds until drainWindow passes, then
// Serve closes it; otherwise the listeners close now.
func (s *Server) beginClose(drain bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing {
		s.closing = true
		close(s.done)
		s.workers.close()
	}
	if !drain {
		s.closed = true
	} else if s.drainUntil.IsZero() {
		s.drainUntil = time.Now().Add(maxDrain)
	}
	for l := range s.listeners {
		d, ok := l.(interface{ SetDeadline(time.Time) error })
		if drain && ok && d.SetDeadline(earliest(time.Now().Add(drainWindow), s.drainUntil)) == nil {
			// Nothing new joins the queue while it drains (Linux).
			refuseNew(l)
			continue
		}
		_ = l.Close()
	}
	s.closeIfIdle()
}

// forceClose ends the running invocations without their results: it closes
// each connection before it cancels the handler's context, so a handler that
// returns results as soon as it sees the cancellation can no longer reach the
// caller (serveConn also drops the results of a cancelled invocation).
func (s *Server) forceClose() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for inv := range s.active {
		_ = inv.conn.Close()
		inv.cancel()
	}
}

// serveConn serves the one invocation of a connection: it reads the request
// (the header within the header timeout, the body within the read timeout
// plus its size at the minimum read rate, its bytes counted in the
// bytes-in-flight budget), then waits for a handler slot and runs the
// handler.
func (s *Server) serveConn(inv *invocation) {
	c := inv.conn
	defer func() {
		inv.cancel()
		_ = c.Close()
		s.budget.release(inv.reserved)
		s.conns.release(inv.remote)
		s.untrack(inv)
	}()

	var headerDeadline time.Time
	if s.headerTimeout > 0 {
		headerDeadline = time.Now().Add(s.headerTimeout)
	} else if s.readTimeout > 0 {
		headerDeadline = time.Now().Add(s.readTimeout)
	}
	if !headerDeadline.IsZero() {
		_ = c.SetReadDeadline(headerDeadline)
	}
	// A TLS connection's handshake runs here, in the connection's own
	// goroutine and within the header deadline; it names the caller.
	if err := handshake(inv.ctx, c, inv.peer, headerDeadline); err != nil {
		s.handshakeFailed(c, err)
		return
	}
	if inv.peer.owner == "" {
		inv.peer.owner = ownerKey(inv.peer.Principal, inv.peer.Addr)
	}
	bp := getBuf()
	defer putBuf(bp)
	br := getReader(c)
	fr := frameReader{br: br, lim: s.lim, inv: inv}
	inst, name, err := fr.readHeader((*bp)[:0])
	if err != nil {
		putReader(br)
		s.requestFailed(c, nil, inst, name, fr.n, err)
		return
	}
	rt := s.lookup(inst, name)
	if rt == nil {
		putReader(br)
		s.refused(LimitUnknownFunction)
		s.warn(c, "wrpc: unknown function; closing the connection",
			"instance", logText(inst), "name", logText(name), "remote", remote(c))
		return
	}
	if rt.ah != nil {
		s.serveAsync(inv, rt, br) // br now belongs to the call
		return
	}
	if s.readTimeout > 0 {
		// Each declared byte buys time at the minimum rate (dataLen).
		inv.readDeadline = time.Now().Add(s.readTimeout)
		_ = c.SetReadDeadline(inv.readDeadline)
	}
	params, _, err := fr.readAll((*bp)[:0])
	putReader(br)
	*bp = params
	if err != nil {
		s.requestFailed(c, rt, nil, nil, fr.n, err)
		return
	}
	if !s.acquireSlot(inv.ctx) {
		return
	}
	defer func() { <-s.sem }()

	var stopWatch func() bool
	if _, ok := c.(identifiedConn); ok {
		// The context ends when the caller goes away (QUIC).
	} else if canWatchPeer {
		// Most handlers return well within watchDelay: they never pay for
		// the watcher.
		stopWatch = time.AfterFunc(watchDelay, func() {
			// The watcher waits on the read side: without the request's
			// read deadline.
			_ = c.SetReadDeadline(time.Time{})
			watchPeer(c, inv.cancel)
		}).Stop
	}
	callCtx := inv.ctx
	if s.callTimeout > 0 {
		inv.deadline.init(inv.ctx, time.Now().Add(s.callTimeout))
		callCtx = &inv.deadline
		defer inv.deadline.release()
	}
	var start time.Time
	if s.obs != nil {
		start = time.Now()
	}
	results, panicked, err := s.call(callCtx, rt, params)
	if stopWatch != nil {
		stopWatch()
	}
	if s.obs != nil {
		s.obs.CallDone(rt.instance, rt.name, outcomeOf(panicked, err, inv.ctx), time.Since(start))
	}
	if err != nil {
		if panicked {
			return // logged by call
		}
		if inv.ctx.Err() != nil {
			s.log.Debug("wrpc: handler ended after its context was cancelled; closing the connection",
				"instance", rt.instance, "name", rt.name, "remote", remote(c), "err", err)
		} else {
			s.warn(c, "wrpc: handler failed; closing the connection without a result",
				"instance", rt.instance, "name", rt.name, "remote", remote(c), "err", err)
		}
		return
	}
	if err := inv.ctx.Err(); err != nil {
		// The caller went away, or Shutdown's grace period ended or Close was
		// called: the invocation ends without a result, even if the handler
		// returned one after seeing the cancellation.
		s.log.Debug("wrpc: handler returned after its context was cancelled; closing the connection without a result",
			"instance", rt.instance, "name", rt.name, "remote", remote(c), "err", err)
		return
	}
	if s.writeTimeout > 0 && len(results) > smallResults {
		_ = c.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	}
	// A separate buffer: results may alias params (an echo handler).
	wp := getBuf()
	defer putBuf(wp)
	err = writeFramed(c, (*wp)[:0], wp, results)
	// Closed at once, so that the end of the results follows them closely
	// (over QUIC, in the same packet as a rule); the deferred Close is then
	// a no-op.
	_ = c.Close()
	if err != nil {
		s.log.Debug("wrpc: writing results failed; the caller went away?",
			"instance", rt.instance, "name", rt.name, "remote", remote(c), "err", err)
	}
}

// smallResults is the size up to which results go out without a write
// deadline: the first write on a connection of so few bytes never waits for
// the peer (the kernel's socket buffer, TLS, and a QUIC stream's send
// buffer each take it whole), so a caller that does not read cannot hold
// the server with it.
const smallResults = 1024

// acquireSlot waits for a handler slot (s.sem), or for ctx to end: it
// reports whether it got one.
func (s *Server) acquireSlot(ctx context.Context) bool {
	select {
	case s.sem <- struct{}{}:
		return true
	default:
	}
	select {
	case s.sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// requestFailed logs why a request was refused.
func (s *Server) requestFailed(c net.Conn, rt *route, inst, name []byte, n int, err error) {
	instance, fn := string(inst), string(name)
	if rt != nil {
		instance, fn = rt.instance, rt.name
	}
	if n == 0 && (errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
		// A connection that sent nothing: a port probe or a health check.
		s.log.Debug("wrpc: connection closed before a request", "remote", remote(c), "err", err)
		return
	}
	if s.obs != nil && !errors.Is(err, context.Canceled) {
		// (Canceled: Close ended the read; not a refusal.)
		s.obs.Refused(s.refusalOf(err, rt != nil))
	}
	s.warn(c, "wrpc: bad request; closing the connection",
		"instance", logText([]byte(instance)), "name", logText([]byte(fn)), "remote", remote(c), "bytes", n, "err", err)
}

// handshakeFailed logs a failed TLS handshake: at Debug for a connection
// that sent nothing (a port probe), else as a rate-limited warning.
func (s *Server) handshakeFailed(c net.Conn, err error) {
	if errors.Is(err, io.EOF) || isReset(err) {
		s.log.Debug("wrpc: connection closed before the TLS handshake", "remote", remote(c), "err", err)
		return
	}
	s.warn(c, "wrpc: TLS handshake failed; closing the connection", "remote", remote(c), "err", err)
}

// call runs the handler, turning a panic into an error (logged here, with
// the stack).
func (s *Server) call(ctx context.Context, rt *route, params []byte) (results []byte, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("wrpc: handler panicked; closing the connection without a result",
				"instance", rt.instance, "name", rt.name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			results, panicked, err = nil, true, fmt.Errorf("handler panicked: %v", p)
		}
	}()
	if s.intercept != nil {
		results, err = s.intercept(ctx, rt.instance, rt.name, params, rt.h)
	} else {
		results, err = rt.h(ctx, params)
	}
	return results, false, err
}

// outcomeOf classifies a finished handler call for the Observer.
func outcomeOf(panicked bool, err error, ctx context.Context) Outcome {
	switch {
	case panicked:
		return OutcomePanic
	case ctx.Err() != nil:
		return OutcomeCanceled
	case err != nil:
		return OutcomeError
	}
	return OutcomeOK
}

func remote(c net.Conn) string {
	if a := c.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}
