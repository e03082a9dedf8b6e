package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/io/v0.2.0/streams"
	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	earlybackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/types"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// serveEarlyFrom serves the early draft's world on a new memory engine with
// opts, and returns a client per local address (each is another client to
// the server: 127.0.0.1, 127.0.0.2, ...).
func serveEarlyFrom(t *testing.T, ips []string, opts ...wrpc.ServerOption) []early.World {
	t.Helper()
	e := memory.New(engine.CreateOnOpen(true))
	srv := wrpc.NewServer(append([]wrpc.ServerOption{wrpc.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	early.Register(srv, earlybackend.New(e))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, srv, l)
	var ws []early.World
	for _, ip := range ips {
		d := &wrpc.TCPDialer{Addr: l.Addr().String()}
		d.Dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(ip)}
		ws = append(ws, early.NewClient(wrpc.NewClient(d)))
	}
	return ws
}

// earlyTrace returns the message of an early-draft error, or fails.
func earlyTrace(t *testing.T, ctx context.Context, err error) string {
	t.Helper()
	var we cm.Err[types.Error]
	if !errors.As(err, &we) || we.Value == nil {
		t.Fatalf("want the WIT error, got %v", err)
	}
	msg, terr := we.Value.Trace(ctx)
	if terr != nil {
		t.Fatal(terr)
	}
	return msg
}

// One client filling its share of the handle table gets the WIT error that
// names the limit; another client's handles and calls are unaffected.
func TestHandleQuotaOverWRPC(t *testing.T) {
	ctx := context.Background()
	const quota = 8
	ws := serveEarlyFrom(t, []string{"127.0.0.1", "127.0.0.2"}, wrpc.WithHandleQuota(quota))
	a, b := ws[0], ws[1]
	bucketA, err := a.Types.BucketOpenBucket(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	bucketB, err := b.Types.BucketOpenBucket(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.Types.OutgoingValueNewOutgoingValue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.OutgoingValueWriteBodySync(ctx, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := b.Eventual.Set(ctx, bucketB, "k", out); err != nil {
		t.Fatal(err)
	}
	// b holds an incoming value before a fills its share.
	heldByB, _, err := b.Eventual.Get(ctx, bucketB, "k")
	if err != nil {
		t.Fatal(err)
	}

	var refusal error
	for i := 0; i <= quota; i++ {
		_, _, err := a.Eventual.Get(ctx, bucketA, "k")
		if err != nil {
			if i != quota {
				t.Fatalf("get %d refused before the quota of %d: %v", i, quota, err)
			}
			refusal = err
		}
	}
	if refusal == nil {
		t.Fatalf("%d gets, each holding an incoming value, were not refused", quota+1)
	}
	if msg := earlyTrace(t, ctx, refusal); !strings.Contains(msg, "too many open handles: limit 8 per client") {
		t.Fatalf("refusal says %q", msg)
	}

	// b's handle still works, and b can make new ones.
	if n, err := heldByB.IncomingValueSize(ctx); err != nil || n != 1 {
		t.Fatalf("b's incoming value after a filled its share: %d, %v", n, err)
	}
	for range quota - 2 {
		if _, _, err := b.Eventual.Get(ctx, bucketB, "k"); err != nil {
			t.Fatalf("b refused while a is at its quota: %v", err)
		}
	}
}

// The bytes behind one client's handles are bounded: write-zeroes past the
// client's share fails with a stream error naming the limit, and giving a
// value back (storing it, once its handle expires or is consumed) is not
// needed for another client to write.
func TestHandleBytesOverWRPC(t *testing.T) {
	ctx := context.Background()
	const mib = 1 << 20
	ws := serveEarlyFrom(t, []string{"127.0.0.1", "127.0.0.2"}, wrpc.WithHandleBytes(12*mib, 8*mib))
	a, b := ws[0], ws[1]
	zeroes := func(w early.World, n uint64) error {
		out, err := w.Types.OutgoingValueNewOutgoingValue(ctx)
		if err != nil {
			return err
		}
		s, err := out.OutgoingValueWriteBodyAsync(ctx)
		if err != nil {
			return err
		}
		return s.WriteZeroes(ctx, n)
	}
	for i := range 2 {
		if err := zeroes(a, 4*mib); err != nil {
			t.Fatalf("a's value %d of 4 MiB: %v", i, err)
		}
	}
	err := zeroes(a, 4*mib)
	var se streams.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("a's third 4 MiB value: %v, want a stream error", err)
	}
	ioErr, ok := se.LastOperationFailed()
	if !ok {
		t.Fatalf("a's third 4 MiB value: %v, want last-operation-failed", se)
	}
	msg, err := ioErr.ToDebugString(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "limit 8388608 bytes per client") {
		t.Fatalf("the refusal says %q", msg)
	}
	// b has its own share, but the server's total (12 MiB) leaves it 4 MiB.
	if err := zeroes(b, 4*mib); err != nil {
		t.Fatalf("b's 4 MiB value while a is at its share: %v", err)
	}
	err = zeroes(b, 1)
	if !errors.As(err, &se) {
		t.Fatalf("a byte over the server's budget: %v, want a stream error", err)
	}
	ioErr, _ = se.LastOperationFailed()
	if msg, _ := ioErr.ToDebugString(ctx); !strings.Contains(msg, "limit 12582912 bytes in all") {
		t.Fatalf("the refusal says %q", msg)
	}
}
