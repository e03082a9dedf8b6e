package wrpc

import (
	"context"
	"net"
)

// Conn is one connection, carrying one invocation: a byte stream in each
// direction, with a way to end the writing side (the spec's "shutdown of the
// write side"). *net.TCPConn, *net.UnixConn and *tls.Conn implement it.
type Conn interface {
	net.Conn
	// CloseWrite ends the writing side: the peer reads EOF after the data.
	CloseWrite() error
}

// Dialer opens a new connection for each invocation. It is the transport
// seam of the client: a multiplexed transport can be added behind it without
// regenerating code.
type Dialer interface {
	Dial(ctx context.Context) (Conn, error)
}

// DialerFunc adapts a function to a Dialer.
type DialerFunc func(ctx context.Context) (Conn, error)

// Dial calls f(ctx).
func (f DialerFunc) Dial(ctx context.Context) (Conn, error) { return f(ctx) }

// TCPDialer dials a TCP address ("host:port") per invocation.
type TCPDialer struct {
	Addr   string
	Dialer net.Dialer // optional settings (local address, keep-alive, ...)
}

// Dial connects to d.Addr.
func (d *TCPDialer) Dial(ctx context.Context) (Conn, error) {
	c, err := d.Dialer.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// UnixDialer dials a Unix domain socket (stream) per invocation.
type UnixDialer struct {
	Path   string
	Dialer net.Dialer
}

// Dial connects to d.Path.
func (d *UnixDialer) Dial(ctx context.Context) (Conn, error) {
	c, err := d.Dialer.DialContext(ctx, "unix", d.Path)
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}

// abort ends a connection at once. On TCP (TLS included) it resets the
// connection (linger 0), so the server learns at once that the caller went
// away even though the caller's write side was already shut down; a Unix
// socket peer sees the close itself. A TLS connection is closed underneath,
// without a close_notify that could wait on a full send buffer.
func abort(c net.Conn) {
	c = netConn(c)
	if l, ok := c.(interface{ SetLinger(int) error }); ok {
		_ = l.SetLinger(0)
	}
	_ = c.Close()
}
