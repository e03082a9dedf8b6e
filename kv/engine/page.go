package engine

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// PageAt returns a copy of the page of at most size keys of sorted that
// starts at offset, and whether keys remain after it: ListKeys for an engine
// that can produce all keys in bytewise order.
func PageAt(sorted []string, offset uint64, size int) ([]string, bool) {
	if offset >= uint64(len(sorted)) {
		return []string{}, false
	}
	i, end := int(offset), len(sorted)
	if size < end-i { // not i+size, which may overflow
		end = i + size
	}
	return slices.Clone(sorted[i:end]), end < len(sorted)
}

// PageAfter returns the page of at most size keys of sorted that follows the
// key after (which need not be present), and whether keys remain:
// ListKeysAfter for such an engine.
func PageAfter(sorted []string, after string, size int) ([]string, bool) {
	i, found := slices.BinarySearch(sorted, after)
	if found {
		i++
	}
	return PageAt(sorted, uint64(i), size)
}

// PagePrefix returns the page of at most size keys of sorted that begin
// with prefix and follow the key *after (from the first such key if after
// is nil), and whether keys with the prefix remain: ListPrefix for an engine
// that can produce all keys in bytewise order. The keys that begin with a
// prefix are one run of sorted, so the page is a binary search and a copy.
// after must begin with prefix (Options.CheckPrefixCursor).
func PagePrefix(sorted []string, prefix string, after *string, size int) ([]string, bool) {
	var i int
	if after == nil {
		i, _ = slices.BinarySearch(sorted, prefix)
	} else {
		var found bool
		if i, found = slices.BinarySearch(sorted, *after); found {
			i++
		}
	}
	// The run of keys with the prefix ends at the first key from i on
	// that does not have it.
	end := i + sort.Search(len(sorted)-i, func(j int) bool { return !strings.HasPrefix(sorted[i+j], prefix) })
	return PageAt(sorted[:end], uint64(i), size)
}

// An Updater replaces the value of one key atomically: it calls next with the
// current value (found is false for an absent key) and stores what next
// returns, or changes nothing if next fails. Engines provide one to
// IncrementU64With and IncrementS64With.
type Updater func(next func(old []byte, found bool) ([]byte, error)) error

// IncrementU64With implements Bucket.IncrementU64 on update: the counter is
// decimal text, a missing key counts as 0, and a non-number or an overflow
// fails without a change (AddU64).
func IncrementU64With(update Updater, key string, delta uint64) (uint64, error) {
	var n uint64
	err := update(func(old []byte, found bool) ([]byte, error) {
		var err error
		n, err = AddU64(key, old, found, delta)
		return strconv.AppendUint(make([]byte, 0, 20), n, 10), err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// IncrementS64With implements Bucket.IncrementS64 on update, as
// IncrementU64With does for u64 (AddS64).
func IncrementS64With(update Updater, key string, delta int64) (int64, error) {
	var n int64
	err := update(func(old []byte, found bool) ([]byte, error) {
		var err error
		n, err = AddS64(key, old, found, delta)
		return strconv.AppendInt(make([]byte, 0, 20), n, 10), err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
