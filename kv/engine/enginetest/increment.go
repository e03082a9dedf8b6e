package enginetest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule Increment: u64 and s64 counters.

func (s *suite) testIncrementAbsent(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	if n, err := b.IncrementU64(ctx, "u", 5); err != nil || n != 5 {
		t.Fatalf("IncrementU64(absent, 5) = %d, %v; want 5", n, err)
	}
	wantValue(t, b, "u", []byte("5"))
	if n, err := b.IncrementU64(ctx, "u", 10); err != nil || n != 15 {
		t.Fatalf("IncrementU64(5, 10) = %d, %v; want 15", n, err)
	}
	wantValue(t, b, "u", []byte("15"))
	if n, err := b.IncrementS64(ctx, "s", -5); err != nil || n != -5 {
		t.Fatalf("IncrementS64(absent, -5) = %d, %v; want -5", n, err)
	}
	wantValue(t, b, "s", []byte("-5"))
	if n, err := b.IncrementU64(ctx, "zero", 0); err != nil || n != 0 {
		t.Fatalf("IncrementU64(absent, 0) = %d, %v", n, err)
	}
	wantValue(t, b, "zero", []byte("0"))
	if keys := allKeys(t, b); !slices.Equal(keys, []string{"s", "u", "zero"}) {
		t.Fatalf("counters must be listed: %q", keys)
	}
	// A counter written with Set is read by increments.
	mustSet(t, b, "set", []byte("41"))
	if n, err := b.IncrementS64(ctx, "set", 1); err != nil || n != 42 {
		t.Fatalf("IncrementS64(\"41\", 1) = %d, %v", n, err)
	}
}

type incCase struct {
	stored string
	delta  int64
	want   string
	kind   error // nil: success, result want
}

func (s *suite) testIncrementU64Values(t *testing.T) {
	ctx := t.Context()
	maxU := strconv.FormatUint(math.MaxUint64, 10)
	cases := []struct {
		stored string
		delta  uint64
		want   string
		kind   error
	}{
		{"0", 1, "1", nil},
		{"007", 1, "8", nil},
		{"+3", 1, "4", nil},
		{"18446744073709551614", 1, maxU, nil},
		{maxU, 0, maxU, nil},
		{"1", math.MaxUint64 - 1, maxU, nil},
		{maxU, 1, "", engine.ErrOverflow},
		{"1", math.MaxUint64, "", engine.ErrOverflow},
		{"18446744073709551616", 1, "", engine.ErrNotInteger}, // does not fit
		{"99999999999999999999999", 1, "", engine.ErrNotInteger},
		{"abc", 1, "", engine.ErrNotInteger},
		{"", 1, "", engine.ErrNotInteger},
		{"-1", 1, "", engine.ErrNotInteger},
		{"-0", 1, "", engine.ErrNotInteger},
		{"+", 1, "", engine.ErrNotInteger},
		{" 1", 1, "", engine.ErrNotInteger},
		{"1 ", 1, "", engine.ErrNotInteger},
		{"1\n", 1, "", engine.ErrNotInteger},
		{"1.0", 1, "", engine.ErrNotInteger},
		{"1e3", 1, "", engine.ErrNotInteger},
		{"0x10", 1, "", engine.ErrNotInteger},
		{"1_000", 1, "", engine.ErrNotInteger},
		{"\u0663", 1, "", engine.ErrNotInteger}, // ARABIC-INDIC DIGIT THREE
		{"\x00", 1, "", engine.ErrNotInteger},
	}
	b := s.bucket(t)
	for i, tc := range cases {
		key := fmt.Sprintf("c%d", i)
		mustSet(t, b, key, []byte(tc.stored))
		n, err := b.IncrementU64(ctx, key, tc.delta)
		if tc.kind != nil {
			wantKind(t, fmt.Sprintf("IncrementU64(%q, %d)", tc.stored, tc.delta), err, tc.kind, "increment")
			wantValue(t, b, key, []byte(tc.stored)) // unchanged
			continue
		}
		if err != nil || strconv.FormatUint(n, 10) != tc.want {
			t.Fatalf("IncrementU64(%q, %d) = %d, %v; want %s", tc.stored, tc.delta, n, err, tc.want)
		}
		wantValue(t, b, key, []byte(tc.want)) // canonical text
	}
	_, err := b.IncrementU64(ctx, "c0", math.MaxUint64)
	wantKind(t, "overflow", err, engine.ErrOverflow, "u64")
	_, err = b.IncrementU64(ctx, "c10", 1)
	wantKind(t, "not a number", err, engine.ErrNotInteger, `"abc"`)
}

func (s *suite) testIncrementS64Values(t *testing.T) {
	ctx := t.Context()
	maxS := strconv.FormatInt(math.MaxInt64, 10)
	minS := strconv.FormatInt(math.MinInt64, 10)
	cases := []incCase{
		{"0", -1, "-1", nil},
		{"-5", 3, "-2", nil},
		{"-5", -3, "-8", nil},
		{"+5", -10, "-5", nil},
		{"-007", 0, "-7", nil},
		{maxS, 0, maxS, nil},
		{minS, 0, minS, nil},
		{minS, math.MaxInt64, "-1", nil},
		{maxS, math.MinInt64, "-1", nil},
		{"9223372036854775806", 1, maxS, nil},
		{"-9223372036854775807", -1, minS, nil},
		{maxS, 1, "", engine.ErrOverflow},
		{minS, -1, "", engine.ErrOverflow},
		{"1", math.MaxInt64, "", engine.ErrOverflow},
		{"-2", math.MinInt64, "", engine.ErrOverflow},
		{"9223372036854775808", -1, "", engine.ErrNotInteger}, // does not fit s64
		{"-9223372036854775809", 1, "", engine.ErrNotInteger},
		{"18446744073709551615", -1, "", engine.ErrNotInteger},
		{"abc", 1, "", engine.ErrNotInteger},
		{"", 1, "", engine.ErrNotInteger},
		{"-", 1, "", engine.ErrNotInteger},
		{"--1", 1, "", engine.ErrNotInteger},
		{"+-1", 1, "", engine.ErrNotInteger},
		{"1-", 1, "", engine.ErrNotInteger},
	}
	b := s.bucket(t)
	for i, tc := range cases {
		key := fmt.Sprintf("c%d", i)
		mustSet(t, b, key, []byte(tc.stored))
		n, err := b.IncrementS64(ctx, key, tc.delta)
		if tc.kind != nil {
			wantKind(t, fmt.Sprintf("IncrementS64(%q, %d)", tc.stored, tc.delta), err, tc.kind, "increment")
			wantValue(t, b, key, []byte(tc.stored))
			continue
		}
		if err != nil || strconv.FormatInt(n, 10) != tc.want {
			t.Fatalf("IncrementS64(%q, %d) = %d, %v; want %s", tc.stored, tc.delta, n, err, tc.want)
		}
		wantValue(t, b, key, []byte(tc.want))
	}
	// A negative s64 counter is not a u64.
	mustSet(t, b, "neg", []byte("-5"))
	_, err := b.IncrementU64(ctx, "neg", 1)
	wantKind(t, "IncrementU64 on -5", err, engine.ErrNotInteger, "u64")
	wantValue(t, b, "neg", []byte("-5"))
	_, err = b.IncrementS64(ctx, "c11", 1)
	wantKind(t, "overflow", err, engine.ErrOverflow, "s64")
}

func (s *suite) testIncrementConcurrent(t *testing.T) {
	ctx := t.Context()
	const workers, each = 16, 1000
	b := s.bucket(t)
	for _, typ := range []string{"u64", "s64"} {
		t.Run(typ, func(t *testing.T) {
			results := make([][]int64, workers)
			errs := make(chan error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						var n int64
						var err error
						if typ == "u64" {
							var u uint64
							u, err = b.IncrementU64(ctx, typ, 1)
							n = int64(u)
						} else {
							n, err = b.IncrementS64(ctx, typ, 1)
						}
						if err != nil {
							errs <- err
							return
						}
						results[w] = append(results[w], n)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			seen := make(map[int64]bool, workers*each)
			for _, r := range results {
				for i, n := range r {
					if seen[n] {
						t.Fatalf("value %d returned twice", n)
					}
					if i > 0 && n <= r[i-1] {
						t.Fatalf("one goroutine saw %d after %d", n, r[i-1])
					}
					seen[n] = true
				}
			}
			if len(seen) != workers*each {
				t.Fatalf("%d distinct results, want %d", len(seen), workers*each)
			}
			for n := int64(1); n <= workers*each; n++ {
				if !seen[n] {
					t.Fatalf("result %d missing", n)
				}
			}
			wantValue(t, b, typ, []byte(strconv.Itoa(workers*each)))
		})
	}
}
