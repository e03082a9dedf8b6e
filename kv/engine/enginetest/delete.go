package enginetest

import (
	"slices"
	"testing"
)

// Rule Delete.

func (s *suite) testDelete(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	for i := range 2 {
		if err := b.Delete(ctx, "missing"); err != nil {
			t.Fatalf("Delete(missing) #%d: %v", i+1, err)
		}
	}
	mustSet(t, b, "k", []byte("v"))
	mustSet(t, b, "other", []byte("o"))
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, b, "k")
	wantValue(t, b, "other", []byte("o"))
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatalf("Delete of a deleted key: %v", err)
	}
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"other"}) {
		t.Fatalf("keys after delete = %q", keys)
	}
}
