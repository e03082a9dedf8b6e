package engine

import (
	"slices"
	"strconv"
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
