package enginetest

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule Batch: get-many, set-many, delete-many.

func (s *suite) testGetMany(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	mustSet(t, b, "a", []byte("A"))
	mustSet(t, b, "b", []byte("B"))
	mustSet(t, b, "e", nil)
	got, err := b.GetMany(ctx, []string{"a", "b", "missing", "a", "e", "missing", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := []*engine.Entry{
		{Key: "a", Value: []byte("A")}, {Key: "b", Value: []byte("B")}, nil,
		{Key: "a", Value: []byte("A")}, {Key: "e", Value: []byte{}}, nil, nil,
	}
	if len(got) != len(want) {
		t.Fatalf("GetMany returned %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		switch {
		case want[i] == nil && got[i] != nil:
			t.Fatalf("entry %d = %q, want none", i, got[i].Key)
		case want[i] != nil && got[i] == nil:
			t.Fatalf("entry %d = none, want %q", i, want[i].Key)
		case want[i] != nil && (got[i].Key != want[i].Key || !bytes.Equal(got[i].Value, want[i].Value) || got[i].Value == nil):
			t.Fatalf("entry %d = %q=%q, want %q=%q", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	got[0].Value[0] = 'X'
	if got[3].Value[0] != 'A' {
		t.Fatal("duplicate entries share one value slice")
	}
	_ = append(got[0].Value, 'X')
	_ = append(got[4].Value, 'X')
	for i, w := range want {
		if i > 0 && w != nil && !bytes.Equal(got[i].Value, w.Value) {
			t.Fatalf("appending to one returned value changed entry %d to %q", i, got[i].Value)
		}
	}
	wantValue(t, b, "a", []byte("A"))
}

func (s *suite) testSetMany(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	err := b.SetMany(ctx, []engine.Entry{
		{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("x")},
		{Key: "a", Value: []byte("2")}, {Key: "a", Value: []byte("3")},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "a", []byte("3"))
	wantValue(t, b, "b", []byte("x"))
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"a", "b"}) {
		t.Fatalf("keys = %q", keys)
	}
}

func (s *suite) testDeleteMany(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, b, k, nil)
	}
	if err := b.DeleteMany(ctx, []string{"a", "missing", "a", "c"}); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b, "a")
	wantAbsent(t, b, "c")
	wantValue(t, b, "b", []byte{})
}

func (s *suite) testEmptyBatches(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	for _, keys := range [][]string{nil, {}} {
		got, err := b.GetMany(ctx, keys)
		if err != nil || len(got) != 0 {
			t.Fatalf("GetMany(%#v) = %v, %v", keys, got, err)
		}
		if err := b.DeleteMany(ctx, keys); err != nil {
			t.Fatalf("DeleteMany(%#v): %v", keys, err)
		}
	}
	for _, entries := range [][]engine.Entry{nil, {}} {
		if err := b.SetMany(ctx, entries); err != nil {
			t.Fatalf("SetMany(%#v): %v", entries, err)
		}
	}
}

func (s *suite) testBatchErrors(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t, engine.MaxKeyBytes(8), engine.MaxValueBytes(8))
	mustSet(t, b, "keep", []byte("old"))
	check := func(what string, err error, index int, kind error, limit string) {
		t.Helper()
		wantKind(t, what, err, kind, limit)
		var be *engine.BatchError
		if !errors.As(err, &be) {
			t.Fatalf("%s: %T is not a *BatchError", what, err)
		}
		if be.Index != index || be.Done != 0 || be.Total != 3 {
			t.Fatalf("%s: Index=%d Done=%d Total=%d; want %d, 0, 3", what, be.Index, be.Done, be.Total, index)
		}
		if !strings.Contains(err.Error(), "entry "+strconv.Itoa(index)) {
			t.Fatalf("%s: %q does not say which entry failed", what, err)
		}
	}
	err := b.SetMany(ctx, []engine.Entry{{Key: "keep", Value: []byte("new")}, {Key: "x", Value: []byte("123456789")}, {Key: "y"}})
	check("SetMany value", err, 1, engine.ErrValueTooLarge, "MaxValueBytes")
	err = b.SetMany(ctx, []engine.Entry{{Key: "keep", Value: []byte("new")}, {Key: "y"}, {Key: "123456789"}})
	check("SetMany key", err, 2, engine.ErrKeyTooLarge, "MaxKeyBytes")
	err = b.DeleteMany(ctx, []string{"keep", "123456789", "y"})
	check("DeleteMany", err, 1, engine.ErrKeyTooLarge, "MaxKeyBytes")
	_, err = b.GetMany(ctx, []string{"keep", "y", "123456789"})
	check("GetMany", err, 2, engine.ErrKeyTooLarge, "MaxKeyBytes")
	wantValue(t, b, "keep", []byte("old"))
	wantAbsent(t, b, "y")
}
