package memory_test

import (
	"context"
	"fmt"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

// In a unit test, code written against the generated store.Interface can
// use the in-memory backend in-process: no network, same interface as the
// wRPC client.
func Example_generatedInterfaces() {
	ctx := context.Background()
	var kv store.Interface = backend.New(memory.New(engine.CreateOnOpen(true))).Store

	bucket, _ := kv.Open(ctx, "cart")
	_ = bucket.Set(ctx, "items", []byte("3"))
	_ = bucket.Set(ctx, "empty", []byte{})
	v, ok, _ := bucket.Get(ctx, "items")
	fmt.Printf("%s %v\n", v, ok)
	v, ok, _ = bucket.Get(ctx, "empty")
	fmt.Printf("%q %v\n", v, ok)
	keys, _ := bucket.ListKeys(ctx, nil)
	fmt.Println(keys.Keys)
	// Output:
	// 3 true
	// "" true
	// [empty items]
}
