package kvtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/io/v0.2.0/poll"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/io/v0.2.0/streams"
	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/types"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/runtime/cm"
)

// RunEarly runs the suite on the early wasi:keyvalue@0.2.0-draft (types,
// eventual, eventual-batch, atomic; values as incoming-value and
// outgoing-value resources over wasi:io streams; errors as a resource whose
// trace is the message). f returns a World over a new, empty store
// configured by opts (see the package doc); Types, Eventual,
// Atomic and EventualBatch must be set.
//
// The error of this family has no cases: an error is no-such-store when its
// trace says "no such store" (or "no-such-store"), and other otherwise.
func RunEarly(t *testing.T, f func(t *testing.T, opts ...engine.Option) early.World) {
	fam := &family{
		name:   "wasi:keyvalue@0.2.0-draft (early)",
		cursor: noCursor,
		newStore: func(t *testing.T, opts []engine.Option) kvstore {
			t.Helper()
			w := f(t, opts...)
			if w.Types == nil || w.Eventual == nil || w.Atomic == nil || w.EventualBatch == nil {
				t.Fatalf("wasi:keyvalue@0.2.0-draft (early): the factory returned a World with a nil field: %+v", w)
			}
			return earlyStore{w}
		},
	}
	run(t, fam, commonRules(fam, earlyCASCases, rule{"ValueResources", valueResourceCases}))
}

type earlyStore struct{ w early.World }

func (s earlyStore) open(ctx context.Context, id string) (bucket, error) {
	b, err := s.w.Types.BucketOpenBucket(ctx, id)
	if err != nil {
		return nil, err
	}
	return earlyBucket{s.w, b}, nil
}

// describe reads the error resource's trace.
func (earlyStore) describe(ctx context.Context, err error) witErr {
	var we cm.Err[types.Error]
	if !errors.As(err, &we) || we.Value == nil {
		return witErr{kind: notWIT, msg: err.Error()}
	}
	trace, terr := we.Value.Trace(ctx)
	if terr != nil {
		return witErr{kind: notWIT, msg: "error.trace failed: " + terr.Error()}
	}
	lower := strings.ToLower(trace)
	switch {
	case strings.Contains(lower, "no such store") || strings.Contains(lower, "no-such-store"):
		return witErr{kind: noSuchStore, msg: trace}
	case strings.Contains(lower, "access denied") || strings.Contains(lower, "access-denied"):
		return witErr{kind: accessDenied, msg: trace}
	}
	return witErr{kind: otherError, msg: trace}
}

type earlyBucket struct {
	w early.World
	b types.Bucket
}

func (b earlyBucket) get(ctx context.Context, key string) ([]byte, bool, error) {
	in, ok, err := b.w.Eventual.Get(ctx, b.b, key)
	if err != nil || !ok {
		return nil, false, err
	}
	v, err := b.w.Types.IncomingValueIncomingValueConsumeSync(ctx, in)
	return v, err == nil, err
}

// outgoing returns a new outgoing value holding value, written with the
// synchronous write.
func (b earlyBucket) outgoing(ctx context.Context, value []byte) (types.OutgoingValue, error) {
	out, err := b.w.Types.OutgoingValueNewOutgoingValue(ctx)
	if err != nil {
		return nil, err
	}
	return out, out.OutgoingValueWriteBodySync(ctx, value)
}

func (b earlyBucket) set(ctx context.Context, key string, value []byte) error {
	out, err := b.outgoing(ctx, value)
	if err != nil {
		return err
	}
	return b.w.Eventual.Set(ctx, b.b, key, out)
}

func (b earlyBucket) del(ctx context.Context, key string) error {
	return b.w.Eventual.Delete(ctx, b.b, key)
}

func (b earlyBucket) exists(ctx context.Context, key string) (bool, error) {
	return b.w.Eventual.Exists(ctx, b.b, key)
}

// listPage is keys: every key, in one page.
func (b earlyBucket) listPage(ctx context.Context, cursor *string) ([]string, *string, error) {
	if cursor != nil {
		panic("kvtest: the early family has no list-keys cursor")
	}
	keys, err := b.w.EventualBatch.Keys(ctx, b.b)
	return keys, nil, err
}

func (b earlyBucket) increment(ctx context.Context, key, delta string) (string, error) {
	n, err := b.w.Atomic.Increment(ctx, b.b, key, u64(delta))
	return strconv.FormatUint(n, 10), err
}

func (b earlyBucket) getMany(ctx context.Context, keys []string) ([]getResult, error) {
	res, err := b.w.EventualBatch.GetMany(ctx, b.b, keys)
	if err != nil {
		return nil, err
	}
	out := make([]getResult, len(res))
	for i, in := range res {
		if in == nil {
			continue
		}
		v, err := b.w.Types.IncomingValueIncomingValueConsumeSync(ctx, *in)
		if err != nil {
			return nil, err
		}
		out[i] = getResult{found: true, value: v}
	}
	return out, nil
}

func (b earlyBucket) setMany(ctx context.Context, entries []entry) error {
	var kv []cm.Tuple2[types.Key, types.OutgoingValue]
	if entries != nil {
		kv = make([]cm.Tuple2[types.Key, types.OutgoingValue], len(entries))
	}
	for i, e := range entries {
		out, err := b.outgoing(ctx, e.value)
		if err != nil {
			return err
		}
		kv[i] = cm.Tuple2[types.Key, types.OutgoingValue]{F0: e.key, F1: out}
	}
	return b.w.EventualBatch.SetMany(ctx, b.b, kv)
}

func (b earlyBucket) deleteMany(ctx context.Context, keys []string) error {
	return b.w.EventualBatch.DeleteMany(ctx, b.b, keys)
}

// Rule 6 in (a): compare-and-swap(old, new) on u64 counters.

var earlyCASCases = []tcase{
	{"MatchSwaps", testCAS64Match},
	{"MismatchIsFalse", testCAS64Mismatch},
	{"MissingKeyIsFalse", testCAS64Missing},
	{"NotACounterIsFalse", testCAS64NotCounter},
	{"AfterIncrementAndAtTheLimits", testCAS64Increment},
	{"ConcurrentRetryLoops", testCAS64Concurrent},
	{"KeyOverLimit", testCAS64Errors},
}

func earlyEnv(t *testing.T, f *family) (*env, earlyBucket) {
	t.Helper()
	e, b := f.bucketEnv(t)
	return e, b.(earlyBucket)
}

// cas64 calls compare-and-swap and fails unless it returns want.
func (e *env) cas64(b earlyBucket, key string, old, new uint64, want bool) {
	e.t.Helper()
	got, err := b.w.Atomic.CompareAndSwap(e.ctx, b.b, key, old, new)
	e.ok(fmt.Sprintf("compare-and-swap(%s, %d, %d)", q(key), old, new), err)
	if got != want {
		e.t.Fatalf("%s: compare-and-swap(%s, %d, %d) = %v, want %v", e.f.name, q(key), old, new, got, want)
	}
}

func testCAS64Match(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	e.set(b, "n", []byte("5"))
	e.cas64(b, "n", 5, 7, true)
	e.wantValue(b, "n", []byte("7"))
	e.cas64(b, "n", 7, 0, true)
	e.wantValue(b, "n", []byte("0"))
	e.cas64(b, "n", 0, 0, true)
	e.wantValue(b, "n", []byte("0"))
}

func testCAS64Mismatch(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	e.set(b, "n", []byte("7"))
	e.cas64(b, "n", 5, 9, false)
	e.wantValue(b, "n", []byte("7"))
	e.cas64(b, "n", 8, 9, false)
	e.cas64(b, "n", 6, 9, false)
	e.wantValue(b, "n", []byte("7"))
}

func testCAS64Missing(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	e.cas64(b, "missing", 0, 1, false) // a missing key is not 0 here
	e.cas64(b, "missing", 5, 1, false)
	e.wantAbsent(b, "missing")
	e.set(b, "gone", []byte("3"))
	e.del(b, "gone")
	e.cas64(b, "gone", 3, 4, false)
	e.wantAbsent(b, "gone")
}

func testCAS64NotCounter(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	for _, v := range []string{"abc", "", "1.0", " 1", "-1", "0x1"} {
		e.set(b, "n", []byte(v))
		e.cas64(b, "n", 0, 9, false)
		e.cas64(b, "n", 1, 9, false)
		e.wantValue(b, "n", []byte(v))
	}
}

func testCAS64Increment(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	if got := e.incr(b, "n", "3"); got != "3" {
		t.Fatalf("%s: increment(n, 3) on an absent key = %s, want 3", f.name, got)
	}
	e.cas64(b, "n", 3, 10, true)
	if got := e.incr(b, "n", "1"); got != "11" {
		t.Fatalf("%s: increment(n, 1) after compare-and-swap(n, 3, 10) = %s, want 11", f.name, got)
	}
	e.cas64(b, "n", 11, math.MaxUint64, true)
	e.wantValue(b, "n", []byte(strconv.FormatUint(math.MaxUint64, 10)))
	e.cas64(b, "n", math.MaxUint64, 0, true)
	e.wantValue(b, "n", []byte("0"))
}

func testCAS64Concurrent(t *testing.T, f *family) {
	const goroutines, each = 4, 25
	e, b := earlyEnv(t, f)
	e.set(b, "n", []byte("0"))
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = casAddOne(e, b, each)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
	}
	e.wantValue(b, "n", []byte(strconv.Itoa(goroutines*each)))
}

// casAddOne adds 1 to counter n, times times, with get and
// compare-and-swap retry loops.
func casAddOne(e *env, b earlyBucket, times int) error {
	for range times {
		for attempt := 0; ; attempt++ {
			if attempt > 10000 {
				return errors.New("a compare-and-swap retry loop made no progress in 10000 attempts")
			}
			v, ok, err := b.get(e.ctx, "n")
			if err != nil || !ok {
				return fmt.Errorf("get(n) = %s, %v; want a counter", e.errText(err), ok)
			}
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil {
				return fmt.Errorf("get(n) = %q, not a counter", v)
			}
			swapped, err := b.w.Atomic.CompareAndSwap(e.ctx, b.b, "n", n, n+1)
			if err != nil {
				return fmt.Errorf("compare-and-swap(n, %d, %d): %s", n, n+1, e.errText(err))
			}
			if swapped {
				break
			}
		}
	}
	return nil
}

func testCAS64Errors(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	long := strings.Repeat("x", KeyLimit+1)
	_, err := b.w.Atomic.CompareAndSwap(e.ctx, b.b, long, 0, 1)
	e.wantErr("compare-and-swap(key of KeyLimit+1 bytes, 0, 1)", err, otherError, keyLimitText)
}

// Rule 8: value resources.

var valueResourceCases = []tcase{
	{"OutgoingSyncWrite", testOutgoingSync},
	{"OutgoingOutputStream", testOutgoingStream},
	{"OutgoingCollectsAndSetStoresASnapshot", testOutgoingSnapshot},
	{"OneOutgoingValueManyKeys", testOutgoingManyKeys},
	{"IncomingSyncConsumeAndSize", testIncomingSync},
	{"IncomingInputStreamBlockingRead", testIncomingStreamBlocking},
	{"IncomingInputStreamRead", testIncomingStreamRead},
	{"IncomingInputStreamOfEmptyValue", testIncomingStreamEmpty},
	{"StreamSkipPollSpliceZeroesAndErrors", testStreamOperations},
}

func (e *env) newOutgoing(b earlyBucket) types.OutgoingValue {
	e.t.Helper()
	out, err := b.w.Types.OutgoingValueNewOutgoingValue(e.ctx)
	e.ok("outgoing-value.new-outgoing-value", err)
	if out == nil {
		e.t.Fatalf("%s: new-outgoing-value returned nil", e.f.name)
	}
	return out
}

func (e *env) setOutgoing(b earlyBucket, key string, out types.OutgoingValue) {
	e.t.Helper()
	e.ok(fmt.Sprintf("set(%s, outgoing-value)", q(key)), b.w.Eventual.Set(e.ctx, b.b, key, out))
}

// incoming gets key, which must be present, as an incoming value.
func (e *env) incoming(b earlyBucket, key string) types.IncomingValue {
	e.t.Helper()
	in, ok, err := b.w.Eventual.Get(e.ctx, b.b, key)
	e.ok(fmt.Sprintf("get(%s)", q(key)), err)
	if !ok || in == nil {
		e.t.Fatalf("%s: get(%s) = none, want an incoming value", e.f.name, q(key))
	}
	return in
}

func (e *env) wantSize(in types.IncomingValue, key string, want int) {
	e.t.Helper()
	n, err := in.IncomingValueSize(e.ctx)
	e.ok(fmt.Sprintf("incoming-value-size of %s", q(key)), err)
	if n != uint64(want) {
		e.t.Fatalf("%s: incoming-value-size of %s = %d, want %d", e.f.name, q(key), n, want)
	}
}

func (e *env) outputStream(out types.OutgoingValue) streams.OutputStream {
	e.t.Helper()
	s, err := out.OutgoingValueWriteBodyAsync(e.ctx)
	e.ok("outgoing-value-write-body-async", err)
	if s == nil {
		e.t.Fatalf("%s: outgoing-value-write-body-async returned a nil stream", e.f.name)
	}
	return s
}

// writeStream writes p to s: blocking-write-and-flush in chunks of at most
// 4096 bytes (the limit wasi:io sets for it) for the first half, then
// check-write, write and blocking-flush for the rest.
func (e *env) writeStream(s streams.OutputStream, p []byte) {
	e.t.Helper()
	half := len(p) / 2
	for i := 0; i < half; i += 4096 {
		chunk := p[i:min(i+4096, half)]
		e.ok(fmt.Sprintf("output-stream.blocking-write-and-flush(%d bytes)", len(chunk)), s.BlockingWriteAndFlush(e.ctx, chunk))
	}
	for rest := p[half:]; len(rest) > 0; {
		n, err := s.CheckWrite(e.ctx)
		e.ok("output-stream.check-write", err)
		if n == 0 {
			e.ok("output-stream.blocking-flush", s.BlockingFlush(e.ctx))
			continue
		}
		chunk := rest[:min(uint64(len(rest)), n, 4096)]
		e.ok(fmt.Sprintf("output-stream.write(%d bytes)", len(chunk)), s.Write(e.ctx, chunk))
		rest = rest[len(chunk):]
	}
	e.ok("output-stream.blocking-flush", s.BlockingFlush(e.ctx))
}

func testOutgoingSync(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	for _, v := range [][]byte{[]byte("hello"), {}, {0x00, 0xff}, randomBytes(100_000, 7)} {
		buf := bytes.Clone(v)
		out := e.newOutgoing(b)
		e.ok("outgoing-value-write-body-sync", out.OutgoingValueWriteBodySync(e.ctx, buf))
		for i := range buf { // the outgoing value holds the bytes written, not buf
			buf[i] ^= 0xff
		}
		e.setOutgoing(b, "k", out)
		e.wantValue(b, "k", v)
		e.wantSize(e.incoming(b, "k"), "k", len(v))
	}
}

func testOutgoingStream(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	v := randomBytes(3*4096+1234, 8)
	out := e.newOutgoing(b)
	e.writeStream(e.outputStream(out), v)
	e.setOutgoing(b, "k", out)
	e.wantValue(b, "k", v)

	// Nothing written: the empty value.
	out = e.newOutgoing(b)
	e.outputStream(out)
	e.setOutgoing(b, "empty", out)
	e.wantValue(b, "empty", []byte{})
}

func testOutgoingSnapshot(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	out := e.newOutgoing(b)
	s := e.outputStream(out)
	e.writeStream(s, []byte("abc"))
	e.setOutgoing(b, "first", out)
	e.writeStream(s, []byte("def"))
	e.setOutgoing(b, "second", out)
	e.wantValue(b, "first", []byte("abc"))
	e.wantValue(b, "second", []byte("abcdef"))
}

func testOutgoingManyKeys(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	out := e.newOutgoing(b)
	e.ok("outgoing-value-write-body-sync", out.OutgoingValueWriteBodySync(e.ctx, []byte("shared")))
	e.setOutgoing(b, "a", out)
	e.setOutgoing(b, "b", out)
	kv := []cm.Tuple2[types.Key, types.OutgoingValue]{{F0: "c", F1: out}, {F0: "d", F1: out}}
	e.ok("set-many([c d]) with one outgoing value", b.w.EventualBatch.SetMany(e.ctx, b.b, kv))
	for _, k := range []string{"a", "b", "c", "d"} {
		e.wantValue(b, k, []byte("shared"))
	}
}

func testIncomingSync(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	for _, v := range [][]byte{{}, []byte("x"), randomBytes(1<<20, 9)} {
		e.set(b, "k", v)
		in := e.incoming(b, "k")
		e.wantSize(in, "k", len(v))
		e.wantSize(in, "k", len(v)) // size does not consume
		got, err := b.w.Types.IncomingValueIncomingValueConsumeSync(e.ctx, in)
		e.ok("incoming-value-consume-sync", err)
		if got == nil || !bytes.Equal(got, v) {
			t.Fatalf("%s: incoming-value-consume-sync = %s, want %s", f.name, short(got), short(v))
		}
	}
}

func (e *env) inputStream(b earlyBucket, key string) streams.InputStream {
	e.t.Helper()
	s, err := b.w.Types.IncomingValueIncomingValueConsumeAsync(e.ctx, e.incoming(b, key))
	e.ok("incoming-value-consume-async", err)
	if s == nil {
		e.t.Fatalf("%s: incoming-value-consume-async returned a nil stream", e.f.name)
	}
	return s
}

// wantClosed fails unless err is the stream error closed.
func (e *env) wantClosed(op string, p []byte, err error) {
	e.t.Helper()
	if !errors.Is(err, streams.ErrClosed) {
		e.t.Fatalf("%s: %s after the last byte = %s, %v; want the stream error closed", e.f.name, op, short(p), err)
	}
}

func testIncomingStreamBlocking(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	v := randomBytes(70_000, 10)
	e.set(b, "k", v)
	s := e.inputStream(b, "k")
	var got []byte
	for len(got) < len(v) {
		p, err := s.BlockingRead(e.ctx, 4096)
		if err != nil {
			t.Fatalf("%s: input-stream.blocking-read(4096) after %d of %d bytes: %v", f.name, len(got), len(v), err)
		}
		if len(p) == 0 || len(p) > 4096 {
			t.Fatalf("%s: input-stream.blocking-read(4096) returned %d bytes, want 1 to 4096", f.name, len(p))
		}
		got = append(got, p...)
	}
	if !bytes.Equal(got, v) {
		t.Fatalf("%s: the input stream yielded %s, want %s", f.name, short(got), short(v))
	}
	p, err := s.BlockingRead(e.ctx, 4096)
	e.wantClosed("input-stream.blocking-read", p, err)
	p, err = s.BlockingRead(e.ctx, 1)
	e.wantClosed("a second input-stream.blocking-read", p, err)
}

func testIncomingStreamRead(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	v := randomBytes(100_000, 11)
	e.set(b, "k", v)
	s := e.inputStream(b, "k")
	var got []byte
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatalf("%s: input-stream.read returned no end after %d calls and %d of %d bytes", f.name, i, len(got), len(v))
		}
		p, err := s.Read(e.ctx, 1<<16)
		if err != nil {
			if len(got) != len(v) {
				t.Fatalf("%s: input-stream.read(65536) after %d of %d bytes: %v", f.name, len(got), len(v), err)
			}
			e.wantClosed("input-stream.read", p, err)
			break
		}
		if len(p) > 1<<16 {
			t.Fatalf("%s: input-stream.read(65536) returned %d bytes", f.name, len(p))
		}
		got = append(got, p...)
	}
	if !bytes.Equal(got, v) {
		t.Fatalf("%s: the input stream yielded %s, want %s", f.name, short(got), short(v))
	}
}

func testIncomingStreamEmpty(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	e.set(b, "empty", nil)
	in := e.incoming(b, "empty")
	e.wantSize(in, "empty", 0)
	s, err := b.w.Types.IncomingValueIncomingValueConsumeAsync(e.ctx, in)
	e.ok("incoming-value-consume-async", err)
	p, err := s.BlockingRead(e.ctx, 4096)
	e.wantClosed("input-stream.blocking-read of the empty value", p, err)
}

// testStreamOperations covers the rest of wasi:io as the value resources use
// it: skipping, pollables and poll, write-zeroes and flush, splicing an input
// stream into an output stream, and the error of a failed write.
func testStreamOperations(t *testing.T, f *family) {
	e, b := earlyEnv(t, f)
	v := randomBytes(10_000, 12)
	e.set(b, "k", v)
	in := e.inputStream(b, "k")
	n, err := in.Skip(e.ctx, 100)
	e.ok("input-stream.skip(100)", err)
	m, err := in.BlockingSkip(e.ctx, 900)
	e.ok("input-stream.blocking-skip(900)", err)
	if n+m != 1000 || n == 0 || m == 0 {
		t.Fatalf("%s: skip(100), blocking-skip(900) skipped %d and %d bytes, want 100 and 900", f.name, n, m)
	}
	p, err := in.BlockingRead(e.ctx, 10)
	e.ok("input-stream.blocking-read(10)", err)
	if !bytes.Equal(p, v[1000:1010]) {
		t.Fatalf("%s: read after skipping 1000 bytes = %s, want %s", f.name, short(p), short(v[1000:1010]))
	}

	out := e.newOutgoing(b)
	os := e.outputStream(out)
	pin, err := in.Subscribe(e.ctx)
	e.ok("input-stream.subscribe", err)
	pout, err := os.Subscribe(e.ctx)
	e.ok("output-stream.subscribe", err)
	for i, pl := range []poll.Pollable{pin, pout} {
		ready, err := pl.Ready(e.ctx)
		e.ok("pollable.ready", err)
		if !ready {
			t.Fatalf("%s: pollable %d of an in-memory stream is not ready", f.name, i)
		}
		e.ok("pollable.block", pl.Block(e.ctx))
	}
	idx, err := b.w.Poll.Poll(e.ctx, []poll.Pollable{pin, pout})
	e.ok("poll([input, output])", err)
	if len(idx) == 0 || len(idx) > 2 || idx[0] > 1 || len(idx) == 2 && idx[1] != 1 {
		t.Fatalf("%s: poll of two ready pollables = %v, want ascending indices among [0 1]", f.name, idx)
	}

	e.ok("output-stream.write-zeroes(3)", os.WriteZeroes(e.ctx, 3))
	e.ok("output-stream.flush", os.Flush(e.ctx))
	e.ok("output-stream.blocking-write-zeroes-and-flush(2)", os.BlockingWriteZeroesAndFlush(e.ctx, 2))
	s1, err := os.Splice(e.ctx, in, 5)
	e.ok("output-stream.splice(input, 5)", err)
	s2, err := os.BlockingSplice(e.ctx, in, 5)
	e.ok("output-stream.blocking-splice(input, 5)", err)
	if s1 == 0 || s2 == 0 || s1 > 5 || s2 > 5 {
		t.Fatalf("%s: splice moved %d and %d bytes, want 1 to 5 each", f.name, s1, s2)
	}
	e.ok("output-stream.blocking-flush", os.BlockingFlush(e.ctx))
	e.setOutgoing(b, "spliced", out)
	want := append(make([]byte, 5), v[1010:1010+s1+s2]...)
	e.wantValue(b, "spliced", want)

	// Writing past the value limit fails with last-operation-failed, whose
	// error names the limit.
	big := e.outputStream(e.newOutgoing(b))
	err = big.BlockingWriteZeroesAndFlush(e.ctx, ValueLimit+1)
	var se streams.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("%s: writing ValueLimit+1 bytes = %v, want a stream error", f.name, err)
	}
	ioErr, ok := se.LastOperationFailed()
	if !ok || ioErr == nil {
		t.Fatalf("%s: writing ValueLimit+1 bytes = %v, want last-operation-failed", f.name, se)
	}
	msg, err := ioErr.ToDebugString(e.ctx)
	e.ok("error.to-debug-string", err)
	if !strings.Contains(msg, valueLimitText) {
		t.Fatalf("%s: the error of a write over the limit says %q, want the limit %s", f.name, msg, valueLimitText)
	}
}
