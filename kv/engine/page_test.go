package engine

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestPageAtAndAfter(t *testing.T) {
	keys := []string{"", "a", "b", "c", "d"}
	for _, tc := range []struct {
		offset uint64
		want   []string
		more   bool
	}{{0, []string{"", "a"}, true}, {3, []string{"c", "d"}, false}, {4, []string{"d"}, false}, {5, []string{}, false}, {math.MaxUint64, []string{}, false}} {
		got, more := PageAt(keys, tc.offset, 2)
		if !slices.Equal(got, tc.want) || more != tc.more || got == nil {
			t.Errorf("PageAt(%d) = %q, %v; want %q, %v", tc.offset, got, more, tc.want, tc.more)
		}
	}
	for _, tc := range []struct {
		after string
		want  []string
		more  bool
	}{{"", []string{"a", "b"}, true}, {"a", []string{"b", "c"}, true}, {"bb", []string{"c", "d"}, false}, {"d", []string{}, false}, {"zz", []string{}, false}} {
		got, more := PageAfter(keys, tc.after, 2)
		if !slices.Equal(got, tc.want) || more != tc.more {
			t.Errorf("PageAfter(%q) = %q, %v; want %q, %v", tc.after, got, more, tc.want, tc.more)
		}
	}
	if got, more := PageAt(keys, 1, math.MaxInt); len(got) != 4 || more {
		t.Errorf("PageAt with a huge page size = %q, %v", got, more)
	}
	got, _ := PageAt(keys, 0, 2)
	got[0] = "changed"
	if keys[0] != "" {
		t.Fatal("PageAt aliases its input")
	}
}

func TestIncrementWith(t *testing.T) {
	store := map[string][]byte{"n": []byte("41"), "x": []byte("abc"), "max": []byte(strconv.FormatUint(math.MaxUint64, 10))}
	update := func(key string) Updater {
		return func(next func([]byte, bool) ([]byte, error)) error {
			old, found := store[key]
			v, err := next(old, found)
			if err == nil {
				store[key] = v
			}
			return err
		}
	}
	if n, err := IncrementU64With(update("n"), "n", 1); n != 42 || err != nil || string(store["n"]) != "42" {
		t.Fatalf("n: %d, %v, %q", n, err, store["n"])
	}
	if n, err := IncrementS64With(update("new"), "new", -5); n != -5 || err != nil || string(store["new"]) != "-5" {
		t.Fatalf("new: %d, %v, %q", n, err, store["new"])
	}
	if _, err := IncrementU64With(update("x"), "x", 1); !errors.Is(err, ErrNotInteger) || string(store["x"]) != "abc" {
		t.Fatalf("x: %v, %q", err, store["x"])
	}
	if _, err := IncrementU64With(update("max"), "max", 1); !errors.Is(err, ErrOverflow) || string(store["max"]) != strconv.FormatUint(math.MaxUint64, 10) {
		t.Fatalf("max: %v, %q", err, store["max"])
	}
}

func TestPagePrefix(t *testing.T) {
	keys := []string{"", "a", "a/", "a/1", "a/2", "a/3", "ab", "b"}
	ptr := func(s string) *string { return &s }
	for _, tc := range []struct {
		prefix string
		after  *string
		want   []string
		more   bool
	}{
		{"a/", nil, []string{"a/", "a/1"}, true},
		{"a/", ptr("a/1"), []string{"a/2", "a/3"}, false},
		{"a/", ptr("a/2"), []string{"a/3"}, false},
		{"a/", ptr("a/3"), []string{}, false},
		{"a/", ptr("a/0"), []string{"a/1", "a/2"}, true}, // a cursor that is not a key
		{"", nil, []string{"", "a"}, true},
		{"", ptr(""), []string{"a", "a/"}, true},
		{"b", nil, []string{"b"}, false},
		{"c", nil, []string{}, false},
		{"", ptr("b"), []string{}, false},
	} {
		got, more := PagePrefix(keys, tc.prefix, tc.after, 2)
		if !slices.Equal(got, tc.want) || more != tc.more || got == nil {
			t.Errorf("PagePrefix(%q, %v) = %q, %v; want %q, %v", tc.prefix, tc.after, got, more, tc.want, tc.more)
		}
	}
}

func TestExpiresAt(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	o := NewOptions(Clock(func() time.Time { return now }))
	if got := o.ExpiresAt(0); got != 0 {
		t.Errorf("ExpiresAt(0) = %d, want 0 (no expiry)", got)
	}
	if got, want := o.ExpiresAt(time.Second), now.UnixNano()+1e9; got != want {
		t.Errorf("ExpiresAt(1s) = %d, want %d", got, want)
	}
	if got := o.ExpiresAt(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("ExpiresAt(max) = %d, want math.MaxInt64 (saturated)", got)
	}
	if o.Expired(0) || o.Expired(now.UnixNano()+1) || !o.Expired(now.UnixNano()) {
		t.Error("Expired: 0 is never, an expiry is passed once the clock reaches it")
	}
	if NewOptions().Now == nil {
		t.Error("NewOptions leaves no clock")
	}
}

func TestInvalidCursorIsInvalidArgument(t *testing.T) {
	err := NewOptions().CheckPrefixCursor("list-keys", "a/", "b")
	if !errors.Is(err, ErrInvalidCursor) || !errors.Is(err, ErrInvalidArgument) || errors.Is(ErrInvalidArgument, ErrInvalidCursor) {
		t.Fatalf("CheckPrefixCursor(a/, b) = %v: want ErrInvalidCursor, a kind of ErrInvalidArgument", err)
	}
	if ErrInvalidCursor.Error() != "invalid cursor" {
		t.Errorf("ErrInvalidCursor = %q", ErrInvalidCursor)
	}
}
