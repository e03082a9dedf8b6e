package wrpc

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// AsyncLimits bounds what one invocation that carries async values (streams
// and futures sent pending, on their own frame paths) may hold in memory and
// how long it may wait. Zero fields mean the defaults. A peer that sends
// faster than the receiver reads is slowed down (the connection is no longer
// read, so TCP pushes back), never dropped; a call that makes no progress for
// IdleTimeout fails.
type AsyncLimits struct {
	// MaxValueBuffer bounds the bytes buffered for one async value, and so
	// the largest frame on an async path, stream chunk or future value
	// (default 1 MiB).
	MaxValueBuffer int
	// MaxCallBuffer bounds the bytes buffered for all the async values of a
	// call (default 4 MiB).
	MaxCallBuffer int
	// MaxQueuedFrames bounds the frames queued for all the async values of a
	// call (default 4096).
	MaxQueuedFrames int
	// MaxValues bounds the async values of a call open at once (default 1024).
	MaxValues int
	// MaxPathDepth bounds the length of a frame path (default 16).
	MaxPathDepth int
	// IdleTimeout: a reader that waits this long for the next frame of an
	// async value, or a connection reader that waits this long for room in
	// full buffers, fails the whole call (default 30 s; negative disables).
	IdleTimeout time.Duration
}

// Defaults of AsyncLimits.
const (
	DefaultMaxValueBuffer  = 1 << 20
	DefaultMaxCallBuffer   = 4 << 20
	DefaultMaxQueuedFrames = 4096
	DefaultMaxAsyncValues  = 1024
	DefaultMaxPathDepth    = 16
	DefaultAsyncIdle       = 30 * time.Second
)

// WithDefaults returns l with every zero field replaced by its default.
func (l AsyncLimits) WithDefaults() AsyncLimits {
	if l.MaxValueBuffer <= 0 {
		l.MaxValueBuffer = DefaultMaxValueBuffer
	}
	if l.MaxCallBuffer <= 0 {
		l.MaxCallBuffer = DefaultMaxCallBuffer
	}
	if l.MaxQueuedFrames <= 0 {
		l.MaxQueuedFrames = DefaultMaxQueuedFrames
	}
	if l.MaxValues <= 0 {
		l.MaxValues = DefaultMaxAsyncValues
	}
	if l.MaxPathDepth <= 0 {
		l.MaxPathDepth = DefaultMaxPathDepth
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = DefaultAsyncIdle
	}
	return l
}

// Sentinel errors of async calls.
var (
	// ErrAsyncUnsupported: the Invoker given to a generated client cannot
	// carry async values (only *Client and Intercept around one can).
	ErrAsyncUnsupported = errors.New("this Invoker cannot carry pending async values (use *wrpc.Client, possibly wrapped by wrpc.Intercept)")
	// ErrCallEnded: the call that carried an async value is over; the value
	// was abandoned before its end.
	ErrCallEnded = errors.New("the invocation that carried this async value has ended")
	// ErrIdle: an async value made no progress for AsyncLimits.IdleTimeout.
	ErrIdle = errors.New("async value idle for too long")
)

// maxTrailing is how many bytes may follow the end of a stream on its path:
// the wRPC Go runtime writes one extra 0x00 after a typed stream's final
// empty chunk, which nobody reads.
const maxTrailing = 16

// A pathQueue holds the frames that arrived for one path.
type pathQueue struct {
	path     []uint32
	key      string
	claimed  bool // a pending value decoded from its parent owns the path
	nested   bool // its value may hold async values on longer paths
	decoding bool // a future's value is being decoded: a claim of the same path takes over
	handoff  *asyncValue
	ended    bool // the value ended in-band
	discard  bool // the value was closed by its reader: frames are dropped
	data     [][]byte
	bytes    int
	trailing int
}

// asyncCall is one invocation that carries async values: a demultiplexer
// that reads frames off the connection and queues them per path, and the
// serialized writer of our frames.
type asyncCall struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	conn   Conn
	lim    AsyncLimits
	vlim   wire.Limits
	server bool

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced at every change
	root       *pathQueue
	queues     map[string]*pathQueue
	ended      []string // keys of ended queues, oldest first
	rootDone   bool     // the root value the peer sent is decoded
	rootFrames int      // root frames received
	rootBytes  int      // root data received, within MaxMessage
	eof        bool     // the peer sent everything it will send
	err        error    // why the call failed, or ErrCallEnded
	buffered   int
	frames     int
	open       int         // claimed values not ended or closed
	writers    int         // our writers still sending
	sent       bool        // our root frame is written; writers may run
	handlerOK  bool        // server: the handler returned
	results    *[]deferred // server: the pending values in the results
	finished   chan struct{}
	closed     bool // finished was closed

	wmu  sync.Mutex
	wbuf []byte

	stop func() bool // stops the context watch
}

func newAsyncCall(parent context.Context, conn Conn, lim AsyncLimits, vlim wire.Limits, server bool) *asyncCall {
	ctx, cancel := context.WithCancelCause(parent)
	c := &asyncCall{
		ctx: ctx, cancel: cancel, conn: conn, lim: lim.WithDefaults(), vlim: vlim.WithDefaults(), server: server,
		changed:  make(chan struct{}),
		root:     &pathQueue{claimed: true},
		queues:   make(map[string]*pathQueue),
		finished: make(chan struct{}),
	}
	c.stop = context.AfterFunc(parent, func() { c.fail(context.Cause(parent)) })
	return c
}

// pathKey is the map key of a path: its elements as 4 little-endian bytes
// each, so a prefix of a path has a prefix of its key.
func pathKey(path []uint32) string {
	b := make([]byte, 4*len(path))
	for i, p := range path {
		binary.LittleEndian.PutUint32(b[4*i:], p)
	}
	return string(b)
}

func pathString(path []uint32) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, p := range path {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.FormatUint(uint64(p), 10))
	}
	sb.WriteByte(']')
	return sb.String()
}

// notify wakes every waiter; c.mu is held.
func (c *asyncCall) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// fail ends the call with err: every reader and writer of its async values
// sees it, and the connection is aborted, so the peer sees the call end too.
func (c *asyncCall) fail(err error) {
	if err == nil {
		err = context.Canceled
	}
	c.mu.Lock()
	if c.err != nil && c.err != ErrCallEnded {
		c.mu.Unlock()
		return
	}
	// A call that ended may still fail: a reader of what it buffered can
	// meet malformed data.
	c.err = err
	c.notify()
	c.finishLocked()
	c.mu.Unlock()
	c.cancel(err)
	abort(c.conn)
}

// Err returns why the call failed, or nil.
func (c *asyncCall) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == ErrCallEnded {
		return nil
	}
	return c.err
}

// finishLocked closes finished once; c.mu is held.
func (c *asyncCall) finishLocked() {
	if !c.closed {
		c.closed = true
		close(c.finished)
	}
}

// checkDone finishes the call when nothing is left to send or receive; c.mu
// is held. A client is done once the root results are decoded, its writers
// are done and every async result ended (or was closed, or the server sent
// everything); a server once the handler returned and its writers are done:
// async parameters nobody read by then are abandoned.
func (c *asyncCall) checkDone() {
	if c.err != nil || !c.sent || c.writers > 0 {
		return
	}
	if c.server {
		if !c.handlerOK {
			return
		}
	} else if !c.rootDone || (c.open > 0 && !c.eof) {
		return
	}
	c.err = ErrCallEnded
	c.notify()
	c.finishLocked()
}

// wait waits for a change, ctx, the call's end, or idle (0: no limit).
func (c *asyncCall) wait(ctx context.Context, ch <-chan struct{}, idle time.Duration) error {
	var timeout <-chan time.Time
	if idle > 0 {
		t := time.NewTimer(idle)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-c.ctx.Done():
		return nil // c.err is set
	case <-timeout:
		return ErrIdle
	}
}

func (c *asyncCall) idle() time.Duration {
	if c.lim.IdleTimeout < 0 {
		return 0
	}
	return c.lim.IdleTimeout
}

// readLoop reads frames until the peer ends its side or the call fails.
func (c *asyncCall) readLoop(br *bufio.Reader) {
	for n := 0; ; n++ {
		path, data, err := c.readFrame(br)
		if err != nil && n == 0 && !c.server && isReset(err) {
			// The server refused the call before any frame, as it does on a
			// handler failure: reported as ErrNoResult.
			err = io.EOF
		}
		if err == io.EOF {
			c.mu.Lock()
			c.eof = true
			c.notify()
			c.checkDone()
			c.mu.Unlock()
			return
		}
		if err == nil {
			err = c.deliver(path, data)
		}
		if err != nil {
			c.mu.Lock()
			ended := c.err != nil
			c.mu.Unlock()
			if !ended {
				c.fail(fmt.Errorf("read: frame %d: %w", n, err))
			}
			return
		}
	}
}

func readU32(br *bufio.Reader, what string) (uint32, error) {
	var x uint32
	for i := 0; i < 5; i++ {
		b, err := br.ReadByte()
		if err != nil {
			if err == io.EOF && i > 0 {
				err = io.ErrUnexpectedEOF
			}
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		if i == 4 && b > 0x0f {
			return 0, fmt.Errorf("%s: %w: LEB128 u32 overlong or overflowing", what, wire.ErrInvalid)
		}
		x |= uint32(b&0x7f) << (7 * uint(i))
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("%s: %w: LEB128 u32 overlong or overflowing", what, wire.ErrInvalid)
}

// readFrame reads one frame; io.EOF means a clean end before a frame. The
// data buffer grows as bytes arrive, within the limits checked first.
func (c *asyncCall) readFrame(br *bufio.Reader) ([]uint32, []byte, error) {
	plen, err := readU32(br, "path length")
	if err != nil {
		return nil, nil, err
	}
	if int64(plen) > int64(c.lim.MaxPathDepth) {
		return nil, nil, &wire.LimitError{What: "frame path length", Size: uint64(plen), Limit: "MaxPathDepth", Max: c.lim.MaxPathDepth}
	}
	var path []uint32
	if plen > 0 {
		path = make([]uint32, plen)
	}
	for i := range path {
		if path[i], err = readU32(br, "path element"); err != nil {
			if err == io.EOF {
				err = fmt.Errorf("path element: %w", io.ErrUnexpectedEOF)
			}
			return nil, nil, err
		}
	}
	n, err := readU32(br, "data length")
	if err != nil {
		if err == io.EOF {
			err = fmt.Errorf("data length: %w", io.ErrUnexpectedEOF)
		}
		return nil, nil, err
	}
	maxLen, limit := c.lim.MaxValueBuffer, "MaxValueBuffer"
	if plen == 0 {
		maxLen, limit = c.vlim.MaxMessage, "MaxMessage"
	}
	if int64(n) > int64(maxLen) {
		return nil, nil, fmt.Errorf("path %s: %w", pathString(path), &wire.LimitError{What: "frame data length", Size: uint64(n), Limit: limit, Max: maxLen})
	}
	var data []byte
	for len(data) < int(n) {
		if len(data) == cap(data) {
			data = slices.Grow(data, min(int(n)-len(data), max(len(data), growChunk)))
		}
		end := min(cap(data), int(n))
		m, err := io.ReadFull(br, data[len(data):end])
		data = data[:len(data)+m]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, fmt.Errorf("data: got %d of %d bytes: %w", len(data), n, err)
		}
	}
	return path, data, nil
}

// deliver queues a frame's data for its path, waiting for room (backpressure).
func (c *asyncCall) deliver(path []uint32, data []byte) error {
	key := pathKey(path)
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.err == ErrCallEnded {
			return nil // lingering: the call is over, what comes is dropped
		}
		if c.err != nil {
			return c.err
		}
		var q *pathQueue
		if len(path) == 0 {
			if c.rootDone {
				if len(data) == 0 {
					return nil
				}
				return fmt.Errorf("%d bytes of root data after the root value was complete: %w", len(data), wire.ErrInvalid)
			}
			if c.rootBytes+len(data) > c.vlim.MaxMessage {
				return &wire.LimitError{What: "root data", Size: uint64(c.rootBytes + len(data)), Limit: "MaxMessage", Max: c.vlim.MaxMessage}
			}
			c.rootBytes += len(data)
			q = c.root
		} else {
			q = c.queues[key]
			if q == nil {
				drop, err := c.acceptUnclaimed(path)
				if err != nil || drop {
					return err
				}
				if len(data) == 0 {
					return nil
				}
				if len(c.queues) >= c.lim.MaxValues+len(c.ended) {
					return &wire.LimitError{What: "async values", Size: uint64(len(c.queues) + 1), Limit: "MaxValues", Max: c.lim.MaxValues}
				}
				q = &pathQueue{path: path, key: key}
				c.queues[key] = q
			}
		}
		if q == c.root && len(data) == 0 {
			c.rootFrames++
			c.notify()
			return nil
		}
		if q.discard || len(data) == 0 {
			return nil
		}
		if q.ended {
			return c.trailing(q, data)
		}
		full := q != c.root && (q.bytes+len(data) > c.lim.MaxValueBuffer ||
			c.buffered+len(data) > c.lim.MaxCallBuffer || c.frames >= c.lim.MaxQueuedFrames)
		if full && (q.bytes > 0 || c.buffered > 0) {
			ch := c.changed
			c.mu.Unlock()
			err := c.wait(c.ctx, ch, c.idle())
			c.mu.Lock()
			if err == ErrIdle {
				return fmt.Errorf("async value at path %s: buffers full for %v, its reader does not read: %w", pathString(path), c.idle(), ErrIdle)
			}
			if err != nil {
				return err
			}
			continue
		}
		q.data = append(q.data, data)
		if q == c.root {
			c.rootFrames++
		} else {
			q.bytes += len(data)
			c.buffered += len(data)
			c.frames++
		}
		c.notify()
		return nil
	}
}

// trailing accepts the few zero bytes a peer may send after a stream's end.
func (c *asyncCall) trailing(q *pathQueue, data []byte) error {
	q.trailing += len(data)
	for _, b := range data {
		if b != 0 {
			q.trailing = maxTrailing + 1
		}
	}
	if q.trailing > maxTrailing {
		return fmt.Errorf("path %s: data after the end of its async value: %w", pathString(q.path), wire.ErrInvalid)
	}
	return nil
}

// acceptUnclaimed decides about a frame for a path no value owns yet: it
// may be for a value not decoded yet (the root value is not complete, or an
// open stream or future may still hold it), or under a closed value (it is
// dropped); anything else is refused at once. c.mu is held.
func (c *asyncCall) acceptUnclaimed(path []uint32) (drop bool, err error) {
	for k := len(path) - 1; k >= 1; k-- {
		if a := c.queues[pathKey(path[:k])]; a != nil && a.discard {
			return true, nil
		}
	}
	if !c.rootDone || c.openAncestor(path) {
		return false, nil
	}
	return false, fmt.Errorf("frame for path %s, which carries no pending async value: %w", pathString(path), wire.ErrInvalid)
}

func (c *asyncCall) openAncestor(path []uint32) bool {
	for k := len(path) - 1; k >= 1; k-- {
		if a := c.queues[pathKey(path[:k])]; a != nil && a.claimed && a.nested && !a.ended && !a.discard {
			return true
		}
	}
	return false
}

// orphans fails the call if a queue no value can claim any more holds
// frames; c.mu is held.
func (c *asyncCall) orphans() error {
	if !c.rootDone {
		return nil
	}
	for _, q := range c.queues {
		if !q.claimed && !q.discard && !c.openAncestor(q.path) {
			return fmt.Errorf("frames for path %s, which carries no pending async value: %w", pathString(q.path), wire.ErrInvalid)
		}
	}
	return nil
}

// rootComplete records that the root value the peer sent is decoded.
func (c *asyncCall) rootComplete() error {
	c.mu.Lock()
	if c.err != nil && c.err != ErrCallEnded {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.rootDone = true
	err := c.orphans()
	if len(c.root.data) > 0 && err == nil {
		err = fmt.Errorf("root data after the root value was complete: %w", wire.ErrInvalid)
	}
	c.notify()
	c.checkDone()
	c.mu.Unlock()
	if err != nil {
		c.fail(err)
	}
	return err
}

// claim makes the value at path (decoded pending from its parent) the owner
// of the path's frames.
func (c *asyncCall) claim(path []uint32, nested bool) (*asyncValue, error) {
	key := pathKey(path)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil && c.err != ErrCallEnded {
		return nil, c.err
	}
	q := c.queues[key]
	if q != nil && q.claimed {
		if q.decoding && q.handoff == nil {
			// A future's value that is itself async: it goes on on the same path.
			v := &asyncValue{c: c, q: q}
			q.handoff = v
			q.nested = q.nested || nested
			return v, nil
		}
		return nil, fmt.Errorf("two pending async values on path %s: %w", pathString(path), wire.ErrInvalid)
	}
	if c.open >= c.lim.MaxValues {
		return nil, &wire.LimitError{What: "async values", Size: uint64(c.open + 1), Limit: "MaxValues", Max: c.lim.MaxValues}
	}
	if q == nil {
		q = &pathQueue{path: slices.Clone(path), key: key}
		c.queues[key] = q
	}
	q.claimed, q.nested = true, nested
	c.open++
	return &asyncValue{c: c, q: q}, nil
}

// fetch returns the next frame data queued for q.
func (c *asyncCall) fetch(ctx context.Context, q *pathQueue, idle time.Duration) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if len(q.data) > 0 {
			data := q.data[0]
			q.data[0] = nil
			q.data = q.data[1:]
			if q != c.root {
				q.bytes -= len(data)
				c.buffered -= len(data)
				c.frames--
			}
			c.notify()
			return data, nil
		}
		if c.err != nil && c.err != ErrCallEnded {
			return nil, c.err
		}
		if q.discard {
			return nil, ErrCallEnded
		}
		if c.eof {
			return nil, io.ErrUnexpectedEOF
		}
		if c.err != nil {
			return nil, c.err
		}
		ch := c.changed
		c.mu.Unlock()
		err := c.wait(ctx, ch, idle)
		c.mu.Lock()
		if err == ErrIdle {
			err = fmt.Errorf("async value at path %s: no data for %v: %w", pathString(q.path), idle, ErrIdle)
			c.mu.Unlock()
			c.fail(err)
			c.mu.Lock()
			return nil, err
		}
		if err != nil {
			return nil, err
		}
	}
}

// endValue records that the value on q ended in-band; rest is what its
// reader had left over.
func (c *asyncCall) endValue(q *pathQueue, rest []byte) {
	c.mu.Lock()
	var err error
	if !q.ended && !q.discard {
		q.ended = true
		c.open--
		if len(rest) > 0 {
			err = c.trailing(q, rest)
		}
		for _, d := range q.data {
			if err == nil {
				err = c.trailing(q, d)
			}
			q.bytes -= len(d)
			c.buffered -= len(d)
			c.frames--
		}
		q.data = nil
		if err == nil {
			err = c.orphans()
		}
		c.retire(q)
		c.notify()
		c.checkDone()
	}
	c.mu.Unlock()
	if err != nil {
		c.fail(err)
	}
}

// retire remembers an ended queue (to accept its trailing bytes), forgetting
// the oldest ones beyond MaxValues; c.mu is held.
func (c *asyncCall) retire(q *pathQueue) {
	c.ended = append(c.ended, q.key)
	if len(c.ended) > c.lim.MaxValues {
		old := c.ended[0]
		c.ended = c.ended[1:]
		if o := c.queues[old]; o != nil && (o.ended || o.discard) {
			delete(c.queues, old)
		}
	}
}

// closeValue abandons the value on q: its frames, and those of values
// nested in it that nobody claimed, are dropped from now on.
func (c *asyncCall) closeValue(q *pathQueue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.ended || q.discard {
		return
	}
	q.discard = true
	c.open--
	drop := func(q *pathQueue) {
		for _, d := range q.data {
			q.bytes -= len(d)
			c.buffered -= len(d)
			c.frames--
		}
		q.data = nil
	}
	drop(q)
	for _, o := range c.queues {
		if !o.claimed && strings.HasPrefix(o.key, q.key) {
			o.discard = true
			drop(o)
		}
	}
	c.retire(q)
	c.notify()
	c.checkDone()
}

// writeFrame writes one frame. A frame on an async path never has empty
// data (the wRPC Go runtime takes that as the end of the path).
func (c *asyncCall) writeFrame(path []uint32, data []byte) error {
	if len(path) > 0 && len(data) == 0 {
		return nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return err
	}
	b := wire.AppendLen(c.wbuf[:0], len(path))
	for _, p := range path {
		b = wire.AppendU32(b, p)
	}
	b = wire.AppendLen(b, len(data))
	if idle := c.idle(); idle > 0 {
		_ = c.conn.SetWriteDeadline(time.Now().Add(idle))
	}
	if len(data) <= copyThreshold {
		b = append(b, data...)
		_, err = c.conn.Write(b)
	} else {
		bufs := net.Buffers{b, data}
		_, err = bufs.WriteTo(c.conn)
	}
	if cap(b) <= maxPooledBuf {
		c.wbuf = b[:0]
	}
	if err != nil {
		err = fmt.Errorf("write: %w", err)
		c.fail(err)
	}
	return err
}

// A deferred sends one pending value of ours once our root frame is out.
type deferred struct {
	path []uint32
	run  func(c *asyncCall) error
}

// startWriters runs ds, each on its own goroutine.
func (c *asyncCall) startWriters(ds []deferred) {
	if len(ds) == 0 {
		return
	}
	c.mu.Lock()
	c.writers += len(ds)
	c.mu.Unlock()
	c.runWriters(ds)
}

// runWriters runs ds, already counted in c.writers, each on its own
// goroutine.
func (c *asyncCall) runWriters(ds []deferred) {
	for _, d := range ds {
		go func() {
			err := d.run(c)
			if err != nil {
				c.fail(fmt.Errorf("sending the async value at path %s: %w", pathString(d.path), err))
			}
			c.mu.Lock()
			c.writers--
			if c.writers == 0 && c.sent {
				_ = c.conn.CloseWrite()
			}
			c.checkDone()
			c.mu.Unlock()
		}()
	}
}

// rootSent records that our root frame is written and starts the writers of
// the pending values in it.
func (c *asyncCall) rootSent(ds []deferred) {
	c.mu.Lock()
	// Counted with sent: a reader that checks meanwhile whether the call is
	// done must not find it sent with no writer left.
	c.sent = true
	c.writers += len(ds)
	c.mu.Unlock()
	c.runWriters(ds)
	c.mu.Lock()
	if c.writers == 0 && c.err == nil {
		_ = c.conn.CloseWrite()
	}
	c.checkDone()
	c.mu.Unlock()
}

// lingerTime: once a call is done, how long the connection waits for the
// peer's last bytes (the wRPC Go runtime sends a byte after a typed stream's
// end) before it closes, so that the peer does not meet a reset.
const lingerTime = 250 * time.Millisecond

// finish waits for the call to end, then closes the connection: at once
// after a failure, after a short linger otherwise.
func (c *asyncCall) finish() {
	<-c.finished
	c.stop()
	c.mu.Lock()
	failed := c.err != ErrCallEnded
	eof := c.eof
	c.mu.Unlock()
	if !failed && !eof {
		_ = c.conn.SetReadDeadline(time.Now().Add(lingerTime))
		t := time.NewTimer(lingerTime)
		select {
		case <-t.C:
		case <-c.readerDone():
		}
		t.Stop()
	}
	c.cancel(ErrCallEnded)
	_ = c.conn.Close()
}

// readerDone is closed when the peer's side ended.
func (c *asyncCall) readerDone() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		c.mu.Lock()
		defer c.mu.Unlock()
		for !c.eof {
			w := c.changed
			c.mu.Unlock()
			select {
			case <-w:
			case <-time.After(lingerTime):
				c.mu.Lock()
				return
			}
			c.mu.Lock()
		}
	}()
	return ch
}

// awaitRoot waits until the peer sent at least one root frame (a function
// without results still gets an empty one): a peer that ends the call
// without any yields ErrNoResult.
func (c *asyncCall) awaitRoot(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.rootFrames == 0 {
		if c.err != nil && c.err != ErrCallEnded {
			return c.err
		}
		if c.eof {
			return ErrNoResult
		}
		ch := c.changed
		c.mu.Unlock()
		err := c.wait(ctx, ch, 0)
		c.mu.Lock()
		if err != nil {
			return err
		}
	}
	return nil
}

// rootSource feeds a Decoder with the root frames, within MaxMessage.
func (c *asyncCall) rootSource(ctx context.Context, idle time.Duration) wire.Source {
	return func(buf []byte) ([]byte, error) {
		data, err := c.fetch(ctx, c.root, idle)
		if err != nil {
			c.mu.Lock()
			none := c.rootFrames == 0
			c.mu.Unlock()
			if !c.server && none && err == io.ErrUnexpectedEOF {
				err = ErrNoResult
			}
			return buf, err
		}
		if len(buf)+len(data) > c.vlim.MaxMessage {
			return buf, &wire.LimitError{What: "root data", Size: uint64(len(buf) + len(data)), Limit: "MaxMessage", Max: c.vlim.MaxMessage}
		}
		return append(buf, data...), nil
	}
}
