package engine

import (
	"bytes"
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

// Precondition is the condition of SwapIf: every check that is on must
// hold. At least one must be on.
type Precondition struct {
	// CheckVersion: the key must be present with Version Version.
	CheckVersion bool
	Version      Version
	// CheckValue: the key must be present with a value equal to Value
	// (bytewise; nil and empty are the same, empty, value).
	CheckValue bool
	Value      []byte
}

// Versioned is a present key's value and Version.
type Versioned struct {
	Value   []byte
	Version Version
}

// SwapIf stores value under key if the key is present and p holds, and
// returns swapped=true; otherwise it stores nothing and returns
// swapped=false and the key's current value and Version (nil if the key is
// absent), so a retry loop needs no extra read. It never creates a key: an
// absent key fails every precondition. It is atomic: it reads the key with
// GetVersioned, checks p, and swaps with CompareAndSwap from the Version it
// read, starting again if the key changed in between. Like CompareAndSwap,
// a swap stores the entry without expiry. A Precondition with no check on
// is an *Error of kind ErrInvalidArgument, and nothing is read or written.
//
// It serves the swap of wasmcloud:keyvalue/cas (require-version,
// require-value). With CheckVersion, a change of the key between the read
// and the swap makes the next read see another Version, so the result is
// stale; with CheckValue alone, a write of the same value in between is
// not a conflict (the check is on the value, which is the point of it).
func SwapIf(ctx context.Context, b Bucket, key string, value []byte, p Precondition) (swapped bool, current *Versioned, err error) {
	if !p.CheckVersion && !p.CheckValue {
		return false, nil, &Error{Op: "swap", Kind: ErrInvalidArgument, Msg: "no precondition for key " + quote(key) +
			": require a version, a value or both (an unconditional write is a set)"}
	}
	for {
		cur, ok, ver, err := b.GetVersioned(ctx, key)
		if err != nil {
			return false, nil, err
		}
		if !ok {
			return false, nil, nil
		}
		if (p.CheckVersion && ver != p.Version) || (p.CheckValue && !bytes.Equal(cur, p.Value)) {
			if cur == nil {
				cur = []byte{}
			}
			return false, &Versioned{Value: cur, Version: ver}, nil
		}
		// ver is the Version of a present key, so this swap can only
		// replace that state, never create the key.
		swapped, _, err := b.CompareAndSwap(ctx, key, ver, value)
		if err != nil || swapped {
			return swapped, nil, err
		}
	}
}

// ApplyEach runs apply for entries 0 to n-1 of a batch op, in order, and
// stops at the first failure with the *BatchError every engine returns: the
// failing entry and the prefix already applied (Done), or Index -1 when ctx
// ended (checked before each entry, and after a failure).
func ApplyEach(ctx context.Context, op string, n int, apply func(i int) error) error {
	for i := range n {
		if err := ctx.Err(); err != nil {
			return &BatchError{Op: op, Index: -1, Done: i, Total: n, Err: err}
		}
		if err := apply(i); err != nil {
			index := i
			if ctx.Err() != nil {
				index = -1
			}
			return &BatchError{Op: op, Index: index, Done: i, Total: n, Err: err}
		}
	}
	return nil
}
