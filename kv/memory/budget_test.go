package memory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

func TestMaxBuckets(t *testing.T) {
	ctx := context.Background()
	e := memory.New(engine.CreateOnOpen(true), engine.MaxBuckets(2), engine.Buckets("a"))
	if _, err := e.Open(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Open(ctx, "a"); err != nil {
		t.Fatalf("reopening an existing bucket at the limit: %v", err)
	}
	_, err := e.Open(ctx, "c")
	if !errors.Is(err, engine.ErrQuotaExceeded) || !strings.Contains(err.Error(), "limit of 2 buckets (MaxBuckets)") {
		t.Fatalf("a third bucket: %v", err)
	}
	if err := e.Create("d"); !errors.Is(err, engine.ErrQuotaExceeded) {
		t.Fatalf("Create over the limit: %v", err)
	}
}

// MaxBytes counts keys and values in every bucket; a write over it
// changes nothing and names the bound; deletes give the bytes back.
func TestMaxBytes(t *testing.T) {
	ctx := context.Background()
	e := memory.New(engine.CreateOnOpen(true), engine.MaxBytes(100))
	a, _ := e.Open(ctx, "a")
	b, _ := e.Open(ctx, "b")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	over := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, engine.ErrQuotaExceeded) || !strings.Contains(err.Error(), "100 bytes of keys and values (MaxBytes)") {
			t.Fatalf("%s: %v, want the MaxBytes quota", what, err)
		}
	}
	must(a.Set(ctx, "k", make([]byte, 49))) // 50
	must(b.Set(ctx, "k", make([]byte, 39))) // 90
	must(a.Set(ctx, "k", make([]byte, 59))) // 100: an overwrite counts its growth only
	over("a new key", b.Set(ctx, "x", nil))
	over("growing a value", b.Set(ctx, "k", make([]byte, 40)))
	if v, _, _ := b.Get(ctx, "k"); len(v) != 39 {
		t.Fatalf("a refused write changed the value: %d bytes", len(v))
	}
	over("set-many", b.SetMany(ctx, []engine.Entry{{Key: "k", Value: make([]byte, 39)}, {Key: "y", Value: []byte("1")}}))
	if ok, _ := b.Exists(ctx, "y"); ok {
		t.Fatal("the refused entry of a batch was stored")
	}
	_, err := b.IncrementU64(ctx, "n", 1)
	over("a new counter", err)
	must(a.Delete(ctx, "k")) // 40 left in use
	must(b.Set(ctx, "x", make([]byte, 59)))
	if _, err := b.IncrementU64(ctx, "n", 1); err == nil {
		t.Fatal("the budget was not full again")
	}
	must(b.DeleteMany(ctx, []string{"x", "k"}))
	for i := range 10 {
		must(a.Set(ctx, string(rune('a'+i)), make([]byte, 9))) // exactly 100
	}
}
