package enginetest

import (
	"errors"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule Buckets: unknown identifiers, handles, isolation.

func (s *suite) testOpenUnknown(t *testing.T) {
	ctx := t.Context()
	e := s.f(t)
	if _, err := e.Open(ctx, "nope"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("Open(unknown) without CreateOnOpen: err = %v, want ErrNoSuchStore", err)
	}
	if _, err := e.Open(ctx, "nope"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("second Open(unknown): err = %v, want ErrNoSuchStore (a failed open must not create)", err)
	}
	e = s.f(t, engine.CreateOnOpen(false), engine.Buckets("known", ""))
	for _, name := range []string{"known", ""} {
		if _, err := e.Open(ctx, name); err != nil {
			t.Fatalf("Open(%q) of a bucket created with Buckets: %v", name, err)
		}
	}
	if _, err := e.Open(ctx, "Known"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("Open(Known): err = %v, want ErrNoSuchStore (identifiers are case-sensitive)", err)
	}
	e = s.f(t, engine.CreateOnOpen(true))
	b, err := e.Open(ctx, "fresh")
	if err != nil {
		t.Fatalf("Open(unknown) with CreateOnOpen: %v", err)
	}
	if keys := allKeys(t, b); len(keys) != 0 {
		t.Fatalf("new bucket has keys %q", keys)
	}
	mustSet(t, b, "k", []byte("v"))
	b2, err := e.Open(ctx, "fresh")
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	wantValue(t, b2, "k", []byte("v"))
}

// testOpenExisting: an engine that implements engine.ExistingOpener opens
// the buckets that exist and never creates one, even with CreateOnOpen.
func (s *suite) testOpenExisting(t *testing.T) {
	ctx := t.Context()
	e := s.f(t, engine.CreateOnOpen(true), engine.Buckets("known"))
	eo, ok := e.(engine.ExistingOpener)
	if !ok {
		t.Skip("the engine does not implement engine.ExistingOpener")
	}
	for range 2 {
		if _, err := eo.OpenExisting(ctx, "nope"); !errors.Is(err, engine.ErrNoSuchStore) {
			t.Fatalf("OpenExisting(unknown) with CreateOnOpen: err = %v, want ErrNoSuchStore", err)
		}
	}
	b, err := eo.OpenExisting(ctx, "known")
	if err != nil {
		t.Fatalf("OpenExisting(known): %v", err)
	}
	mustSet(t, b, "k", []byte("v"))
	b2, err := e.Open(ctx, "known")
	if err != nil {
		t.Fatalf("Open(known): %v", err)
	}
	wantValue(t, b2, "k", []byte("v"))
	if _, err := e.Open(ctx, "fresh"); err != nil {
		t.Fatalf("Open(unknown) with CreateOnOpen: %v", err)
	}
	if _, err := eo.OpenExisting(ctx, "fresh"); err != nil {
		t.Fatalf("OpenExisting of a bucket Open created: %v", err)
	}
}

func (s *suite) testSharedHandles(t *testing.T) {
	ctx := t.Context()
	e := s.f(t, engine.Buckets("shared"))
	b1, err := e.Open(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	b2, err := e.Open(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, b1, "k", []byte("one"))
	wantValue(t, b2, "k", []byte("one"))
	mustSet(t, b2, "k", []byte("two"))
	wantValue(t, b1, "k", []byte("two"))
	if n, err := b1.IncrementU64(ctx, "n", 2); err != nil || n != 2 {
		t.Fatalf("IncrementU64 = %d, %v", n, err)
	}
	if n, err := b2.IncrementU64(ctx, "n", 3); err != nil || n != 5 {
		t.Fatalf("IncrementU64 through the second handle = %d, %v; want 5", n, err)
	}
	if err := b2.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b1, "k")
}

func (s *suite) testIsolation(t *testing.T) {
	ctx := t.Context()
	e := s.f(t, engine.Buckets("a", "b", "a/b", "ab"))
	open := func(name string) engine.Bucket {
		b, err := e.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, ab1, ab2 := open("a"), open("b"), open("a/b"), open("ab")
	mustSet(t, a, "k", []byte("in a"))
	mustSet(t, a, "b/k", []byte("in a"))
	if _, err := a.IncrementU64(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	for _, other := range []engine.Bucket{b, ab1, ab2} {
		wantAbsent(t, other, "k")
		wantAbsent(t, other, "b/k")
		wantAbsent(t, other, "n")
		if keys := allKeys(t, other); len(keys) != 0 {
			t.Fatalf("other bucket lists %q", keys)
		}
	}
	mustSet(t, b, "k", []byte("in b"))
	wantValue(t, a, "k", []byte("in a"))
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	wantValue(t, a, "k", []byte("in a"))
}
