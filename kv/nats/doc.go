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
// engine.MaxValueBytes, engine.PageSize), and the NATS engine's own:
// BucketPrefix, Replicas, Storage, ListTimeout, IgnoreMaxPayload and, for
// Connect, NATSOptions. Defaults: CreateOnOpen false (an unknown bucket is
// no-such-store), MaxKeyBytes 16 KiB, MaxValueBytes 4 MiB, PageSize 100,
// BucketPrefix "witgo_", one replica, file storage.
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
// (written by other clients) are ignored.
//
// # Values, versions, increments
//
// A value is the message payload, as is. NATS refuses messages larger than
// the server's max_payload (1 MiB unless configured), so New checks that
// max_payload can carry MaxValueBytes plus headers (and, with MaxKeyBytes
// over 1536, the key): with the 4 MiB default, configure max_payload of at
// least 4.1 MiB (8 MiB is the most NATS recommends) or pass a smaller
// MaxValueBytes; IgnoreMaxPayload skips the check.
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
// each.
//
// # Listing
//
// JetStream keeps no ordered index of keys, so list-keys scans: an
// ephemeral pull consumer (deliver last per subject, headers only, no acks)
// reads the latest message of every key, applies what is written meanwhile
// until nothing is pending, and the keys are sorted bytewise in memory. The
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
// nats.go reconnects by itself (Connect asks it to retry forever). While it
// reconnects, an operation waits for its context's deadline, or for the
// JetStream default timeout of 5 s if it has none, and then returns an
// error; nothing hangs. An operation that succeeded was acknowledged and is
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
// same guarantee.
package nats
