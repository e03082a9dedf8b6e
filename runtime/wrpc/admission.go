package wrpc

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// Defaults of the server's connection and memory limits.
const (
	// DefaultMaxConnections bounds the connections open at once.
	DefaultMaxConnections = 16384
	// DefaultMaxConnectionsPerRemote bounds the connections open at once
	// from one remote IP address (TCP connections and QUIC streams: one per
	// invocation either way; Unix sockets count only in the total).
	DefaultMaxConnectionsPerRemote = 1024
	// DefaultHeaderTimeout bounds the time from accept to the end of the
	// request header (version, instance and function names).
	DefaultHeaderTimeout = 5 * time.Second
	// DefaultCallTimeout is the deadline of a handler's context.
	DefaultCallTimeout = 30 * time.Second
	// DefaultMinReadRate is the slowest a request body may arrive: past the
	// read timeout, each of its declared bytes adds 1/DefaultMinReadRate
	// seconds to its deadline.
	DefaultMinReadRate = 64 << 10 // bytes per second
	// DefaultMaxBytesInFlight bounds the request bytes all connections
	// buffer at once.
	DefaultMaxBytesInFlight = 256 << 20
	// budgetWait is how long a request waits for room in the
	// bytes-in-flight budget before it is refused.
	budgetWait = time.Second
)

// WithMaxConnections bounds the connections open at once, in total and from
// one remote IP address (defaults DefaultMaxConnections and
// DefaultMaxConnectionsPerRemote; values ≤ 0 keep them). A connection over
// either bound is closed as soon as it is accepted, without reading from
// it, so that it does not wait in the kernel's queue and accepting never
// stops for the others. Connections over Unix sockets count only in the
// total. Over QUIC each stream (one invocation) counts as a connection, so
// the per-remote bound counts a remote's invocations in flight on QUIC as
// on TCP; the QUIC listener bounds QUIC connections themselves
// (WithQUICMaxConnections).
func WithMaxConnections(total, perRemote int) ServerOption {
	return func(s *Server) {
		if total > 0 {
			s.conns.max = total
		}
		if perRemote > 0 {
			s.conns.perRemote = perRemote
		}
	}
}

// WithHeaderTimeout bounds the time from accept to the end of the request
// header (default DefaultHeaderTimeout; 0 disables it): an idle or
// trickling connection is dropped after it, long before the body's
// deadline.
func WithHeaderTimeout(d time.Duration) ServerOption {
	return func(s *Server) { s.headerTimeout = d }
}

// WithCallTimeout sets the deadline of every handler's context, from the
// moment the handler starts (default DefaultCallTimeout; 0 disables it).
// A handler that gives up when it passes still answers (with its WIT error,
// such as timeout or other); the invocation is not dropped.
func WithCallTimeout(d time.Duration) ServerOption {
	return func(s *Server) { s.callTimeout = d }
}

// WithMinReadRate sets the slowest rate, in bytes per second, at which a
// request body may arrive (default DefaultMinReadRate): the body's deadline
// is the read timeout after the header, plus the declared size of the
// frames read so far at this rate. rate ≤ 0 keeps the default.
func WithMinReadRate(rate int) ServerOption {
	return func(s *Server) {
		if rate > 0 {
			s.minReadRate = rate
		}
	}
}

// WithMaxBytesInFlight bounds the request bytes that all connections
// buffer at once (default DefaultMaxBytesInFlight; n ≤ 0 keeps it). A
// request that needs more room waits up to a second for other requests to
// end, then is refused (the connection is closed without a result, and the
// log says why), so that many large requests cannot exhaust memory.
func WithMaxBytesInFlight(n int) ServerOption {
	return func(s *Server) {
		if n > 0 {
			s.budget.max = n
		}
	}
}

// connCounter counts open connections, in total and by remote IP.
type connCounter struct {
	mu        sync.Mutex
	max       int
	perRemote int
	total     int
	byRemote  map[string]int
}

func newConnCounter() *connCounter {
	return &connCounter{max: DefaultMaxConnections, perRemote: DefaultMaxConnectionsPerRemote, byRemote: make(map[string]int)}
}

// remoteKey is the remote IP of a TCP connection or a QUIC stream, "" for
// others. Each QUIC stream is one invocation, so the per-remote bound counts
// a remote's invocations alike on TCP and on QUIC.
func remoteKey(c net.Conn) string {
	return remoteIP(c.RemoteAddr())
}

// admit counts a new connection from key, or reports which bound it is
// over: its name (LimitMaxConnections, LimitMaxConnectionsPerRemote) and a
// description for the log.
func (cc *connCounter) admit(key string) (ok bool, name, limit string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.total >= cc.max {
		return false, LimitMaxConnections, "connections (total): " + strconv.Itoa(cc.max)
	}
	if key != "" && cc.byRemote[key] >= cc.perRemote {
		return false, LimitMaxConnectionsPerRemote, "connections from one address: " + strconv.Itoa(cc.perRemote)
	}
	cc.total++
	if key != "" {
		cc.byRemote[key]++
	}
	return true, "", ""
}

func (cc *connCounter) release(key string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.total--
	if key != "" {
		if cc.byRemote[key]--; cc.byRemote[key] <= 0 {
			delete(cc.byRemote, key)
		}
	}
}

// byteBudget is a weighted semaphore over the request bytes buffered by
// all connections.
type byteBudget struct {
	mu   sync.Mutex
	max  int
	used int
	// freed is closed and replaced when bytes are released while requests
	// wait (waiting > 0).
	freed   chan struct{}
	waiting int
}

func newByteBudget() *byteBudget {
	return &byteBudget{max: DefaultMaxBytesInFlight, freed: make(chan struct{})}
}

// ErrBusy: the server's budget of request bytes in flight stayed full while
// the request waited for room.
var ErrBusy = fmt.Errorf("server busy: request bytes in flight at the limit")

// smallReservation is the size up to which a reservation may use the
// budget's last sixteenth, which larger ones leave free: a flood of large
// requests cannot keep small ones (most calls) waiting.
const smallReservation = 64 << 10

// acquire takes n bytes, waiting up to budgetWait (or until ctx ends) for
// room.
func (b *byteBudget) acquire(ctx context.Context, n int) error {
	limit := b.max
	if n > smallReservation {
		limit -= b.max / 16
	}
	if n > limit {
		return &wire.LimitError{What: "request bytes in flight", Size: uint64(n), Limit: "MaxBytesInFlight", Max: limit}
	}
	var timer *time.Timer
	for {
		b.mu.Lock()
		if b.used+n <= limit {
			b.used += n
			b.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return nil
		}
		freed := b.freed
		b.waiting++
		b.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(budgetWait)
			defer timer.Stop()
		}
		var err error
		select {
		case <-freed:
		case <-timer.C:
			err = ErrBusy
		case <-ctx.Done():
			err = ctx.Err()
		}
		b.mu.Lock()
		b.waiting--
		b.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

func (b *byteBudget) release(n int) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	if b.waiting > 0 {
		close(b.freed)
		b.freed = make(chan struct{})
	}
	b.mu.Unlock()
}

// logText is attacker-controlled text made fit for a log line: at most
// maxLogText bytes of it (cut at a rune boundary, with the full length
// said), invalid UTF-8 replaced; the handler quotes it.
func logText(b []byte) string {
	const maxLogText = 128
	if len(b) <= maxLogText {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	cut := maxLogText
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(b[:cut]), "\uFFFD") + "…(" + strconv.Itoa(len(b)) + " bytes)"
}

// warnLimiter rate-limits warning lines per key (a message and a remote
// address) with a token bucket: a burst of warnBurst lines, then warnRate
// a second. It counts the lines it held back, which the next line that gets
// through reports.
type warnLimiter struct {
	mu   sync.Mutex
	keys map[string]*warnState
	now  func() time.Time
}

type warnState struct {
	tokens     float64
	last       time.Time
	suppressed int
}

const (
	warnBurst = 50
	warnRate  = 5 // lines per second, once the burst is spent
	// maxWarnKeys bounds the limiter's memory: past it, the table starts
	// over.
	maxWarnKeys = 4096
)

func newWarnLimiter() *warnLimiter {
	return &warnLimiter{keys: make(map[string]*warnState), now: time.Now}
}

// allow reports whether a line for key may be written now, and how many
// were held back since the last one.
func (w *warnLimiter) allow(key string) (bool, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	st := w.keys[key]
	if st == nil {
		if len(w.keys) >= maxWarnKeys {
			clear(w.keys)
		}
		st = &warnState{tokens: warnBurst, last: now}
		w.keys[key] = st
	}
	st.tokens = min(warnBurst, st.tokens+now.Sub(st.last).Seconds()*warnRate)
	st.last = now
	if st.tokens < 1 {
		st.suppressed++
		return false, 0
	}
	st.tokens--
	n := st.suppressed
	st.suppressed = 0
	return true, n
}

// warn logs msg at Warn, rate-limited per message and remote address
// (warnLimiter); a line says how many like it were held back before it.
func (s *Server) warn(c net.Conn, msg string, args ...any) {
	ok, held := s.warns.allow(msg + "\x00" + remoteKey(c))
	if !ok {
		return
	}
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	s.log.Warn(msg, args...)
}
