// Package nats is an engine.Engine on NATS JetStream key-value buckets
// (github.com/nats-io/nats.go/jetstream). It follows every rule documented
// in package engine; this page lists what is specific to it.
//
// Create an engine on a JetStream context you already have, or let it
// connect:
//
//	js, _ := jetstream.New(nc)
//	e, err := nats.New(ctx, js, nats.EngineOptions(engine.CreateOnOpen(true)))
//
//	e, err := nats.Connect(ctx, "nats://127.0.0.1:4222", nats.EngineOptions(engine.Buckets("sessions")))
//	defer e.Close()
//
// Options are those of every engine, of package engine, given through
// EngineOptions (engine.CreateOnOpen, engine.Buckets, engine.MaxKeyBytes,
// engine.MaxValueBytes, engine.PageSize, engine.MaxBuckets), and the NATS
// engine's own: BucketPrefix, Replicas, Storage, ListTimeout, ChunkGrace,
// IgnoreMaxPayload and, for Connect, NATSOptions. Defaults: CreateOnOpen
// false (an unknown bucket is no-such-store), MaxKeyBytes 16 KiB,
// MaxValueBytes 4 MiB, PageSize 100, no bucket bound, BucketPrefix
// "witgo_", one replica, file storage, a chunk grace period of 10 minutes.
//
// # Buckets
//
// Every keyvalue bucket is one JetStream key-value bucket (the stream
// KV_<name>), created with history 1 by Open when CreateOnOpen is on, by
// Create, or by New for the Buckets option; buckets made otherwise (say with
// the nats CLI) are used as they are. The name is BucketPrefix followed by
// "b" and the unpadded lowercase base32hex encoding of the identifier
// (at most 80 bytes), or by "h" and the hex SHA-256 of a longer identifier;
// so any identifier, "" and "a/b" included, has a valid name that does not
// depend on letter case (stream names are directory names on disk), and
// Engine.BucketName tells it. The identifier is also kept in the stream's
// metadata (witgo.bucket), which Open checks. Bucket data persists on the
// server: engines on the same JetStream with the same prefix share buckets,
// and an engine with another prefix sees none of them. Open caches its
// handles per Engine, so a bucket deleted behind the engine's back makes
// its operations fail rather than appear empty.
//
// With engine.MaxBuckets, creating a bucket first lists the JetStream
// key-value buckets and counts those whose names this prefix gives; at the
// bound, the create (or the open that would create) fails with
// engine.ErrQuotaExceeded naming it. Creations are serialized within an
// Engine, not across processes: engines on several processes that create
// buckets at the same moment may overshoot the bound by one each.
//
// # Keys
//
// NATS keys allow only [-/_=.a-zA-Z0-9], and every publish and direct get
// puts the subject $KV.<bucket>.<key> in a protocol control line (4 KiB on
// a default server). A key of at most 1536 bytes is stored under "k" and its
// unpadded base64url encoding (at most 2049 characters, one subject token;
// the empty key is "k"), decoded exactly when listing. A longer key is
// stored under "h." and the hex SHA-256 of the key, and each of its messages
// carries the key itself, base64url encoded, in the header Witgo-Key, which
// listings read (they fetch headers only) and reads check; since the KV API
// cannot add a header, such keys are written with a plain JetStream publish
// to $KV.<bucket>.<key>, which ignores a JetStream domain or API prefix (the
// KV API would apply it). The forms cannot collide; NATS keys of no form
// (written by other clients) are ignored. NATS keys starting with "c." are
// the chunks of large values (below), never listed.
//
// # Values, versions, increments
//
// A value is the message payload, as is, if it fits in one message with its
// headers: NATS refuses messages larger than the server's max_payload
// (1 MiB unless configured; the stream's max_msg_size if smaller), read
// from the connection at each write. A larger value (up to MaxValueBytes,
// 4 MiB by default, so on a stock server too) is stored in chunks:
//
//   - the writer reads the key's latest revision, publishes the value cut
//     in chunks of at most max_payload - 512 bytes, 4 at a time, on the
//     subjects $KV.<bucket>.c.<NATS key>.<write id>.<index> of the bucket's
//     own stream (write id: 26 random base32 characters, new for every
//     write), then commits them with one message on the key's subject,
//     written only if the key is still at the revision read (for a plain
//     set, a conflict starts over): the manifest, with no payload and the
//     header Witgo-Chunks ("1 <size> <SHA-256 hex> <write id> <sequence>,
//     ..."). The manifest is the key's entry: its revision is the version,
//     it carries the expiry and long-key headers, list-keys sees it like
//     any entry.
//   - A reader reads the key's latest message; for a manifest, it reads
//     each chunk by its stream sequence (4 at a time), checks its subject
//     and length, and the whole value against the SHA-256, so it returns
//     exactly one written value, never a mix or a part. Chunks are never
//     rewritten; if one is gone, the key was written or deleted since, and
//     the reader reads the key again.
//   - After its manifest is committed, a write purges the key's chunks
//     older than those of the entry it replaced (those stay for readers in
//     flight); a deletion of a chunked entry purges the key's chunks older
//     than the manifest it deleted, that manifest's own included. Because every manifest is written conditionally on
//     the revision read before its chunks, the chunks of the key's current
//     manifest are newer than every earlier message of the key, so neither
//     purge can touch them.
//   - Chunks no entry uses (a writer that failed or died between chunks
//     and manifest, a chunked value replaced by a small one, an expired
//     entry) are purged by a sweeper that each Engine runs every half
//     ChunkGrace (10 minutes by default) over the buckets it has opened
//     (also Engine.SweepChunks): it purges a group of chunks once it has
//     seen it for a whole grace period and the key's latest message is not
//     the manifest naming it (or that entry expired more than a grace
//     period ago by the engine's clock). A writer commits within half the
//     grace period of its first chunk or fails with an error, so a group
//     about to be committed is never swept.
//
// A chunked value costs its chunks, one more message, and, until the next
// write or sweep, the chunks of the value it replaced. A 4 MiB value on a
// 1 MiB server is 5 chunks. The manifest must fit in one message with the
// key: New checks that a value of MaxValueBytes under a key of MaxKeyBytes
// can be stored (MaxStorableValue; this fails only for a max_payload of a
// few KiB), and IgnoreMaxPayload skips the check, after which a value the
// server cannot hold fails with engine.ErrValueTooLarge naming the
// server's limit.
//
// A Version is the JetStream revision (stream sequence) of the key's latest
// message, in decimal: the value's, or the delete marker's for a deleted
// key, and "0" for a key that never had a message. Sequences are never
// reused, so every write and deletion makes a new Version, and a swap is a
// write that expects the revision (kv.Update; the server rejects it if the
// key's last sequence differs). From "0" it can only create a key that never
// existed, from a marker's revision only re-create that deleted key.
// (Removing markers with the KV PurgeDeletes, or a bucket TTL, would undo
// this guarantee; the engine does neither.)
//
// An entry written with a TTL (SetWith) carries its expiry in the header
// Witgo-Expires (Unix nanoseconds, decimal) on the engine's clock
// (engine.Clock, time.Now by default), and is written with a plain
// JetStream publish, as a long key is. Expiry is decided by the reading
// engine's clock: reads, listings and conditional writes treat a message
// whose expiry has passed as an absent key. Engines that share a bucket
// should therefore have synchronized clocks. JetStream is not asked to
// remove such messages (its per-message TTL runs on the server's clock, and
// needs a stream setting the engine's buckets do not have): an expired
// entry stays in the stream, as a delete marker does, until its key is
// written or deleted. The Version of an entry with an expiry is its
// revision followed by "@" and the expiry, and that of an expired entry its
// revision followed by "~", so a swap from a Version of an entry that has
// since expired is a conflict, found without a read, and one from the
// Version of the expired entry re-creates the key only if nothing was
// written since. SetWith with IfAbsent reads the key and writes
// conditionally on the revision it read, again until no other write lands
// in between.
//
// Increments are optimistic: read the value and its revision, compute with
// engine.AddU64 or AddS64, and write with Update at that revision (a create
// for an absent key), starting again on a revision conflict; a non-integer
// value or an overflow changes nothing. A present entry's expiry is written
// again with the new value. Within one Engine, a striped lock
// serializes increments of a key and remembers the revision written, so
// goroutines of one process never make each other retry and the next
// increment of a hot key writes without reading first; other processes and
// engines only cost retries. Exact under any concurrency.
//
// Deletion reads the key first and writes a KV delete marker (kv.Delete)
// only if it is present, so the key stops being listed and reads as absent,
// and deleting a missing key changes nothing, its Version included. With
// history 1 the marker replaces the value; markers stay, a few dozen bytes
// each. An increment of a chunked value reads it and fails as for any
// value that is not a number.
//
// # Listing
//
// JetStream keeps no ordered index of keys, so list-keys scans: an
// ephemeral pull consumer (deliver last per subject, headers only, no acks)
// reads the latest message of every key, applies what is written meanwhile
// until nothing is pending (chunk subjects, delivered too, headers only,
// are skipped), and the keys are sorted bytewise in memory. The
// sorted list is cached per bucket until the stream's last sequence moves,
// which a stream-info request per page checks, or until the earliest expiry
// of its keys: paging through an unchanged bucket costs one scan, a bucket
// written between pages one scan per page (O(n log n) each). A listing with
// a prefix pages over the same sorted list. A scan never returns a partial list: a failure (or
// ListTimeout, 30 s, when the context has no deadline) is an error.
//
// # Batches
//
// GetMany reads up to 16 keys at a time. SetMany and DeleteMany apply their
// entries one after another, each acknowledged before the next, so a
// *engine.BatchError's Done is exact (the failing entry itself is in doubt,
// see below). Keys and values are all checked first.
//
// # Consistency, reconnects, durability
//
// Writes are acknowledged by JetStream once stored in the stream (by a
// quorum of replicas when Replicas > 1); reads are direct gets of the last
// message of a subject. With one replica every operation on a key is
// linearizable; with several, a direct get may be answered by a replica that
// lags the leader by a moment (conditional writes are still decided by the
// leader, so increments and swaps stay exact).
//
// nats.go reconnects by itself (Connect asks it to retry forever). Each
// request to JetStream waits for its answer at most RequestTimeout (5 s by
// default) or until the operation's context ends, whichever comes first,
// and then fails; nothing hangs, not even a request in flight when the
// connection was lost (its answer never comes). An operation that succeeded was acknowledged and is
// never lost by a reconnect or a server restart (on a crash of the server
// machine, JetStream's sync_interval applies). An operation that failed
// for an outage says which of two things happened (engine.ErrUnavailable):
//   - engine.ErrNotApplied: the request never reached JetStream. Connect
//     turns nats.go's reconnect buffer off, so a write issued while
//     disconnected fails at once and is never sent later.
//   - engine.ErrOutcomeUnknown: the request was sent and no answer came; a
//     write may have been applied (never twice: increments are not
//     retried after an error that is not a revision conflict).
//
// An engine made with New over a connection of one's own keeps that
// connection's reconnect buffer: pass nats.ReconnectBufSize(-1) to get the
// same guarantee. It matters for chunked values too: a manifest buffered
// during an outage longer than half the chunk grace period could be sent
// after the sweeper removed its chunks, leaving a key whose value reads as
// an error until it is written again.
package nats
