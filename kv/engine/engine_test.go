package engine_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

func TestNewOptionsDefaults(t *testing.T) {
	o := engine.NewOptions()
	want := engine.Options{MaxKeyBytes: 16384, MaxValueBytes: 4 << 20, PageSize: 100}
	if o.CreateOnOpen || o.Buckets != nil || o.MaxKeyBytes != want.MaxKeyBytes ||
		o.MaxValueBytes != want.MaxValueBytes || o.PageSize != want.PageSize {
		t.Fatalf("NewOptions() = %+v, want %+v", o, want)
	}
	if engine.DefaultMaxValueBytes < 1<<20 {
		t.Fatal("the default value limit must be at least 1 MiB")
	}
}

func TestNewOptionsApply(t *testing.T) {
	names := []string{"a", "b"}
	o := engine.NewOptions(
		engine.CreateOnOpen(true), engine.MaxKeyBytes(10), engine.MaxValueBytes(20), engine.PageSize(3),
		engine.Buckets(names...), nil, engine.Buckets("c"), engine.PageSize(5),
	)
	if !o.CreateOnOpen || o.MaxKeyBytes != 10 || o.MaxValueBytes != 20 || o.PageSize != 5 {
		t.Fatalf("options not applied in order: %+v", o)
	}
	if !slices.Equal(o.Buckets, []string{"a", "b", "c"}) {
		t.Fatalf("Buckets = %q", o.Buckets)
	}
	names[0] = "changed"
	if o.Buckets[0] != "a" {
		t.Fatal("Options.Buckets aliases the caller's slice")
	}
	o = engine.NewOptions(engine.MaxKeyBytes(0), engine.MaxValueBytes(-1), engine.PageSize(-5))
	if o.MaxKeyBytes != engine.DefaultMaxKeyBytes || o.MaxValueBytes != engine.DefaultMaxValueBytes || o.PageSize != engine.DefaultPageSize {
		t.Fatalf("non-positive limits must mean the defaults: %+v", o)
	}
	if o := engine.NewOptions(engine.CreateOnOpen(true), engine.CreateOnOpen(false)); o.CreateOnOpen {
		t.Fatal("CreateOnOpen(false) after CreateOnOpen(true) must win")
	}
}

func TestCheckMessages(t *testing.T) {
	o := engine.NewOptions(engine.MaxKeyBytes(10), engine.MaxValueBytes(20))
	cases := []struct {
		name string
		err  error
		kind error
		msg  string
	}{
		{"key ok", o.CheckKey("set", "0123456789"), nil, ""},
		{"empty key ok", o.CheckKey("set", ""), nil, ""},
		{"key too large", o.CheckKey("set", "0123456789a"), engine.ErrKeyTooLarge,
			"kv: set: key is 11 bytes, over the limit of 10 bytes (MaxKeyBytes)"},
		{"key invalid", o.CheckKey("get", "a\xff"), engine.ErrInvalidKey,
			`kv: get: key "a\xff" is not valid UTF-8`},
		{"bucket too large", o.CheckBucket("open", strings.Repeat("b", 12)), engine.ErrKeyTooLarge,
			"kv: open: bucket identifier is 12 bytes, over the limit of 10 bytes (MaxKeyBytes)"},
		{"bucket invalid", o.CheckBucket("open", "\xc3"), engine.ErrInvalidKey,
			`kv: open: bucket identifier "\xc3" is not valid UTF-8`},
		{"cursor too large", o.CheckCursor("list-keys", strings.Repeat("c", 11)), engine.ErrInvalidCursor,
			"kv: list-keys: cursor is 11 bytes, over the limit of 10 bytes (MaxKeyBytes)"},
		{"cursor invalid", o.CheckCursor("list-keys", "\xff"), engine.ErrInvalidCursor,
			`kv: list-keys: cursor "\xff" is not valid UTF-8`},
		{"value ok", o.CheckValue("set", "k", 20), nil, ""},
		{"value too large", o.CheckValue("set", "k", 21), engine.ErrValueTooLarge,
			`kv: set: value for key "k" is 21 bytes, over the limit of 20 bytes (MaxValueBytes)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.kind == nil {
				if tc.err != nil {
					t.Fatalf("unexpected error %v", tc.err)
				}
				return
			}
			if !errors.Is(tc.err, tc.kind) {
				t.Fatalf("error %v is not %v", tc.err, tc.kind)
			}
			var ke *engine.Error
			if !errors.As(tc.err, &ke) || ke.Kind != tc.kind {
				t.Fatalf("error %#v is not an *Error of kind %v", tc.err, tc.kind)
			}
			if tc.err.Error() != tc.msg {
				t.Fatalf("message %q, want %q", tc.err, tc.msg)
			}
			for _, other := range []error{engine.ErrNoSuchStore, engine.ErrAccessDenied} {
				if errors.Is(tc.err, other) {
					t.Fatalf("%v must not be %v", tc.err, other)
				}
			}
		})
	}
}

func TestErrorMessagesStaySmall(t *testing.T) {
	o := engine.NewOptions()
	huge := strings.Repeat("\xff", 1<<20)
	for _, err := range []error{
		o.CheckKey("set", huge[:100]),
		o.CheckValue("set", huge[:o.MaxKeyBytes], 1<<30),
		func() error { _, err := engine.AddU64("k", []byte(huge), true, 1); return err }(),
	} {
		if err == nil || len(err.Error()) > 400 {
			t.Fatalf("error message of %d bytes: %.200q", len(err.Error()), err)
		}
	}
}

func TestBatchError(t *testing.T) {
	inner := engine.NewOptions(engine.MaxValueBytes(2)).CheckValue("set-many", "k", 3)
	err := error(&engine.BatchError{Op: "set-many", Index: 1, Done: 0, Total: 3, Err: inner})
	const want = `kv: set-many: entry 1: value for key "k" is 3 bytes, over the limit of 2 bytes (MaxValueBytes) (0 of 3 entries applied)`
	if err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	var ke *engine.Error
	if !errors.Is(err, engine.ErrValueTooLarge) || !errors.As(err, &ke) || ke != inner {
		t.Fatal("BatchError does not unwrap to its *Error")
	}
	err = &engine.BatchError{Op: "delete-many", Index: -1, Done: 7, Total: 9, Err: context.Canceled}
	if !errors.Is(err, context.Canceled) || err.Error() != "kv: delete-many: context canceled (7 of 9 entries applied)" {
		t.Fatalf("got %q", err)
	}
}

func TestAddU64(t *testing.T) {
	cases := []struct {
		value string
		found bool
		delta uint64
		want  uint64
		kind  error
	}{
		{"", false, 5, 5, nil},
		{"garbage", false, 5, 5, nil}, // not found: the bytes are ignored
		{"10", true, 5, 15, nil},
		{"+0", true, 0, 0, nil},
		{"0018446744073709551615", true, 0, math.MaxUint64, nil},
		{"18446744073709551615", true, 1, 0, engine.ErrOverflow},
		{"", false, math.MaxUint64, math.MaxUint64, nil},
		{"", true, 1, 0, engine.ErrNotInteger},
		{"-1", true, 1, 0, engine.ErrNotInteger},
		{"1 ", true, 1, 0, engine.ErrNotInteger},
		{"18446744073709551616", true, 0, 0, engine.ErrNotInteger},
		{"184467440737095516150", true, 0, 0, engine.ErrNotInteger},
	}
	for _, tc := range cases {
		got, err := engine.AddU64("k", []byte(tc.value), tc.found, tc.delta)
		if tc.kind != nil {
			if !errors.Is(err, tc.kind) {
				t.Errorf("AddU64(%q, %v, %d) error = %v, want %v", tc.value, tc.found, tc.delta, err, tc.kind)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("AddU64(%q, %v, %d) = %d, %v; want %d", tc.value, tc.found, tc.delta, got, err, tc.want)
		}
	}
}

func TestAddS64(t *testing.T) {
	cases := []struct {
		value string
		found bool
		delta int64
		want  int64
		kind  error
	}{
		{"", false, -5, -5, nil},
		{"-10", true, 5, -5, nil},
		{"+10", true, -20, -10, nil},
		{"-0", true, 0, 0, nil},
		{"9223372036854775807", true, 0, math.MaxInt64, nil},
		{"-9223372036854775808", true, 0, math.MinInt64, nil},
		{"9223372036854775807", true, 1, 0, engine.ErrOverflow},
		{"-9223372036854775808", true, -1, 0, engine.ErrOverflow},
		{"", false, math.MinInt64, math.MinInt64, nil},
		{"-1", true, math.MinInt64, 0, engine.ErrOverflow},
		{"0", true, math.MinInt64, math.MinInt64, nil},
		{"9223372036854775808", true, 0, 0, engine.ErrNotInteger},
		{"-9223372036854775809", true, 0, 0, engine.ErrNotInteger},
		{"- 1", true, 0, 0, engine.ErrNotInteger},
		{"", true, 0, 0, engine.ErrNotInteger},
	}
	for _, tc := range cases {
		got, err := engine.AddS64("k", []byte(tc.value), tc.found, tc.delta)
		if tc.kind != nil {
			if !errors.Is(err, tc.kind) {
				t.Errorf("AddS64(%q, %v, %d) error = %v, want %v", tc.value, tc.found, tc.delta, err, tc.kind)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("AddS64(%q, %v, %d) = %d, %v; want %d", tc.value, tc.found, tc.delta, got, err, tc.want)
		}
	}
	_, err := engine.AddS64("n", []byte("abc"), true, 1)
	if want := `kv: increment: value of key "n" is "abc", not the decimal text of a s64`; err == nil || err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	_, err = engine.AddU64("n", []byte("18446744073709551615"), true, 2)
	if want := `kv: increment: key "n": 18446744073709551615 + 2 overflows u64`; err == nil || err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

// pagedBucket serves fixed pages, to test AllKeys against a misbehaving
// engine. Other methods are not implemented.
type pagedBucket struct {
	engine.Bucket
	first []string
	after func(string) []string
	calls int
}

func (p *pagedBucket) ListKeys(ctx context.Context, offset uint64) ([]string, bool, error) {
	return p.first, true, nil
}

func (p *pagedBucket) ListKeysAfter(ctx context.Context, after string) ([]string, bool, error) {
	p.calls++
	if p.calls > 100 {
		return nil, false, errors.New("AllKeys did not stop")
	}
	keys := p.after(after)
	return keys, len(keys) > 0, nil
}

func TestAllKeysStopsOnMisbehavingEngine(t *testing.T) {
	cases := map[string]*pagedBucket{
		"repeats the cursor": {first: []string{"a", "b"}, after: func(string) []string { return []string{"b", "c"} }},
		"goes back":          {first: []string{"a", "b"}, after: func(string) []string { return []string{"a"} }},
		"unsorted page":      {first: []string{"b", "a"}, after: func(string) []string { return nil }},
		"cycles":             {first: []string{"a", "b"}, after: func(k string) []string { return []string{"c", "a"} }},
	}
	for name, b := range cases {
		keys, err := engine.AllKeys(context.Background(), b)
		if !errors.Is(err, engine.ErrInvalidCursor) || keys != nil {
			t.Errorf("%s: AllKeys = %q, %v; want ErrInvalidCursor", name, keys, err)
		}
	}
	ok := &pagedBucket{first: []string{"", "a"}, after: func(k string) []string {
		if k == "a" {
			return []string{"b"}
		}
		return nil
	}}
	if keys, err := engine.AllKeys(context.Background(), ok); err != nil || !slices.Equal(keys, []string{"", "a", "b"}) {
		t.Fatalf("AllKeys = %q, %v", keys, err)
	}
}

func TestApplyEach(t *testing.T) {
	ctx := context.Background()
	var applied []int
	err := engine.ApplyEach(ctx, "set-many", 4, func(i int) error {
		if i == 2 {
			return errors.New("boom")
		}
		applied = append(applied, i)
		return nil
	})
	var be *engine.BatchError
	if !errors.As(err, &be) || be.Index != 2 || be.Done != 2 || be.Total != 4 || len(applied) != 2 {
		t.Fatalf("failure at entry 2: %#v, applied %v", err, applied)
	}
	cctx, cancel := context.WithCancel(ctx)
	err = engine.ApplyEach(cctx, "delete-many", 3, func(i int) error {
		if i == 1 {
			cancel()
			return cctx.Err()
		}
		return nil
	})
	if !errors.As(err, &be) || be.Index != -1 || be.Done != 1 {
		t.Fatalf("ctx ended at entry 1: %#v", err)
	}
	if err := engine.ApplyEach(ctx, "set-many", 0, nil); err != nil {
		t.Fatal(err)
	}
}
