package engine

import (
	"context"
	"strconv"
)

// AllKeys walks b with ListKeys and ListKeysAfter and returns every key, in
// bytewise order. Keys present throughout the walk are returned exactly
// once; keys created or deleted during it may or may not be. It serves the
// cursor-less `keys` of the early wasi:keyvalue@0.2.0-draft.
func AllKeys(ctx context.Context, b Bucket) ([]string, error) {
	keys, more, err := b.ListKeys(ctx, 0)
	if err != nil {
		return nil, err
	}
	var all []string
	for {
		// Each key must sort after the one before, so the walk always
		// advances; a misbehaving engine cannot make it loop forever.
		for _, k := range keys {
			if len(all) > 0 && k <= all[len(all)-1] {
				return nil, &Error{Op: "list-keys", Kind: ErrInvalidCursor, Msg: "engine listed " + quote(k) +
					" after " + quote(all[len(all)-1]) + ": keys are not in bytewise order"}
			}
			all = append(all, k)
		}
		if !more || len(keys) == 0 {
			break
		}
		keys, more, err = b.ListKeysAfter(ctx, all[len(all)-1])
		if err != nil {
			return nil, err
		}
	}
	if all == nil {
		all = []string{}
	}
	return all, nil
}

// CompareAndSwapU64 implements the early wasi:keyvalue@0.2.0-draft
// compare-and-swap on a u64 counter: if the value under key is the counter
// text of old (see AddU64 for the accepted text), it stores the decimal text
// of new and returns true; if the key is absent or holds anything else it
// returns false and changes nothing. It is atomic: it retries while the key
// changes between its read and its swap.
func CompareAndSwapU64(ctx context.Context, b Bucket, key string, old, new uint64) (bool, error) {
	text := strconv.AppendUint(nil, new, 10)
	for {
		value, ok, ver, err := b.GetVersioned(ctx, key)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, nil
		}
		if cur, isNum := parseU64(value); !isNum || cur != old {
			return false, nil
		}
		swapped, _, err := b.CompareAndSwap(ctx, key, ver, text)
		if err != nil || swapped {
			return swapped, err
		}
	}
}
