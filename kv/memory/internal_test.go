package memory

import (
	"context"
	"testing"
	"unsafe"

	"github.com/witgo-dev/witgo/kv/engine"
)

func TestShardSize(t *testing.T) {
	if n := unsafe.Sizeof(shard{}); n != 128 {
		t.Fatalf("shard is %d bytes; adjust the padding to keep shards 128 bytes apart", n)
	}
}

// TestSnapshotReuse checks that the sorted key list is rebuilt only when the
// set of keys changes.
func TestSnapshotReuse(t *testing.T) {
	ctx := context.Background()
	eb, _ := New(engine.CreateOnOpen(true)).Open(ctx, "b")
	b := eb.(*bucket)
	list := func() *snapshot {
		t.Helper()
		if _, _, err := b.ListKeys(ctx, 0); err != nil {
			t.Fatal(err)
		}
		return b.snap.Load()
	}
	_ = b.Set(ctx, "a", nil)
	s1 := list()
	if s1 == nil || len(s1.keys) != 1 {
		t.Fatalf("snapshot = %+v", s1)
	}
	_ = b.Set(ctx, "a", []byte("overwrite"))
	_, _ = b.IncrementU64(ctx, "n", 1) // creates n
	s2 := list()
	if s2 == s1 || len(s2.keys) != 2 {
		t.Fatal("creating a key did not rebuild the snapshot")
	}
	_ = b.Set(ctx, "a", []byte("again"))
	_, _ = b.IncrementU64(ctx, "n", 1)
	_ = b.Delete(ctx, "missing")
	_, _, _ = b.CompareAndSwap(ctx, "a", "0", nil) // fails
	if s3 := list(); s3 != s2 {
		t.Fatal("overwrites, a missing delete or a failed swap rebuilt the snapshot")
	}
	_ = b.Delete(ctx, "n")
	if s4 := list(); s4 == s2 || len(s4.keys) != 1 {
		t.Fatal("deleting a key did not rebuild the snapshot")
	}
}

func TestHugePageSize(t *testing.T) {
	ctx := context.Background()
	b, _ := New(engine.CreateOnOpen(true), engine.PageSize(int(^uint(0)>>1))).Open(ctx, "b")
	for _, k := range []string{"a", "b", "c"} {
		_ = b.Set(ctx, k, nil)
	}
	for off := uint64(0); off < 3; off++ {
		if keys, more, err := b.ListKeys(ctx, off); err != nil || more || len(keys) != 3-int(off) {
			t.Fatalf("ListKeys(%d) with PageSize MaxInt = %q, %v, %v", off, keys, more, err)
		}
	}
	if keys, more, err := b.ListKeysAfter(ctx, "a"); err != nil || more || len(keys) != 2 {
		t.Fatalf("ListKeysAfter(a) = %q, %v, %v", keys, more, err)
	}
}
