package kvtest

import (
	"context"
	"strconv"
	"testing"

	wrpckv "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"
	"github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/store"
	"github.com/witgo-dev/witgo/kv/engine"
)

// RunWRPC runs the suite on wrpc:keyvalue@0.2.0-draft, where the bucket is
// a plain string passed to every function, so an unknown bucket is
// no-such-store on every call (or created, with create-on-open). f returns
// a World over a new, empty store configured by opts (see the package
// doc); every field of the World must be set.
func RunWRPC(t *testing.T, f func(t *testing.T, opts ...engine.Option) wrpckv.World) {
	fam := &family{
		name:           "wrpc:keyvalue@0.2.0-draft",
		cursor:         offsetCursor,
		bucketIsString: true,
		newStore: func(t *testing.T, opts []engine.Option) kvstore {
			t.Helper()
			w := f(t, opts...)
			if w.Store == nil || w.Atomics == nil || w.Batch == nil {
				t.Fatalf("wrpc:keyvalue@0.2.0-draft: the factory returned a World with a nil field: %+v", w)
			}
			return wrpcStore{w}
		},
	}
	run(t, fam, commonRules(fam, nil))
}

type wrpcStore struct{ w wrpckv.World }

// open makes no call: the bucket is just its name.
func (s wrpcStore) open(_ context.Context, id string) (bucket, error) {
	return wrpcBucket{s.w, id}, nil
}

func (wrpcStore) describe(_ context.Context, err error) witErr {
	return describeVariant[store.Error](err, store.ErrorCaseNoSuchStore, store.ErrorCaseAccessDenied)
}

type wrpcBucket struct {
	w    wrpckv.World
	name string
}

func (b wrpcBucket) get(ctx context.Context, key string) ([]byte, bool, error) {
	return b.w.Store.Get(ctx, b.name, key)
}

func (b wrpcBucket) set(ctx context.Context, key string, value []byte) error {
	return b.w.Store.Set(ctx, b.name, key, value)
}

func (b wrpcBucket) del(ctx context.Context, key string) error {
	return b.w.Store.Delete(ctx, b.name, key)
}

func (b wrpcBucket) exists(ctx context.Context, key string) (bool, error) {
	return b.w.Store.Exists(ctx, b.name, key)
}

func (b wrpcBucket) listPage(ctx context.Context, cursor *string) ([]string, *string, error) {
	r, err := b.w.Store.ListKeys(ctx, b.name, offset(cursor))
	return r.Keys, offsetText(r.Cursor), err
}

func (b wrpcBucket) increment(ctx context.Context, key, delta string) (string, error) {
	n, err := b.w.Atomics.Increment(ctx, b.name, key, u64(delta))
	return strconv.FormatUint(n, 10), err
}

func (b wrpcBucket) getMany(ctx context.Context, keys []string) ([]getResult, error) {
	return fromTuples(b.w.Batch.GetMany(ctx, b.name, keys))
}

func (b wrpcBucket) setMany(ctx context.Context, entries []entry) error {
	return b.w.Batch.SetMany(ctx, b.name, toTuples(entries))
}

func (b wrpcBucket) deleteMany(ctx context.Context, keys []string) error {
	return b.w.Batch.DeleteMany(ctx, b.name, keys)
}
