package engine

import (
	"context"
	"time"
)

// Engine opens buckets. It is the only thing an adapter needs to serve every
// keyvalue family; an implementation must be safe for concurrent use.
type Engine interface {
	// Open returns a handle on the bucket with the given identifier.
	//
	// An identifier the engine does not know yields an error that wraps
	// ErrNoSuchStore, unless the engine was configured with
	// CreateOnOpen(true), in which case the bucket is created empty. An
	// engine may refuse a bucket with an error that wraps ErrAccessDenied.
	// Identifiers follow the rules of keys (valid UTF-8, at most
	// MaxKeyBytes bytes; the empty string is allowed); a longer identifier is
	// an *Error of kind ErrKeyTooLarge.
	//
	// Handles are cheap and hold no resources: two handles opened on one
	// identifier see the same data, and a handle never needs closing.
	Open(ctx context.Context, bucket string) (Bucket, error)
}

// ExistingOpener is implemented by an Engine that can open a bucket without
// ever creating it: OpenExisting is Open as if the engine had been
// configured with CreateOnOpen(false), so an unknown identifier is an error
// that wraps ErrNoSuchStore whatever the engine's options say. Package
// kv/policy uses it to let a caller without the right to create buckets open
// the ones that exist on an engine that creates buckets on open. The memory,
// NATS and Redis engines implement it.
type ExistingOpener interface {
	OpenExisting(ctx context.Context, bucket string) (Bucket, error)
}

// Bucket is one isolated namespace of keys. All methods are safe for
// concurrent use. Every method returns ctx.Err() (unwrapped) if ctx is done
// when it is called; batch methods also check ctx between entries.
//
// Keys are valid UTF-8 strings of at most MaxKeyBytes bytes; the empty key
// is an ordinary key. Every method that takes a key checks it first and
// returns an *Error of kind ErrKeyTooLarge or ErrInvalidKey, changing
// nothing, if it is not acceptable. Values are arbitrary bytes of at most
// MaxValueBytes bytes.
//
// A Bucket never aliases a caller's slice: values are copied when stored and
// copied again when returned, so a caller may keep or modify any slice it
// passed in or got back.
//
// An entry written with a TTL (SetWith) expires when the engine's clock
// (Options.Now) reaches its write time plus the TTL: from then on it is
// absent to every method, as if deleted at that moment (its Version
// changes, as for a deletion). Every other write stores an entry without
// expiry, except the increments, which keep the expiry of a present entry.
type Bucket interface {
	// Get returns the value stored under key and ok=true, or nil and
	// ok=false if the key is absent. A stored empty value comes back as a
	// non-nil empty slice with ok=true.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)

	// Set stores value under key, replacing any previous value, and gives the
	// key a new Version. An empty (or nil) value is stored as an empty value:
	// the key then exists and is listed. A value longer than MaxValueBytes
	// is an *Error of kind ErrValueTooLarge and changes nothing.
	Set(ctx context.Context, key string, value []byte) error

	// SetWith is Set with options: a TTL after which the entry expires, and
	// a condition that the key be absent. SetWith with the zero SetOptions
	// is Set. With IfAbsent, a present key (with any value, even empty, and
	// not expired) is an *Error of kind ErrPreconditionFailed and nothing
	// changes; the check and the write are one atomic step. A negative TTL
	// is an *Error of kind ErrInvalidArgument.
	SetWith(ctx context.Context, key string, value []byte, opts SetOptions) error

	// Delete removes key. Deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error

	// Exists reports whether key is present (with any value, even empty).
	Exists(ctx context.Context, key string) (bool, error)

	// ListKeys returns the page of keys that starts at position offset of
	// the bucket's keys in bytewise order (offset 0 is the first key), at
	// most PageSize keys, and more=true if keys remain after the last one
	// returned. An offset at or past the end returns an empty, non-nil slice
	// and more=false. This is the u64 cursor of wasi:keyvalue@0.2.0-draft and
	// wrpc:keyvalue: the next cursor is offset+len(keys) while more is true.
	// An offset cursor counts positions, so keys created or deleted before
	// the offset between two pages can make a walk skip or repeat keys; use
	// ListKeysAfter where that matters.
	ListKeys(ctx context.Context, offset uint64) (keys []string, more bool, err error)

	// ListKeysAfter returns, in bytewise order, at most PageSize keys that
	// sort strictly after the key after, and more=true if keys remain after
	// the last one returned. Start a walk with ListKeys(ctx, 0) (which
	// includes the empty key) and continue with the last key returned, the
	// string cursor of wasi:keyvalue@0.2.0-draft2. The cursor need not be a
	// present key, so a walk stays correct when keys are deleted between
	// pages: every key present throughout the walk is returned exactly once.
	// A cursor that could not be a key (longer than MaxKeyBytes, or invalid
	// UTF-8) is an *Error of kind ErrInvalidCursor. A cursor past the last
	// key returns an empty, non-nil slice and more=false.
	ListKeysAfter(ctx context.Context, after string) (keys []string, more bool, err error)

	// ListPrefix is ListKeysAfter restricted to the keys that begin with
	// prefix (bytewise; the empty prefix is every key): in bytewise order,
	// at most PageSize keys that begin with prefix and sort strictly after
	// *after, or from the first such key if after is nil, and more=true if
	// keys with the prefix remain after the last one returned. Continue a
	// walk with the last key returned and the same prefix. A cursor that
	// could not be a key, or that does not begin with prefix (a walk with
	// that prefix cannot produce it), is an *Error of kind
	// ErrInvalidCursor. The prefix itself is not checked: one that no key
	// has gives an empty, non-nil slice and more=false.
	ListPrefix(ctx context.Context, prefix string, after *string) (keys []string, more bool, err error)

	// IncrementU64 adds delta to the unsigned 64-bit counter stored under
	// key as decimal ASCII text and returns the new value, atomically. An
	// absent key counts as 0, so the first increment returns delta. A stored
	// value that is not the decimal text of a u64 is an *Error of kind
	// ErrNotInteger; a sum above math.MaxUint64 is an *Error of kind
	// ErrOverflow. In both cases the stored value is left unchanged: an
	// increment never wraps or saturates. The counter is stored in canonical
	// form (no sign, no leading zeros) and readable with Get. A present
	// entry keeps its expiry (SetWith); an absent or expired one starts at 0
	// without expiry.
	IncrementU64(ctx context.Context, key string, delta uint64) (uint64, error)

	// IncrementS64 is IncrementU64 for a signed 64-bit counter: delta may be
	// negative, the stored text may carry a sign, and a result outside
	// [math.MinInt64, math.MaxInt64] is an *Error of kind ErrOverflow.
	IncrementS64(ctx context.Context, key string, delta int64) (int64, error)

	// GetVersioned is Get that also returns the key's current Version, read
	// atomically with the value. An absent key has a Version too, distinct
	// from every version the key had or will have while present.
	GetVersioned(ctx context.Context, key string) (value []byte, ok bool, ver Version, err error)

	// CompareAndSwap stores value under key if the key's Version is still
	// expect, and returns swapped=true and the new Version. Otherwise it
	// stores nothing and returns swapped=false and the key's current
	// Version, so a retry loop can continue from there without another read.
	// Like Set, a successful swap stores the entry without expiry.
	// If expect was the Version of the absent key, CompareAndSwap can only
	// create the key: it fails if the key was created (even if deleted again)
	// since. A losing CompareAndSwap is not an error.
	CompareAndSwap(ctx context.Context, key string, expect Version, value []byte) (swapped bool, current Version, err error)

	// GetMany returns one element per requested key, in request order:
	// a pointer to the key and a copy of its value, or nil for an absent
	// key. Duplicated keys yield duplicated elements. The lookups are not
	// one atomic snapshot. An empty request returns an empty result.
	GetMany(ctx context.Context, keys []string) ([]*Entry, error)

	// SetMany stores the entries in order, so the last of several entries
	// with one key wins. It is not atomic: concurrent readers may see a
	// prefix. All keys and values are checked before anything is stored;
	// any failure is a *BatchError that says which entry failed and how
	// many entries were applied. An empty batch is ok.
	SetMany(ctx context.Context, entries []Entry) error

	// DeleteMany deletes the keys in order; absent keys are skipped. Errors
	// are reported as for SetMany. An empty batch is ok.
	DeleteMany(ctx context.Context, keys []string) error
}

// SetOptions are the options of Bucket.SetWith. The zero value is a plain
// Set.
type SetOptions struct {
	// TTL, if positive, makes the entry expire TTL after the write, by the
	// engine's clock. Zero stores the entry without expiry (removing any
	// expiry it had); a negative TTL is ErrInvalidArgument.
	TTL time.Duration
	// IfAbsent makes the write happen only if the key is absent (or
	// expired); a present key is ErrPreconditionFailed.
	IfAbsent bool
}

// Entry is a key and its value.
type Entry struct {
	Key   string
	Value []byte
}

// Version identifies one state of one key in one bucket, for
// compare-and-swap. It is opaque: compare Versions with == only, and only
// Versions of the same key in the same bucket. Every write of a key (Set,
// SetWith, SetMany, an increment, a successful CompareAndSwap) and every
// deletion of a present key (its expiry included) gives the key a Version it
// never had before, so writing A, then B, then A again still changes the
// Version. The zero Version is never
// returned by an engine and never matches.
type Version string
