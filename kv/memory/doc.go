// Package memory is the in-memory engine.Engine: the default backend of
// `witgo serve` and of tests. It follows every rule documented in package
// engine; this page lists only what is specific to it.
//
// Create an engine with New and the options of package engine, the ones
// every engine takes (engine.Clock among them, for tests of expiry):
//
//	e := memory.New(engine.CreateOnOpen(true))           // unknown buckets are created on Open
//	e := memory.New(engine.Buckets("sessions", "cache")) // only these buckets exist (more with Create)
//
// Defaults: CreateOnOpen false (an unknown bucket is no-such-store),
// MaxKeyBytes 16 KiB, MaxValueBytes 4 MiB, PageSize 100. There is no limit
// on the number of buckets or keys: memory is the limit, so a server that
// enables CreateOnOpen for untrusted clients should bound them elsewhere.
// Nothing is persisted; data lives as long as the Engine.
//
// Concurrency. Every method is safe for concurrent use and the package is
// clean under the race detector. Each bucket spreads its keys over 32
// shards by hash, each with its own RWMutex, map and version counter. On
// the 2-CPU development machine this measured the same as one mutex per
// bucket for single-goroutine use and about 20% faster with GOMAXPROCS
// goroutines (see shardCount in memory.go for the figures); the gap grows
// with the number of cores. Operations on one key are linearizable.
//
// Values. Stored slices are private copies, never modified after they are
// stored (a write stores a new slice), and every read returns a fresh copy,
// so callers may modify anything they pass in or get back. GetMany copies
// all found values into one allocation (each value capped so appending to it
// cannot reach its neighbour).
//
// Listing. The sorted key list of a bucket is cached and rebuilt only when
// the set of keys changes (a key created or deleted), not on overwrites. A
// page costs a binary search and a copy of at most PageSize strings; the
// first page after a creation or deletion costs a sort of all keys of the
// bucket, O(n log n). Walking a bucket while another client keeps creating
// keys therefore costs O(n log n) per page.
//
// Versions. A Version is the decimal text of a per-shard event number:
// every write of a key, and every deletion of a present key, takes the next
// number of the key's shard, so numbers are never reused. A present key's
// Version is the number of its last write; an absent key's Version is the
// number of the shard's last deletion. A create-only swap (from an absent
// Version) therefore fails whenever any key of the same shard was deleted
// since cas.new, not only when this key was created and deleted: a spurious
// conflict, which the WIT allows (the retry with the returned Version
// succeeds). An entry whose TTL has passed but that is still in the shard's
// map (see Expiry) has the Version "x" followed by the number of its write:
// absent, and unlike every other Version. A Version is meaningful only for
// the key and bucket it was read from.
//
// Expiry. An entry written with a TTL (SetWith) keeps its expiry time, on
// the engine's clock (engine.Clock, time.Now by default), beside its value.
// Reads compare it with the clock and treat an expired entry as absent;
// writes replace it. Expired entries are removed from memory when a listing
// runs after the earliest expiry of the bucket: it sweeps every shard once,
// O(n), and each removal is a deletion (an event number, as for Delete).
// Without listings, expired entries stay in memory until their key is
// written or deleted.
//
// Batches. GetMany, SetMany and DeleteMany check every key (and value)
// before touching anything, so a *engine.BatchError for bad input has
// Done == 0. They check the context between entries; if it is done midway,
// the error says how many entries were applied.
package memory
