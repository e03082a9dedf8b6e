package enginetest

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule CAS: versions and compare-and-swap.

func mustVersion(t *testing.T, b engine.Bucket, key string) engine.Version {
	ctx := t.Context()
	t.Helper()
	_, _, v, err := b.GetVersioned(ctx, key)
	if err != nil {
		t.Fatalf("GetVersioned(%q): %v", key, err)
	}
	if v == "" {
		t.Fatalf("GetVersioned(%q) returned the zero Version", key)
	}
	return v
}

func (s *suite) testCASConcurrentSet(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	mustSet(t, b, "k", []byte("old"))
	v, ok, ver, err := b.GetVersioned(ctx, "k")
	if err != nil || !ok || string(v) != "old" || ver == "" {
		t.Fatalf("GetVersioned = %q, %v, %q, %v", v, ok, ver, err)
	}
	// current: reading again changes nothing.
	if again := mustVersion(t, b, "k"); again != ver {
		t.Fatalf("Version changed without a write: %q then %q", ver, again)
	}
	mustSet(t, b, "k", []byte("concurrent")) // another client's write lands
	swapped, cur, err := b.CompareAndSwap(ctx, "k", ver, []byte("mine"))
	if err != nil || swapped {
		t.Fatalf("CompareAndSwap after a concurrent Set = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("concurrent"))
	if latest := mustVersion(t, b, "k"); cur != latest {
		t.Fatalf("conflict returned version %q, latest is %q", cur, latest)
	}
	swapped, next, err := b.CompareAndSwap(ctx, "k", cur, []byte("mine"))
	if err != nil || !swapped {
		t.Fatalf("retry with the returned version = %v, %v; want success", swapped, err)
	}
	wantValue(t, b, "k", []byte("mine"))
	if latest := mustVersion(t, b, "k"); next != latest || next == cur {
		t.Fatalf("success returned version %q, latest %q, previous %q", next, latest, cur)
	}
	// The returned version is usable directly for the next swap.
	if swapped, _, err := b.CompareAndSwap(ctx, "k", next, []byte("again")); err != nil || !swapped {
		t.Fatalf("chained swap = %v, %v", swapped, err)
	}
	// An old version stays stale.
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("stale")); err != nil || swapped {
		t.Fatalf("swap with the first version = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("again"))
}

func (s *suite) testCASABA(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	mustSet(t, b, "k", []byte("A"))
	ver := mustVersion(t, b, "k")
	mustSet(t, b, "k", []byte("B"))
	mustSet(t, b, "k", []byte("A"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("C")); err != nil || swapped {
		t.Fatalf("CompareAndSwap after A→B→A = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("A"))
	// Same with a delete and re-create in between.
	ver = mustVersion(t, b, "k")
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, b, "k", []byte("A"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("C")); err != nil || swapped {
		t.Fatalf("CompareAndSwap after delete and re-create = %v, %v; want a conflict", swapped, err)
	}
	// And with an identical rewrite.
	ver = mustVersion(t, b, "k")
	mustSet(t, b, "k", []byte("A"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", ver, []byte("C")); err != nil || swapped {
		t.Fatalf("CompareAndSwap after rewriting the same bytes = %v, %v; want a conflict", swapped, err)
	}
}

func (s *suite) testCASAbsentOnlyCreates(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	// Absent at "new", created by someone else: conflict.
	v, ok, absent, err := b.GetVersioned(ctx, "k")
	if err != nil || ok || v != nil || absent == "" {
		t.Fatalf("GetVersioned(absent) = %q, %v, %q, %v", v, ok, absent, err)
	}
	mustSet(t, b, "k", []byte("theirs"))
	swapped, cur, err := b.CompareAndSwap(ctx, "k", absent, []byte("mine"))
	if err != nil || swapped {
		t.Fatalf("create-only swap after a concurrent create = %v, %v; want a conflict", swapped, err)
	}
	wantValue(t, b, "k", []byte("theirs"))
	if swapped, _, err := b.CompareAndSwap(ctx, "k", cur, []byte("mine")); err != nil || !swapped {
		t.Fatalf("retry = %v, %v", swapped, err)
	}
	// Absent, then created and deleted again: still a conflict.
	_, _, absent, _ = b.GetVersioned(ctx, "k2")
	mustSet(t, b, "k2", []byte("x"))
	if err := b.Delete(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	if swapped, _, err := b.CompareAndSwap(ctx, "k2", absent, []byte("mine")); err != nil || swapped {
		t.Fatalf("create-only swap after create+delete = %v, %v; want a conflict", swapped, err)
	}
	wantAbsent(t, b, "k2")
	// Absent, untouched: the swap creates the key.
	_, _, absent, _ = b.GetVersioned(ctx, "k3")
	swapped, created, err := b.CompareAndSwap(ctx, "k3", absent, []byte("new"))
	if err != nil || !swapped || created == absent {
		t.Fatalf("create-only swap = %v, %q, %v; want success with a new version", swapped, created, err)
	}
	wantValue(t, b, "k3", []byte("new"))
	if keys := allKeys(t, b); !slices.Contains(keys, "k3") {
		t.Fatalf("key created by CompareAndSwap not listed: %q", keys)
	}
	// The absent version of a present key never matches.
	if swapped, _, err := b.CompareAndSwap(ctx, "k3", absent, []byte("again")); err != nil || swapped {
		t.Fatalf("create-only swap on a present key = %v, %v; want a conflict", swapped, err)
	}
	// Deleting makes the key absent with a version unlike the present one.
	present := mustVersion(t, b, "k3")
	if err := b.Delete(ctx, "k3"); err != nil {
		t.Fatal(err)
	}
	if gone := mustVersion(t, b, "k3"); gone == present || gone == absent {
		t.Fatalf("version after delete %q equals an earlier one (%q, %q)", gone, present, absent)
	}
}

func (s *suite) testCASVersionChanges(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	seen := map[engine.Version]string{}
	record := func(step string) {
		t.Helper()
		v := mustVersion(t, b, "k")
		if prev, dup := seen[v]; dup {
			t.Fatalf("version %q after %s already seen after %s", v, step, prev)
		}
		seen[v] = step
	}
	record("start (absent)")
	mustSet(t, b, "k", []byte("1"))
	record("Set")
	if _, err := b.IncrementU64(ctx, "k", 1); err != nil {
		t.Fatal(err)
	}
	record("IncrementU64")
	if _, err := b.IncrementS64(ctx, "k", -1); err != nil {
		t.Fatal(err)
	}
	record("IncrementS64")
	if err := b.SetMany(ctx, []engine.Entry{{Key: "k", Value: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	record("SetMany")
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	record("Delete")
	mustSet(t, b, "k", []byte("1"))
	record("Set again")
	if err := b.DeleteMany(ctx, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	record("DeleteMany")
	// Failed operations and reads do not change the version.
	mustSet(t, b, "k", []byte("x"))
	record("Set x")
	v := mustVersion(t, b, "k")
	_, _, _ = b.Get(ctx, "k")
	_, _ = b.Exists(ctx, "k")
	_, _ = b.IncrementU64(ctx, "k", 1) // fails: not a number
	_ = b.Set(ctx, "k", make([]byte, engine.DefaultMaxValueBytes+1))
	_, _, _ = b.CompareAndSwap(ctx, "k", "stale", []byte("y"))
	if after := mustVersion(t, b, "k"); after != v {
		t.Fatalf("version changed from %q to %q without a write", v, after)
	}
}

func (s *suite) testCASZeroVersion(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	for _, k := range []string{"absent", "present"} {
		if k == "present" {
			mustSet(t, b, k, []byte("v"))
		}
		if swapped, cur, err := b.CompareAndSwap(ctx, k, "", []byte("x")); err != nil || swapped || cur == "" {
			t.Fatalf("CompareAndSwap(%s, zero Version) = %v, %q, %v; want a conflict and the current version", k, swapped, cur, err)
		}
	}
	wantAbsent(t, b, "absent")
	wantValue(t, b, "present", []byte("v"))
}

// testCASConcurrentCounter builds a counter out of CAS retry loops.
func (s *suite) testCASConcurrentCounter(t *testing.T) {
	ctx := t.Context()
	const workers, each = 8, 200
	b := s.bucket(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				v, ok, ver, err := b.GetVersioned(ctx, "n")
				for {
					if err != nil {
						errs <- err
						return
					}
					n := 0
					if ok {
						n, _ = strconv.Atoi(string(v))
					}
					swapped, _, err2 := b.CompareAndSwap(ctx, "n", ver, []byte(strconv.Itoa(n+1)))
					if err2 != nil {
						errs <- err2
						return
					}
					if swapped {
						break
					}
					v, ok, ver, err = b.GetVersioned(ctx, "n")
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantValue(t, b, "n", []byte(strconv.Itoa(workers*each)))
}

func (s *suite) testCompareAndSwapU64(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	if ok, err := engine.CompareAndSwapU64(ctx, b, "missing", 0, 1); err != nil || ok {
		t.Fatalf("missing key: %v, %v; want false", ok, err)
	}
	wantAbsent(t, b, "missing")
	mustSet(t, b, "n", []byte("7"))
	if ok, err := engine.CompareAndSwapU64(ctx, b, "n", 8, 9); err != nil || ok {
		t.Fatalf("mismatch: %v, %v; want false", ok, err)
	}
	wantValue(t, b, "n", []byte("7"))
	if ok, err := engine.CompareAndSwapU64(ctx, b, "n", 7, 9); err != nil || !ok {
		t.Fatalf("match: %v, %v; want true", ok, err)
	}
	wantValue(t, b, "n", []byte("9"))
	mustSet(t, b, "n", []byte("abc"))
	if ok, err := engine.CompareAndSwapU64(ctx, b, "n", 0, 1); err != nil || ok {
		t.Fatalf("non-numeric: %v, %v; want false", ok, err)
	}
	wantValue(t, b, "n", []byte("abc"))
	// A write between the helper's read and its swap that leaves the
	// number equal to old must not make it fail: it retries.
	mustSet(t, b, "n", []byte("5"))
	meddler := &meddlingBucket{Bucket: b, times: 3, value: []byte("05")}
	if ok, err := engine.CompareAndSwapU64(ctx, meddler, "n", 5, 6); err != nil || !ok {
		t.Fatalf("after same-number writes between read and swap: %v, %v; want true", ok, err)
	}
	wantValue(t, b, "n", []byte("6"))
	if meddler.times != 0 {
		t.Fatalf("helper read %d times fewer than expected", meddler.times)
	}
	// A write that changes the number makes it return false.
	meddler = &meddlingBucket{Bucket: b, times: 1, value: []byte("7")}
	if ok, err := engine.CompareAndSwapU64(ctx, meddler, "n", 6, 8); err != nil || ok {
		t.Fatalf("after a changing write between read and swap: %v, %v; want false", ok, err)
	}
	wantValue(t, b, "n", []byte("7"))

	mustSet(t, b, "n", []byte("0"))
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for {
					v, _, _ := b.Get(ctx, "n")
					n, _ := strconv.ParseUint(string(v), 10, 64)
					if ok, err := engine.CompareAndSwapU64(ctx, b, "n", n, n+1); err != nil || ok {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	wantValue(t, b, "n", []byte(strconv.Itoa(workers*each)))
}

// meddlingBucket writes value under the key right after each of the first
// `times` GetVersioned calls, as a concurrent client could.
type meddlingBucket struct {
	engine.Bucket
	times int
	value []byte
}

func (m *meddlingBucket) GetVersioned(ctx context.Context, key string) ([]byte, bool, engine.Version, error) {
	v, ok, ver, err := m.Bucket.GetVersioned(ctx, key)
	if err == nil && m.times > 0 {
		m.times--
		err = m.Bucket.Set(ctx, key, m.value)
	}
	return v, ok, ver, err
}
