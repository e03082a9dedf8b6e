package memory_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

const benchKeys = 1024

// benchBucket returns a bucket holding benchKeys keys with 64-byte values,
// and the keys.
func benchBucket(b *testing.B) (engine.Bucket, []string) {
	b.Helper()
	ctx := context.Background()
	bk, err := memory.New(engine.Buckets("bench")).Open(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, benchKeys)
	value := make([]byte, 64)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
		if err := bk.Set(ctx, keys[i], value); err != nil {
			b.Fatal(err)
		}
	}
	return bk, keys
}

// parallel runs op over the keys from every goroutine, each starting at a
// random key.
func parallel(b *testing.B, keys []string, op func(key string) error) {
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(keys))
		for pb.Next() {
			if err := op(keys[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func serial(b *testing.B, keys []string, op func(key string) error) {
	i := 0
	for b.Loop() {
		if err := op(keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	bk, keys := benchBucket(b)
	get := func(k string) error { _, _, err := bk.Get(ctx, k); return err }
	b.Run("serial", func(b *testing.B) { serial(b, keys, get) })
	b.Run("parallel", func(b *testing.B) { parallel(b, keys, get) })
}

func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	bk, keys := benchBucket(b)
	value := make([]byte, 64)
	set := func(k string) error { return bk.Set(ctx, k, value) }
	b.Run("serial", func(b *testing.B) { serial(b, keys, set) })
	b.Run("parallel", func(b *testing.B) { parallel(b, keys, set) })
}

func BenchmarkIncrement(b *testing.B) {
	ctx := context.Background()
	bk, _ := memory.New(engine.Buckets("bench")).Open(ctx, "bench")
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = "counter:" + strconv.Itoa(i)
	}
	inc := func(k string) error { _, err := bk.IncrementU64(ctx, k, 1); return err }
	b.Run("serial", func(b *testing.B) { serial(b, keys, inc) })
	b.Run("parallel", func(b *testing.B) { parallel(b, keys, inc) })
	// Every goroutine increments the same key.
	b.Run("contended", func(b *testing.B) { parallel(b, []string{"hot"}, inc) })
}

// BenchmarkBatch compares one GetMany of 100 keys with 100 Gets.
func BenchmarkBatch(b *testing.B) {
	ctx := context.Background()
	bk, keys := benchBucket(b)
	keys = keys[:100]
	b.Run("GetMany100", func(b *testing.B) {
		for b.Loop() {
			if _, err := bk.GetMany(ctx, keys); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Get100", func(b *testing.B) {
		for b.Loop() {
			for _, k := range keys {
				if _, _, err := bk.Get(ctx, k); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkListKeys walks a bucket of 10000 keys in pages of 100 with the
// last-key cursor, with and without a key created between walks (which
// makes the next walk rebuild the sorted key list once).
func BenchmarkListKeys(b *testing.B) {
	ctx := context.Background()
	bk, _ := memory.New(engine.Buckets("bench")).Open(ctx, "bench")
	for i := range 10000 {
		if err := bk.Set(ctx, "key:"+strconv.Itoa(i), nil); err != nil {
			b.Fatal(err)
		}
	}
	walk := func(b *testing.B) {
		keys, err := engine.AllKeys(ctx, bk)
		if err != nil || len(keys) < 10000 {
			b.Fatal(len(keys), err)
		}
	}
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			walk(b)
		}
	})
	b.Run("walk-after-create", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := bk.Set(ctx, "new:"+strconv.Itoa(i), nil); err != nil {
				b.Fatal(err)
			}
			i++
			walk(b)
		}
	})
}
