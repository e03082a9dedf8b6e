package kvbackend_test

// Smoke tests of the generated backends of the five keyvalue families in
// ../../generated: every recognized function is called at least once, in
// process, on the memory engine. The conformance suite (kvtest) checks the
// semantics in depth; these tests check the adapter.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"math"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wrpc"

	ea "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/io/v0.2.0/poll"
	estreams "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/io/v0.2.0/streams"
	eimports "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	ebackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	etypes "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/types"
	eerror "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/wasi-keyvalue-error"

	bbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports/backend"
	bstore "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/store"

	catomics "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/atomics"
	cimports "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	cbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	cstore "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"

	dbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports/backend"
	dserverbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/server/backend"
	dstore "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/store"

	wcas "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/cas"
	wimports "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports"
	wbackend "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports/backend"
	wtypes "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/types"
)

// must fails the test if err is not nil.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// panicEngine opens buckets whose every method panics (a nil embedded
// interface), to check that a panic becomes "other".
type panicEngine struct{}

type panicBucket struct{ engine.Bucket }

func (panicEngine) Open(context.Context, string) (engine.Bucket, error) { return panicBucket{}, nil }

// quietLog silences the log lines of recovered panics during a test.
func quietLog(t *testing.T) {
	w := log.Writer()
	log.SetOutput(io.Discard)
	t.Cleanup(func() { log.SetOutput(w) })
}

// storeOther returns the message of an other error of the store.error
// variant E (the three variant families share the shape).
func storeOther[E interface {
	error
	Other() (string, bool)
}](t *testing.T, err error) string {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a store error", err, err)
	}
	msg, ok := e.Other()
	if !ok {
		t.Fatalf("error %v is not other", err)
	}
	return msg
}

func TestDraft2(t *testing.T) {
	ctx := context.Background()
	w := cbackend.New(memory.New(engine.Buckets("b"), engine.PageSize(2)))

	if _, err := w.Store.Open(ctx, "unknown"); !errors.Is(err, cstore.ErrNoSuchStore) {
		t.Fatalf("open unknown: %v, want no-such-store", err)
	}
	b, err := w.Store.Open(ctx, "b")
	must(t, err)
	b2, err := w.Store.Open(ctx, "b")
	must(t, err)

	// get, set, exists, delete; an empty value exists.
	must(t, b.Set(ctx, "k", []byte{0, 0xff}))
	if v, ok, err := b2.Get(ctx, "k"); err != nil || !ok || !bytes.Equal(v, []byte{0, 0xff}) {
		t.Fatalf("get k through a second handle = %v %v %v", v, ok, err)
	}
	must(t, b.Set(ctx, "empty", []byte{}))
	if v, ok, err := b.Get(ctx, "empty"); err != nil || !ok || v == nil || len(v) != 0 {
		t.Fatalf("get of an empty value = %#v %v %v, want some([])", v, ok, err)
	}
	if ok, err := b.Exists(ctx, "empty"); err != nil || !ok {
		t.Fatalf("exists empty = %v %v", ok, err)
	}
	if _, ok, err := b.Get(ctx, "missing"); err != nil || ok {
		t.Fatalf("get missing = %v %v", ok, err)
	}
	must(t, b.Delete(ctx, "missing"))
	must(t, b.Delete(ctx, "k"))
	if ok, err := b.Exists(ctx, "k"); err != nil || ok {
		t.Fatalf("exists after delete = %v %v", ok, err)
	}
	// Over a limit: other, naming it.
	if err := b.Set(ctx, strings.Repeat("k", engine.DefaultMaxKeyBytes+1), nil); !strings.Contains(storeOther[cstore.Error](t, err), "MaxKeyBytes") {
		t.Errorf("long key: %v", err)
	}

	// list-keys with a string cursor, pages of 2.
	for _, k := range []string{"a", "c", "d", "e"} {
		must(t, b.Set(ctx, k, nil))
	}
	var all []string
	var cursor *string
	for pages := 0; ; pages++ {
		r, err := b.ListKeys(ctx, cursor)
		must(t, err)
		all = append(all, r.Keys...)
		if r.Cursor == nil {
			break
		}
		if pages > 5 {
			t.Fatal("list-keys does not end")
		}
		cursor = r.Cursor
	}
	if want := []string{"a", "c", "d", "e", "empty"}; !slices.Equal(all, want) {
		t.Errorf("list-keys walk = %q, want %q", all, want)
	}

	// increment: s64, negative deltas, overflow is other and changes nothing.
	if n, err := w.Atomics.Increment(ctx, b, "n", 5); err != nil || n != 5 {
		t.Fatalf("increment = %d %v", n, err)
	}
	if n, err := w.Atomics.Increment(ctx, b, "n", -7); err != nil || n != -2 {
		t.Fatalf("increment -7 = %d %v", n, err)
	}
	must(t, b.Set(ctx, "max", []byte("9223372036854775807")))
	if _, err := w.Atomics.Increment(ctx, b, "max", 1); !strings.Contains(storeOther[cstore.Error](t, err), "overflow") {
		t.Errorf("increment overflow: %v", err)
	}
	if v, _, _ := b.Get(ctx, "max"); string(v) != "9223372036854775807" {
		t.Errorf("overflowing increment changed the value to %q", v)
	}

	// CAS: a concurrent set makes swap fail with a new CAS; the retry works.
	must(t, b.Set(ctx, "c", []byte("x")))
	cas, err := w.Atomics.CasNew(ctx, b, "c")
	must(t, err)
	if v, ok, err := cas.Current(ctx); err != nil || !ok || string(v) != "x" {
		t.Fatalf("current = %q %v %v", v, ok, err)
	}
	must(t, b2.Set(ctx, "c", []byte("y")))
	err = w.Atomics.Swap(ctx, cas, []byte("z"))
	var ce catomics.CasError
	if !errors.As(err, &ce) {
		t.Fatalf("swap after a concurrent set = %v, want cas-failed", err)
	}
	retry, ok := ce.CasFailed()
	if !ok || retry == nil {
		t.Fatalf("swap error %v is not cas-failed", err)
	}
	if v, _, _ := retry.Current(ctx); string(v) != "y" {
		t.Errorf("current of the returned cas = %q, want y", v)
	}
	must(t, w.Atomics.Swap(ctx, retry, []byte("z")))
	if v, _, _ := b.Get(ctx, "c"); string(v) != "z" {
		t.Errorf("after the retried swap, c = %q", v)
	}

	// Batches.
	must(t, w.Batch.SetMany(ctx, b, []cm.Tuple2[string, []byte]{{F0: "m1", F1: []byte("1")}, {F0: "m2", F1: []byte{}}, {F0: "m1", F1: []byte("3")}}))
	got, err := w.Batch.GetMany(ctx, b, []string{"m1", "missing", "m2"})
	must(t, err)
	if len(got) != 3 || got[0] == nil || string(got[0].F1) != "3" || got[1] != nil || got[2] == nil || got[2].F1 == nil {
		t.Errorf("get-many = %+v", got)
	}
	must(t, w.Batch.DeleteMany(ctx, b, []string{"m1", "m2", "missing"}))
	if ok, _ := b.Exists(ctx, "m1"); ok {
		t.Error("m1 exists after delete-many")
	}

	// The bucket handle is stateless: the store implementation resolves it.
	r, ok := w.Store.(wrpc.HandleResolver)
	if !ok {
		t.Fatal("store implementation is not a wrpc.HandleResolver")
	}
	h := b.(wrpc.Resource).WRPCHandle()
	if string(h) != "b" {
		t.Errorf("bucket handle = %q, want the identifier", h)
	}
	v, err := r.ResolveHandle(ctx, cstore.Instance, "bucket", h)
	must(t, err)
	if got, _, _ := v.(cstore.Bucket).Get(ctx, "c"); string(got) != "z" {
		t.Errorf("get through a resolved handle = %q", got)
	}

	// A panic in the engine is other.
	quietLog(t)
	pb, err := cbackend.New(panicEngine{}).Store.Open(ctx, "b")
	must(t, err)
	_, _, err = pb.Get(ctx, "k")
	if msg := storeOther[cstore.Error](t, err); !strings.Contains(msg, "internal error") {
		t.Errorf("panic: other(%q)", msg)
	}
}

func TestDraft(t *testing.T) {
	ctx := context.Background()
	w := bbackend.New(memory.New(engine.Buckets("b"), engine.PageSize(2)))
	if _, err := w.Store.Open(ctx, "nope"); !errors.Is(err, bstore.ErrNoSuchStore) {
		t.Fatalf("open unknown: %v", err)
	}
	b, err := w.Store.Open(ctx, "b")
	must(t, err)
	must(t, b.Set(ctx, "e", nil))
	if v, ok, err := b.Get(ctx, "e"); err != nil || !ok || v == nil {
		t.Fatalf("empty value: %#v %v %v", v, ok, err)
	}
	if ok, err := b.Exists(ctx, "e"); err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
	must(t, b.Delete(ctx, "e"))
	must(t, b.Delete(ctx, "e"))

	// list-keys with a u64 offset cursor.
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		must(t, b.Set(ctx, k, []byte(k)))
	}
	var all []string
	var cursor *uint64
	for {
		r, err := b.ListKeys(ctx, cursor)
		must(t, err)
		all = append(all, r.Keys...)
		if r.Cursor == nil {
			break
		}
		cursor = r.Cursor
	}
	if !slices.Equal(all, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("walk = %q", all)
	}
	past := uint64(100)
	if r, err := b.ListKeys(ctx, &past); err != nil || len(r.Keys) != 0 || r.Cursor != nil {
		t.Errorf("cursor past the end = %+v %v", r, err)
	}

	if n, err := w.Atomics.Increment(ctx, b, "n", math.MaxUint64); err != nil || n != math.MaxUint64 {
		t.Fatalf("increment = %d %v", n, err)
	}
	if _, err := w.Atomics.Increment(ctx, b, "n", 1); !strings.Contains(storeOther[bstore.Error](t, err), "overflow") {
		t.Errorf("overflow: %v", err)
	}
	if _, err := w.Atomics.Increment(ctx, b, "a", 1); err == nil {
		t.Error("increment of a non-number succeeded")
	}

	must(t, w.Batch.SetMany(ctx, b, []cm.Tuple2[string, []byte]{{F0: "x", F1: []byte("1")}}))
	got, err := w.Batch.GetMany(ctx, b, []string{"missing", "x"})
	must(t, err)
	if len(got) != 2 || got[0] != nil || string(got[1].F1) != "1" {
		t.Errorf("get-many = %+v", got)
	}
	must(t, w.Batch.DeleteMany(ctx, b, []string{"x"}))

	quietLog(t)
	pb, err := bbackend.New(panicEngine{}).Store.Open(ctx, "b")
	must(t, err)
	if err := pb.Set(ctx, "k", nil); !strings.Contains(storeOther[bstore.Error](t, err), "internal error") {
		t.Errorf("panic: %v", err)
	}
}

func TestWasmcloud(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	w := wbackend.New(memory.New(engine.Buckets("b"), engine.PageSize(2), engine.Clock(func() time.Time { return now })))
	if _, err := w.Store.Open(ctx, "nope"); !errors.Is(err, wtypes.ErrNoSuchStore) {
		t.Fatalf("open unknown: %v", err)
	}
	b, err := w.Store.Open(ctx, "b")
	must(t, err)

	// set: no options, a TTL, if-not-exists.
	must(t, b.Set(ctx, "k", []byte("v"), nil))
	ttl := uint64(1000)
	must(t, b.Set(ctx, "t", []byte("brief"), &wtypes.SetOptions{TTLMs: &ttl}))
	if err := b.Set(ctx, "k", []byte("w"), &wtypes.SetOptions{IfNotExists: true}); !errors.Is(err, wtypes.ErrPreconditionFailed) {
		t.Fatalf("set if-not-exists on a present key: %v, want precondition-failed", err)
	}
	zero := uint64(0)
	if err := b.Set(ctx, "z", nil, &wtypes.SetOptions{TTLMs: &zero}); !errors.Is(err, wtypes.ErrInvalidArgument) {
		t.Fatalf("set with ttl-ms 0: %v, want invalid-argument", err)
	}
	if v, ok, err := b.Get(ctx, "t"); err != nil || !ok || string(v) != "brief" {
		t.Fatalf("get t before its expiry = %q %v %v", v, ok, err)
	}
	now = now.Add(time.Second)
	if ok, err := b.Exists(ctx, "t"); err != nil || ok {
		t.Fatalf("exists t after its expiry = %v %v", ok, err)
	}
	must(t, b.Delete(ctx, "k"))

	// list-keys with a prefix and a cursor.
	for _, k := range []string{"a/1", "a/2", "a/3", "b/1"} {
		must(t, b.Set(ctx, k, nil, nil))
	}
	prefix := "a/"
	var all []string
	var cursor *string
	for {
		r, err := b.ListKeys(ctx, &prefix, cursor)
		must(t, err)
		all = append(all, r.Keys...)
		if r.Cursor == nil {
			break
		}
		cursor = r.Cursor
	}
	if !slices.Equal(all, []string{"a/1", "a/2", "a/3"}) {
		t.Errorf("walk with prefix a/ = %q", all)
	}
	bad := "b/1"
	if _, err := b.ListKeys(ctx, &prefix, &bad); !errors.Is(err, wtypes.ErrInvalidArgument) {
		t.Errorf("cursor outside the prefix: %v, want invalid-argument", err)
	}
	if r, err := b.ListKeys(ctx, nil, nil); err != nil || len(r.Keys) != 2 || r.Cursor == nil {
		t.Errorf("first page without a prefix = %+v %v", r, err)
	}

	// increment, cas.
	if n, err := w.Atomics.Increment(ctx, b, "n", -5); err != nil || n != -5 {
		t.Fatalf("increment = %d %v", n, err)
	}
	e, ok, err := w.Cas.Current(ctx, b, "n")
	if err != nil || !ok || string(e.Value) != "-5" || e.Version == "" {
		t.Fatalf("current = %+v %v %v", e, ok, err)
	}
	if _, ok, err := w.Cas.Current(ctx, b, "missing"); err != nil || ok {
		t.Fatalf("current of a missing key = %v %v", ok, err)
	}
	r, err := w.Cas.Swap(ctx, b, "n", []byte("7"), wcas.CasOptions{RequireVersion: &e.Version})
	if err != nil || r.Case() != wcas.CasResultCaseSwapped {
		t.Fatalf("swap with the current version = %v %v", r, err)
	}
	r, err = w.Cas.Swap(ctx, b, "n", []byte("8"), wcas.CasOptions{RequireVersion: &e.Version})
	if cur, stale := r.Stale(); err != nil || !stale || cur == nil || string(cur.Value) != "7" {
		t.Fatalf("swap with a stale version = %v %v", r, err)
	}
	if _, err := w.Cas.Swap(ctx, b, "n", []byte("9"), wcas.CasOptions{}); !errors.Is(err, wtypes.ErrInvalidArgument) {
		t.Fatalf("swap without a precondition: %v, want invalid-argument", err)
	}

	must(t, w.Batch.SetMany(ctx, b, []cm.Tuple2[string, []byte]{{F0: "x", F1: []byte("1")}}))
	got, err := w.Batch.GetMany(ctx, b, []string{"missing", "x"})
	must(t, err)
	if len(got) != 2 || got[0] != nil || string(got[1].F1) != "1" {
		t.Errorf("get-many = %+v", got)
	}
	must(t, w.Batch.DeleteMany(ctx, b, []string{"x"}))
	if _, err := w.Atomics.Increment(ctx, b, "a/1", 1); !strings.Contains(storeOther[wtypes.Error](t, err), "not the decimal text") {
		t.Errorf("increment of an empty value: %v", err)
	}

	quietLog(t)
	pb, err := wbackend.New(panicEngine{}).Store.Open(ctx, "b")
	must(t, err)
	if err := pb.Set(ctx, "k", nil, nil); !strings.Contains(storeOther[wtypes.Error](t, err), "internal error") {
		t.Errorf("panic: %v", err)
	}
}

func TestWRPC(t *testing.T) {
	ctx := context.Background()
	e := memory.New(engine.Buckets("b"), engine.PageSize(2))
	w := dbackend.New(e)
	if _, _, err := w.Store.Get(ctx, "nope", "k"); !errors.Is(err, dstore.ErrNoSuchStore) {
		t.Fatalf("get in an unknown bucket: %v", err)
	}
	must(t, w.Store.Set(ctx, "b", "k", []byte{}))
	if v, ok, err := w.Store.Get(ctx, "b", "k"); err != nil || !ok || v == nil {
		t.Fatalf("empty value: %#v %v %v", v, ok, err)
	}
	if ok, err := w.Store.Exists(ctx, "b", "k"); err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
	for _, k := range []string{"a", "c"} {
		must(t, w.Store.Set(ctx, "b", k, nil))
	}
	r, err := w.Store.ListKeys(ctx, "b", nil)
	must(t, err)
	if !slices.Equal(r.Keys, []string{"a", "c"}) || r.Cursor == nil || *r.Cursor != 2 {
		t.Fatalf("first page = %+v", r)
	}
	r, err = w.Store.ListKeys(ctx, "b", r.Cursor)
	must(t, err)
	if !slices.Equal(r.Keys, []string{"k"}) || r.Cursor != nil {
		t.Fatalf("second page = %+v", r)
	}
	must(t, w.Store.Delete(ctx, "b", "k"))
	if n, err := w.Atomics.Increment(ctx, "b", "n", 3); err != nil || n != 3 {
		t.Fatalf("increment = %d %v", n, err)
	}
	must(t, w.Batch.SetMany(ctx, "b", []cm.Tuple2[string, []byte]{{F0: "x", F1: []byte("1")}}))
	got, err := w.Batch.GetMany(ctx, "b", []string{"x", "y"})
	must(t, err)
	if len(got) != 2 || string(got[0].F1) != "1" || got[1] != nil {
		t.Errorf("get-many = %+v", got)
	}
	must(t, w.Batch.DeleteMany(ctx, "b", []string{"x"}))

	// The server world shares the engine.
	s := dserverbackend.New(e)
	if v, ok, err := s.Store.Get(ctx, "b", "n"); err != nil || !ok || string(v) != "3" {
		t.Errorf("server world get = %q %v %v", v, ok, err)
	}
	if n, err := s.Atomics.Increment(ctx, "b", "n", 1); err != nil || n != 4 {
		t.Errorf("server world increment = %d %v", n, err)
	}

	quietLog(t)
	if _, err := dbackend.New(panicEngine{}).Atomics.Increment(ctx, "b", "n", 1); !strings.Contains(storeOther[dstore.Error](t, err), "internal error") {
		t.Errorf("panic: %v", err)
	}
}

// earlyTrace returns the trace of an early-family error (an error
// resource), failing if err is not one.
func earlyTrace(t *testing.T, err error) string {
	t.Helper()
	var e cm.Err[eerror.Error]
	if !errors.As(err, &e) || e.Value == nil {
		t.Fatalf("error %v (%T) is not a wasi-keyvalue-error", err, err)
	}
	msg, err := e.Value.Trace(context.Background())
	must(t, err)
	return msg
}

// outgoing returns an outgoing value holding p, written synchronously.
func outgoing(t *testing.T, w eimports.World, p string) etypes.OutgoingValue {
	t.Helper()
	ov, err := w.Types.OutgoingValueNewOutgoingValue(context.Background())
	must(t, err)
	must(t, ov.OutgoingValueWriteBodySync(context.Background(), []byte(p)))
	return ov
}

func TestEarly(t *testing.T) {
	ctx := context.Background()
	w := ebackend.New(memory.New(engine.Buckets("b"), engine.MaxValueBytes(1<<20)))

	if _, err := w.Types.BucketOpenBucket(ctx, "nope"); !strings.Contains(earlyTrace(t, err), "no such store") {
		t.Errorf("open unknown: %v", err)
	}
	b, err := w.Types.BucketOpenBucket(ctx, "b")
	must(t, err)

	// An outgoing value written synchronously, set, read back synchronously.
	must(t, w.Eventual.Set(ctx, b, "k", outgoing(t, w, "hello")))
	iv, ok, err := w.Eventual.Get(ctx, b, "k")
	if err != nil || !ok {
		t.Fatalf("get k = %v %v", ok, err)
	}
	if n, err := iv.IncomingValueSize(ctx); err != nil || n != 5 {
		t.Errorf("size = %d %v", n, err)
	}
	if v, err := w.Types.IncomingValueIncomingValueConsumeSync(ctx, iv); err != nil || string(v) != "hello" {
		t.Errorf("consume-sync = %q %v", v, err)
	}

	// An outgoing value written through its output stream, then set.
	ov, err := w.Types.OutgoingValueNewOutgoingValue(ctx)
	must(t, err)
	out, err := ov.OutgoingValueWriteBodyAsync(ctx)
	must(t, err)
	if n, err := out.CheckWrite(ctx); err != nil || n != 1<<20 {
		t.Errorf("check-write = %d %v", n, err)
	}
	must(t, out.Write(ctx, []byte("ab")))
	must(t, out.BlockingWriteAndFlush(ctx, []byte("cd")))
	must(t, out.WriteZeroes(ctx, 1))
	must(t, out.BlockingWriteZeroesAndFlush(ctx, 1))
	must(t, out.Flush(ctx))
	must(t, out.BlockingFlush(ctx))
	p, err := out.Subscribe(ctx)
	must(t, err)
	if ready, err := p.Ready(ctx); err != nil || !ready {
		t.Errorf("ready = %v %v", ready, err)
	}
	must(t, p.Block(ctx))
	if got, err := w.Poll.Poll(ctx, []ea.Pollable{p, p}); err != nil || !slices.Equal(got, []uint32{0, 1}) {
		t.Errorf("poll = %v %v", got, err)
	}
	must(t, w.Eventual.Set(ctx, b, "s", ov))

	// Read back through an input stream, which ends with closed.
	iv, _, err = w.Eventual.Get(ctx, b, "s")
	must(t, err)
	in, err := w.Types.IncomingValueIncomingValueConsumeAsync(ctx, iv)
	must(t, err)
	if v, err := in.Read(ctx, 2); err != nil || string(v) != "ab" {
		t.Errorf("read = %q %v", v, err)
	}
	if n, err := in.Skip(ctx, 1); err != nil || n != 1 {
		t.Errorf("skip = %d %v", n, err)
	}
	if v, err := in.BlockingRead(ctx, 100); err != nil || string(v) != "d\x00\x00" {
		t.Errorf("blocking-read = %q %v", v, err)
	}
	if _, err := in.Read(ctx, 1); !errors.Is(err, estreams.ErrClosed) {
		t.Errorf("read at the end = %v, want closed", err)
	}
	if _, err := in.BlockingSkip(ctx, 1); !errors.Is(err, estreams.ErrClosed) {
		t.Errorf("blocking-skip at the end = %v, want closed", err)
	}
	if _, err := in.Subscribe(ctx); err != nil {
		t.Error(err)
	}

	// Splice an input stream into an output stream.
	iv, _, err = w.Eventual.Get(ctx, b, "k")
	must(t, err)
	in, err = w.Types.IncomingValueIncomingValueConsumeAsync(ctx, iv)
	must(t, err)
	ov, err = w.Types.OutgoingValueNewOutgoingValue(ctx)
	must(t, err)
	out, err = ov.OutgoingValueWriteBodyAsync(ctx)
	must(t, err)
	if n, err := out.Splice(ctx, in, 3); err != nil || n != 3 {
		t.Errorf("splice = %d %v", n, err)
	}
	if n, err := out.BlockingSplice(ctx, in, 10); err != nil || n != 2 {
		t.Errorf("blocking-splice = %d %v", n, err)
	}
	must(t, w.Eventual.Set(ctx, b, "spliced", ov))
	iv, _, _ = w.Eventual.Get(ctx, b, "spliced")
	if v, _ := w.Types.IncomingValueIncomingValueConsumeSync(ctx, iv); string(v) != "hello" {
		t.Errorf("spliced value = %q", v)
	}

	// Writing past the value limit fails with last-operation-failed.
	err = out.Write(ctx, make([]byte, 1<<20))
	var se estreams.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("write past the limit = %v", err)
	}
	ioErr, ok := se.LastOperationFailed()
	if !ok {
		t.Fatalf("write past the limit = %v, want last-operation-failed", err)
	}
	if msg, _ := ioErr.ToDebugString(ctx); !strings.Contains(msg, "MaxValueBytes") {
		t.Errorf("to-debug-string = %q", msg)
	}

	// An empty value exists.
	must(t, w.Eventual.Set(ctx, b, "empty", outgoing(t, w, "")))
	if ok, err := w.Eventual.Exists(ctx, b, "empty"); err != nil || !ok {
		t.Errorf("exists empty = %v %v", ok, err)
	}
	iv, ok, err = w.Eventual.Get(ctx, b, "empty")
	if err != nil || !ok {
		t.Fatalf("get empty = %v %v", ok, err)
	}
	if v, err := w.Types.IncomingValueIncomingValueConsumeSync(ctx, iv); err != nil || v == nil || len(v) != 0 {
		t.Errorf("empty value = %#v %v", v, err)
	}
	must(t, w.Eventual.Delete(ctx, b, "missing"))
	must(t, w.Eventual.Delete(ctx, b, "spliced"))

	// Atomics: u64 increments and compare-and-swap.
	if n, err := w.Atomic.Increment(ctx, b, "n", 5); err != nil || n != 5 {
		t.Fatalf("increment = %d %v", n, err)
	}
	if ok, err := w.Atomic.CompareAndSwap(ctx, b, "n", 5, 7); err != nil || !ok {
		t.Errorf("cas 5→7 = %v %v", ok, err)
	}
	if ok, err := w.Atomic.CompareAndSwap(ctx, b, "n", 5, 9); err != nil || ok {
		t.Errorf("cas 5→9 after 7 = %v %v", ok, err)
	}
	if _, err := w.Atomic.Increment(ctx, b, "n", math.MaxUint64); !strings.Contains(earlyTrace(t, err), "overflow") {
		t.Errorf("overflow: %v", err)
	}

	// Eventual batch.
	must(t, w.EventualBatch.SetMany(ctx, b, []cm.Tuple2[string, etypes.OutgoingValue]{{F0: "x", F1: outgoing(t, w, "1")}, {F0: "y", F1: outgoing(t, w, "2")}}))
	got, err := w.EventualBatch.GetMany(ctx, b, []string{"x", "missing", "y"})
	must(t, err)
	if len(got) != 3 || got[0] == nil || got[1] != nil || got[2] == nil {
		t.Fatalf("get-many = %v", got)
	}
	if v, _ := w.Types.IncomingValueIncomingValueConsumeSync(ctx, *got[2]); string(v) != "2" {
		t.Errorf("get-many y = %q", v)
	}
	keys, err := w.EventualBatch.Keys(ctx, b)
	must(t, err)
	if want := []string{"empty", "k", "n", "s", "x", "y"}; !slices.Equal(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	must(t, w.EventualBatch.DeleteMany(ctx, b, []string{"x", "y"}))

	quietLog(t)
	pb, err := ebackend.New(panicEngine{}).Types.BucketOpenBucket(ctx, "b")
	must(t, err)
	if _, err := ebackend.New(panicEngine{}).Eventual.Exists(ctx, pb, "k"); !strings.Contains(earlyTrace(t, err), "internal error") {
		t.Errorf("panic: %v", err)
	}
}

// serve serves w on a TCP listener and returns a client of it.
func serve(t *testing.T, register func(*wrpc.Server)) wrpc.Invoker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	s := wrpc.NewServer()
	register(s)
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return wrpc.DialTCP(l.Addr().String())
}

// Over the wire: stateless bucket handles, CAS handles in the server's
// table, and the early family's value resources in the server's table too.
func TestOverWRPC(t *testing.T) {
	ctx := context.Background()
	t.Run("draft2", func(t *testing.T) {
		e := memory.New(engine.Buckets("b"))
		w := cimports.NewClient(serve(t, func(s *wrpc.Server) { cimports.Register(s, cbackend.New(e)) }))
		b, err := w.Store.Open(ctx, "b")
		must(t, err)
		if h := b.(wrpc.Resource).WRPCHandle(); string(h) != "b" {
			t.Errorf("bucket handle on the wire = %q, want the identifier", h)
		}
		must(t, b.Set(ctx, "k", []byte{}))
		if v, ok, err := b.Get(ctx, "k"); err != nil || !ok || v == nil {
			t.Errorf("empty value over the wire = %#v %v %v", v, ok, err)
		}
		cas, err := w.Atomics.CasNew(ctx, b, "k")
		must(t, err)
		must(t, b.Set(ctx, "k", []byte("y")))
		err = w.Atomics.Swap(ctx, cas, []byte("z"))
		var ce catomics.CasError
		if !errors.As(err, &ce) {
			t.Fatalf("swap = %v, want cas-failed", err)
		}
		retry, _ := ce.CasFailed()
		must(t, w.Atomics.Swap(ctx, retry, []byte("z")))
		if _, err := w.Store.Open(ctx, "nope"); !errors.Is(err, cstore.ErrNoSuchStore) {
			t.Errorf("open unknown over the wire: %v", err)
		}
	})
	t.Run("wasmcloud", func(t *testing.T) {
		// The bucket is declared by types, an interface without
		// functions; the store implementation resolves its handles, so a
		// handle is the bucket's identifier and works on a server that
		// never issued it (a restart, another replica).
		e := memory.New(engine.Buckets("b"))
		w := wimports.NewClient(serve(t, func(s *wrpc.Server) { wimports.Register(s, wbackend.New(e)) }))
		b, err := w.Store.Open(ctx, "b")
		must(t, err)
		h := b.(wrpc.Resource).WRPCHandle()
		if string(h) != "b" {
			t.Errorf("bucket handle on the wire = %q, want the identifier", h)
		}
		must(t, b.Set(ctx, "k", []byte("v"), nil))
		other := serve(t, func(s *wrpc.Server) { wimports.Register(s, wbackend.New(e)) })
		again := wtypes.NewBucketClient(other, h)
		if v, ok, err := again.Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
			t.Errorf("get through a handle of another server = %q %v %v", v, ok, err)
		}
		if _, _, err := wtypes.NewBucketClient(other, []byte("nope")).Get(ctx, "k"); !errors.Is(err, wtypes.ErrNoSuchStore) {
			t.Errorf("get through the handle of an unknown bucket: %v", err)
		}
	})
	t.Run("wasmcloud quota", func(t *testing.T) {
		e := memory.New(engine.Buckets("b"), engine.MaxBytes(16))
		w := wimports.NewClient(serve(t, func(s *wrpc.Server) { wimports.Register(s, wbackend.New(e)) }))
		b, err := w.Store.Open(ctx, "b")
		must(t, err)
		must(t, b.Set(ctx, "k", []byte("0123456789"), nil))
		if err := b.Set(ctx, "k2", []byte("0123456789"), nil); !errors.Is(err, wtypes.ErrQuotaExceeded) {
			t.Errorf("a set over the engine's MaxBytes: %v, want quota-exceeded", err)
		}
	})
	t.Run("early", func(t *testing.T) {
		e := memory.New(engine.Buckets("b"))
		w := eimports.NewClient(serve(t, func(s *wrpc.Server) { eimports.Register(s, ebackend.New(e)) }))
		b, err := w.Types.BucketOpenBucket(ctx, "b")
		must(t, err)
		ov, err := w.Types.OutgoingValueNewOutgoingValue(ctx)
		must(t, err)
		out, err := ov.OutgoingValueWriteBodyAsync(ctx)
		must(t, err)
		must(t, out.BlockingWriteAndFlush(ctx, []byte("streamed")))
		must(t, w.Eventual.Set(ctx, b, "k", ov))
		iv, ok, err := w.Eventual.Get(ctx, b, "k")
		if err != nil || !ok {
			t.Fatalf("get = %v %v", ok, err)
		}
		if n, err := iv.IncomingValueSize(ctx); err != nil || n != 8 {
			t.Errorf("size = %d %v", n, err)
		}
		in, err := w.Types.IncomingValueIncomingValueConsumeAsync(ctx, iv)
		must(t, err)
		var got []byte
		for {
			chunk, err := in.BlockingRead(ctx, 3)
			if errors.Is(err, estreams.ErrClosed) {
				break
			}
			must(t, err)
			got = append(got, chunk...)
		}
		if string(got) != "streamed" {
			t.Errorf("streamed back %q", got)
		}
		// The incoming value was consumed: its handle is gone.
		if _, err := iv.IncomingValueSize(ctx); err == nil {
			t.Error("an incoming value still works after consume")
		}
		if _, err := w.Types.BucketOpenBucket(ctx, "nope"); !strings.Contains(earlyTrace(t, err), "no such store") {
			t.Errorf("open unknown over the wire: %v", err)
		}
	})
}
