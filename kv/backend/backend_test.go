package backend_test

import (
	"bytes"
	"context"
	"errors"
	"log"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	kvbackend "github.com/witgo-dev/witgo/kv/backend"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

// captureLog sends the standard logger's output to a buffer until the test
// ends.
func captureLog(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := log.Writer()
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(old) })
	return &buf
}

// panicEngine panics in Open of "open", and opens buckets whose every
// method panics (a nil embedded interface) otherwise.
type panicEngine struct{}

type panicBucket struct{ engine.Bucket }

func (panicEngine) Open(_ context.Context, name string) (engine.Bucket, error) {
	if name == "open" {
		panic("open panicked")
	}
	return panicBucket{}, nil
}

func wantPanic(t *testing.T, err error, op string) {
	t.Helper()
	var pe *kvbackend.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("%s: error %v (%T), want a *PanicError", op, err, err)
	}
	if pe.Op != op {
		t.Errorf("PanicError.Op = %q, want %q", pe.Op, op)
	}
	if msg := err.Error(); !strings.Contains(msg, "internal error") || !strings.Contains(msg, "panicked in "+op) {
		t.Errorf("message %q does not say that %s panicked", msg, op)
	}
}

func TestRecoverEveryCall(t *testing.T) {
	logs := captureLog(t)
	ctx := context.Background()
	e := kvbackend.Recover(panicEngine{})
	_, err := e.Open(ctx, "open")
	wantPanic(t, err, "Engine.Open")
	if !strings.Contains(logs.String(), "open panicked") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the log does not show the panic and its stack:\n%s", logs)
	}
	b, err := e.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Bucket.Get":           func() error { _, _, err := b.Get(ctx, "k"); return err },
		"Bucket.Set":           func() error { return b.Set(ctx, "k", nil) },
		"Bucket.Delete":        func() error { return b.Delete(ctx, "k") },
		"Bucket.Exists":        func() error { _, err := b.Exists(ctx, "k"); return err },
		"Bucket.ListKeys":      func() error { _, _, err := b.ListKeys(ctx, 0); return err },
		"Bucket.ListKeysAfter": func() error { _, _, err := b.ListKeysAfter(ctx, "k"); return err },
		"Bucket.IncrementU64":  func() error { _, err := b.IncrementU64(ctx, "k", 1); return err },
		"Bucket.IncrementS64":  func() error { _, err := b.IncrementS64(ctx, "k", 1); return err },
		"Bucket.GetVersioned":  func() error { _, _, _, err := b.GetVersioned(ctx, "k"); return err },
		"Bucket.CompareAndSwap": func() error {
			_, _, err := b.CompareAndSwap(ctx, "k", "", nil)
			return err
		},
		"Bucket.GetMany":    func() error { _, err := b.GetMany(ctx, []string{"k"}); return err },
		"Bucket.SetMany":    func() error { return b.SetMany(ctx, nil) },
		"Bucket.DeleteMany": func() error { return b.DeleteMany(ctx, nil) },
	}
	for op, call := range calls {
		wantPanic(t, call(), op)
	}
	// Helpers of package engine go through the guarded bucket too.
	_, err = engine.AllKeys(ctx, b)
	wantPanic(t, err, "Bucket.ListKeys")
}

func TestRecoverPassesThrough(t *testing.T) {
	ctx := context.Background()
	mem := memory.New(engine.Buckets("b"), engine.MaxValueBytes(7))
	e := kvbackend.Recover(mem)
	if kvbackend.Recover(e) != e {
		t.Error("Recover of a recovering engine wraps it again")
	}
	if got := kvbackend.MaxValueBytes(e); got != 7 {
		t.Errorf("MaxValueBytes through Recover = %d, want 7 (the options stay visible)", got)
	}
	if got := kvbackend.MaxValueBytes(panicEngine{}); got != engine.DefaultMaxValueBytes {
		t.Errorf("MaxValueBytes of an engine without options = %d, want the default", got)
	}
	if _, err := e.Open(ctx, "nope"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Errorf("open unknown = %v, want the engine's error", err)
	}
	b, err := e.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Errorf("get = %q %v %v", v, ok, err)
	}
	if err := b.Set(ctx, "k", []byte("too long")); err == nil {
		t.Error("the engine's limit does not apply through Recover")
	}
}

func TestValueBuffer(t *testing.T) {
	v := kvbackend.NewValueBuffer(5)
	if b := v.Bytes(); b == nil || len(b) != 0 {
		t.Errorf("empty buffer: Bytes() = %#v, want an empty non-nil slice", b)
	}
	if n, err := v.Room(); n != 5 || err != nil {
		t.Errorf("room = %d %v, want 5", n, err)
	}
	if err := v.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	if err := v.WriteZeroes(1); err != nil {
		t.Fatal(err)
	}
	held := v.Bytes()
	if err := v.Write([]byte("xyz")); err == nil || !strings.Contains(err.Error(), "MaxValueBytes") {
		t.Errorf("write past the limit = %v, want an error naming MaxValueBytes", err)
	}
	if err := v.WriteZeroes(3); err == nil {
		t.Error("write-zeroes past the limit succeeded")
	}
	if got := string(v.Bytes()); got != "ab\x00" {
		t.Errorf("a refused write changed the buffer: %q", got)
	}
	if err := v.Write([]byte("cd")); err != nil {
		t.Fatal(err)
	}
	if string(held) != "ab\x00" {
		t.Errorf("bytes handed out changed after a write: %q", held)
	}
	if n, err := v.Room(); n != 0 || err == nil {
		t.Errorf("room of a full buffer = %d %v, want an error", n, err)
	}
	if got := string(v.Bytes()); got != "ab\x00cd" {
		t.Errorf("bytes = %q", got)
	}
}

func TestValueBufferConcurrent(t *testing.T) {
	v := kvbackend.NewValueBuffer(1000)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 10 {
				_ = v.Write([]byte("0123456789"))
			}
		})
	}
	wg.Wait()
	if n := len(v.Bytes()); n != 1000 {
		t.Errorf("%d bytes after 100 writes of 10", n)
	}
}

func TestReader(t *testing.T) {
	data := []byte("hello")
	r := kvbackend.NewReader(data)
	chunk, more := r.Take(2)
	if string(chunk) != "he" || !more {
		t.Fatalf("take 2 = %q %v", chunk, more)
	}
	chunk[0] = 'X'
	if string(data) != "hello" {
		t.Error("Take returned the reader's bytes, not a copy")
	}
	if n, more := r.Skip(2); n != 2 || !more {
		t.Errorf("skip 2 = %d %v", n, more)
	}
	if chunk, more := r.Take(10); string(chunk) != "o" || !more {
		t.Errorf("take past the end = %q %v, want the last byte", chunk, more)
	}
	if chunk, more := r.Take(1); chunk != nil || more {
		t.Errorf("take after the end = %q %v, want nothing and false", chunk, more)
	}
	if n, more := r.Skip(1); n != 0 || more {
		t.Errorf("skip after the end = %d %v", n, more)
	}
	if _, more := kvbackend.NewReader(nil).Take(1); more {
		t.Error("an empty reader has bytes")
	}
	r = kvbackend.NewReader([]byte("abc"))
	if n, more := r.Skip(10); n != 3 || !more {
		t.Errorf("skip past the end = %d %v, want 3 true", n, more)
	}
}

func TestHelpers(t *testing.T) {
	if b := kvbackend.NonNil(nil); b == nil || len(b) != 0 {
		t.Errorf("NonNil(nil) = %#v", b)
	}
	p := []byte("x")
	if b := kvbackend.NonNil(p); &b[0] != &p[0] {
		t.Error("NonNil copied a non-nil slice")
	}
	if c := kvbackend.Clone(nil); c == nil {
		t.Error("Clone(nil) is nil")
	}
	if c := kvbackend.Clone(p); &c[0] == &p[0] || string(c) != "x" {
		t.Error("Clone shares or loses the bytes")
	}
	err := kvbackend.Unsupported("a:b/c#f")
	if !errors.Is(err, kvbackend.ErrUnsupported) || err.Error() != "a:b/c#f is not supported by this backend" {
		t.Errorf("Unsupported = %v", err)
	}
	if err := kvbackend.Foreign("a:b/c#f", "bucket", 3); err.Error() != "a:b/c#f: the bucket (int) was not created by this backend" {
		t.Errorf("Foreign = %v", err)
	}
}

func TestTTLMillis(t *testing.T) {
	for _, c := range []struct {
		ms   uint64
		want time.Duration
		ok   bool
	}{
		{1, time.Millisecond, true},
		{1500, 1500 * time.Millisecond, true},
		{uint64(kvbackend.MaxTTLMillis), time.Duration(kvbackend.MaxTTLMillis) * time.Millisecond, true},
		{0, 0, false},
		{uint64(kvbackend.MaxTTLMillis) + 1, 0, false},
		{math.MaxUint64, 0, false},
	} {
		got, err := kvbackend.TTLMillis("f", c.ms)
		if c.ok != (err == nil) || got != c.want || got < 0 {
			t.Errorf("TTLMillis(%d) = %v, %v; want %v, ok %v", c.ms, got, err, c.want, c.ok)
		}
		if err != nil && !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("TTLMillis(%d): %v is not ErrInvalidArgument", c.ms, err)
		}
	}
}

// Without an account a buffer is bounded by its limit only; closed, it
// refuses writes and drops its bytes.
func TestValueBufferClose(t *testing.T) {
	v := kvbackend.NewValueBufferFor(context.Background(), 10)
	if err := v.WriteZeroes(10); err != nil {
		t.Fatal(err)
	}
	if got := v.Bytes(); len(got) != 10 || got[9] != 0 {
		t.Fatalf("bytes %v", got)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Write([]byte("x")); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("write after close: %v", err)
	}
	if len(v.Bytes()) != 0 {
		t.Fatal("bytes kept after close")
	}
}
