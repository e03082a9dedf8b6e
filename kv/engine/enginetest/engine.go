package enginetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
)

// The engine's own rules: Aliasing, Context, Concurrency.

func (s *suite) testNoAliasing(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	in := []byte("value")
	mustSet(t, b, "set", in)
	in[0] = 'X'
	wantValue(t, b, "set", []byte("value"))

	out, _ := mustGet(t, b, "set")
	out[0] = 'Y'
	_ = append(out[:1], "ZZZZZZZZ"...)
	wantValue(t, b, "set", []byte("value"))

	v, _, ver, _ := b.GetVersioned(ctx, "set")
	v[0] = 'V'
	wantValue(t, b, "set", []byte("value"))

	casIn := []byte("swapped")
	if ok, _, err := b.CompareAndSwap(ctx, "set", ver, casIn); err != nil || !ok {
		t.Fatalf("CompareAndSwap: %v, %v", ok, err)
	}
	casIn[0] = 'X'
	wantValue(t, b, "set", []byte("swapped"))

	batch := []engine.Entry{{Key: "m1", Value: []byte("one")}, {Key: "m2", Value: []byte("two")}}
	if err := b.SetMany(ctx, batch); err != nil {
		t.Fatal(err)
	}
	batch[0].Value[0] = 'X'
	batch[1].Value = []byte("other")
	wantValue(t, b, "m1", []byte("one"))
	wantValue(t, b, "m2", []byte("two"))

	got, err := b.GetMany(ctx, []string{"m1", "m2"})
	if err != nil {
		t.Fatal(err)
	}
	got[0].Value[0] = 'X'
	got[1].Value = append(got[1].Value[:0], 'Q')
	wantValue(t, b, "m1", []byte("one"))
	wantValue(t, b, "m2", []byte("two"))

	// Increments write a fresh value: an earlier Get result is not affected.
	mustSet(t, b, "n", []byte("1"))
	before, _ := mustGet(t, b, "n")
	if _, err := b.IncrementU64(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	if string(before) != "1" {
		t.Fatalf("an increment changed a slice returned earlier: %q", before)
	}
}

func (s *suite) testContextDone(t *testing.T) {
	ctx := t.Context()
	e := s.f(t, engine.CreateOnOpen(true))
	b, err := e.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, b, "k", []byte("v"))
	c, cancel := context.WithCancel(ctx)
	cancel()
	ops := map[string]func() error{
		"Open":           func() error { _, err := e.Open(c, "b"); return err },
		"Get":            func() error { _, _, err := b.Get(c, "k"); return err },
		"Set":            func() error { return b.Set(c, "k", []byte("new")) },
		"SetWith":        func() error { return b.SetWith(c, "k", []byte("new"), engine.SetOptions{TTL: time.Hour}) },
		"Delete":         func() error { return b.Delete(c, "k") },
		"Exists":         func() error { _, err := b.Exists(c, "k"); return err },
		"ListKeys":       func() error { _, _, err := b.ListKeys(c, 0); return err },
		"ListKeysAfter":  func() error { _, _, err := b.ListKeysAfter(c, ""); return err },
		"ListPrefix":     func() error { _, _, err := b.ListPrefix(c, "k", nil); return err },
		"IncrementU64":   func() error { _, err := b.IncrementU64(c, "n", 1); return err },
		"IncrementS64":   func() error { _, err := b.IncrementS64(c, "n", 1); return err },
		"GetVersioned":   func() error { _, _, _, err := b.GetVersioned(c, "k"); return err },
		"CompareAndSwap": func() error { _, _, err := b.CompareAndSwap(c, "k", "1", nil); return err },
		"GetMany":        func() error { _, err := b.GetMany(c, []string{"k"}); return err },
		"SetMany":        func() error { return b.SetMany(c, []engine.Entry{{Key: "k"}}) },
		"DeleteMany":     func() error { return b.DeleteMany(c, []string{"k"}) },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, context.Canceled) {
			t.Fatalf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
	wantValue(t, b, "k", []byte("v"))
	wantAbsent(t, b, "n")
}

// testConcurrentMixed runs every operation at once, for the race detector.
func (s *suite) testConcurrentMixed(t *testing.T) {
	ctx := t.Context()
	clock := newClock()
	e := s.f(t, engine.CreateOnOpen(true), engine.PageSize(10), engine.Clock(clock.Now))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := e.Open(ctx, fmt.Sprintf("b%d", w%2))
			if err != nil {
				errs <- err
				return
			}
			for i := range 300 {
				k := fmt.Sprintf("k%02d", (i*7+w)%40)
				var err error
				if i%25 == 0 { // entries with a TTL expire meanwhile
					clock.Advance(time.Second)
					err = b.SetWith(ctx, fmt.Sprintf("ttl%02d", i%7), []byte("t"), engine.SetOptions{TTL: 2 * time.Second})
					if err == nil {
						_, _, err = b.ListPrefix(ctx, "ttl", nil)
					}
				}
				if err != nil {
					errs <- err
					return
				}
				switch i % 10 {
				case 0:
					err = b.Set(ctx, k, []byte(k))
				case 1:
					_, _, err = b.Get(ctx, k)
				case 2:
					err = b.Delete(ctx, k)
				case 3:
					_, err = b.IncrementS64(ctx, "n", 1)
				case 4:
					_, _, err = b.ListKeys(ctx, uint64(i%30))
				case 5:
					_, _, err = b.ListKeysAfter(ctx, k)
				case 6:
					var ver engine.Version
					if _, _, ver, err = b.GetVersioned(ctx, k); err == nil {
						_, _, err = b.CompareAndSwap(ctx, k, ver, []byte("cas"))
					}
				case 7:
					_, err = b.GetMany(ctx, []string{k, "k00", "k01"})
				case 8:
					err = b.SetMany(ctx, []engine.Entry{{Key: k, Value: []byte("m")}, {Key: "k39"}})
				case 9:
					err = b.DeleteMany(ctx, []string{k, "k38"})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, name := range []string{"b0", "b1"} {
		b, _ := e.Open(ctx, name)
		if n, err := b.IncrementS64(ctx, "n", 0); err != nil || n != 4*30 {
			t.Fatalf("%s: counter = %d, %v; want %d", name, n, err, 4*30)
		}
	}
}
