package wrpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

const (
	testInstance = "test:echo/api@1.0.0"
)

func TestRoundTrip(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			ts.Register(testInstance, "echo", echo)
			ts.Register(testInstance, "void", func(ctx context.Context, p []byte) ([]byte, error) {
				if len(p) != 0 {
					return nil, fmt.Errorf("unexpected params % x", p)
				}
				return nil, nil
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, n := range []int{0, 1, 100, 4097, 64 << 10, 1 << 20} {
				p := bytes.Repeat([]byte{0, 1, 0xff, 7}, n/4+1)[:n]
				got, err := ts.client.Invoke(ctx, testInstance, "echo", p)
				if err != nil {
					t.Fatalf("%d bytes: %v", n, err)
				}
				if !bytes.Equal(got, p) {
					t.Fatalf("%d bytes: echo returned %d bytes, different", n, len(got))
				}
			}
			// A function without parameters or results: an empty root frame each way.
			got, err := ts.client.Invoke(ctx, testInstance, "void", nil)
			if err != nil || len(got) != 0 {
				t.Fatalf("void: % x, %v", got, err)
			}
			resp, err := rawCall(t, ts.l, AppendRequest(nil, testInstance, "void", nil))
			if err != nil || !bytes.Equal(resp, []byte{0, 0}) {
				t.Errorf("void response % x (%v), want 00 00", resp, err)
			}
		})
	}
}

// TestLargestMessage sends the largest request the limits allow, then one byte more.
func TestLargestMessage(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			ts.Register(testInstance, "len", func(ctx context.Context, p []byte) ([]byte, error) {
				return wire.AppendU32(nil, uint32(len(p))), nil
			})
			overhead := len(AppendRequest(nil, testInstance, "len", make([]byte, 3<<20))) - 3<<20
			n := wire.DefaultMaxMessage - overhead
			got, err := ts.client.Invoke(context.Background(), testInstance, "len", make([]byte, n))
			if err != nil {
				t.Fatalf("request of exactly MaxMessage: %v", err)
			}
			if d := wire.NewDecoder(got, wire.Limits{}); d.U32() != uint32(n) || d.Finish() != nil {
				t.Fatalf("server saw a different length: % x", got)
			}
			_, err = ts.client.Invoke(context.Background(), testInstance, "len", make([]byte, n+1))
			var te *Error
			if !errors.As(err, &te) || !errors.Is(err, ErrNoResult) {
				t.Fatalf("request over MaxMessage: %v", err)
			}
			ts.logs.waitFor(t, "exceeds limit MaxMessage="+strconv.Itoa(wire.DefaultMaxMessage))
		})
	}
}

func TestUnknownFunctionFailsFast(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			ts.Register(testInstance, "echo", echo)
			// The server's read timeout (30 s) outlasts ctx: a server that kept
			// the connection instead of closing it would make the call end with
			// context.DeadlineExceeded, not ErrNoResult.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, call := range []struct{ inst, name string }{{testInstance, "nope"}, {"test:other/api", "echo"}} {
				for _, size := range []int{3, 1 << 20} { // a big request is refused before it is read
					_, err := ts.client.Invoke(ctx, call.inst, call.name, make([]byte, size))
					var te *Error
					if !errors.As(err, &te) || !errors.Is(err, ErrNoResult) {
						t.Fatalf("%s#%s: err = %v, want *Error wrapping ErrNoResult", call.inst, call.name, err)
					}
					if te.Instance != call.inst || te.Name != call.name {
						t.Errorf("Error names %s#%s", te.Instance, te.Name)
					}
					if !strings.Contains(err.Error(), "server ended invocation without a result") ||
						!strings.Contains(err.Error(), "unknown instance or function") {
						t.Errorf("message lacks the likely causes: %v", err)
					}
				}
			}
			ts.logs.waitFor(t, "unknown function")
		})
	}
}

func TestHandlerErrorAndPanic(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			ts.Register(testInstance, "echo", echo)
			ts.Register(testInstance, "fail", func(ctx context.Context, p []byte) ([]byte, error) {
				return nil, errors.New("decoding params: boom")
			})
			ts.Register(testInstance, "panic", func(ctx context.Context, p []byte) ([]byte, error) {
				var m map[string]int
				m["x"]++ // nil map write
				return nil, nil
			})
			// A server that kept the connection would make the call end with
			// context.DeadlineExceeded, not ErrNoResult.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, fn := range []string{"fail", "panic", "panic", "fail"} {
				_, err := ts.client.Invoke(ctx, testInstance, fn, []byte("x"))
				var te *Error
				if !errors.As(err, &te) || !errors.Is(err, ErrNoResult) {
					t.Fatalf("%s: err = %v", fn, err)
				}
				// The server survives and serves the next call.
				got, err := ts.client.Invoke(ctx, testInstance, "echo", []byte("still here"))
				if err != nil || string(got) != "still here" {
					t.Fatalf("after %s: %q, %v", fn, got, err)
				}
			}
			ts.logs.waitFor(t, "handler panicked")
			ts.logs.waitFor(t, "assignment to entry in nil map")
			ts.logs.waitFor(t, "server_test.go") // the stack
			ts.logs.waitFor(t, "decoding params: boom")
		})
	}
}

func TestContextCancelEndsBothSides(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			started := make(chan struct{})
			handlerDone := make(chan error, 1)
			ts.Register(testInstance, "block", func(ctx context.Context, p []byte) ([]byte, error) {
				close(started)
				select {
				case <-ctx.Done():
					handlerDone <- ctx.Err()
					return nil, ctx.Err()
				case <-time.After(20 * time.Second):
					handlerDone <- errors.New("handler context was never cancelled")
					return nil, nil
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			clientDone := make(chan error, 1)
			go func() {
				_, err := ts.client.Invoke(ctx, testInstance, "block", []byte("p"))
				clientDone <- err
			}()
			<-started
			cancel()
			select {
			case err := <-clientDone:
				var te *Error
				if !errors.As(err, &te) || !errors.Is(err, context.Canceled) {
					t.Errorf("client: %v, want *Error wrapping context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("client did not return after cancel")
			}
			select {
			case err := <-handlerDone:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("handler: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("handler did not see ctx.Done after the client cancelled")
			}
		})
	}
}

func TestClientDeadline(t *testing.T) {
	ts := startServer(t, "tcp")
	release := make(chan struct{})
	defer close(release)
	ts.Register(testInstance, "slow", func(ctx context.Context, p []byte) ([]byte, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	callErr := make(chan error, 1)
	go func() {
		_, err := ts.client.Invoke(ctx, testInstance, "slow", nil)
		callErr <- err
	}()
	var te *Error
	select {
	case err := <-callErr:
		if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("call outlived its 100 ms deadline by 10 s")
	}
	// An already-cancelled context fails before dialing.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := ts.client.Invoke(ctx, testInstance, "slow", nil); !errors.As(err, &te) || te.Op != "invoke" || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
}

func TestDialFailure(t *testing.T) {
	l := listen(t, "tcp")
	addr := l.Addr().String()
	l.Close()
	_, err := DialTCP(addr).Invoke(context.Background(), testInstance, "echo", nil)
	var te *Error
	if !errors.As(err, &te) || te.Op != "dial" {
		t.Fatalf("err = %v", err)
	}
	_, err = DialUnix("/nonexistent/wrpc.sock").Invoke(context.Background(), testInstance, "echo", nil)
	if !errors.As(err, &te) || te.Op != "dial" {
		t.Fatalf("unix err = %v", err)
	}
}

func TestConcurrencyCap(t *testing.T) {
	const limit, calls = 2, 8
	ts := startServer(t, "tcp", WithMaxConcurrentInvocations(limit))
	var running, peak atomic.Int32
	// Handlers wait until limit of them run at once (so that the peak reaches
	// the limit however the machine schedules them), then hold their slot a
	// little longer, so that an invocation over the limit would overlap them.
	full := make(chan struct{})
	var fullOnce sync.Once
	ts.Register(testInstance, "work", func(ctx context.Context, p []byte) ([]byte, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		if n >= limit {
			fullOnce.Do(func() { close(full) })
		}
		select {
		case <-full:
		case <-time.After(10 * time.Second):
			return nil, errors.New("the server never ran limit invocations at once")
		}
		time.Sleep(30 * time.Millisecond)
		return p, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := []byte{byte(i)}
			got, err := ts.client.Invoke(ctx, testInstance, "work", p)
			if err == nil && !bytes.Equal(got, p) {
				err = fmt.Errorf("got % x", got)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if p := peak.Load(); p != limit {
		t.Errorf("peak concurrency %d, want %d", p, limit)
	}
}

func TestShutdownDrains(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			started := make(chan struct{})
			release := make(chan struct{})
			var sawCancel atomic.Bool
			ts.Register(testInstance, "slow", func(ctx context.Context, p []byte) ([]byte, error) {
				close(started)
				<-release
				sawCancel.Store(ctx.Err() != nil)
				return []byte("done"), nil
			})
			callDone := make(chan error, 1)
			go func() {
				got, err := ts.client.Invoke(context.Background(), testInstance, "slow", nil)
				if err == nil && string(got) != "done" {
					err = fmt.Errorf("got %q", got)
				}
				callDone <- err
			}()
			<-started
			shutDone := make(chan error, 1)
			go func() { shutDone <- ts.Shutdown(context.Background()) }()
			// Serve stops accepting right away...
			select {
			case err := <-ts.served:
				if !errors.Is(err, ErrServerClosed) {
					t.Errorf("Serve: %v", err)
				}
				ts.served <- err // for the cleanup
			case <-time.After(10 * time.Second):
				t.Fatal("Serve did not return after Shutdown")
			}
			// ...but Shutdown waits for the running invocation.
			select {
			case err := <-shutDone:
				t.Fatalf("Shutdown returned %v with an invocation running", err)
			case <-time.After(100 * time.Millisecond):
			}
			close(release)
			if err := <-callDone; err != nil {
				t.Errorf("in-flight call: %v", err)
			}
			select {
			case err := <-shutDone:
				if err != nil {
					t.Errorf("Shutdown: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Shutdown did not return after the invocation ended")
			}
			if sawCancel.Load() {
				t.Error("a drained invocation saw its context cancelled")
			}
			// New calls fail, and Serve refuses to start again.
			if _, err := ts.client.Invoke(context.Background(), testInstance, "slow", nil); err == nil {
				t.Error("call after Shutdown succeeded")
			}
			if err := ts.Serve(listen(t, network)); !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve after Shutdown: %v", err)
			}
		})
	}
}

// TestShutdownTimeoutForcesClose: when Shutdown's context ends first, the
// server cancels the running handler, closes its connection without a result
// and returns the context's error. The handler returns results as soon as it
// sees the cancellation: they must not reach the caller.
func TestShutdownTimeoutForcesClose(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			started := make(chan struct{})
			handlerErr := make(chan error, 1)
			ts.Register(testInstance, "stuck", func(ctx context.Context, p []byte) ([]byte, error) {
				close(started)
				select {
				case <-ctx.Done():
					handlerErr <- ctx.Err()
				case <-time.After(10 * time.Second):
					handlerErr <- errors.New("never cancelled")
				}
				return []byte("late result"), nil
			})
			callErr := make(chan error, 1)
			go func() {
				got, err := ts.client.Invoke(context.Background(), testInstance, "stuck", nil)
				if err == nil {
					err = fmt.Errorf("call succeeded with %q", got)
				}
				callErr <- err
			}()
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown: %v, want context.DeadlineExceeded", err)
			}
			if err := <-handlerErr; !errors.Is(err, context.Canceled) {
				t.Errorf("handler: %v", err)
			}
			select {
			case err := <-callErr:
				var te *Error
				if !errors.As(err, &te) || !errors.Is(err, ErrNoResult) {
					t.Errorf("client: %v, want *Error wrapping ErrNoResult", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("client hung after the server force-closed")
			}
			ts.logs.waitFor(t, "handler returned after its context was cancelled")
		})
	}
}

func TestRegisterPanics(t *testing.T) {
	s := NewServer()
	s.Register(testInstance, "f", echo)
	s.Register(testInstance, "g", echo)
	s.Register("other", "f", echo)
	for _, tc := range []struct {
		inst, name string
		h          Handler
		want       string
	}{
		{testInstance, "f", echo, "duplicate registration of " + testInstance + "#f"},
		{"x", "y", nil, "nil handler"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("Register(%s, %s): panic %v, want %q", tc.inst, tc.name, r, tc.want)
				}
			}()
			s.Register(tc.inst, tc.name, tc.h)
		}()
	}
	for _, n := range []struct{ i, f string }{{testInstance, "f"}, {testInstance, "g"}, {"other", "f"}} {
		if s.lookup([]byte(n.i), []byte(n.f)) == nil {
			t.Errorf("%s#%s lost", n.i, n.f)
		}
	}
}

// TestHostileRequests feeds malformed requests to the server: each must end
// the connection with no response, and the server must keep serving. The
// read timeout outlasts rawCall's 10 s deadline, so a server that waited for
// it instead of refusing the request shows up as a deadline error.
func TestHostileRequests(t *testing.T) {
	ts := startServer(t, "tcp", WithReadTimeout(time.Minute))
	ts.Register(testInstance, "echo", echo)
	good := AppendRequest(nil, testInstance, "echo", []byte("payload"))
	cases := map[string][]byte{
		"empty":                  {},
		"bad version":            append([]byte{1}, good[1:]...),
		"1 GiB instance name":    {0, 0x80, 0x80, 0x80, 0x80, 0x04, 'a'},
		"huge name":              append(AppendHeader(nil, testInstance, "")[:len(AppendHeader(nil, testInstance, ""))-1], 0xff, 0xff, 0xff, 0xff, 0x0f),
		"overlong LEB128":        {0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
		"invalid UTF-8 name":     AppendRequest(nil, testInstance, "\xff", nil),
		"frame claims 1 GiB":     append(AppendHeader(nil, testInstance, "echo"), 0, 0x80, 0x80, 0x80, 0x80, 0x04),
		"frame claims 4 MiB-100": append(AppendHeader(nil, testInstance, "echo"), 0, 0x9c, 0xff, 0xff, 0x01, 'x'),
		"async frame":            append(bytes.Clone(good), AppendFrame(nil, []uint32{0, 1}, []byte("x"))...),
		"path claims 1 GiB":      append(AppendHeader(nil, testInstance, "echo"), 0x80, 0x80, 0x80, 0x80, 0x04),
	}
	// Every strict prefix of a good request is truncated.
	for i := 1; i < len(good); i++ {
		if i == len(good)-len("payload")-2 {
			continue // header only, no frame: empty params, which echo accepts
		}
		cases[fmt.Sprintf("truncated at %d", i)] = good[:i]
	}
	for name, req := range cases {
		resp, err := rawCall(t, ts.l, req)
		if len(resp) != 0 {
			t.Errorf("%s: server answered % x", name, resp)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s: server kept the connection open: %v", name, err)
		}
	}
	resp, err := rawCall(t, ts.l, good)
	if err != nil || !bytes.Equal(resp, AppendFrame(nil, nil, []byte("payload"))) {
		t.Fatalf("good request after hostile ones: % x, %v", resp, err)
	}
	ts.logs.waitFor(t, "exceeds limit MaxValue=4194304")
	ts.logs.waitFor(t, "unsupported wRPC framing version 0x01")
	ts.logs.waitFor(t, "pending async value")
	ts.logs.waitFor(t, "unexpected EOF")
}

// TestHostileRequestMemory: a 7-byte request that claims a 1 GiB string, and
// a short request that claims a 4 MiB frame, cost the server far less than
// what they claim.
func TestHostileRequestMemory(t *testing.T) {
	ts := startServer(t, "tcp", WithLogger(nil))
	ts.Register(testInstance, "echo", echo)
	claims := [][]byte{
		{0, 0x80, 0x80, 0x80, 0x80, 0x04, 'a'},
		append(AppendHeader(nil, testInstance, "echo"), 0, 0x9c, 0xff, 0xff, 0x01, 'x'),
	}
	if len(claims[0]) != 7 {
		t.Fatal("claim is not 7 bytes")
	}
	for _, req := range claims {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const rounds = 10
		for range rounds {
			if resp, _ := rawCall(t, ts.l, req); len(resp) != 0 {
				t.Fatalf("answered % x", resp)
			}
		}
		runtime.ReadMemStats(&after)
		perCall := (after.TotalAlloc - before.TotalAlloc) / rounds
		if perCall > 512<<10 {
			t.Errorf("request % x: %d bytes allocated per call", req, perCall)
		}
		t.Logf("request of %d bytes: %d bytes allocated per call (client and server)", len(req), perCall)
	}
}

// fakeServer answers every connection with resp (after reading the request),
// or by closing at once when resp is nil.
func fakeServer(t *testing.T, network string, resp func(req []byte) []byte) *Client {
	l := listen(t, network)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, _ := io.ReadAll(c)
				if r := resp(req); r != nil {
					c.Write(r)
				}
			}()
		}
	}()
	return clientFor(l)
}

func TestClientResponses(t *testing.T) {
	huge := append([]byte{0}, wire.AppendLen(nil, 1<<30)...)
	cases := []struct {
		name string
		resp []byte
		want []byte
		err  error
	}{
		{"one frame", AppendFrame(nil, nil, []byte("abc")), []byte("abc"), nil},
		{"split over frames", append(append(AppendFrame(nil, nil, []byte("ab")), AppendFrame(nil, nil, nil)...), AppendFrame(nil, nil, []byte("c"))...), []byte("abc"), nil},
		{"empty frame", AppendFrame(nil, nil, nil), []byte{}, nil},
		{"no frame", []byte{}, nil, ErrNoResult},
		{"truncated frame", AppendFrame(nil, nil, []byte("abc"))[:3], nil, io.ErrUnexpectedEOF},
		{"truncated length", []byte{0, 0x80}, nil, io.ErrUnexpectedEOF},
		{"async frame", append(AppendFrame(nil, nil, []byte("a")), AppendFrame(nil, []uint32{0}, []byte("b"))...), nil, ErrAsync},
		{"claims 1 GiB", huge, nil, wire.ErrLimit},
		{"overlong length", []byte{0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, nil, wire.ErrInvalid},
	}
	for _, network := range networks {
		for _, tc := range cases {
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				want := AppendRequest(nil, testInstance, "f", []byte("p"))
				client := fakeServer(t, network, func(req []byte) []byte {
					if !bytes.Equal(req, want) {
						return nil
					}
					return tc.resp
				})
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				got, err := client.Invoke(ctx, testInstance, "f", []byte("p"))
				if tc.err == nil {
					if err != nil || !bytes.Equal(got, tc.want) || got == nil {
						t.Fatalf("got %q, %v; want %q", got, err, tc.want)
					}
					return
				}
				var te *Error
				if !errors.As(err, &te) || !errors.Is(err, tc.err) || te.Op != "read" {
					t.Fatalf("err = %v, want *Error (read) wrapping %v", err, tc.err)
				}
			})
		}
	}
}

func TestClientResponseLimit(t *testing.T) {
	client := fakeServer(t, "tcp", func(req []byte) []byte { return AppendFrame(nil, nil, make([]byte, 2000)) })
	client.lim = wire.Limits{MaxMessage: 1000}.WithDefaults()
	_, err := client.Invoke(context.Background(), testInstance, "f", nil)
	if !errors.Is(err, wire.ErrLimit) || !strings.Contains(err.Error(), "exceeds limit MaxMessage=1000") {
		t.Fatalf("err = %v", err)
	}
	ok := NewClient(client.dialer, WithClientLimits(wire.Limits{MaxMessage: 2003}))
	if got, err := ok.Invoke(context.Background(), testInstance, "f", nil); err != nil || len(got) != 2000 {
		t.Fatalf("at the limit: %d bytes, %v", len(got), err)
	}
}

func TestServerLimits(t *testing.T) {
	ts := startServer(t, "unix", WithServerLimits(wire.Limits{MaxValue: 20, MaxMessage: 100}))
	ts.Register(testInstance, "echo", echo)
	if _, err := ts.client.Invoke(context.Background(), testInstance, "echo", make([]byte, 50)); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.client.Invoke(context.Background(), testInstance, "echo", make([]byte, 90)); !errors.Is(err, ErrNoResult) {
		t.Fatalf("over MaxMessage: %v", err)
	}
	if _, err := ts.client.Invoke(context.Background(), "a-very-long-instance-name", "echo", nil); !errors.Is(err, ErrNoResult) {
		t.Fatalf("name over MaxValue: %v", err)
	}
	ts.logs.waitFor(t, "instance name length 25 exceeds limit MaxValue=20")
	ts.logs.waitFor(t, "exceeds limit MaxMessage=100")
}

// TestReadTimeout: a client that never finishes its request is dropped.
func TestReadTimeout(t *testing.T) {
	ts := startServer(t, "tcp", WithReadTimeout(100*time.Millisecond))
	ts.Register(testInstance, "echo", echo)
	c, err := net.Dial("tcp", ts.l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(AppendHeader(nil, testInstance, "echo")) // and never shut down the write side
	// A hang detector: a deadline error means the server kept the connection.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(make([]byte, 1))
	if n != 0 || (err != io.EOF && !isReset(err)) {
		t.Fatalf("read %d, %v", n, err)
	}
	ts.logs.waitFor(t, "i/o timeout")
}

func TestCloseStopsEverything(t *testing.T) {
	ts := startServer(t, "unix")
	started := make(chan struct{})
	handlerErr := make(chan error, 1)
	ts.Register(testInstance, "stuck", func(ctx context.Context, p []byte) ([]byte, error) {
		close(started)
		<-ctx.Done()
		handlerErr <- ctx.Err()
		return []byte("late result"), nil // dropped: Close ends the invocation without a result
	})
	callErr := make(chan error, 1)
	go func() {
		got, err := ts.client.Invoke(context.Background(), testInstance, "stuck", nil)
		if err == nil {
			err = fmt.Errorf("call succeeded with %q", got)
		}
		callErr <- err
	}()
	<-started
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-handlerErr:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("handler: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler not cancelled by Close")
	}
	select {
	case err := <-callErr:
		if !errors.Is(err, ErrNoResult) {
			t.Errorf("client: %v, want ErrNoResult", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client hung after Close")
	}
	if err := ts.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after Close: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Error{Instance: "wasi:keyvalue/store@0.2.0-draft2", Name: "bucket.get", Op: "read", Err: ErrNoResult}
	want := "wrpc: wasi:keyvalue/store@0.2.0-draft2#bucket.get: read: server ended invocation without a result"
	if !strings.HasPrefix(e.Error(), want) || !errors.Is(e, ErrNoResult) {
		t.Errorf("Error() = %q", e.Error())
	}
	if !SupportPackageIsVersion3 {
		t.Error("version guard")
	}
}
