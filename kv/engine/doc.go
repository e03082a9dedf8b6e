// Package engine defines the small storage interface behind every witgo
// keyvalue adapter, and fixes its semantics.
//
// witgo generates one adapter per keyvalue WIT family; each adapter
// implements that family's generated Go interfaces on top of any Engine:
//
//   - (a) the early wasi:keyvalue@0.2.0-draft (types, eventual,
//     eventual-batch, atomic; bucket and value resources),
//   - (b) wasi:keyvalue@0.2.0-draft (store, atomics, batch; u64 cursor),
//   - (c) wasi:keyvalue@0.2.0-draft2 (store, atomics with a CAS resource and
//     s64 increments, batch; string cursor),
//   - (d) wrpc:keyvalue@0.2.0-draft (like (b), but the bucket is a plain
//     string passed to every function),
//   - (e) wasmcloud:keyvalue@0.2.0 (like (c) with a typed error variant, set
//     options (TTL, if-not-exists), list-keys with a prefix, s64 increments
//     and a resource-free CAS with versions).
//
// So a store is implemented once, as an Engine, and serves every family.
// Package memory is the built-in, in-memory Engine; package
// engine/enginetest checks any Engine against the rules below.
// The rules spell out, in detail, the witgo keyvalue semantics
// (docs/keyvalue.md in github.com/witgo-dev/witgo).
//
// # Mapping of WIT operations
//
//	open, open-bucket, (d)'s bucket string   Engine.Open
//	get                                      Bucket.Get
//	set                                      Bucket.Set
//	set(options)                (e)          Bucket.SetWith (TTL from ttl-ms, IfAbsent from if-not-exists)
//	delete                                   Bucket.Delete
//	exists                                   Bucket.Exists
//	list-keys(option<u64>)      (b), (d)     Bucket.ListKeys(cursor or 0); next cursor offset+len(keys) while more
//	list-keys(option<string>)   (c)          none: ListKeys(0); some(k): ListKeysAfter(k); next cursor the last key while more
//	list-keys(prefix, cursor)   (e)          Bucket.ListPrefix(prefix or "", cursor); next cursor the last key while more
//	keys                        (a)          AllKeys
//	increment(u64)              (a),(b),(d)  Bucket.IncrementU64
//	increment(s64)              (c),(e)      Bucket.IncrementS64
//	cas.new                     (c)          Bucket.GetVersioned (keep the Version)
//	cas.current                 (c)          Bucket.Get (the recorded Version is kept)
//	swap                        (c)          Bucket.CompareAndSwap; on a conflict, cas-failed carries a new handle at the returned Version
//	compare-and-swap(old, new)  (a)          CompareAndSwapU64
//	current(bucket, key)        (e)          Bucket.GetVersioned: the value and its Version
//	swap(bucket, key, options)  (e)          SwapIf (require-version, require-value); stale carries the current entry
//	get-many, set-many, delete-many          Bucket.GetMany, SetMany, DeleteMany
//
// Value resources of (a) live in the adapter: an outgoing-value collects
// the bytes written to it and is stored with Set; an incoming-value wraps
// the bytes Get returned and reports their length.
//
// # Errors
//
// An error that wraps ErrNoSuchStore is the WIT no-such-store, one that
// wraps ErrAccessDenied is access-denied, and every other error is
// other(err.Error()), except where the family's error variant has a case
// for it: in (e), ErrInvalidArgument (ErrInvalidCursor included) is
// invalid-argument, ErrPreconditionFailed is precondition-failed and
// context.DeadlineExceeded is timeout. The engine's own failures are *Error
// values whose Kind (ErrKeyTooLarge, ErrValueTooLarge, ErrInvalidKey,
// ErrInvalidCursor, ErrInvalidArgument, ErrPreconditionFailed,
// ErrNotInteger, ErrOverflow) works with errors.Is, and whose message names
// the limit that was hit. Batch failures are *BatchError values, which
// unwrap to the cause. A done context is returned as ctx.Err(), unwrapped.
// Engines never panic on any input; adapters still recover from panics and
// turn them into other (a panic must never crash a server).
//
// # Rules
//
// Buckets. Open on an unknown identifier fails with ErrNoSuchStore unless
// the engine was configured with CreateOnOpen(true); Buckets(...) creates
// buckets up front. Two handles on one identifier share data; buckets are
// isolated from each other. Identifiers follow the key rules below.
//
// Keys are any valid UTF-8 string, the empty string included, of at most
// MaxKeyBytes bytes (default DefaultMaxKeyBytes, 16 KiB). A longer key is
// ErrKeyTooLarge, invalid UTF-8 is ErrInvalidKey; either way nothing
// changes. Every operation that takes a key checks it, reads included.
//
// Values are bytes of at most MaxValueBytes bytes (default
// DefaultMaxValueBytes, 4 MiB, the wRPC runtime's default wire limit per
// value; at least 1 MiB is required). Any byte sequence round-trips (00 ff,
// invalid UTF-8, ...). An empty value exists: Set(k, nil or []byte{}) makes
// Get return a non-nil empty slice and ok=true, Exists true, and the key is
// listed. Engines never alias a caller's slice: values are copied on the way
// in and on the way out.
//
// Delete of a missing key is ok, every time.
//
// List-keys returns keys in bytewise order (Go string order, which is also
// Unicode code point order of the UTF-8 text), in pages of at most PageSize
// keys (default DefaultPageSize, 100), with more=true while keys remain
// after the page. The u64 cursor of (b) and (d) is an offset into that
// order: every u64 is valid, and one at or past the end gives an empty page
// and no cursor (ok([], none)). The string cursor of (c) is the last key
// returned; ListKeysAfter lists the keys strictly after it, whether or not it
// is still present, so a walk that follows cursors until none returns every
// key present throughout the walk exactly once, even if keys are deleted or
// created between pages. A string cursor that no walk can produce (longer
// than MaxKeyBytes, invalid UTF-8) is ErrInvalidCursor; one past the last key
// gives ok([], none). An offset walk gives the same guarantee only if no key
// before the offset is created or deleted between pages (the WIT allows an
// out-of-date list). ListPrefix is ListKeysAfter over the keys that begin
// with a prefix (bytewise; those keys are one run of the sorted keys), so a
// prefix walk has the same guarantee; its cursor must begin with the
// prefix (ErrInvalidCursor otherwise), and a prefix no key has gives an
// empty page.
//
// Expiry (e). SetWith with a TTL stores an entry that expires when the
// engine's clock (Options.Now, set with Clock; time.Now by default) reaches
// the write time plus the TTL. From then on the key is absent to every
// operation (get, exists, listings, batches, versions), as if deleted at
// that moment: its Version changes, and a create-only swap from before the
// entry was written fails. Set, SetMany and a successful CompareAndSwap
// store entries without expiry (a set without a TTL removes one); SetWith
// with a TTL sets it anew; increments keep the expiry of a present entry
// and start an expired one from 0 without expiry. A negative TTL is
// ErrInvalidArgument. SetWith with IfAbsent writes only if the key is
// absent or expired, atomically; otherwise ErrPreconditionFailed.
//
// Increments keep a counter as decimal ASCII text, readable with Get: a u64
// counter is an optional '+' and ASCII digits, an s64 counter an optional
// sign and ASCII digits, and the number must fit the type (leading zeros are
// accepted; whitespace, '_', '.', exponents and hex are not). A missing key
// counts as 0, so the first increment returns delta. A stored value that is
// not such text is ErrNotInteger, and a result outside the type (u64 for
// (a), (b), (d); s64 for (c), where deltas may be negative) is ErrOverflow;
// in both cases the value is left unchanged: no wrapping, no saturation, no
// trap. The result is written in canonical form (strconv.FormatUint or
// FormatInt). Concurrent increments are exact: each returns a distinct
// value. AddU64 and AddS64 implement this arithmetic for any engine.
//
// Compare-and-swap (c) works on Versions. Every write of a key and every
// deletion of a present key gives it a Version it never had, so A→B→A
// between cas.new and swap is a conflict, and a key absent at cas.new may
// only be created by the swap (it fails if someone created the key, even if
// it was deleted again). A conflict is swapped=false, not an error, and
// comes with the latest Version, so a retry loop needs no extra read. An
// engine may report a conflict that did not happen (the memory engine does
// so for absent keys after another deletion; see package memory): callers
// retry. SwapIf (e) swaps only a present key whose Version, value or both
// are those required, reading with GetVersioned and swapping with
// CompareAndSwap from the Version read (so it never creates a key), and
// returns the current value and Version otherwise; a swap without a
// precondition is ErrInvalidArgument. The early (a) compare-and-swap(old,
// new) on u64 counters is CompareAndSwapU64: it returns false for a missing
// key or a value that is not the counter text of old, and retries
// internally when the key changed but still holds old.
//
// Batches. GetMany returns one entry per requested key in request order,
// nil (none) for a missing key, duplicates repeated. SetMany applies its
// entries in order, so the last duplicate wins; DeleteMany skips missing
// keys. Empty batches are ok. Batches are not atomic, but every key and
// value is checked against the limits before anything is applied, so an
// invalid entry changes nothing. A *BatchError names the failing entry
// (Index) and says how many entries were applied (Done, always a prefix of
// the request), for adapters to put in the other(...) message where the WIT
// allows nothing richer.
//
// Consistency. Engines are safe for concurrent use. The memory engine is
// linearizable per key (a read sees every write that completed before it);
// GetMany and list-keys are not one atomic snapshot across keys.
package engine
