package e2e

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// memConn is one invocation's connection in memory: it reads req and
// collects what the server writes; done is closed by Close.
type memConn struct {
	r    bytes.Reader
	w    bytes.Buffer
	once sync.Once
	done chan struct{}
}

func (c *memConn) Read(p []byte) (int, error)     { return c.r.Read(p) }
func (c *memConn) Write(p []byte) (int, error)    { return c.w.Write(p) }
func (c *memConn) Close() error                   { c.once.Do(func() { close(c.done) }); return nil }
func (c *memConn) CloseWrite() error              { return nil }
func (*memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (*memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }
func (*memConn) SetDeadline(time.Time) error      { return nil }
func (*memConn) SetReadDeadline(time.Time) error  { return nil }
func (*memConn) SetWriteDeadline(time.Time) error { return nil }

// memListener hands the server the connections sent on its channel.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}
func (l *memListener) Close() error { l.once.Do(func() { close(l.closed) }); return nil }
func (*memListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// BenchmarkGet100ServerSide measures the server's own work for the 100-byte get
// of BenchmarkGet100, without a transport: each invocation is a connection
// in memory, accepted, read, handled by the generated server on the memory
// backend, answered and closed.
func BenchmarkGet100ServerSide(b *testing.B) {
	srv := newServer()
	draft2.Register(srv, draft2backend.New(memory.New(engine.Buckets("bench"))))
	l := &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	// The request, captured from the generated client.
	var req []byte
	tcp := serveTCP(b, srv)
	spy := wrpc.InvokerFunc(func(ctx context.Context, instance, fn string, params []byte) ([]byte, error) {
		if fn == store.BucketGetFunctionName {
			req = wrpc.AppendRequest(nil, instance, fn, params)
		}
		return tcp.Invoke(ctx, instance, fn, params)
	})
	bk, err := draft2.NewClient(spy).Store.Open(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := bk.Set(context.Background(), get100Key, make([]byte, 100)); err != nil {
		b.Fatal(err)
	}
	if _, _, err := bk.Get(context.Background(), get100Key); err != nil || req == nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c := &memConn{done: make(chan struct{})}
		c.r.Reset(req)
		l.conns <- c
		<-c.done
		if c.w.Len() != 105 {
			b.Fatalf("response of %d bytes", c.w.Len())
		}
	}
}

// memDialer dials memConns that answer resp.
type memDialer struct{ resp []byte }

func (d memDialer) Dial(ctx context.Context) (wrpc.Conn, error) {
	c := &memConn{done: make(chan struct{})}
	c.r.Reset(d.resp)
	return c, nil
}

// BenchmarkGet100ClientSide measures the client's own work for the 100-byte
// get of BenchmarkGet100, without a transport: the generated client over a
// connection in memory that holds the server's answer.
func BenchmarkGet100ClientSide(b *testing.B) {
	// The root frame: an empty path, 103 bytes: ok, some, 100 bytes.
	resp := append([]byte{0, 103, 0, 1, 100}, make([]byte, 100)...)
	bk := store.NewBucketClient(wrpc.NewClient(memDialer{resp}), []byte("bench"))
	b.ReportAllocs()
	for b.Loop() {
		v, ok, err := bk.Get(context.Background(), get100Key)
		if err != nil || !ok || len(v) != 100 {
			b.Fatal(len(v), ok, err)
		}
	}
}
