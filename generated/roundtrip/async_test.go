package roundtrip_test

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/witgo-dev/witgo/generated/roundtrip/witgo/roundtrip/v0.1.0/roundtrip"
	"github.com/witgo-dev/witgo/generated/roundtrip/witgo/roundtrip/v0.1.0/streams"
	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// asyncEcho implements streams.Interface: every echo returns the async
// values it received, so each value crosses the connection twice.
type asyncEcho struct{}

func (asyncEcho) Echo(_ context.Context, r streams.Req) (cm.Tuple2[cm.Stream[uint64], io.ReadCloser], error) {
	return cm.Tuple2[cm.Stream[uint64], io.ReadCloser]{F0: r.Numbers, F1: r.Bytes}, nil
}
func (asyncEcho) EchoHolder(_ context.Context, h streams.Holder) (streams.Holder, error) {
	return h, nil
}
func (asyncEcho) EchoList(_ context.Context, l []io.ReadCloser) ([]io.ReadCloser, error) {
	return l, nil
}
func (asyncEcho) EchoTuple(_ context.Context, t cm.Tuple2[uint8, cm.Future[string]]) (cm.Tuple2[uint8, cm.Future[string]], error) {
	return t, nil
}
func (asyncEcho) EchoResult(_ context.Context, r cm.Result[io.ReadCloser, string]) (io.ReadCloser, error) {
	if r.IsErr {
		return nil, cm.Err[string]{Value: r.Err}
	}
	return r.OK, nil
}
func (asyncEcho) EchoSource(_ context.Context, s streams.Source) (streams.Source, error) {
	return s, nil
}
func (asyncEcho) EchoNested(_ context.Context, f cm.Future[io.ReadCloser]) (cm.Future[io.ReadCloser], error) {
	return f, nil
}
func (asyncEcho) EchoFutures(_ context.Context, s cm.Stream[cm.Future[uint32]]) (cm.Stream[cm.Future[uint32]], error) {
	return s, nil
}
func (asyncEcho) EchoFixed(_ context.Context, f [2]cm.Future[uint8]) ([2]cm.Future[uint8], error) {
	return f, nil
}

// Count sends 0..n-1 from a goroutine that outlives the handler.
func (asyncEcho) Count(_ context.Context, n uint32) (cm.Stream[uint32], error) {
	w, s := cm.Pipe[uint32]()
	go func() {
		ctx := context.Background()
		for i := range n {
			if w.Write(ctx, i) != nil {
				return
			}
		}
		w.Close()
	}()
	return s, nil
}

// Sum reads its stream to the end before it returns.
func (asyncEcho) Sum(ctx context.Context, s cm.Stream[uint32]) (uint64, error) {
	var sum uint64
	for v, err := range cm.All(ctx, s) {
		if err != nil {
			return 0, err
		}
		sum += uint64(v)
	}
	return sum, nil
}

func serveAsync(t *testing.T, network string) streams.Interface {
	t.Helper()
	srv := wrpc.NewServer(wrpc.WithLogger(nil))
	roundtrip.Register(srv, roundtrip.World{Streams: asyncEcho{}})
	var (
		l   net.Listener
		inv *wrpc.Client
		err error
	)
	switch network {
	case "tcp":
		l, err = net.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			inv = wrpc.DialTCP(l.Addr().String())
		}
	case "unix":
		l, err = net.Listen("unix", t.TempDir()+"/s")
		if err == nil {
			inv = wrpc.DialUnix(l.Addr().String())
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return roundtrip.NewClient(inv).Streams
}

// slowBytes is a pending byte stream: it yields s one byte per Read.
func slowBytes(s string) io.ReadCloser {
	return io.NopCloser(iotest.OneByteReader(strings.NewReader(s)))
}

// slowStream is a pending stream: it yields items one per chunk.
func slowStream[T any](ctx context.Context, items ...T) cm.Stream[T] {
	w, s := cm.Pipe[T]()
	go func() {
		for _, v := range items {
			if w.Write(ctx, v) != nil {
				return
			}
		}
		w.Close()
	}()
	return s
}

// later resolves to v after a moment: a pending future.
func later[T any](v T) cm.Future[T] {
	p := cm.NewPromise[T]()
	time.AfterFunc(10*time.Millisecond, func() { p.Resolve(v) })
	return p
}

func readAll(t *testing.T, r io.ReadCloser) string {
	t.Helper()
	if r == nil {
		t.Fatal("nil byte stream")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("byte stream: %v", err)
	}
	return string(b)
}

func collect[T any](t *testing.T, ctx context.Context, s cm.Stream[T]) []T {
	t.Helper()
	got, err := cm.Collect(ctx, s)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	return got
}

func await[T any](t *testing.T, ctx context.Context, f cm.Future[T]) T {
	t.Helper()
	if f == nil {
		t.Fatal("nil future")
	}
	v, err := f.Await(ctx)
	if err != nil {
		t.Fatalf("future: %v", err)
	}
	return v
}

// TestAsyncRoundTrip sends streams and futures in every position, pending
// and ready, through the generated client and server and back.
func TestAsyncRoundTrip(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			c := serveAsync(t, network)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			t.Run("record/tuple pending", func(t *testing.T) {
				res, err := c.Echo(ctx, streams.Req{Numbers: slowStream[uint64](ctx, 1, 2, 3), Bytes: slowBytes("foo bar baz")})
				if err != nil {
					t.Fatal(err)
				}
				if got := collect(t, ctx, res.F0); !slices.Equal(got, []uint64{1, 2, 3}) {
					t.Errorf("numbers %v", got)
				}
				if got := readAll(t, res.F1); got != "foo bar baz" {
					t.Errorf("bytes %q", got)
				}
			})
			t.Run("record/tuple ready", func(t *testing.T) {
				res, err := c.Echo(ctx, streams.Req{Numbers: cm.StreamOf[uint64](7), Bytes: wrpc.ByteStreamOf([]byte("hi"))})
				if err != nil {
					t.Fatal(err)
				}
				if got := collect(t, ctx, res.F0); !slices.Equal(got, []uint64{7}) {
					t.Errorf("numbers %v", got)
				}
				if got := readAll(t, res.F1); got != "hi" {
					t.Errorf("bytes %q", got)
				}
			})
			t.Run("record with future and option", func(t *testing.T) {
				body := slowBytes("body")
				h, err := c.EchoHolder(ctx, streams.Holder{Label: "x", Later: later[uint32](42), Body: &body})
				if err != nil {
					t.Fatal(err)
				}
				if h.Label != "x" || await(t, ctx, h.Later) != 42 || h.Body == nil || readAll(t, *h.Body) != "body" {
					t.Errorf("holder %+v", h)
				}
				h, err = c.EchoHolder(ctx, streams.Holder{Label: "none", Later: cm.Ready[uint32](1)})
				if err != nil || h.Body != nil || await(t, ctx, h.Later) != 1 {
					t.Errorf("holder %+v, %v", h, err)
				}
			})
			t.Run("list", func(t *testing.T) {
				l, err := c.EchoList(ctx, []io.ReadCloser{slowBytes("a"), wrpc.ByteStreamOf([]byte("b")), slowBytes("cc")})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range l {
					got = append(got, readAll(t, r))
				}
				if !slices.Equal(got, []string{"a", "b", "cc"}) {
					t.Errorf("list %q", got)
				}
			})
			t.Run("tuple with future", func(t *testing.T) {
				tu, err := c.EchoTuple(ctx, cm.Tuple2[uint8, cm.Future[string]]{F0: 9, F1: later("nine")})
				if err != nil || tu.F0 != 9 || await(t, ctx, tu.F1) != "nine" {
					t.Errorf("tuple %v, %v", tu, err)
				}
			})
			t.Run("result", func(t *testing.T) {
				r, err := c.EchoResult(ctx, cm.OK[io.ReadCloser, string](slowBytes("ok")))
				if err != nil || readAll(t, r) != "ok" {
					t.Errorf("result %v", err)
				}
				_, err = c.EchoResult(ctx, cm.Fail[io.ReadCloser]("bad"))
				var e cm.Err[string]
				if !errors.As(err, &e) || e.Value != "bad" {
					t.Errorf("result err %v", err)
				}
			})
			t.Run("variant", func(t *testing.T) {
				s, err := c.EchoSource(ctx, streams.SourceChunks(slowStream(ctx, "a", "b")))
				if err != nil {
					t.Fatal(err)
				}
				chunks, ok := s.Chunks()
				if got := collect(t, ctx, chunks); !ok || !slices.Equal(got, []string{"a", "b"}) {
					t.Errorf("variant %v %v", got, ok)
				}
			})
			t.Run("future of a stream", func(t *testing.T) {
				f, err := c.EchoNested(ctx, later(slowBytes("nested")))
				if err != nil {
					t.Fatal(err)
				}
				if got := readAll(t, await(t, ctx, f)); got != "nested" {
					t.Errorf("nested %q", got)
				}
			})
			t.Run("stream of futures", func(t *testing.T) {
				s, err := c.EchoFutures(ctx, slowStream(ctx, later[uint32](1), cm.Ready[uint32](2), later[uint32](3)))
				if err != nil {
					t.Fatal(err)
				}
				var got []uint32
				for _, f := range collect(t, ctx, s) {
					got = append(got, await(t, ctx, f))
				}
				if !slices.Equal(got, []uint32{1, 2, 3}) {
					t.Errorf("futures %v", got)
				}
			})
			t.Run("fixed-size list", func(t *testing.T) {
				f, err := c.EchoFixed(ctx, [2]cm.Future[uint8]{later[uint8](1), later[uint8](2)})
				if err != nil || await(t, ctx, f[0]) != 1 || await(t, ctx, f[1]) != 2 {
					t.Errorf("fixed %v, %v", f, err)
				}
			})
			t.Run("result stream", func(t *testing.T) {
				s, err := c.Count(ctx, 1000)
				if err != nil {
					t.Fatal(err)
				}
				got := collect(t, ctx, s)
				if len(got) != 1000 || got[999] != 999 {
					t.Errorf("count: %d", len(got))
				}
			})
			t.Run("param stream", func(t *testing.T) {
				sum, err := c.Sum(ctx, slowStream[uint32](ctx, 1, 2, 3, 4))
				if err != nil || sum != 10 {
					t.Errorf("sum %d, %v", sum, err)
				}
				sum, err = c.Sum(ctx, cm.StreamOf[uint32]())
				if err != nil || sum != 0 {
					t.Errorf("empty sum %d, %v", sum, err)
				}
			})
		})
	}
}
