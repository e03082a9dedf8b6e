package enginetest

import (
	"bytes"
	"slices"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule Values: values are bytes, and the empty value exists.

func (s *suite) testBinaryValues(t *testing.T) {
	ctx := t.Context()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	mib := make([]byte, 1<<20)
	for i := range mib {
		mib[i] = byte(i*7 + i>>8)
	}
	cases := []struct {
		name  string
		value []byte
	}{
		{"00 ff", []byte{0x00, 0xff}},
		{"invalid UTF-8", []byte{0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1}},
		{"lone NUL", []byte{0}},
		{"all bytes", all},
		{"1 MiB", mib},
		{"at the default limit", bytes.Repeat([]byte{0xab}, engine.DefaultMaxValueBytes)},
	}
	b := s.bucket(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mustSet(t, b, tc.name, tc.value)
			wantValue(t, b, tc.name, tc.value)
			got, err := b.GetMany(ctx, []string{tc.name})
			if err != nil || len(got) != 1 || got[0] == nil || !bytes.Equal(got[0].Value, tc.value) {
				t.Fatalf("GetMany did not return the value: %v", err)
			}
			v, ok, _, err := b.GetVersioned(ctx, tc.name)
			if err != nil || !ok || !bytes.Equal(v, tc.value) {
				t.Fatalf("GetVersioned did not return the value: %v", err)
			}
		})
	}
}

func (s *suite) testEmptyValue(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	for _, tc := range []struct {
		key   string
		value []byte
	}{{"empty", []byte{}}, {"nil", nil}, {"cap", make([]byte, 0, 16)}} {
		mustSet(t, b, tc.key, tc.value)
		wantValue(t, b, tc.key, []byte{})
		if ok, err := b.Exists(ctx, tc.key); err != nil || !ok {
			t.Fatalf("Exists(%q) after set to an empty value = %v, %v; want true", tc.key, ok, err)
		}
		v, ok, _, err := b.GetVersioned(ctx, tc.key)
		if err != nil || !ok || v == nil || len(v) != 0 {
			t.Fatalf("GetVersioned(%q) = %q, %v, %v; want non-nil empty, true", tc.key, v, ok, err)
		}
		got, err := b.GetMany(ctx, []string{tc.key})
		if err != nil || got[0] == nil || got[0].Value == nil || len(got[0].Value) != 0 {
			t.Fatalf("GetMany(%q) = %v, %v; want one non-nil empty value", tc.key, got, err)
		}
	}
	if err := b.SetMany(ctx, []engine.Entry{{Key: "many", Value: nil}}); err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "many", []byte{})
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"cap", "empty", "many", "nil"}) {
		t.Fatalf("keys = %q; empty values must be listed", keys)
	}
	swapped, _, err := b.CompareAndSwap(ctx, "empty", mustVersion(t, b, "empty"), nil)
	if err != nil || !swapped {
		t.Fatalf("CompareAndSwap to nil: %v, %v", swapped, err)
	}
	wantValue(t, b, "empty", []byte{})
}

// testLargeValuesReplaced replaces, swaps, lists and deletes values of up to
// the default limit (an engine may store them otherwise than small ones, in
// several messages for instance): each read is the whole latest value.
func (s *suite) testLargeValuesReplaced(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	large := func(seed byte, n int) []byte {
		v := make([]byte, n)
		for i := range v {
			v[i] = seed + byte(i) + byte(i>>10)
		}
		return v
	}
	a, c, d := large(1, engine.DefaultMaxValueBytes), large(2, engine.DefaultMaxValueBytes-1), large(3, 3<<20)
	mustSet(t, b, "k", a)
	mustSet(t, b, "small", []byte("s"))
	mustSet(t, b, "k", c)
	wantValue(t, b, "k", c)
	ver := mustVersion(t, b, "k")
	if ok, _, err := b.CompareAndSwap(ctx, "k", ver, d); err != nil || !ok {
		t.Fatalf("CompareAndSwap of a large value from its version = %v, %v", ok, err)
	}
	wantValue(t, b, "k", d)
	if ok, cur, err := b.CompareAndSwap(ctx, "k", ver, a); err != nil || ok || cur == ver {
		t.Fatalf("CompareAndSwap from a stale version = %v, %q, %v; want a conflict", ok, cur, err)
	}
	wantValue(t, b, "k", d)
	mustSet(t, b, "small", a) // small to large
	mustSet(t, b, "k", []byte("now small"))
	wantValue(t, b, "k", []byte("now small"))
	wantValue(t, b, "small", a)
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"k", "small"}) {
		t.Fatalf("keys = %q, want [k small]", keys)
	}
	if err := b.Delete(ctx, "small"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b, "small")
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"k"}) {
		t.Fatalf("keys after deleting the large value = %q, want [k]", keys)
	}
}
