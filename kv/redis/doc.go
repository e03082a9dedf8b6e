// Package redis is an engine.Engine on Redis (7.0 or later, or a
// compatible server), through github.com/redis/go-redis/v9. It follows
// every rule documented in package engine; this page lists what is
// specific to it.
//
//	e, err := redis.Connect(ctx, "redis://127.0.0.1:6379/0", redis.EngineOptions(engine.CreateOnOpen(true)))
//	defer e.Close()
//
//	e, err := redis.New(ctx, rdb, redis.KeyPrefix("app:")) // a *goredis.Client or *goredis.ClusterClient you made
//
// Options are those of every engine, of package engine, given through
// EngineOptions (engine.CreateOnOpen, engine.Buckets, engine.MaxKeyBytes,
// engine.MaxValueBytes, engine.PageSize, engine.Clock), and the Redis
// engine's own: KeyPrefix, CallTimeout and, for Connect, RedisOptions.
// Defaults: CreateOnOpen false, MaxKeyBytes 16 KiB, MaxValueBytes 4 MiB,
// PageSize 100, KeyPrefix "witgo:", CallTimeout 5 s.
//
// # Client library
//
// go-redis is the client the Redis project maintains and the most used Go
// client; it has what the engine needs and nothing it must work around:
// scripts run with EVALSHA and fall back to EVAL (Script.Run), URLs with
// TLS, password and database (ParseURL), one interface for a single server
// and a cluster, and retries that can be turned off (MaxRetries -1), which
// the outage semantics below require. rueidis pipelines automatically and
// would be faster under many goroutines, but it retries on its own terms
// and its command builder would shape all of this package's code; the
// engine's cost is dominated by round trips either way.
//
// # Key layout
//
// Every Redis key of a bucket is the prefix, the bucket's hash tag and a
// suffix, so a bucket lives in one Redis Cluster hash slot and its scripts
// can touch all of its keys:
//
//	PREFIX{TAG}:m        hash: id (the identifier), s (the revision counter),
//	                     d00 … dff (the revision of the last deletion, per shard)
//	PREFIX{TAG}:i        sorted set of the bucket's keys, every score 0 (the index)
//	PREFIX{TAG}:x        sorted set of the keys with an expiry, scored by it in ms
//	PREFIX{TAG}:k:KEY    hash of one key: v (the value), r (its revision),
//	                     e (its expiry, Unix ns of the engine's clock; absent for none)
//
// TAG is the identifier with '%', '{', '}' and '#' escaped as %25, %7B, %7D
// and %23 (so the tag cannot end early), "%" for the empty identifier, and
// "#" and the hex SHA-256 of the identifier if the escaped form is longer
// than 128 bytes; KEY is the key's bytes as they are. A bucket exists when
// its meta hash has an id (Create, Open with CreateOnOpen, or
// engine.Buckets); Open checks that the id is the identifier asked for.
// The prefix may not contain braces. The scripts that sweep expired
// entries build key names from the prefix they are passed rather than
// declaring every key; all of them are in the bucket's slot.
//
// # Writes, versions, increments
//
// Every write is one Lua script (EVALSHA), so a value, its revision, its
// expiry and the index change together or not at all. A write takes the
// next number of the bucket's revision counter; a present key's Version is
// the revision of its last write, in decimal. A deletion (Delete,
// DeleteMany, or the removal of an expired entry) removes the key's hash
// and records its revision as the last deletion of the key's shard (the
// first byte of the SHA-1 of the key, 256 shards); an absent key's Version
// is that number ("0" before any deletion in the shard). Numbers are never
// reused, so A→B→A changes the Version, and a create-only swap fails if the
// key was created since, even if deleted again; it also fails, spuriously,
// if another key of the same shard was deleted (a retry from the returned
// Version succeeds), which is what the memory engine does with its 32
// shards. An entry whose expiry has passed but that is still stored has
// the Version "x" and its revision: absent, and unlike every other
// Version. CompareAndSwap is one script that compares the current Version
// and writes. Deleted keys leave nothing behind but the shard's number.
//
// Increments are one Lua script each: it parses the stored text, adds the
// delta in decimal digits (Lua's numbers are doubles, which cannot hold
// every u64 or s64) and writes the canonical result, keeping a present
// entry's expiry, atomically, so concurrent increments are exact with one
// round trip and no retries. The text rules are those of engine.AddU64 and
// AddS64 (an optional sign, '-' for s64 only; ASCII digits; leading zeros
// accepted; whitespace, '_', '.', exponents and hex refused; the number
// within the type), not Redis's INCRBY, which accepts and refuses other
// texts and knows no u64. A non-number or an overflow writes nothing, and
// the error is the one engine.AddU64 or AddS64 gives for the value the
// script found (a test compares both on thousands of cases).
//
// # Expiry
//
// Expiry follows the engine's clock (engine.Clock, time.Now by default),
// not Redis's: every call passes the clock's time, and reads and scripts
// treat an entry whose expiry has passed as absent. Redis is not asked to
// expire anything (PEXPIRE runs on the server's clock and would remove an
// entry without recording a deletion). Expired entries are removed by a
// write or deletion of their key and by listings: before it reads a page,
// the listing script removes the bucket's expired entries (up to 1000 per
// call, calling again until none is left), so pages are full pages of live
// keys. Engines that share a bucket should have synchronized clocks.
//
// # Listing
//
// The index is a sorted set whose scores are all 0, so ZRANGEBYLEX lists
// keys in bytewise order: an offset page is LIMIT offset, a page after a
// cursor starts at "(" + cursor, a prefix runs from "[" + prefix to the
// first string after every key with the prefix. Each page costs
// O(log n + PageSize) (plus the offset for ListKeys).
//
// # Batches
//
// GetMany sends one pipeline of HMGETs. SetMany and DeleteMany run one
// script per entry, each acknowledged before the next is sent, so a
// *engine.BatchError's Done is exact. Keys and values are all checked
// first.
//
// # Outages
//
// Connect turns go-redis's retries off (MaxRetries -1): go-redis would
// otherwise send a command again after a broken connection, when the first
// attempt may have been applied. Every call has a deadline: the caller's,
// or CallTimeout (5 s) if that is earlier or there is none. Every write
// script receives that deadline and refuses to run once Redis's clock
// (TIME) has passed it, and a write that failed after it may have been
// sent (a broken connection, no reply) returns its error only once the
// deadline has passed. So a write that returned an error is either not
// applied or was applied before the error was returned, never later; this
// assumes the clocks of the engine's host and of Redis agree to within a
// few milliseconds (NTP). A failure to reach Redis, a timeout of the
// engine's own deadline, and a server that is loading or busy are errors
// that wrap ErrUnavailable (and engine.ErrOutcomeUnknown), whose text is
// "kv: OP: redis unavailable; outcome unknown: CAUSE"; if the caller's
// context is done, the error is ctx.Err(). An
// engine made by New uses the client as it is: with go-redis's default of 3
// retries, a failed write may be applied by a retry before the error is
// returned, never after.
//
// Durability is Redis's: with appendonly yes (and appendfsync everysec or
// always) acknowledged writes survive a restart of redis-server; without
// persistence they do not.
package redis
