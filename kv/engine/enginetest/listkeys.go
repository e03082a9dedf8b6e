package enginetest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
)

// Rule ListKeys: pages, order, cursors.

func mustList(t *testing.T, b engine.Bucket, offset uint64) ([]string, bool) {
	ctx := t.Context()
	t.Helper()
	keys, more, err := b.ListKeys(ctx, offset)
	if err != nil {
		t.Fatalf("ListKeys(%d): %v", offset, err)
	}
	if keys == nil {
		t.Fatalf("ListKeys(%d) returned a nil slice", offset)
	}
	if more && len(keys) == 0 {
		t.Fatalf("ListKeys(%d): more=true with an empty page", offset)
	}
	return keys, more
}

func mustListAfter(t *testing.T, b engine.Bucket, after string) ([]string, bool) {
	ctx := t.Context()
	t.Helper()
	keys, more, err := b.ListKeysAfter(ctx, after)
	if err != nil {
		t.Fatalf("ListKeysAfter(%q): %v", after, err)
	}
	if keys == nil {
		t.Fatalf("ListKeysAfter(%q) returned a nil slice", after)
	}
	if more && len(keys) == 0 {
		t.Fatalf("ListKeysAfter(%q): more=true with an empty page", after)
	}
	return keys, more
}

func (s *suite) testListKeysPaging(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100, 101, 200, 250} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			b := s.bucket(t)
			var want []string
			for i := range n {
				k := fmt.Sprintf("key-%03d", (i*37)%n) // set out of order
				want = append(want, k)
				mustSet(t, b, k, []byte(k))
			}
			slices.Sort(want)
			wantPages := (n + 99) / 100

			// u64 offset cursor.
			var got []string
			pages := 0
			for offset, more := uint64(0), true; more; {
				var keys []string
				keys, more = mustList(t, b, offset)
				pages++
				if len(keys) > 100 {
					t.Fatalf("page of %d keys, page size is 100", len(keys))
				}
				if more && len(keys) != 100 {
					t.Fatalf("non-final page has %d keys, want 100", len(keys))
				}
				got = append(got, keys...)
				offset += uint64(len(keys))
				if pages > 10 {
					t.Fatal("walk does not end")
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("offset walk returned %d keys %q..., want %d in bytewise order", len(got), head(got), len(want))
			}
			if pages != max(wantPages, 1) {
				t.Fatalf("offset walk took %d pages, want %d", pages, max(wantPages, 1))
			}

			// string last-key cursor.
			got = nil
			keys, more := mustList(t, b, 0)
			got = append(got, keys...)
			pages = 1
			for more {
				keys, more = mustListAfter(t, b, got[len(got)-1])
				got = append(got, keys...)
				pages++
				if pages > 10 {
					t.Fatal("walk does not end")
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("last-key walk returned %d keys, want %d in bytewise order", len(got), len(want))
			}
			if pages != max(wantPages, 1) {
				t.Fatalf("last-key walk took %d pages, want %d", pages, max(wantPages, 1))
			}
			if n == 250 && len(uniq(got)) != 250 {
				t.Fatalf("250 keys walked, %d distinct", len(uniq(got)))
			}
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

func uniq(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, k := range s {
		m[k] = true
	}
	return m
}

func (s *suite) testListKeysBytewiseOrder(t *testing.T) {
	b := s.bucket(t, engine.PageSize(2))
	// Bytewise (UTF-8) order, which is not UTF-16 or collation order:
	// U+FF61 sorts before U+1F600 in UTF-8 but after it in UTF-16.
	want := []string{"", "A", "Z", "a", "a\x00", "aa", "b", "z", "\u00e9", "\uff61", "\U0001f600"}
	for _, i := range []int{7, 3, 10, 0, 5, 1, 9, 2, 8, 4, 6} {
		mustSet(t, b, want[i], nil)
	}
	if got := allKeys(t, b); !slices.Equal(got, want) {
		t.Fatalf("keys = %q, want %q", got, want)
	}
	var got []string
	for off, more := uint64(0), true; more; {
		var keys []string
		keys, more = mustList(t, b, off)
		if len(keys) > 2 {
			t.Fatalf("PageSize(2) gave a page of %d", len(keys))
		}
		got = append(got, keys...)
		off += uint64(len(keys))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("offset walk = %q, want %q", got, want)
	}
}

// testListKeysDeletesBetweenPages deletes and adds keys between pages of a
// last-key walk: every key present throughout must come back exactly once.
func (s *suite) testListKeysDeletesBetweenPages(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	initial := map[string]bool{}
	for i := range 250 {
		k := fmt.Sprintf("k%03d", i)
		initial[k] = true
		mustSet(t, b, k, nil)
	}
	removed := map[string]bool{}
	del := func(keys ...string) {
		for _, k := range keys {
			if err := b.Delete(ctx, k); err != nil {
				t.Fatal(err)
			}
			removed[k] = true
		}
	}
	keys, more := mustList(t, b, 0)
	got := slices.Clone(keys)
	pages := 1
	for more {
		last := got[len(got)-1]
		switch pages {
		case 1:
			// The cursor key itself, keys already returned, keys not yet returned.
			del(last, "k000", "k050", "k100", "k150", "k151", "k199", "k200")
			mustSet(t, b, "k0995", nil) // after the cursor: may be listed
			mustSet(t, b, "k001a", nil) // before the cursor: must not be listed
		case 2:
			del(last, "k249", "k248")
		}
		keys, more = mustListAfter(t, b, last)
		got = append(got, keys...)
		pages++
		if pages > 10 {
			t.Fatal("walk does not end")
		}
	}
	count := map[string]int{}
	for i, k := range got {
		count[k]++
		if i > 0 && got[i-1] >= k {
			t.Fatalf("keys out of order: %q then %q", got[i-1], k)
		}
	}
	for k := range initial {
		if !removed[k] && count[k] != 1 {
			t.Fatalf("key %q present throughout was returned %d times", k, count[k])
		}
	}
	if count["k001a"] != 0 {
		t.Fatal("a key created before the cursor was listed")
	}
	for _, k := range []string{"k100", "k150", "k151", "k199", "k200", "k248", "k249"} {
		if count[k] != 0 {
			t.Fatalf("key %q, deleted before its page, was listed", k)
		}
	}
	if n := len(got); n < 250-10-3 || n > 250+1 {
		t.Fatalf("walk returned %d keys", n)
	}
}

// testListKeysConcurrentChurn walks while another goroutine creates and
// deletes keys: stable keys must come back exactly once, in order.
func (s *suite) testListKeysConcurrentChurn(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t)
	stable := map[string]bool{}
	for i := range 300 {
		k := fmt.Sprintf("%03d-s", i)
		stable[k] = true
		mustSet(t, b, k, nil)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := fmt.Sprintf("%03d-v", (i*131)%300)
			if i%2 == 0 {
				_ = b.Set(ctx, k, nil)
			} else {
				_ = b.Delete(ctx, k)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for round := range 20 {
		keys, more := mustList(t, b, 0)
		got := slices.Clone(keys)
		for pages := 1; more; pages++ {
			if pages > 50 {
				t.Fatalf("round %d: walk does not end", round)
			}
			keys, more = mustListAfter(t, b, got[len(got)-1])
			got = append(got, keys...)
		}
		seen := map[string]bool{}
		for i, k := range got {
			if i > 0 && got[i-1] >= k {
				t.Fatalf("round %d: keys out of order or repeated: %q then %q", round, got[i-1], k)
			}
			seen[k] = true
		}
		for k := range stable {
			if !seen[k] {
				t.Fatalf("round %d: stable key %q missing", round, k)
			}
		}
	}
}

func (s *suite) testListKeysPastEnd(t *testing.T) {
	b := s.bucket(t)
	if keys, more := mustList(t, b, 0); len(keys) != 0 || more {
		t.Fatalf("empty bucket: ListKeys(0) = %q, %v", keys, more)
	}
	if keys, more := mustListAfter(t, b, ""); len(keys) != 0 || more {
		t.Fatalf("empty bucket: ListKeysAfter(\"\") = %q, %v", keys, more)
	}
	for i := range 5 {
		mustSet(t, b, strconv.Itoa(i), nil)
	}
	for _, off := range []uint64{5, 6, 1 << 40, math.MaxUint64} {
		if keys, more := mustList(t, b, off); len(keys) != 0 || more {
			t.Fatalf("ListKeys(%d) past the end = %q, %v; want [], false", off, keys, more)
		}
	}
	if keys, more := mustList(t, b, 4); !slices.Equal(keys, []string{"4"}) || more {
		t.Fatalf("ListKeys(4) = %q, %v; want [4], false", keys, more)
	}
	for _, after := range []string{"4", "5", "\U0010ffff"} {
		if keys, more := mustListAfter(t, b, after); len(keys) != 0 || more {
			t.Fatalf("ListKeysAfter(%q) past the end = %q, %v; want [], false", after, keys, more)
		}
	}
}

func (s *suite) testListKeysInvalidCursor(t *testing.T) {
	ctx := t.Context()
	b := s.bucket(t, engine.MaxKeyBytes(10))
	mustSet(t, b, "a", nil)
	for _, after := range []string{"01234567890", "\xff", "a\xc3"} {
		keys, more, err := b.ListKeysAfter(ctx, after)
		wantKind(t, fmt.Sprintf("ListKeysAfter(%q)", after), err, engine.ErrInvalidCursor)
		if keys != nil || more {
			t.Fatalf("ListKeysAfter(%q) returned keys %q with an error", after, keys)
		}
	}
	if _, _, err := b.ListKeysAfter(ctx, "0123456789"); err != nil {
		t.Fatalf("cursor at the key limit: %v", err)
	}
}

func (s *suite) testListKeysNotAliased(t *testing.T) {
	b := s.bucket(t)
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, b, k, nil)
	}
	keys, _ := mustList(t, b, 0)
	keys[0] = "zzz"
	keys, _ = mustListAfter(t, b, "")
	keys[0] = "yyy"
	if got, _ := mustList(t, b, 0); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("modifying a returned page changed the listing: %q", got)
	}
}

func (s *suite) testAllKeys(t *testing.T) {
	b := s.bucket(t, engine.PageSize(7))
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("%02d", i))
		mustSet(t, b, want[i], nil)
	}
	if got := allKeys(t, b); !slices.Equal(got, want) {
		t.Fatalf("AllKeys = %q", got)
	}
}
