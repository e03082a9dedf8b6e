package memory_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

func Example() {
	ctx := context.Background()
	e := memory.New(engine.Buckets("sessions"))

	if _, err := e.Open(ctx, "unknown"); errors.Is(err, engine.ErrNoSuchStore) {
		fmt.Println("unknown: no such store")
	}
	b, _ := e.Open(ctx, "sessions")
	_ = b.Set(ctx, "user:42", []byte("alice"))
	_ = b.Set(ctx, "empty", nil)
	v, ok, _ := b.Get(ctx, "user:42")
	fmt.Printf("%s %v\n", v, ok)
	v, ok, _ = b.Get(ctx, "empty")
	fmt.Printf("%q %v %v\n", v, ok, v != nil)
	n, _ := b.IncrementU64(ctx, "visits", 5)
	text, _, _ := b.Get(ctx, "visits")
	fmt.Println(n, string(text))
	_, err := b.IncrementU64(ctx, "user:42", 1)
	fmt.Println(err)
	// Output:
	// unknown: no such store
	// alice true
	// "" true true
	// 5 5
	// kv: increment: value of key "user:42" is "alice", not the decimal text of a u64
}

// An adapter for a u64 offset cursor (wasi:keyvalue@0.2.0-draft,
// wrpc:keyvalue) and one for a string last-key cursor
// (wasi:keyvalue@0.2.0-draft2).
func Example_listKeys() {
	ctx := context.Background()
	b, _ := memory.New(engine.Buckets("b"), engine.PageSize(2)).Open(ctx, "b")
	for _, k := range []string{"d", "a", "c", "b", "e"} {
		_ = b.Set(ctx, k, nil)
	}

	// u64 cursor: none means offset 0; the next cursor is offset+len(keys).
	var cursor *uint64
	for {
		var offset uint64
		if cursor != nil {
			offset = *cursor
		}
		keys, more, _ := b.ListKeys(ctx, offset)
		fmt.Println("offset", offset, keys)
		if !more {
			break
		}
		next := offset + uint64(len(keys))
		cursor = &next
	}

	// string cursor: none means ListKeys(0); the next cursor is the last key.
	var after *string
	for {
		var keys []string
		var more bool
		if after == nil {
			keys, more, _ = b.ListKeys(ctx, 0)
		} else {
			keys, more, _ = b.ListKeysAfter(ctx, *after)
		}
		fmt.Println("page", keys)
		if !more {
			break
		}
		_ = b.Delete(ctx, "c") // deleting between pages does not disturb the walk
		last := keys[len(keys)-1]
		after = &last
	}
	// Output:
	// offset 0 [a b]
	// offset 2 [c d]
	// offset 4 [e]
	// page [a b]
	// page [d e]
}

// The CAS resource of wasi:keyvalue@0.2.0-draft2: `new` records the
// version, `swap` succeeds only if it is unchanged, and a conflict hands back
// the latest version for the retry.
func Example_compareAndSwap() {
	ctx := context.Background()
	b, _ := memory.New(engine.Buckets("b")).Open(ctx, "b")
	_ = b.Set(ctx, "k", []byte("A"))

	_, _, ver, _ := b.GetVersioned(ctx, "k") // cas.new
	_ = b.Set(ctx, "k", []byte("B"))         // another client writes B,
	_ = b.Set(ctx, "k", []byte("A"))         // then A again

	swapped, latest, _ := b.CompareAndSwap(ctx, "k", ver, []byte("mine"))
	fmt.Println("first swap:", swapped)
	swapped, _, _ = b.CompareAndSwap(ctx, "k", latest, []byte("mine"))
	fmt.Println("retry:", swapped)
	v, _, _ := b.Get(ctx, "k")
	fmt.Println(string(v))
	// Output:
	// first swap: false
	// retry: true
	// mine
}
