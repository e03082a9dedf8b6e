package wrpc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// Invoker performs one wRPC invocation: params is the encoded root parameter
// data; results is the encoded root result data.
//
// Generated clients call it; *Client implements it, and so can middleware
// (logging, metrics, retries) that wraps another Invoker.
type Invoker interface {
	Invoke(ctx context.Context, instance, name string, params []byte) (results []byte, err error)
}

// Client invokes functions over a Dialer, with one connection per invocation,
// as the wRPC TCP transport specifies. It is safe for concurrent use and
// holds no connection between invocations.
type Client struct {
	dialer    Dialer
	lim       wire.Limits
	tlsConfig *tls.Config // WithTLSConfig, for Dial
	alim      AsyncLimits // calls with async values (async_client.go)
}

// InvokerFunc adapts a function to an Invoker.
type InvokerFunc func(ctx context.Context, instance, name string, params []byte) ([]byte, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, instance, name string, params []byte) ([]byte, error) {
	return f(ctx, instance, name, params)
}

// ClientInterceptor wraps one invocation on the client side, like
// grpc.UnaryClientInterceptor: it sees the instance and function names and
// the encoded parameters, and calls next to invoke. See Intercept.
type ClientInterceptor func(ctx context.Context, instance, name string, params []byte, next Invoker) ([]byte, error)

// Intercept returns an Invoker that runs every invocation through the
// interceptors, the first outermost, and then through inv. Pass it to a
// generated NewClient to log, measure or retry every call.
func Intercept(inv Invoker, interceptors ...ClientInterceptor) Invoker {
	for i := len(interceptors) - 1; i >= 0; i-- {
		ic, next := interceptors[i], inv
		inv = interceptedInvoker{ic: ic, next: next}
	}
	return inv
}

type interceptedInvoker struct {
	ic   ClientInterceptor
	next Invoker
}

func (i interceptedInvoker) Invoke(ctx context.Context, instance, name string, params []byte) ([]byte, error) {
	return i.ic(ctx, instance, name, params, i.next)
}

// ClientOption configures a Client. Options that exist on both sides are
// named after their side: WithClientLimits here, WithServerLimits for a
// Server (ServerOption).
type ClientOption func(*Client)

// WithClientLimits sets the limits applied to responses (zero fields mean the
// defaults, 4 MiB each).
func WithClientLimits(lim wire.Limits) ClientOption {
	return func(c *Client) { c.lim = lim.WithDefaults() }
}

// NewClient returns a Client that dials d for every invocation.
func NewClient(d Dialer, opts ...ClientOption) *Client {
	c := &Client{dialer: d, lim: wire.DefaultLimits()}
	for _, o := range opts {
		o(c)
	}
	return c
}

// DialTCP returns a Client for the wRPC server at the TCP address addr
// ("host:port"). It dials lazily: nothing happens until an invocation.
func DialTCP(addr string, opts ...ClientOption) *Client {
	return NewClient(&TCPDialer{Addr: addr}, opts...)
}

// DialUnix returns a Client for the wRPC server at the Unix socket path. It
// dials lazily: nothing happens until an invocation.
func DialUnix(path string, opts ...ClientOption) *Client {
	return NewClient(&UnixDialer{Path: path}, opts...)
}

// Close releases what the client's Dialer holds, if it is an io.Closer (a
// QUICDialer closes its connection); invocations under way fail. A Client
// over TCP or a Unix socket holds nothing between invocations: Close does
// nothing.
func (c *Client) Close() error {
	if cl, ok := c.dialer.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// copyThreshold: data up to this size is copied next to its frame header and
// sent in one write; larger data is sent with writev, without a copy.
const copyThreshold = 32 << 10

// Invoke performs one invocation: it dials, writes the request (version,
// header, and params in one root frame) in a single write, shuts down its
// write side, and reads result frames until the server closes its side. It
// returns the root result data, which the caller owns.
//
// The context bounds the whole invocation: its deadline becomes the
// connection's deadline, and cancelling it aborts the connection (on TCP with
// a reset), which the server sees as the caller going away.
//
// Every failure is an *Error. A server that ends the invocation without any
// result frame yields an *Error wrapping ErrNoResult.
func (c *Client) Invoke(ctx context.Context, instance, name string, params []byte) ([]byte, error) {
	if len(instance) > math.MaxUint32 || len(name) > math.MaxUint32 || len(params) > math.MaxUint32 {
		return nil, &Error{Instance: instance, Name: name, Op: "invoke", Err: errors.New("request too large for wRPC framing (over 4 GiB)")}
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Instance: instance, Name: name, Op: "invoke", Err: err}
	}
	conn, err := c.dialer.Dial(ctx)
	if err != nil {
		return nil, &Error{Instance: instance, Name: name, Op: "dial", Err: contextError(ctx, err)}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { abort(conn) })
	}
	results, op, err := c.exchange(conn, instance, name, params)
	if stop != nil {
		stop()
	}
	_ = conn.Close()
	if err != nil {
		return nil, &Error{Instance: instance, Name: name, Op: op, Err: contextError(ctx, err)}
	}
	return results, nil
}

// exchange writes the request and reads the response; op names the step that failed.
func (c *Client) exchange(conn Conn, instance, name string, params []byte) ([]byte, string, error) {
	bp := getBuf()
	err := writeFramed(conn, AppendHeader((*bp)[:0], instance, name), bp, params)
	if err == nil {
		err = conn.CloseWrite()
	}
	if err != nil {
		putBuf(bp)
		if isReset(err) {
			// The server closed before reading the whole request: it refused it.
			if alert := tlsAlert(conn); alert != nil {
				// A TLS server says why (a client certificate required
				// or refused) in an alert that arrived before the close.
				return nil, "handshake", alert
			}
			err = fmt.Errorf("%w (%v)", ErrNoResult, err)
		}
		return nil, "write", err
	}
	br := getReader(conn)
	fr := frameReader{br: br, lim: c.lim}
	data, frames, err := fr.readAll((*bp)[:0])
	putReader(br)
	var results []byte
	if err == nil && frames > 0 {
		results = append([]byte{}, data...) // the caller owns it; one allocation
	}
	*bp = data
	putBuf(bp)
	switch {
	case err != nil && fr.n == 0 && isReset(err):
		return nil, "read", fmt.Errorf("%w (%v)", ErrNoResult, err)
	case err != nil:
		return nil, "read", err
	case frames == 0:
		return nil, "read", ErrNoResult
	}
	return results, "", nil
}

// writeFramed writes head followed by one root frame carrying data, in one
// write; bp is a scratch buffer that holds head (it may be grown and is
// updated).
func writeFramed(conn net.Conn, head []byte, bp *[]byte, data []byte) error {
	b := append(head, 0) // the empty (root) path
	b = wire.AppendLen(b, len(data))
	var err error
	if len(data) <= copyThreshold {
		b = append(b, data...)
		_, err = conn.Write(b)
	} else {
		bufs := net.Buffers{b, data}
		_, err = bufs.WriteTo(conn)
	}
	*bp = b
	return err
}

// contextError prefers the context's own error when the context ended: a
// deadline that the connection hit first is reported as
// context.DeadlineExceeded too.
func contextError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl.Add(-10*time.Millisecond)) {
			return context.DeadlineExceeded
		}
	}
	return err
}

// isReset reports a connection reset, a broken pipe or a connection that is
// no longer connected: how a peer that refused the request and closed with
// unread data shows up.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ENOTCONN)
}
