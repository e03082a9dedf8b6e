package redis_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/witgo-dev/witgo/internal/redistest"
	"github.com/witgo-dev/witgo/kv/engine"
	kvredis "github.com/witgo-dev/witgo/kv/redis"
)

// TestIncrementMatchesRules compares the decimal arithmetic of the Lua
// increment script with engine.AddU64 and AddS64, the rules every engine
// shares, on edge cases and random numbers: the same results, the same
// errors, and the same stored value afterwards.
func TestIncrementMatchesRules(t *testing.T) {
	s := redistest.Find(t)
	b := open(t, connect(t, s.URL, kvredis.EngineOptions(engine.CreateOnOpen(true))), "arith")
	values := []string{"", "0", "00", "+0", "-0", "+", "-", "1", "-1", "+12", "007", "-007", " 1", "1 ", "1_0", "0x10",
		"1e3", "1.0", "é", "\x00", "--1", "+-1", "-+1", "١",
		"18446744073709551615", "18446744073709551616", "+18446744073709551615", "18446744073709551614",
		"000000000000000000000018446744073709551615", "99999999999999999999",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"-9223372036854775807", "+9223372036854775806", "-0009223372036854775808"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		values = append(values, strconv.FormatUint(r.Uint64()>>r.IntN(64), 10), strconv.FormatInt(int64(r.Uint64())>>r.IntN(64), 10))
	}
	u64 := []uint64{0, 1, 2, 9, 10, math.MaxUint64, math.MaxUint64 - 1, 1 << 63, 1<<63 - 1}
	s64 := []int64{0, 1, -1, 2, -2, 10, -10, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	for range 20 {
		u64 = append(u64, r.Uint64()>>r.IntN(64))
		s64 = append(s64, int64(r.Uint64())>>r.IntN(64))
	}
	kindOf := func(err error) string {
		switch {
		case err == nil:
			return "ok"
		case errors.Is(err, engine.ErrNotInteger):
			return "not-integer"
		case errors.Is(err, engine.ErrOverflow):
			return "overflow"
		}
		return err.Error()
	}
	show := func(v *string) string {
		if v == nil {
			return "absent"
		}
		return strconv.Quote(*v)
	}
	check := func(v *string, what string, got, want any, gotErr, wantErr error) {
		t.Helper()
		if kindOf(gotErr) != kindOf(wantErr) || (gotErr == nil && got != want) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("value %s, %s: got %v, %v; want %v, %v", show(v), what, got, gotErr, want, wantErr)
		}
		stored, ok, err := b.Get(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case wantErr == nil && string(stored) != toText(want):
			t.Fatalf("value %s, %s: stored %q, want %v", show(v), what, stored, want)
		case wantErr != nil && (v == nil) == ok:
			t.Fatalf("value %s, %s: a failed increment changed presence", show(v), what)
		case wantErr != nil && v != nil && string(stored) != *v:
			t.Fatalf("value %q, %s: a failed increment stored %q", *v, what, stored)
		}
	}
	set := func(v *string) {
		if v == nil {
			if err := b.Delete(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := b.Set(ctx, "k", []byte(*v)); err != nil {
			t.Fatal(err)
		}
	}
	all := []*string{nil}
	for i := range values {
		all = append(all, &values[i])
	}
	n := 0
	for _, v := range all {
		var old []byte
		if v != nil {
			old = []byte(*v)
		}
		for _, d := range u64 {
			set(v)
			want, wantErr := engine.AddU64("k", old, v != nil, d)
			got, err := b.IncrementU64(ctx, "k", d)
			check(v, "u64 +"+strconv.FormatUint(d, 10), got, want, err, wantErr)
			n++
		}
		for _, d := range s64 {
			set(v)
			want, wantErr := engine.AddS64("k", old, v != nil, d)
			got, err := b.IncrementS64(ctx, "k", d)
			check(v, "s64 +"+strconv.FormatInt(d, 10), got, want, err, wantErr)
			n++
		}
	}
	t.Logf("%d increments agree with engine.AddU64 and AddS64", n)
}

func toText(v any) string {
	switch n := v.(type) {
	case uint64:
		return strconv.FormatUint(n, 10)
	case int64:
		return strconv.FormatInt(n, 10)
	}
	return ""
}
