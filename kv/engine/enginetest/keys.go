package enginetest

import (
	"slices"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule Keys: the empty key, and keys that are not UTF-8.

func (s *suite) testEmptyKey(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	wantAbsent(t, b, "")
	mustSet(t, b, "", []byte("empty key"))
	mustSet(t, b, "a", []byte("a"))
	wantValue(t, b, "", []byte("empty key"))
	keys, more, err := b.ListKeys(ctx, 0)
	if err != nil || more || !slices.Equal(keys, []string{"", "a"}) {
		t.Fatalf("ListKeys(0) = %q, %v, %v; want [\"\" a], false", keys, more, err)
	}
	keys, more, err = b.ListKeysAfter(ctx, "")
	if err != nil || more || !slices.Equal(keys, []string{"a"}) {
		t.Fatalf("ListKeysAfter(\"\") = %q, %v, %v; want [a], false", keys, more, err)
	}
	if n, err := b.IncrementU64(ctx, "", 0); err == nil {
		t.Fatalf("IncrementU64 on %q gave %d, want ErrNotInteger", "empty key", n)
	}
	if err := b.Delete(ctx, ""); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b, "")
	if n, err := b.IncrementS64(ctx, "", -3); err != nil || n != -3 {
		t.Fatalf("IncrementS64(\"\", -3) = %d, %v", n, err)
	}
}

func (s *suite) testInvalidUTF8Key(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	bad := "a\xffb"
	wantKind(t, "Set", b.Set(ctx, bad, nil), engine.ErrInvalidKey, "UTF-8")
	_, _, err := b.Get(ctx, bad)
	wantKind(t, "Get", err, engine.ErrInvalidKey, "UTF-8")
	err = b.SetMany(ctx, []engine.Entry{{Key: "ok"}, {Key: bad}})
	wantKind(t, "SetMany", err, engine.ErrInvalidKey, "UTF-8")
	if keys := allKeys(t, b); len(keys) != 0 {
		t.Fatalf("keys = %q, want none", keys)
	}
}
