package kvtest

import (
	"context"
	"strconv"
	"testing"

	draft "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/store"
	"github.com/witgo-dev/witgo/kv/engine"
)

// RunDraft runs the suite on wasi:keyvalue@0.2.0-draft (store, atomics,
// batch, with a u64 offset cursor). f returns a World over a new, empty
// store configured by opts (see the package doc); every field of the
// World must be set.
func RunDraft(t *testing.T, f func(t *testing.T, opts ...engine.Option) draft.World) {
	fam := &family{
		name:   "wasi:keyvalue@0.2.0-draft",
		cursor: offsetCursor,
		newStore: func(t *testing.T, opts []engine.Option) kvstore {
			t.Helper()
			w := f(t, opts...)
			if w.Store == nil || w.Atomics == nil || w.Batch == nil {
				t.Fatalf("wasi:keyvalue@0.2.0-draft: the factory returned a World with a nil field: %+v", w)
			}
			return draftStore{w}
		},
	}
	run(t, fam, commonRules(fam, nil))
}

type draftStore struct{ w draft.World }

func (s draftStore) open(ctx context.Context, id string) (bucket, error) {
	b, err := s.w.Store.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	return draftBucket{s.w, b}, nil
}

func (draftStore) describe(_ context.Context, err error) witErr {
	return describeVariant[store.Error](err, store.ErrorCaseNoSuchStore, store.ErrorCaseAccessDenied)
}

type draftBucket struct {
	w draft.World
	b store.Bucket
}

func (b draftBucket) get(ctx context.Context, key string) ([]byte, bool, error) {
	return b.b.Get(ctx, key)
}

func (b draftBucket) set(ctx context.Context, key string, value []byte) error {
	return b.b.Set(ctx, key, value)
}

func (b draftBucket) del(ctx context.Context, key string) error { return b.b.Delete(ctx, key) }

func (b draftBucket) exists(ctx context.Context, key string) (bool, error) {
	return b.b.Exists(ctx, key)
}

func (b draftBucket) listPage(ctx context.Context, cursor *string) ([]string, *string, error) {
	r, err := b.b.ListKeys(ctx, offset(cursor))
	return r.Keys, offsetText(r.Cursor), err
}

func (b draftBucket) increment(ctx context.Context, key, delta string) (string, error) {
	n, err := b.w.Atomics.Increment(ctx, b.b, key, u64(delta))
	return strconv.FormatUint(n, 10), err
}

func (b draftBucket) getMany(ctx context.Context, keys []string) ([]getResult, error) {
	return fromTuples(b.w.Batch.GetMany(ctx, b.b, keys))
}

func (b draftBucket) setMany(ctx context.Context, entries []entry) error {
	return b.w.Batch.SetMany(ctx, b.b, toTuples(entries))
}

func (b draftBucket) deleteMany(ctx context.Context, keys []string) error {
	return b.w.Batch.DeleteMany(ctx, b.b, keys)
}

// offset converts a cursor of the model to a u64 cursor.
func offset(cursor *string) *uint64 {
	if cursor == nil {
		return nil
	}
	n := u64(*cursor)
	return &n
}

func offsetText(cursor *uint64) *string {
	if cursor == nil {
		return nil
	}
	s := strconv.FormatUint(*cursor, 10)
	return &s
}

func u64(s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		panic("kvtest: bad u64 " + s)
	}
	return n
}
