package memory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/engine/enginetest"
	"github.com/witgo-dev/witgo/kv/memory"
)

func TestEngine(t *testing.T) {
	enginetest.Run(t, func(t *testing.T, opts ...engine.Option) engine.Engine {
		return memory.New(opts...)
	})
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	e := memory.New()
	if _, err := e.Open(ctx, "x"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("Open before Create: %v", err)
	}
	if err := e.Create("x"); err != nil {
		t.Fatal(err)
	}
	b, err := e.Open(ctx, "x")
	if err != nil {
		t.Fatalf("Open after Create: %v", err)
	}
	if err := b.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := e.Create("x"); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := b.Get(ctx, "k"); !ok || string(v) != "v" {
		t.Fatal("Create of an existing bucket lost its data")
	}
	err = e.Create(strings.Repeat("n", engine.DefaultMaxKeyBytes+1))
	if !errors.Is(err, engine.ErrKeyTooLarge) || !strings.Contains(err.Error(), "MaxKeyBytes") {
		t.Fatalf("Create with a long name: %v", err)
	}
	if err := e.Create("\xff"); !errors.Is(err, engine.ErrInvalidKey) {
		t.Fatalf("Create with invalid UTF-8: %v", err)
	}
}

func TestNewPanicsOnBadBucketName(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "MaxKeyBytes") {
			t.Fatalf("recovered %v, want a panic naming MaxKeyBytes", r)
		}
	}()
	memory.New(engine.MaxKeyBytes(3), engine.Buckets("ok", "too long"))
}

func TestOptions(t *testing.T) {
	o := memory.New().Options()
	if o.CreateOnOpen || o.MaxKeyBytes != engine.DefaultMaxKeyBytes || o.MaxValueBytes != engine.DefaultMaxValueBytes || o.PageSize != engine.DefaultPageSize {
		t.Fatalf("defaults: %+v", o)
	}
	e := memory.New(engine.CreateOnOpen(true), engine.MaxKeyBytes(1), engine.MaxValueBytes(2), engine.PageSize(3), engine.Buckets("a"))
	o = e.Options()
	if !o.CreateOnOpen || o.MaxKeyBytes != 1 || o.MaxValueBytes != 2 || o.PageSize != 3 || len(o.Buckets) != 1 {
		t.Fatalf("options not applied: %+v", o)
	}
	o.Buckets[0] = "changed"
	if e.Options().Buckets[0] != "a" {
		t.Fatal("Options aliases the engine's state")
	}
}

// TestAbsentCASRetryAfterOtherDeletes documents the one imprecision of the
// in-memory versions: deleting another key of the same shard changes the
// version of absent keys, so a create-only swap may fail needlessly. The
// retry with the returned version must then succeed.
func TestAbsentCASRetryAfterOtherDeletes(t *testing.T) {
	ctx := context.Background()
	b, _ := memory.New(engine.Buckets("b")).Open(ctx, "b")
	for i := range 200 {
		_, _, absent, err := b.GetVersioned(ctx, "target")
		if err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprintf("other%d", i)
		if err := b.Set(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		swapped, cur, err := b.CompareAndSwap(ctx, "target", absent, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if !swapped {
			if swapped, _, err = b.CompareAndSwap(ctx, "target", cur, []byte("x")); err != nil || !swapped {
				t.Fatalf("retry after a spurious conflict: %v, %v", swapped, err)
			}
		}
		if err := b.Delete(ctx, "target"); err != nil {
			t.Fatal(err)
		}
	}
}
