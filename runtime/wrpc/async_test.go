package wrpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/cm"
)

// The functions below are what generated code does for the WIT of the wRPC
// project's streams example:
//
//	record req { numbers: stream<u64>, bytes: stream<u8> }
//	echo: func(r: req) -> tuple<stream<u64>, stream<u8>>;
const streamsInstance = "wrpc-examples:streams/handler"

type streamsReq struct {
	Numbers cm.Stream[uint64]
	Bytes   io.ReadCloser
}

func encodeStreams(e *Encoder, numbers cm.Stream[uint64], b io.ReadCloser) {
	e.Enter(0)
	EncodeStream(e, numbers, (*Encoder).U64)
	e.Leave()
	e.Enter(1)
	EncodeByteStream(e, b)
	e.Leave()
}

func decodeStreams(d *Decoder) streamsReq {
	var r streamsReq
	d.Enter(0)
	r.Numbers = DecodeStream(d, 1, (*Decoder).U64)
	d.Leave()
	d.Enter(1)
	r.Bytes = DecodeByteStream(d)
	d.Leave()
	return r
}

// registerEcho serves echo, returning the streams it received.
func registerEcho(s *Server) {
	s.HandleAsync(streamsInstance, "echo", func(ctx context.Context, d *Decoder) ([]byte, error) {
		d.Enter(0)
		r := decodeStreams(d)
		d.Leave()
		// The results sit at path [0] (result 0) already.
		return ReplyValue(d, func() (streamsReq, error) { return r, nil }, func(e *Encoder, v streamsReq) {
			encodeStreams(e, v.Numbers, v.Bytes)
		})
	})
}

func callEcho(ctx context.Context, inv Invoker, numbers cm.Stream[uint64], b io.ReadCloser) (streamsReq, error) {
	e := NewAsyncEncoder()
	e.Enter(0)
	encodeStreams(e, numbers, b)
	e.Leave()
	return CallValue(ctx, inv, streamsInstance, "echo", e, decodeStreams)
}

func collectAll[T any](t *testing.T, ctx context.Context, s cm.Stream[T]) []T {
	t.Helper()
	var got []T
	for v, err := range cm.All(ctx, s) {
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		got = append(got, v)
	}
	return got
}

func TestAsyncEchoPending(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			registerEcho(ts.Server)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			nw, numbers := cm.Pipe[uint64]()
			br, bw := io.Pipe()
			go func() {
				for i := uint64(1); i <= 10; i++ {
					if err := nw.Write(ctx, i, i*1000); err != nil {
						t.Error(err)
						return
					}
				}
				nw.Close()
			}()
			go func() {
				for _, w := range []string{"foo ", "bar ", "baz"} {
					bw.Write([]byte(w))
				}
				bw.Close()
			}()
			res, err := callEcho(ctx, ts.client, numbers, br)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := res.Numbers.(*StreamReader[uint64]); !ok {
				t.Fatalf("numbers is %T", res.Numbers)
			}
			var want []uint64
			for i := uint64(1); i <= 10; i++ {
				want = append(want, i, i*1000)
			}
			if got := collectAll(t, ctx, res.Numbers); !slices.Equal(got, want) {
				t.Errorf("numbers = %v, want %v", got, want)
			}
			got, err := io.ReadAll(res.Bytes)
			if err != nil || string(got) != "foo bar baz" {
				t.Errorf("bytes = %q, %v", got, err)
			}
		})
	}
}

func TestAsyncEchoReady(t *testing.T) {
	ts := startServer(t, "tcp")
	registerEcho(ts.Server)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := callEcho(ctx, ts.client, cm.StreamOf[uint64](1, 2, 3), ByteStreamOf([]byte("hello")))
	if err != nil {
		t.Fatal(err)
	}
	if got := collectAll(t, ctx, res.Numbers); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Errorf("numbers = %v", got)
	}
	if got, err := io.ReadAll(res.Bytes); err != nil || string(got) != "hello" {
		t.Errorf("bytes = %q, %v", got, err)
	}
}

func TestAsyncLargeByteStream(t *testing.T) {
	ts := startServer(t, "tcp")
	registerEcho(ts.Server)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB: over every buffer
	res, err := callEcho(ctx, ts.client, nil, io.NopCloser(bytes.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	if got := collectAll(t, ctx, res.Numbers); len(got) != 0 {
		t.Errorf("numbers = %v", got)
	}
	got, err := io.ReadAll(res.Bytes)
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("bytes: %d bytes, %v", len(got), err)
	}
}

func TestAsyncCancelEndsStreams(t *testing.T) {
	ts := startServer(t, "tcp")
	registerEcho(ts.Server)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nw, numbers := cm.Pipe[uint64]()
	if err := func() error { go nw.Write(ctx, 1); return nil }(); err != nil {
		t.Fatal(err)
	}
	res, err := callEcho(ctx, ts.client, numbers, nil)
	if err != nil {
		t.Fatal(err)
	}
	chunk, err := res.Numbers.Next(ctx)
	if err != nil || !slices.Equal(chunk, []uint64{1}) {
		t.Fatalf("first chunk %v, %v", chunk, err)
	}
	cancel()
	if _, err := res.Numbers.Next(context.Background()); err == nil {
		t.Fatal("Next after cancel: no error")
	}
	ts.logs.waitFor(t, "async call failed")
}

func TestAsyncNotAnAsyncInvoker(t *testing.T) {
	inv := InvokerFunc(func(context.Context, string, string, []byte) ([]byte, error) { return nil, nil })
	_, err := callEcho(context.Background(), inv, nil, nil)
	if !errors.Is(err, ErrAsyncUnsupported) {
		t.Fatalf("err = %v", err)
	}
}

// A reader that keeps up gets everything through buffers far smaller than
// the data: the sender is slowed down, the call is not dropped.
func TestAsyncBackpressure(t *testing.T) {
	lim := AsyncLimits{MaxValueBuffer: 64 << 10, MaxCallBuffer: 96 << 10, MaxQueuedFrames: 8}
	ts := startServer(t, "tcp", WithServerAsyncLimits(lim))
	registerEcho(ts.Server)
	client := clientFor(ts.l, WithClientAsyncLimits(lim))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	big := bytes.Repeat([]byte("witgo"), 400<<10) // 2 MB
	nw, numbers := cm.Pipe[uint64]()
	go func() {
		for i := range uint64(20000) {
			if nw.Write(ctx, i) != nil {
				return
			}
		}
		nw.Close()
	}()
	res, err := callEcho(ctx, client, numbers, io.NopCloser(bytes.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []byte)
	go func() {
		b, err := io.ReadAll(res.Bytes)
		if err != nil {
			t.Error(err)
		}
		done <- b
	}()
	got := collectAll(t, ctx, res.Numbers)
	if len(got) != 20000 || got[19999] != 19999 {
		t.Errorf("numbers: %d", len(got))
	}
	if b := <-done; !bytes.Equal(b, big) {
		t.Errorf("bytes: %d", len(b))
	}
}

// A reader that does not read: once the buffers are full the connection is
// no longer read, and after IdleTimeout the call fails on both sides.
func TestAsyncIdleReceiver(t *testing.T) {
	lim := AsyncLimits{MaxValueBuffer: 64 << 10, MaxCallBuffer: 64 << 10, IdleTimeout: 300 * time.Millisecond}
	ts := startServer(t, "tcp", WithServerAsyncLimits(lim))
	registerEcho(ts.Server)
	client := clientFor(ts.l, WithClientAsyncLimits(lim))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	big := bytes.Repeat([]byte("x"), 8<<20)
	nw, numbers := cm.Pipe[uint64]()
	defer nw.Close()
	res, err := callEcho(ctx, client, numbers, io.NopCloser(bytes.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = res.Numbers.Next(ctx) // nothing comes: the bytes fill the buffers
	if !errors.Is(err, ErrIdle) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if _, err := io.ReadAll(res.Bytes); err == nil {
		t.Fatal("the byte stream survived its call")
	}
	ts.logs.waitFor(t, "async call failed")
}

// A failing handler, an unknown function: the async client fails fast with
// ErrNoResult, as a synchronous one does.
func TestAsyncNoResult(t *testing.T) {
	ts := startServer(t, "tcp")
	ts.HandleAsync(streamsInstance, "echo", func(ctx context.Context, d *Decoder) ([]byte, error) {
		d.Enter(0)
		decodeStreams(d)
		d.Leave()
		return ReplyValue(d, func() (streamsReq, error) { return streamsReq{}, errors.New("boom") }, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := callEcho(ctx, ts.client, cm.StreamOf[uint64](1), ByteStreamOf([]byte("x")))
	if !errors.Is(err, ErrNoResult) {
		t.Errorf("handler failure: %v", err)
	}
	ts.logs.waitFor(t, "boom")
	e := NewAsyncEncoder()
	_, err = CallValue(ctx, ts.client, streamsInstance, "missing", e, decodeStreams)
	if !errors.Is(err, ErrNoResult) {
		t.Errorf("unknown function: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// The server going away (Close cancels its calls) ends the client's streams.
func TestAsyncServerCancel(t *testing.T) {
	ts := startServer(t, "tcp")
	registerEcho(ts.Server)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nw, numbers := cm.Pipe[uint64]()
	defer nw.Close()
	go nw.Write(ctx, 1)
	res, err := callEcho(ctx, ts.client, numbers, nil)
	if err != nil {
		t.Fatal(err)
	}
	if chunk, err := res.Numbers.Next(ctx); err != nil || !slices.Equal(chunk, []uint64{1}) {
		t.Fatalf("first chunk %v, %v", chunk, err)
	}
	ts.Close()
	start := time.Now()
	if _, err := res.Numbers.Next(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next after the server closed: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

// A result stream dropped without Close does not hold its call open: once
// the reader is garbage collected, the call ends.
func TestAsyncForgottenStream(t *testing.T) {
	ts := startServer(t, "tcp")
	registerEcho(ts.Server)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nw, numbers := cm.Pipe[uint64]()
	go func() {
		for i := range uint64(3) {
			nw.Write(ctx, i)
		}
		nw.Close()
	}()
	e := NewAsyncEncoder()
	e.Enter(0)
	encodeStreams(e, numbers, ByteStreamOf([]byte("x")))
	e.Leave()
	d, err := Call(ctx, ts.client, streamsInstance, "echo", e)
	if err != nil {
		t.Fatal(err)
	}
	call := d.call
	func() {
		r := decodeStreams(d)
		if err := d.Finish(); err != nil {
			t.Fatal(err)
		}
		io.ReadAll(r.Bytes) // the numbers are never read nor closed
	}()
	for i := 0; i < 50; i++ {
		runtime.GC()
		select {
		case <-call.finished:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("the call is still open")
}

// Interceptors run for async calls: on the client they see the root
// parameters, on the server nil parameters; the streams still flow.
func TestAsyncInterceptors(t *testing.T) {
	var serverSaw, clientSaw []string
	ts := startServer(t, "tcp", WithInterceptor(func(ctx context.Context, instance, name string, params []byte, next Handler) ([]byte, error) {
		serverSaw = append(serverSaw, fmt.Sprintf("%s#%s %x", instance, name, params))
		return next(ctx, params)
	}))
	registerEcho(ts.Server)
	inv := Intercept(ts.client, func(ctx context.Context, instance, name string, params []byte, next Invoker) ([]byte, error) {
		clientSaw = append(clientSaw, fmt.Sprintf("%s#%s %x", instance, name, params))
		return next.Invoke(ctx, instance, name, params)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := callEcho(ctx, inv, slowNumbers(ctx, 4, 5), ByteStreamOf([]byte("ok")))
	if err != nil {
		t.Fatal(err)
	}
	if got := collectAll(t, ctx, res.Numbers); !slices.Equal(got, []uint64{4, 5}) {
		t.Errorf("numbers %v", got)
	}
	if b, err := io.ReadAll(res.Bytes); err != nil || string(b) != "ok" {
		t.Errorf("bytes %q, %v", b, err)
	}
	want := streamsInstance + "#echo "
	if len(clientSaw) != 1 || clientSaw[0] != want+"0001026f6b" {
		t.Errorf("client interceptor saw %q", clientSaw)
	}
	if len(serverSaw) != 1 || serverSaw[0] != want {
		t.Errorf("server interceptor saw %q", serverSaw)
	}
	// An interceptor that answers without calling next cannot answer an
	// async call: refused at once.
	refuse := Intercept(ts.client, func(context.Context, string, string, []byte, Invoker) ([]byte, error) { return nil, nil })
	if _, err := callEcho(ctx, refuse, nil, nil); err == nil || !strings.Contains(err.Error(), "without calling next") {
		t.Errorf("interceptor without next: %v", err)
	}
}

func slowNumbers(ctx context.Context, items ...uint64) cm.Stream[uint64] {
	w, s := cm.Pipe[uint64]()
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

// BenchmarkAsyncByteStream echoes a 4 MiB pending byte stream through the
// server: 8 MiB cross the loopback per call.
func BenchmarkAsyncByteStream(b *testing.B) {
	ts := startServer(b, "tcp")
	registerEcho(ts.Server)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	buf := make([]byte, 64<<10)
	for b.Loop() {
		res, err := callEcho(ctx, ts.client, nil, io.NopCloser(bytes.NewReader(data)))
		if err != nil {
			b.Fatal(err)
		}
		go io.Copy(io.Discard, readerOf(ctx, res.Numbers))
		n, err := io.CopyBuffer(io.Discard, res.Bytes, buf)
		if err != nil || n != int64(len(data)) {
			b.Fatal(n, err)
		}
	}
}

func readerOf(ctx context.Context, s cm.Stream[uint64]) io.Reader {
	r, w := io.Pipe()
	go func() {
		_, err := cm.Collect(ctx, s)
		w.CloseWithError(err)
	}()
	return r
}
