// Package roundtrip_test sends a value of every WIT kind from the generated
// client through the generated server to an implementation that echoes it,
// over TCP and over a Unix socket, and checks that what comes back equals
// what was sent.
package roundtrip_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/witgo-dev/witgo/generated/roundtrip/witgo/roundtrip/v0.1.0/kinds"
	"github.com/witgo-dev/witgo/generated/roundtrip/witgo/roundtrip/v0.1.0/roundtrip"
	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// echo implements kinds.Interface by returning its arguments.
type echo struct {
	// called receives the context of Nothing, which then waits for it to end.
	called chan context.Context
}

type counter struct {
	mu sync.Mutex
	n  uint64
}

func (c *counter) Add(_ context.Context, n uint64) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += n
	return c.n, nil
}

func (c *counter) Get(context.Context) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, nil
}

func (echo) NewCounter(_ context.Context, start uint64) (kinds.Counter, error) {
	return &counter{n: start}, nil
}

func (echo) CounterDescribe(ctx context.Context, c kinds.Counter) (string, error) {
	n, err := c.Get(ctx)
	return fmt.Sprintf("counter at %d", n), err
}

func (echo) CounterMerge(ctx context.Context, a, b kinds.Counter) (kinds.Counter, error) {
	x, _ := a.Get(ctx)
	y, _ := b.Get(ctx)
	return &counter{n: x + y}, nil
}

func (echo) EchoEverything(_ context.Context, v kinds.Everything) (kinds.Everything, error) {
	return v, nil
}
func (echo) EchoShapes(_ context.Context, v []kinds.Shape) ([]kinds.Shape, error) { return v, nil }
func (echo) EchoOption(_ context.Context, v **string) (*string, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	return *v, true, nil
}
func (echo) EchoTuple(_ context.Context, v cm.Tuple4[uint8, string, float64, rune]) (cm.Tuple4[uint8, string, float64, rune], error) {
	return v, nil
}
func (echo) EchoFloats(_ context.Context, a float32, b float64) (cm.Tuple2[float32, float64], error) {
	return cm.Tuple2[float32, float64]{F0: a, F1: b}, nil
}
func (echo) EchoBytes(_ context.Context, v []byte) ([]byte, error) { return v, nil }
func (echo) EchoFlags(_ context.Context, w kinds.Wide, s kinds.Small, c kinds.Color) (cm.Tuple3[kinds.Wide, kinds.Small, kinds.Color], error) {
	return cm.Tuple3[kinds.Wide, kinds.Small, kinds.Color]{F0: w, F1: s, F2: c}, nil
}

// Fail returns v as the error, except that out-of-range(0, 0) succeeds.
func (echo) Fail(_ context.Context, v kinds.Failure) (uint32, error) {
	if p, ok := v.OutOfRange(); ok && p == (kinds.Point{}) {
		return 7, nil
	}
	return 0, v
}
func (echo) FailString(_ context.Context, v string) error { return cm.Err[string]{Value: v} }
func (echo) UnitResult(_ context.Context, ok bool) error {
	if ok {
		return nil
	}
	return cm.ErrResult
}
func (e echo) Nothing(ctx context.Context) error {
	if e.called != nil {
		e.called <- ctx
		<-ctx.Done()
	}
	return nil
}

// serve starts a server for impl on network ("tcp" or "unix") and returns a
// client world.
func serve(t *testing.T, network string, impl kinds.Interface) roundtrip.World {
	t.Helper()
	srv := wrpc.NewServer(wrpc.WithLogger(nil))
	roundtrip.Register(srv, roundtrip.World{Kinds: impl})
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
		path := filepath.Join(t.TempDir(), "s")
		l, err = net.Listen("unix", path)
		inv = wrpc.DialUnix(path)
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return roundtrip.NewClient(inv)
}

// exactFloats compares floats bit for bit, so -0 differs from 0, except
// that any NaN equals any NaN (the encoding canonicalizes NaNs).
var exactFloats = cmp.Options{
	cmp.Comparer(func(a, b float64) bool { return a != a && b != b || math.Float64bits(a) == math.Float64bits(b) }),
	cmp.Comparer(func(a, b float32) bool { return a != a && b != b || math.Float32bits(a) == math.Float32bits(b) }),
	cmp.AllowUnexported(kinds.Shape{}, kinds.Failure{}),
}

func ptr[T any](v T) *T { return &v }

func everything() kinds.Everything {
	return kinds.Everything{
		B: true, U8v: math.MaxUint8, S8v: math.MinInt8, U16v: math.MaxUint16, S16v: math.MinInt16,
		U32v: math.MaxUint32, S32v: math.MinInt32, U64v: math.MaxUint64, S64v: math.MinInt64,
		F32v:       float32(math.Copysign(0, -1)),
		F64v:       math.NaN(),
		C:          '🔑',
		S:          "ключ 🔑 鍵",
		Bytes:      []byte{0, 0xff, 0x80},
		Words:      []string{"", "a", "ключ"},
		Maybe:      ptr[uint32](0),
		MaybeMaybe: ptr[*string](nil),
		Results:    []cm.Result[uint32, string]{cm.OK[uint32, string](1), cm.Fail[uint32]("no")},
		Pair:       cm.Tuple2[kinds.Point, []byte]{F0: kinds.Point{X: -1, Y: 1}, F1: []byte{}},
		Colors:     []kinds.Color{kinds.ColorBlue, kinds.ColorRed},
		Wide:       kinds.WideBit0 | kinds.WideBit33 | kinds.WideBit39,
		Small:      kinds.SmallB,
		Shapes:     []kinds.Shape{kinds.ShapeNothing(), kinds.ShapeCircle(math.Inf(-1))},
		Grid:       [3][2]uint8{{1, 2}, {3, 4}, {math.MaxUint8, 0}},
		Tally:      map[string]uint32{"": 0, "a": 1, "ключ": math.MaxUint32},
		ByFlag:     map[bool][]kinds.Point{true: {{X: 1, Y: -1}}, false: {}},
	}
}

func TestRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			ctx := context.Background()
			c := serve(t, network, echo{}).Kinds

			t.Run("record of every kind", func(t *testing.T) {
				v := everything()
				got, err := c.EchoEverything(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(v, got, exactFloats); diff != "" {
					t.Fatalf("(-sent +got):\n%s", diff)
				}
				// The zero value: nil lists and maps arrive as empty,
				// non-nil ones (the wire does not tell them apart).
				got, err = c.EchoEverything(ctx, kinds.Everything{})
				if err != nil {
					t.Fatal(err)
				}
				if got.Bytes == nil || len(got.Bytes) != 0 || got.Words == nil || got.Maybe != nil || got.Pair.F1 == nil || got.Tally == nil || len(got.Tally) != 0 {
					t.Fatalf("zero value came back as %+v", got)
				}
			})
			t.Run("variants", func(t *testing.T) {
				v := []kinds.Shape{
					kinds.ShapeNothing(), kinds.ShapeCircle(-0.5), kinds.ShapeRect(kinds.Point{X: math.MaxInt32, Y: math.MinInt32}),
					kinds.ShapeNamed("∑ é 🔑"), kinds.ShapeNested(nil), kinds.ShapeNested(ptr[*uint32](nil)),
					kinds.ShapeNested(ptr(ptr[uint32](9))), kinds.ShapeBlob([]byte{}), kinds.ShapeBlob([]byte{1}),
				}
				got, err := c.EchoShapes(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(v, got, exactFloats); diff != "" {
					t.Fatalf("(-sent +got):\n%s", diff)
				}
				if p, ok := got[2].Rect(); !ok || p.Y != math.MinInt32 {
					t.Fatalf("rect = %v, %v", p, ok)
				}
			})
			t.Run("option of option", func(t *testing.T) {
				for _, v := range []**string{nil, ptr[*string](nil), ptr(ptr("")), ptr(ptr("x"))} {
					got, ok, err := c.EchoOption(ctx, v)
					if err != nil {
						t.Fatal(err)
					}
					if ok != (v != nil) || (ok && !cmp.Equal(*v, got)) {
						t.Fatalf("sent %v, got %v, %v", v, got, ok)
					}
				}
			})
			t.Run("tuple", func(t *testing.T) {
				v := cm.Tuple4[uint8, string, float64, rune]{F0: 200, F1: "日本", F2: math.Copysign(0, -1), F3: 'é'}
				got, err := c.EchoTuple(ctx, v)
				if err != nil || !cmp.Equal(v, got, exactFloats) {
					t.Fatalf("sent %+v, got %+v, %v", v, got, err)
				}
			})
			t.Run("floats", func(t *testing.T) {
				for _, v := range []cm.Tuple2[float32, float64]{
					{F0: float32(math.NaN()), F1: math.NaN()},
					{F0: float32(math.Copysign(0, -1)), F1: math.Copysign(0, -1)},
					{F0: float32(math.Inf(1)), F1: math.Inf(-1)},
					{F0: math.SmallestNonzeroFloat32, F1: math.MaxFloat64},
				} {
					got, err := c.EchoFloats(ctx, v.F0, v.F1)
					if err != nil || !cmp.Equal(v, got, exactFloats) {
						t.Fatalf("sent %v, got %v, %v", v, got, err)
					}
				}
			})
			t.Run("1 MiB list", func(t *testing.T) {
				got, err := c.EchoBytes(ctx, big)
				if err != nil || !bytes.Equal(got, big) {
					t.Fatalf("got %d bytes, %v", len(got), err)
				}
				got, err = c.EchoBytes(ctx, []byte{})
				if err != nil || got == nil || len(got) != 0 {
					t.Fatalf("empty list came back as %#v, %v", got, err)
				}
			})
			t.Run("flags and enums", func(t *testing.T) {
				w := kinds.WideBit31 | kinds.WideBit32 | kinds.WideBit39
				got, err := c.EchoFlags(ctx, w, kinds.SmallA|kinds.SmallC, kinds.ColorGreen)
				if err != nil || got.F0 != w || got.F1 != kinds.SmallA|kinds.SmallC || got.F2 != kinds.ColorGreen {
					t.Fatalf("got %v, %v", got, err)
				}
			})
			t.Run("WIT errors", func(t *testing.T) {
				if n, err := c.Fail(ctx, kinds.FailureOutOfRange(kinds.Point{})); err != nil || n != 7 {
					t.Fatalf("ok case: %d, %v", n, err)
				}
				_, err := c.Fail(ctx, kinds.FailureNotFound())
				if !errors.Is(err, kinds.ErrNotFound) {
					t.Fatalf("got %v, want not-found", err)
				}
				var te *wrpc.Error
				if errors.As(err, &te) {
					t.Fatalf("WIT error seen as transport failure: %v", err)
				}
				_, err = c.Fail(ctx, kinds.FailureOutOfRange(kinds.Point{X: 3, Y: -4}))
				var f kinds.Failure
				if !errors.As(err, &f) {
					t.Fatalf("got %v, want a kinds.Failure", err)
				}
				if p, ok := f.OutOfRange(); !ok || p != (kinds.Point{X: 3, Y: -4}) {
					t.Fatalf("payload %v, %v", p, ok)
				}
				if _, err = c.Fail(ctx, kinds.FailureInvalid("bad ✗")); err == nil || err.Error() != `invalid("bad ✗")` {
					t.Fatalf("got %v", err)
				}
				err = c.FailString(ctx, "disk full")
				var se cm.Err[string]
				if !errors.As(err, &se) || se.Value != "disk full" {
					t.Fatalf("got %v", err)
				}
				if err := c.UnitResult(ctx, true); err != nil {
					t.Fatal(err)
				}
				if err := c.UnitResult(ctx, false); !errors.Is(err, cm.ErrResult) {
					t.Fatalf("got %v", err)
				}
				if err := c.Nothing(ctx); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("resources", func(t *testing.T) {
				a, err := c.NewCounter(ctx, 5)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := a.Add(ctx, 3); err != nil || n != 8 {
					t.Fatalf("add = %d, %v", n, err)
				}
				b, _ := c.NewCounter(ctx, 100)
				if s, err := c.CounterDescribe(ctx, a); err != nil || s != "counter at 8" {
					t.Fatalf("describe = %q, %v", s, err)
				}
				m, err := c.CounterMerge(ctx, a, b)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := m.Get(ctx); err != nil || n != 108 {
					t.Fatalf("merged = %d, %v", n, err)
				}
				// a was passed as own<counter>: its handle is gone.
				_, err = a.Get(ctx)
				var te *wrpc.Error
				if !errors.As(err, &te) {
					t.Fatalf("get after own transfer: %v, want a transport error", err)
				}
				if n, err := b.Get(ctx); err != nil || n != 100 {
					t.Fatalf("borrowed b = %d, %v", n, err)
				}
			})
		})
	}
}

// TestCancel: cancelling the caller's context ends the call on both sides.
func TestCancel(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			called := make(chan context.Context, 1)
			c := serve(t, network, echo{called: called}).Kinds
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Nothing(ctx) }()
			var serverCtx context.Context
			select {
			case serverCtx = <-called:
			case <-time.After(5 * time.Second):
				t.Fatal("the handler was not called")
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("client: %v, want context.Canceled", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("client did not return after cancel")
			}
			select {
			case <-serverCtx.Done():
			case <-time.After(2 * time.Second):
				t.Fatal("handler context not cancelled")
			}
		})
	}
}

// TestUnknownFunction: a server that does not know the function ends the
// call at once, and the client reports it as a transport error.
func TestUnknownFunction(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			srv := wrpc.NewServer(wrpc.WithLogger(nil))
			roundtrip.Register(srv, roundtrip.World{}) // no implementation: nothing but resource methods
			var inv *wrpc.Client
			var l net.Listener
			var err error
			if network == "tcp" {
				l, err = net.Listen("tcp", "127.0.0.1:0")
				if err == nil {
					inv = wrpc.DialTCP(l.Addr().String())
				}
			} else {
				p := filepath.Join(t.TempDir(), "s")
				l, err = net.Listen("unix", p)
				inv = wrpc.DialUnix(p)
			}
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(l)
			t.Cleanup(func() { srv.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, err = kinds.NewClient(inv).EchoBytes(ctx, []byte("x"))
			var te *wrpc.Error
			if !errors.As(err, &te) || !errors.Is(err, wrpc.ErrNoResult) {
				t.Fatalf("got %v, want a *wrpc.Error wrapping ErrNoResult", err)
			}
			if te.Name != "echo-bytes" || !strings.Contains(te.Instance, "kinds") {
				t.Fatalf("error names %s#%s", te.Instance, te.Name)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v: the client waited instead of failing fast", d)
			}
		})
	}
}

// A stateful resource's handle belongs to the client (remote address) that
// created it: another client presenting the same bytes is refused, and
// the owner keeps using it.
func TestHandleTheft(t *testing.T) {
	srv := wrpc.NewServer(wrpc.WithLogger(nil))
	roundtrip.Register(srv, roundtrip.World{Kinds: echo{}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	ctx := context.Background()
	owner := roundtrip.NewClient(wrpc.DialTCP(l.Addr().String())).Kinds
	thief := wrpc.NewClient(&wrpc.TCPDialer{Addr: l.Addr().String(), Dialer: net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}})
	c, err := owner.NewCounter(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	stolen := kinds.NewCounterClient(thief, c.(wrpc.Resource).WRPCHandle())
	if n, err := stolen.Get(ctx); err == nil {
		t.Fatalf("another client read the counter through its handle: %d", n)
	}
	if n, err := c.Get(ctx); err != nil || n != 7 {
		t.Fatalf("the owner's counter = %d, %v", n, err)
	}
}
