package nats

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/nats/internal/keymap"
)

// lockStripes is the number of process-local locks that serialize
// increments of one key within an Engine (see increment).
const lockStripes = 256

// payloadOverhead bounds the bytes a message needs beside its value:
// the headers this package and nats.go add (Nats-Expected-Last-Subject-
// Sequence, Witgo-Key without the key itself).
const payloadOverhead = 512

// MessageOverhead is how many bytes a NATS message needs beside a value, for
// keys of up to maxKeyBytes: the headers, and for keys longer than 1536 bytes
// the key itself. A value that fits in max_payload with this overhead is
// stored in one message, a larger one in chunks (see MaxStorableValue).
func MessageOverhead(maxKeyBytes int) int64 {
	n := int64(payloadOverhead)
	if maxKeyBytes > keymap.MaxDirectKeyBytes {
		n += int64(keymap.KeyHeaderLen(maxKeyBytes))
	}
	return n
}

// Engine is an engine.Engine on NATS JetStream key-value buckets. Create it
// with New or Connect. It is safe for concurrent use.
type Engine struct {
	js   jetstream.JetStream
	nc   *natsio.Conn // set by Connect: the Engine owns it and Close closes it
	cfg  config
	opts engine.Options

	mu      sync.Mutex // guards buckets
	buckets map[string]*bucket
	openMu  sync.Mutex // serializes lookups and creations of buckets

	seed    maphash.Seed
	stripes [lockStripes]stripe

	sweep     sweeper
	closeOnce sync.Once
	rereads   atomic.Int64 // reads that found chunks gone and read again
}

// stripe serializes the increments of the keys that hash to it, within one
// Engine, and remembers the last one, so that the next increment of the same
// key can write at once, conditionally on the revision it wrote, instead of
// reading first. The memory is only a guess: a conditional write with a stale
// revision fails, and the increment then reads and retries as usual.
type stripe struct {
	mu sync.Mutex
	// gen counts the other writes (Set, Delete, swaps, batches) of keys of
	// the stripe through this Engine; a remembered increment is trusted
	// only while gen is what it was before that increment wrote.
	gen atomic.Uint64

	// The last increment, guarded by mu.
	subj string
	rev  uint64
	val  []byte
	exp  int64
	cgen uint64
	ok   bool
}

func (e *Engine) stripe(subj string) *stripe {
	return &e.stripes[maphash.String(e.seed, subj)%lockStripes]
}

// wrote records a write of subj other than an increment.
func (e *Engine) wrote(subj string) { e.stripe(subj).gen.Add(1) }

var _ engine.Engine = (*Engine)(nil)

// New returns an engine that stores its buckets in the JetStream of js.
// It creates the buckets named with Buckets (an error if one cannot be
// created). It fails if BucketPrefix is not valid, or, unless
// IgnoreMaxPayload is given, if the server's max_payload is too small to
// store a value of MaxValueBytes under a key of MaxKeyBytes even in chunks
// (MaxStorableValue; a max_payload of a few KiB with long keys).
//
// The engine sweeps the chunks of large values that no entry uses any more
// in the background (see ChunkGrace); Close stops it.
func New(ctx context.Context, js jetstream.JetStream, opts ...Option) (*Engine, error) {
	if js == nil {
		return nil, errors.New("kv/nats: New: nil JetStream")
	}
	return newEngine(ctx, js, newConfig(opts))
}

// Connect connects to the NATS server(s) at url (a comma-separated list is
// accepted, as by nats.Connect) and returns an engine that owns the
// connection: Close closes it. The connection reconnects forever
// (nats.MaxReconnects(-1)) and has no reconnect buffer
// (nats.ReconnectBufSize(-1)), unless options given with NATSOptions say
// otherwise.
func Connect(ctx context.Context, url string, opts ...Option) (*Engine, error) {
	cfg := newConfig(opts)
	// No reconnect buffer: a write issued while disconnected fails at once
	// (ErrNotApplied) instead of being sent, and maybe applied, after the
	// caller was told it failed.
	nopts := append([]natsio.Option{natsio.Name("witgo kv"), natsio.MaxReconnects(-1), natsio.ReconnectBufSize(-1)}, cfg.natsOpts...)
	nc, err := natsio.Connect(url, nopts...)
	if err != nil {
		return nil, fmt.Errorf("kv/nats: connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("kv/nats: %w", err)
	}
	e, err := newEngine(ctx, js, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	e.nc = nc
	return e, nil
}

func newEngine(ctx context.Context, js jetstream.JetStream, cfg config) (*Engine, error) {
	if !keymap.ValidPrefix(cfg.prefix) {
		return nil, fmt.Errorf("kv/nats: bucket prefix %q: want at most %d ASCII letters, digits, '_' or '-'", cfg.prefix, keymap.MaxPrefixLen)
	}
	e := &Engine{
		js:      js,
		cfg:     cfg,
		opts:    engine.NewOptions(cfg.engine...),
		buckets: make(map[string]*bucket),
		seed:    maphash.MakeSeed(),
	}
	if !cfg.skipLimits {
		if nc := js.Conn(); nc != nil {
			if mp := nc.MaxPayload(); mp > 0 && MaxStorableValue(mp, e.opts.MaxKeyBytes) < int64(e.opts.MaxValueBytes) {
				return nil, fmt.Errorf("kv/nats: the server's max_payload is %d bytes, too small to store values of MaxValueBytes (%d bytes) under keys of MaxKeyBytes (%d bytes), even in chunks (at most %d bytes): raise max_payload, or lower MaxValueBytes or MaxKeyBytes",
					mp, e.opts.MaxValueBytes, e.opts.MaxKeyBytes, max(MaxStorableValue(mp, e.opts.MaxKeyBytes), 0))
			}
		}
	}
	for _, name := range e.opts.Buckets {
		if err := e.Create(ctx, name); err != nil {
			return nil, err
		}
	}
	e.sweep.start(e)
	return e, nil
}

// Close stops the background sweeper and closes the connection if the
// engine made it (Connect); the connection of an engine made by New stays
// open.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.sweep.stop()
		if e.nc != nil {
			e.nc.Close()
		}
	})
}

// Health reports whether the engine reaches JetStream
// (engine.HealthChecker): an error if the NATS connection is not
// connected (reconnecting, closed), or if JetStream does not answer an
// account-info request within ctx.
func (e *Engine) Health(ctx context.Context) error {
	if err := e.connected(); err != nil {
		return err
	}
	if _, err := e.js.AccountInfo(ctx); err != nil {
		// A request in flight when the connection was lost gets no
		// answer: the connection's state says why.
		if cerr := e.connected(); cerr != nil {
			return cerr
		}
		return fmt.Errorf("kv/nats: JetStream: %w", err)
	}
	return nil
}

// connected reports a NATS connection that is not connected.
func (e *Engine) connected() error {
	if nc := e.js.Conn(); nc != nil {
		if st := nc.Status(); st != natsio.CONNECTED {
			return fmt.Errorf("kv/nats: NATS connection %s", strings.ToLower(st.String()))
		}
	}
	return nil
}

var _ engine.HealthChecker = (*Engine)(nil)

// Options returns the engine's options, with defaults filled in.
func (e *Engine) Options() engine.Options {
	o := e.opts
	o.Buckets = append([]string(nil), o.Buckets...)
	return o
}

// BucketName returns the name of the JetStream key-value bucket that holds
// the keyvalue bucket id (its stream is "KV_" + the name).
func (e *Engine) BucketName(id string) string { return keymap.Bucket(e.cfg.prefix, id) }

// Create creates the bucket name if it does not exist yet; creating an
// existing bucket changes nothing.
func (e *Engine) Create(ctx context.Context, name string) error {
	_, err := e.open(ctx, "create", name, true)
	return err
}

// Open returns a handle on the bucket name. An unknown name is an error
// wrapping engine.ErrNoSuchStore unless the engine was created with
// CreateOnOpen(true), which creates the JetStream bucket. Handles are
// cached per Engine; handles of one name, in any Engine on the same
// JetStream and prefix, share their data.
func (e *Engine) Open(ctx context.Context, name string) (engine.Bucket, error) {
	return e.open(ctx, "open", name, e.opts.CreateOnOpen)
}

// OpenExisting is Open that never creates a bucket: an unknown name is an
// error wrapping engine.ErrNoSuchStore whatever CreateOnOpen says
// (engine.ExistingOpener).
func (e *Engine) OpenExisting(ctx context.Context, name string) (engine.Bucket, error) {
	return e.open(ctx, "open", name, false)
}

func (e *Engine) cached(name string) *bucket {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.buckets[name]
}

// open checks ctx and the bucket name for op, then returns the bucket
// name, creating it if create is set and it does not exist.
func (e *Engine) open(ctx context.Context, op, name string, create bool) (*bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := e.opts.CheckBucket(op, name); err != nil {
		return nil, err
	}
	if b := e.cached(name); b != nil {
		return b, nil
	}
	e.openMu.Lock()
	defer e.openMu.Unlock()
	if b := e.cached(name); b != nil {
		return b, nil
	}
	jsName := keymap.Bucket(e.cfg.prefix, name)
	kv, err := e.js.KeyValue(ctx, jsName)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		if !create {
			return nil, fmt.Errorf("kv: %s %.64q: %w", op, name, engine.ErrNoSuchStore)
		}
		if err := e.checkBucketQuota(ctx, op, name); err != nil {
			return nil, err
		}
		kv, err = e.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      jsName,
			Description: "witgo keyvalue bucket " + strconv.Quote(name[:min(len(name), 256)]),
			History:     1,
			Storage:     e.cfg.storage,
			Replicas:    e.cfg.replicas,
			Metadata:    map[string]string{keymap.MetaBucket: name},
		})
		if errors.Is(err, jetstream.ErrBucketExists) { // created concurrently
			kv, err = e.js.KeyValue(ctx, jsName)
		}
	}
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	st, err := e.js.Stream(ctx, "KV_"+jsName)
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	if id, ok := st.CachedInfo().Config.Metadata[keymap.MetaBucket]; ok && id != name {
		return nil, fmt.Errorf("kv: %s %.64q: JetStream bucket %s holds bucket %.64q", op, name, jsName, id)
	}
	b := &bucket{e: e, jsName: jsName, pre: "$KV." + jsName + ".", kv: kv, st: st, marks: map[chunkGroup]time.Time{}}
	e.mu.Lock()
	e.buckets[name] = b
	e.mu.Unlock()
	return b, nil
}

// fail turns a NATS error of op into the error returned to the caller:
// ctx.Err() if ctx is done, else an `other` error naming op.
// Inside a batch op is "", and the message is left to the *BatchError.
//
// An outage is ErrNotApplied when the request never left (the connection
// was down: Connect turns nats.go's reconnect buffer off) or found no
// JetStream to take it, and ErrOutcomeUnknown when it was sent and no
// answer came.
func fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	var ke *engine.Error
	if errors.As(err, &ke) {
		return err
	}
	switch {
	case errors.Is(err, natsio.ErrReconnectBufExceeded), errors.Is(err, natsio.ErrConnectionClosed),
		errors.Is(err, natsio.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		err = fmt.Errorf("%w (%w)", engine.ErrNotApplied, err)
	case errors.Is(err, natsio.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("%w (%w)", engine.ErrOutcomeUnknown, err)
	}
	if op == "" {
		return fmt.Errorf("nats: %w", err)
	}
	return fmt.Errorf("kv: %s: nats: %w", op, err)
}

// errorf is fmt.Errorf with the "kv: op: " prefix unless op is "".
func errorf(op, format string, args ...any) error {
	if op != "" {
		format = "kv: " + op + ": " + format
	}
	return fmt.Errorf(format, args...)
}

// isConflict reports whether err is JetStream's rejection of a write whose
// expected last subject sequence (revision) did not match.
func isConflict(err error) bool {
	var ae *jetstream.APIError
	return errors.Is(err, errConflict) || errors.As(err, &ae) && ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// bucket is one JetStream key-value bucket.
type bucket struct {
	e      *Engine
	jsName string
	pre    string // subject prefix of keys: "$KV.<jsName>."
	kv     jetstream.KeyValue
	st     jetstream.Stream // for reads that need revisions of delete markers

	snap   atomic.Pointer[keySnapshot] // sorted keys as of a stream sequence
	snapMu sync.Mutex                  // serializes scans

	sweepMu sync.Mutex               // serializes sweeps, guards marks
	marks   map[chunkGroup]time.Time // chunk groups seen by the sweeper, and since when
}

var _ engine.Bucket = (*bucket)(nil)

// state is what the latest message of a key says.
type state struct {
	value   []byte // non-nil if present, unless man is set and the chunks are not read yet
	rev     uint64 // the message's stream sequence; 0 if the key has no message
	present bool
	exp     int64     // the entry's expiry (expiresHeader), 0 for none
	expired bool      // the message holds an entry that has expired: absent
	man     *manifest // a chunked entry's manifest (present or expired), else nil
	bad     bool      // the message has a malformed manifest: present, its value unreadable
}

// expiresHeader holds the expiry of an entry written with a TTL, in Unix
// nanoseconds of the writing engine's clock (decimal). A message whose
// expiry has passed by the reading engine's clock is an absent key.
const expiresHeader = "Witgo-Expires"

// expiryOf returns the expiry a message's headers carry, 0 for none (or
// for a value that is not a decimal int64: a foreign header).
func expiryOf(h natsio.Header) int64 {
	v := h.Get(expiresHeader)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func (b *bucket) check(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.e.opts.CheckKey(op, key)
}

// chunkRetries is how many times read reads a key again when chunks of a
// manifest that is still the key's latest message are missing (a replica
// that lags behind) before it reports them lost.
const chunkRetries = 4

// read returns the latest state of key (whose NATS key is nk): the value and
// revision of a present key, the revision of its delete marker, or rev 0 if
// the key never had a message. The value of a chunked entry is read from
// its chunks; if they are removed meanwhile (the key was written or deleted
// again), the key is read again.
func (b *bucket) read(ctx context.Context, op, key, nk string) (state, error) {
	lost := 0
	for {
		s, err := b.readHead(ctx, op, key, nk)
		if err == nil && s.present && s.bad {
			return state{}, errorf(op, "message %d of key %.64q has a malformed %s header", s.rev, key, chunksHeader)
		}
		if err != nil || !s.present || s.man == nil {
			return s, err
		}
		v, err := b.loadChunks(ctx, nk, s.man)
		if err == nil {
			s.value = v
			return s, nil
		}
		if !errors.Is(err, errChunkMissing) {
			return state{}, fail(ctx, op, fmt.Errorf("key %.64q: %w", key, err))
		}
		b.e.rereads.Add(1)
		again, err := b.readHead(ctx, op, key, nk)
		if err != nil {
			return state{}, err
		}
		if again.rev != s.rev {
			lost = 0
			continue
		}
		if lost++; lost > chunkRetries {
			return state{}, errorf(op, "key %.64q: chunks of revision %d are missing", key, s.rev)
		}
		select {
		case <-ctx.Done():
			return state{}, ctx.Err()
		case <-time.After(time.Duration(lost*lost) * 10 * time.Millisecond):
		}
	}
}

// readHead is read without the chunks: the value of a chunked entry is nil
// and its manifest in man (a malformed one sets bad: writes, deletions and
// versions need only the revision).
func (b *bucket) readHead(ctx context.Context, op, key, nk string) (state, error) {
	s, err := b.head(ctx, key, nk)
	if err != nil {
		var fe foreignEntry
		if errors.As(err, &fe) {
			return state{}, errorf(op, "%s", fe)
		}
		return state{}, fail(ctx, op, err)
	}
	return s, nil
}

// foreignEntry is the error of a hashed key whose latest message is that of
// another key.
type foreignEntry string

func (f foreignEntry) Error() string { return string(f) }

// request returns ctx bounded by the request timeout, for one request to
// JetStream.
func (e *Engine) request(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= e.cfg.reqWait {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, e.cfg.reqWait)
}

// head is readHead with the errors of NATS as they are, for callers that
// report them with fail.
func (b *bucket) head(ctx context.Context, key, nk string) (state, error) {
	rctx, cancel := b.e.request(ctx)
	m, err := b.st.GetLastMsgForSubject(rctx, b.pre+nk)
	cancel()
	if err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return state{}, nil
		}
		return state{}, err
	}
	s := state{rev: m.Sequence}
	if isDeletion(m.Header) {
		return s, nil
	}
	if keymap.IsHashed(nk) {
		if k, ok := keymap.DecodeKeyHeader(nk, m.Header.Get(keymap.KeyHeader)); !ok || k != key {
			return state{}, foreignEntry(fmt.Sprintf("message %d of NATS key %s is not the entry of key %.64q (SHA-256 collision or foreign write)", m.Sequence, nk, key))
		}
	}
	if h := m.Header.Get(chunksHeader); h != "" {
		if man, ok := parseManifest(h); ok && len(m.Data) == 0 {
			s.man = man
		} else {
			s.bad = true
		}
	}
	if s.exp = expiryOf(m.Header); b.e.opts.Expired(s.exp) {
		s.expired = true
		return s, nil
	}
	s.present = true
	if s.man != nil || s.bad {
		return s, nil
	}
	s.value = m.Data
	if s.value == nil {
		s.value = []byte{}
	}
	return s, nil
}

// isDeletion reports whether headers mark a KV delete or purge (written by
// Delete or Purge of any client, or by the server for a limit).
func isDeletion(h natsio.Header) bool {
	if len(h) == 0 {
		return false
	}
	switch h.Get("KV-Operation") {
	case "DEL", "PURGE":
		return true
	}
	switch h.Get(jetstream.MarkerReasonHeader) {
	case "MaxAge", "Purge", "Remove":
		return true
	}
	return false
}

// write stores data under key, expiring at exp (0: never). With
// conditional, it succeeds only if the key's latest message is revision rev
// (0: the key has no message at all) and otherwise fails with an error for
// which isConflict is true. A value too large for one message is written in
// chunks (writeChunked).
func (b *bucket) write(ctx context.Context, op, key, nk string, data []byte, conditional bool, rev uint64, exp int64) (uint64, error) {
	if limit := b.payloadLimit(); !fitsOneMessage(limit, key, len(data)) {
		return b.writeChunked(ctx, op, key, nk, data, conditional, rev, exp, limit)
	}
	ctx, cancel := b.e.request(ctx)
	defer cancel()
	hashed := keymap.IsHashed(nk)
	if !hashed && exp == 0 {
		if conditional {
			return b.kv.Update(ctx, nk, data, rev)
		}
		return b.kv.Put(ctx, nk, data)
	}
	// A hashed key carries the key in a header, and an entry with a TTL
	// its expiry, which the KV API cannot add; this publish is what kv.Put
	// and kv.Update do, plus the headers.
	m := &natsio.Msg{Subject: b.pre + nk, Header: natsio.Header{}, Data: data}
	if hashed {
		m.Header.Set(keymap.KeyHeader, keymap.EncodeKeyHeader(key))
	}
	if exp != 0 {
		m.Header.Set(expiresHeader, strconv.FormatInt(exp, 10))
	}
	var popts []jetstream.PublishOpt
	if conditional {
		popts = append(popts, jetstream.WithExpectLastSequencePerSubject(rev))
	}
	ack, err := b.e.js.PublishMsg(ctx, m, popts...)
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

func (b *bucket) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := b.check(ctx, "get", key); err != nil {
		return nil, false, err
	}
	s, err := b.read(ctx, "get", key, keymap.Key(key))
	if err != nil || !s.present {
		return nil, false, err
	}
	return s.value, true, nil
}

func (b *bucket) Set(ctx context.Context, key string, value []byte) error {
	if err := b.check(ctx, "set", key); err != nil {
		return err
	}
	if err := b.e.opts.CheckValue("set", key, len(value)); err != nil {
		return err
	}
	nk := keymap.Key(key)
	_, err := b.write(ctx, "set", key, nk, value, false, 0, 0)
	b.e.wrote(b.pre + nk)
	if err != nil {
		return fail(ctx, "set", err)
	}
	return nil
}

// SetWith writes with an expiry header for a TTL. With IfAbsent it reads
// the key and writes conditionally on the revision it read (a create, or a
// write over a delete marker or an expired entry), starting again if
// another write landed in between, so the check and the write are atomic.
func (b *bucket) SetWith(ctx context.Context, key string, value []byte, opts engine.SetOptions) error {
	const op = "set"
	if err := b.check(ctx, op, key); err != nil {
		return err
	}
	if err := b.e.opts.CheckValue(op, key, len(value)); err != nil {
		return err
	}
	if err := b.e.opts.CheckTTL(op, key, opts.TTL); err != nil {
		return err
	}
	nk := keymap.Key(key)
	exp := b.e.opts.ExpiresAt(opts.TTL)
	defer b.e.wrote(b.pre + nk)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var s state
		if opts.IfAbsent {
			var err error
			if s, err = b.readHead(ctx, op, key, nk); err != nil {
				return err
			}
			if s.present {
				return &engine.Error{Op: op, Kind: engine.ErrPreconditionFailed, Msg: "key " + strconv.Quote(key[:min(len(key), 64)]) + " exists (if-not-exists)"}
			}
		}
		_, err := b.write(ctx, op, key, nk, value, opts.IfAbsent, s.rev, exp)
		if err == nil {
			return nil
		}
		if !opts.IfAbsent || !isConflict(err) {
			return fail(ctx, op, err)
		}
	}
}

func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := b.check(ctx, "delete", key); err != nil {
		return err
	}
	return b.delete(ctx, "delete", key)
}

// delete writes a delete marker for key if it is present. A missing key
// gets no marker, so deleting it changes nothing, not even its Version.
// The chunks of a chunked entry deleted are purged after the marker.
func (b *bucket) delete(ctx context.Context, op, key string) error {
	nk := keymap.Key(key)
	s, err := b.readHead(ctx, op, key, nk)
	if err != nil || !s.present {
		return err
	}
	rctx, cancel := b.e.request(ctx)
	err = b.kv.Delete(rctx, nk)
	cancel()
	b.e.wrote(b.pre + nk)
	if err != nil {
		return fail(ctx, op, err)
	}
	if s.man != nil {
		// Every message of the key up to s.rev is older than the marker,
		// so no manifest to come names these chunks.
		b.purgeBelow(ctx, nk, s.rev)
	}
	return nil
}

func (b *bucket) Exists(ctx context.Context, key string) (bool, error) {
	if err := b.check(ctx, "exists", key); err != nil {
		return false, err
	}
	s, err := b.readHead(ctx, "exists", key, keymap.Key(key))
	return s.present, err
}

func (b *bucket) IncrementU64(ctx context.Context, key string, delta uint64) (uint64, error) {
	return engine.IncrementU64With(b.updater(ctx, key), key, delta)
}

func (b *bucket) IncrementS64(ctx context.Context, key string, delta int64) (int64, error) {
	return engine.IncrementS64With(b.updater(ctx, key), key, delta)
}

// updater is increment for one key, as an engine.Updater.
func (b *bucket) updater(ctx context.Context, key string) engine.Updater {
	return func(next func(old []byte, found bool) ([]byte, error)) error { return b.increment(ctx, key, next) }
}

// increment is an optimistic read-modify-write: read the value and its
// revision, compute, and write only if the revision is unchanged (Update
// with the last revision; revision 0 or a delete marker's revision for an
// absent key, so a create), else start again. Within one Engine, a striped
// lock serializes increments of one key, so goroutines of one process do
// not make each other retry; writers elsewhere only cost retries. A write
// that fails for any reason but a revision conflict is not retried (it may
// have been applied): the error is returned.
func (b *bucket) increment(ctx context.Context, key string, add func(old []byte, found bool) ([]byte, error)) error {
	if err := b.check(ctx, "increment", key); err != nil {
		return err
	}
	nk := keymap.Key(key)
	subj := b.pre + nk
	st := b.e.stripe(subj)
	st.mu.Lock()
	defer st.mu.Unlock()
	var s state
	known := st.ok && st.subj == subj && st.gen.Load() == st.cgen && !b.e.opts.Expired(st.exp)
	if known {
		s = state{value: st.val, rev: st.rev, present: true, exp: st.exp}
	}
	st.ok = false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !known {
			var err error
			if s, err = b.read(ctx, "increment", key, nk); err != nil {
				return err
			}
		}
		known = false
		if !s.present {
			s.exp = 0 // an expired entry's expiry is not kept
		}
		buf, err := add(s.value, s.present)
		if err != nil {
			return err
		}
		if err := b.e.opts.CheckValue("increment", key, len(buf)); err != nil {
			return err
		}
		gen := st.gen.Load()
		rev, err := b.write(ctx, "increment", key, nk, buf, true, s.rev, s.exp)
		if err == nil {
			st.subj, st.rev, st.val, st.exp, st.cgen, st.ok = subj, rev, buf, s.exp, gen, true
			return nil
		}
		if !isConflict(err) {
			return fail(ctx, "increment", err)
		}
	}
}

// Versions are the decimal JetStream revision (stream sequence) of the
// key's latest message: its value, or its delete marker; "0" for a key that
// never had a message. The version of an entry with an expiry adds "@" and
// the expiry, and that of an expired entry (an absent key) "~": the three
// states a message can be in have different versions, and a swap from the
// version of an entry with an expiry can tell from it alone that the entry
// has expired.
func version(s state) engine.Version {
	v := strconv.FormatUint(s.rev, 10)
	switch {
	case s.expired:
		v += "~"
	case s.present && s.exp != 0:
		v += "@" + strconv.FormatInt(s.exp, 10)
	}
	return engine.Version(v)
}

// parseVersion accepts exactly the strings version produces, and returns
// the state they describe (rev, exp and expired).
func parseVersion(v engine.Version) (state, bool) {
	text := string(v)
	var s state
	if rest, ok := strings.CutSuffix(text, "~"); ok {
		text, s.expired = rest, true
	} else if r, e, ok := strings.Cut(text, "@"); ok {
		exp, err := strconv.ParseInt(e, 10, 64)
		if err != nil || exp <= 0 || strconv.FormatInt(exp, 10) != e {
			return state{}, false
		}
		text, s.exp, s.present = r, exp, true
	}
	if len(text) > 1 && text[0] == '0' {
		return state{}, false
	}
	n, err := strconv.ParseUint(text, 10, 64)
	s.rev = n
	return s, err == nil
}

func (b *bucket) GetVersioned(ctx context.Context, key string) ([]byte, bool, engine.Version, error) {
	if err := b.check(ctx, "get", key); err != nil {
		return nil, false, "", err
	}
	s, err := b.read(ctx, "get", key, keymap.Key(key))
	if err != nil {
		return nil, false, "", err
	}
	return s.value, s.present, version(s), nil
}

func (b *bucket) CompareAndSwap(ctx context.Context, key string, expect engine.Version, value []byte) (bool, engine.Version, error) {
	if err := b.check(ctx, "swap", key); err != nil {
		return false, "", err
	}
	if err := b.e.opts.CheckValue("swap", key, len(value)); err != nil {
		return false, "", err
	}
	nk := keymap.Key(key)
	// An entry with an expiry that has passed is absent now, so its
	// version is stale: a conflict, found without a write.
	if want, ok := parseVersion(expect); ok && !b.e.opts.Expired(want.exp) {
		next, err := b.write(ctx, "swap", key, nk, value, true, want.rev, 0)
		b.e.wrote(b.pre + nk)
		if err == nil {
			return true, version(state{rev: next, present: true}), nil
		}
		if !isConflict(err) {
			return false, "", fail(ctx, "swap", err)
		}
	}
	s, err := b.readHead(ctx, "swap", key, nk)
	if err != nil {
		return false, "", err
	}
	return false, version(s), nil
}

// checkKeys validates every key of a batch before any is used.
func (b *bucket) checkKeys(op string, keys []string) error {
	for i, k := range keys {
		if err := b.e.opts.CheckKey(op, k); err != nil {
			return &engine.BatchError{Op: op, Index: i, Total: len(keys), Err: err}
		}
	}
	return nil
}

// getManyParallel is the number of reads GetMany keeps in flight.
const getManyParallel = 16

func (b *bucket) GetMany(ctx context.Context, keys []string) ([]*engine.Entry, error) {
	const op = "get-many"
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := b.checkKeys(op, keys); err != nil {
		return nil, err
	}
	out := make([]*engine.Entry, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, getManyParallel)
	var wg sync.WaitGroup
	for i, k := range keys {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s, err := b.read(ctx, "", k, keymap.Key(k))
			if err != nil {
				errs[i] = err
			} else if s.present {
				out[i] = &engine.Entry{Key: k, Value: s.value}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, &engine.BatchError{Op: op, Index: -1, Total: len(keys), Err: err}
	}
	for i, err := range errs {
		if err != nil {
			return nil, &engine.BatchError{Op: op, Index: i, Done: i, Total: len(keys), Err: err}
		}
	}
	return out, nil
}

// SetMany writes the entries one after another, each acknowledged before
// the next is sent, so a failure at entry i means exactly entries[:i] were
// applied (entry i itself may have been, if its acknowledgement was lost).
func (b *bucket) SetMany(ctx context.Context, entries []engine.Entry) error {
	const op = "set-many"
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, en := range entries {
		err := b.e.opts.CheckKey(op, en.Key)
		if err == nil {
			err = b.e.opts.CheckValue(op, en.Key, len(en.Value))
		}
		if err != nil {
			return &engine.BatchError{Op: op, Index: i, Total: len(entries), Err: err}
		}
	}
	return engine.ApplyEach(ctx, op, len(entries), func(i int) error {
		nk := keymap.Key(entries[i].Key)
		_, err := b.write(ctx, op, entries[i].Key, nk, entries[i].Value, false, 0, 0)
		b.e.wrote(b.pre + nk)
		if err != nil {
			return fail(ctx, "", err)
		}
		return nil
	})
}

func (b *bucket) DeleteMany(ctx context.Context, keys []string) error {
	const op = "delete-many"
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.checkKeys(op, keys); err != nil {
		return err
	}
	return engine.ApplyEach(ctx, op, len(keys), func(i int) error { return b.delete(ctx, "", keys[i]) })
}
