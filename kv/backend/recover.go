package backend

import (
	"context"
	"fmt"
	"log"
	"runtime/debug"

	"github.com/witgo-dev/witgo/kv/engine"
)

// A PanicError is a panic recovered from an engine call. Its message says
// that the call panicked and shows the panic value; the stack went to the
// log when the panic was recovered.
type PanicError struct {
	Op    string // the engine call: "Engine.Open", "Bucket.Get", …
	Value any    // the value passed to panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error: the engine panicked in %s: %v", e.Op, e.Value)
}

// Recover returns e with every engine call guarded: Open, and every method
// of the buckets it opens. A call that panics returns a *PanicError instead
// (its other results are zero), after a log line (package log) that shows
// the panic and its stack. If e reports its options (an Options() method,
// like the memory and NATS engines), so does the result. Recover of an
// engine that Recover returned returns it unchanged.
func Recover(e engine.Engine) engine.Engine {
	switch e := e.(type) {
	case recoverEngine, recoverOptsEngine:
		return e
	case optionsEngine:
		return recoverOptsEngine{recoverEngine{e}, e}
	}
	return recoverEngine{e}
}

// optionsEngine is an engine that reports its options.
type optionsEngine interface {
	engine.Engine
	Options() engine.Options
}

// MaxValueBytes returns the engine's value limit: its Options().MaxValueBytes
// if it reports its options and the limit is set, else
// engine.DefaultMaxValueBytes.
func MaxValueBytes(e engine.Engine) int {
	if o, ok := e.(optionsEngine); ok && o.Options().MaxValueBytes > 0 {
		return o.Options().MaxValueBytes
	}
	return engine.DefaultMaxValueBytes
}

// recovered turns a recovered panic p of the engine call op into *err,
// logging it; it does nothing if p is nil. Callers defer it as
// defer func() { recovered(recover(), op, &err) }().
func recovered(p any, op string, err *error) {
	if p == nil {
		return
	}
	log.Printf("witgo keyvalue backend: panic in %s: %v\n%s", op, p, debug.Stack())
	*err = &PanicError{Op: op, Value: p}
}

type recoverEngine struct{ e engine.Engine }

type recoverOptsEngine struct {
	recoverEngine
	o optionsEngine
}

func (r recoverOptsEngine) Options() engine.Options { return r.o.Options() }

func (r recoverEngine) Open(ctx context.Context, name string) (_ engine.Bucket, err error) {
	defer func() { recovered(recover(), "Engine.Open", &err) }()
	b, err := r.e.Open(ctx, name)
	if err != nil || b == nil {
		return nil, err
	}
	return recoverBucket{b}, nil
}

// recoverBucket guards every method of b.
type recoverBucket struct{ b engine.Bucket }

func (r recoverBucket) Get(ctx context.Context, key string) (_ []byte, _ bool, err error) {
	defer func() { recovered(recover(), "Bucket.Get", &err) }()
	return r.b.Get(ctx, key)
}

func (r recoverBucket) Set(ctx context.Context, key string, value []byte) (err error) {
	defer func() { recovered(recover(), "Bucket.Set", &err) }()
	return r.b.Set(ctx, key, value)
}

func (r recoverBucket) SetWith(ctx context.Context, key string, value []byte, opts engine.SetOptions) (err error) {
	defer func() { recovered(recover(), "Bucket.SetWith", &err) }()
	return r.b.SetWith(ctx, key, value, opts)
}

func (r recoverBucket) Delete(ctx context.Context, key string) (err error) {
	defer func() { recovered(recover(), "Bucket.Delete", &err) }()
	return r.b.Delete(ctx, key)
}

func (r recoverBucket) Exists(ctx context.Context, key string) (_ bool, err error) {
	defer func() { recovered(recover(), "Bucket.Exists", &err) }()
	return r.b.Exists(ctx, key)
}

func (r recoverBucket) ListKeys(ctx context.Context, offset uint64) (_ []string, _ bool, err error) {
	defer func() { recovered(recover(), "Bucket.ListKeys", &err) }()
	return r.b.ListKeys(ctx, offset)
}

func (r recoverBucket) ListKeysAfter(ctx context.Context, after string) (_ []string, _ bool, err error) {
	defer func() { recovered(recover(), "Bucket.ListKeysAfter", &err) }()
	return r.b.ListKeysAfter(ctx, after)
}

func (r recoverBucket) ListPrefix(ctx context.Context, prefix string, after *string) (_ []string, _ bool, err error) {
	defer func() { recovered(recover(), "Bucket.ListPrefix", &err) }()
	return r.b.ListPrefix(ctx, prefix, after)
}

func (r recoverBucket) IncrementU64(ctx context.Context, key string, delta uint64) (_ uint64, err error) {
	defer func() { recovered(recover(), "Bucket.IncrementU64", &err) }()
	return r.b.IncrementU64(ctx, key, delta)
}

func (r recoverBucket) IncrementS64(ctx context.Context, key string, delta int64) (_ int64, err error) {
	defer func() { recovered(recover(), "Bucket.IncrementS64", &err) }()
	return r.b.IncrementS64(ctx, key, delta)
}

func (r recoverBucket) GetVersioned(ctx context.Context, key string) (_ []byte, _ bool, _ engine.Version, err error) {
	defer func() { recovered(recover(), "Bucket.GetVersioned", &err) }()
	return r.b.GetVersioned(ctx, key)
}

func (r recoverBucket) CompareAndSwap(ctx context.Context, key string, expect engine.Version, value []byte) (_ bool, _ engine.Version, err error) {
	defer func() { recovered(recover(), "Bucket.CompareAndSwap", &err) }()
	return r.b.CompareAndSwap(ctx, key, expect, value)
}

func (r recoverBucket) GetMany(ctx context.Context, keys []string) (_ []*engine.Entry, err error) {
	defer func() { recovered(recover(), "Bucket.GetMany", &err) }()
	return r.b.GetMany(ctx, keys)
}

func (r recoverBucket) SetMany(ctx context.Context, entries []engine.Entry) (err error) {
	defer func() { recovered(recover(), "Bucket.SetMany", &err) }()
	return r.b.SetMany(ctx, entries)
}

func (r recoverBucket) DeleteMany(ctx context.Context, keys []string) (err error) {
	defer func() { recovered(recover(), "Bucket.DeleteMany", &err) }()
	return r.b.DeleteMany(ctx, keys)
}
