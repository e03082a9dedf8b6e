package engine

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
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
