package enginetest

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule Limits: MaxKeyBytes and MaxValueBytes.

func (s *suite) testKeyLimit(t *testing.T) {
	ctx := t.Context()
	const limit = 64
	e := s.f(t, engine.CreateOnOpen(true), engine.MaxKeyBytes(limit))
	b, err := e.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	atLimit := strings.Repeat("k", limit)
	mustSet(t, b, atLimit, []byte("ok"))
	wantValue(t, b, atLimit, []byte("ok"))
	multi := strings.Repeat("é", limit/2) // 2 bytes each: exactly at the limit
	mustSet(t, b, multi, []byte("ok"))
	over := atLimit + "k"
	overMulti := multi + "é"
	value := []byte("v")
	ops := map[string]func(key string) error{
		"Get":            func(k string) error { _, _, err := b.Get(ctx, k); return err },
		"Set":            func(k string) error { return b.Set(ctx, k, value) },
		"Delete":         func(k string) error { return b.Delete(ctx, k) },
		"Exists":         func(k string) error { _, err := b.Exists(ctx, k); return err },
		"IncrementU64":   func(k string) error { _, err := b.IncrementU64(ctx, k, 1); return err },
		"IncrementS64":   func(k string) error { _, err := b.IncrementS64(ctx, k, 1); return err },
		"GetVersioned":   func(k string) error { _, _, _, err := b.GetVersioned(ctx, k); return err },
		"CompareAndSwap": func(k string) error { _, _, err := b.CompareAndSwap(ctx, k, "1", value); return err },
		"GetMany":        func(k string) error { _, err := b.GetMany(ctx, []string{"a", k}); return err },
		"SetMany": func(k string) error {
			return b.SetMany(ctx, []engine.Entry{{Key: "a", Value: value}, {Key: k, Value: value}})
		},
		"DeleteMany": func(k string) error { return b.DeleteMany(ctx, []string{"a", k}) },
		"Open":       func(k string) error { _, err := e.Open(ctx, k); return err },
	}
	for name, op := range ops {
		for _, k := range []string{over, overMulti} {
			wantKind(t, name, op(k), engine.ErrKeyTooLarge, "MaxKeyBytes", strconv.Itoa(limit), strconv.Itoa(len(k)))
		}
	}
	if keys := allKeys(t, b); !slices.Equal(keys, []string{atLimit, multi}) {
		t.Fatalf("keys = %q; failed operations must store nothing", keys)
	}
	if _, err := e.Open(ctx, atLimit); err != nil {
		t.Fatalf("Open of an identifier at the limit: %v", err)
	}
	// The default limit is documented as DefaultMaxKeyBytes.
	d := s.bucket(t)
	mustSet(t, d, strings.Repeat("d", engine.DefaultMaxKeyBytes), nil)
	wantKind(t, "Set over the default key limit", d.Set(ctx, strings.Repeat("d", engine.DefaultMaxKeyBytes+1), nil),
		engine.ErrKeyTooLarge, "MaxKeyBytes")
}

func (s *suite) testValueLimit(t *testing.T) {
	ctx := t.Context()
	const limit = 1000
	b := s.bucket(t, engine.MaxValueBytes(limit))
	atLimit := bytes.Repeat([]byte{1}, limit)
	mustSet(t, b, "k", atLimit)
	wantValue(t, b, "k", atLimit)
	over := append(atLimit, 2)
	wantKind(t, "Set", b.Set(ctx, "k", over), engine.ErrValueTooLarge, "MaxValueBytes", "1000", "1001")
	wantValue(t, b, "k", atLimit)
	wantKind(t, "Set new key", b.Set(ctx, "new", over), engine.ErrValueTooLarge, "MaxValueBytes")
	wantAbsent(t, b, "new")
	ver := mustVersion(t, b, "k")
	_, _, err := b.CompareAndSwap(ctx, "k", ver, over)
	wantKind(t, "CompareAndSwap", err, engine.ErrValueTooLarge, "MaxValueBytes")
	wantValue(t, b, "k", atLimit)
	err = b.SetMany(ctx, []engine.Entry{{Key: "a", Value: []byte("a")}, {Key: "k", Value: over}})
	wantKind(t, "SetMany", err, engine.ErrValueTooLarge, "MaxValueBytes", "1001")
	// Counters obey the value limit too.
	tiny := s.bucket(t, engine.MaxValueBytes(2))
	if n, err := tiny.IncrementU64(ctx, "n", 99); err != nil || n != 99 {
		t.Fatalf("IncrementU64 to 99 with a 2-byte limit = %d, %v", n, err)
	}
	_, err = tiny.IncrementU64(ctx, "n", 1)
	wantKind(t, "IncrementU64 to 100 with a 2-byte limit", err, engine.ErrValueTooLarge, "MaxValueBytes")
	wantValue(t, tiny, "n", []byte("99"))
}
