package wrpc

import (
	"context"
	"errors"
	"github.com/witgo-dev/witgo/internal/syncbuf"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var networks = []string{"tcp", "unix"}

// listen opens a listener on loopback TCP or on a Unix socket in a short
// temporary directory (socket paths are limited to ~108 bytes).
func listen(tb testing.TB, network string) net.Listener {
	tb.Helper()
	var l net.Listener
	var err error
	switch network {
	case "tcp":
		l, err = net.Listen("tcp", "127.0.0.1:0")
	case "unix":
		dir, derr := os.MkdirTemp("", "wrpc")
		if derr != nil {
			tb.Fatal(derr)
		}
		tb.Cleanup(func() { os.RemoveAll(dir) })
		l, err = net.Listen("unix", filepath.Join(dir, "s"))
	default:
		tb.Fatalf("unknown network %q", network)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// clientFor returns a Client for the listener's address.
func clientFor(l net.Listener, opts ...ClientOption) *Client {
	if l.Addr().Network() == "unix" {
		return DialUnix(l.Addr().String(), opts...)
	}
	return DialTCP(l.Addr().String(), opts...)
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	syncbuf.Buffer
}

// waitFor polls the log until it contains substr, for up to 10 s.
func (b *logBuffer) waitFor(tb testing.TB, substr string) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.String(), substr) {
		if time.Now().After(deadline) {
			tb.Fatalf("log never contained %q; log:\n%s", substr, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type testServer struct {
	*Server
	l      net.Listener
	client *Client
	logs   *logBuffer
	served chan error
}

// startServer runs a Server on a new listener until the test ends.
func startServer(tb testing.TB, network string, opts ...ServerOption) *testServer {
	tb.Helper()
	logs := &logBuffer{}
	opts = append([]ServerOption{WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	ts := &testServer{Server: NewServer(opts...), l: listen(tb, network), logs: logs, served: make(chan error, 1)}
	ts.client = clientFor(ts.l)
	go func() { ts.served <- ts.Serve(ts.l) }()
	tb.Cleanup(func() {
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
	return ts
}

// rawCall writes req on a new connection, shuts down the write side, and
// returns every byte the server sent until it closed.
func rawCall(tb testing.TB, l net.Listener, req []byte) ([]byte, error) {
	tb.Helper()
	c, err := net.DialTimeout(l.Addr().Network(), l.Addr().String(), 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	if err := c.(Conn).CloseWrite(); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}

// echo is a handler that returns its parameters.
func echo(ctx context.Context, params []byte) ([]byte, error) { return params, nil }
