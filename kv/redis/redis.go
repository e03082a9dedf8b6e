package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/witgo-dev/witgo/kv/engine"
)

// ErrUnavailable is what every failure to reach Redis wraps: a refused or
// broken connection, no reply before the call's deadline, a server that is
// loading its data. The message of such an error is
// "kv: OP: redis unavailable; outcome unknown: CAUSE". It wraps
// engine.ErrOutcomeUnknown (and so engine.ErrUnavailable): a write that
// failed this way may have been applied before the error was returned,
// never after (see the package doc), so a client may read before it
// retries.
var ErrUnavailable error = unavailableErr{}

type unavailableErr struct{}

func (unavailableErr) Error() string { return "redis unavailable; outcome unknown" }
func (unavailableErr) Unwrap() error { return engine.ErrOutcomeUnknown }

// sweepBudget bounds the expired entries one listing call removes, so that
// one script never blocks Redis for long; a listing calls again until the
// sweep is complete.
const sweepBudget = 1000

// maxTagBytes bounds the escaped bucket identifier in the hash tag; a
// longer identifier is tagged with its SHA-256.
const maxTagBytes = 128

// Engine is an engine.Engine on Redis. Create it with New or Connect. It is
// safe for concurrent use.
type Engine struct {
	rdb   goredis.UniversalClient
	owned bool
	cfg   config
	opts  engine.Options

	mu      sync.Mutex
	buckets map[string]*bucket
}

var _ engine.Engine = (*Engine)(nil)

// New returns an engine that stores its buckets in the Redis behind rdb (a
// *redis.Client, or a *redis.ClusterClient: every bucket lives in one hash
// slot). It creates the buckets named with engine.Buckets. The client's
// settings are used as they are; see the package doc on retries, which
// Connect turns off.
func New(ctx context.Context, rdb goredis.UniversalClient, opts ...Option) (*Engine, error) {
	if rdb == nil {
		return nil, errors.New("kv/redis: New: nil client")
	}
	return newEngine(ctx, rdb, newConfig(opts))
}

// Connect connects to the Redis at url, redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
// or rediss://... for TLS (the go-redis URL syntax, query options
// included), and returns an engine that owns the client: Close closes it.
// The client never retries a command (MaxRetries -1) and honours context
// deadlines. It checks the connection with a PING.
func Connect(ctx context.Context, url string, opts ...Option) (*Engine, error) {
	cfg := newConfig(opts)
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("kv/redis: %w", err)
	}
	for _, f := range cfg.redisOpts {
		f(o)
	}
	o.MaxRetries = -1
	o.ContextTimeoutEnabled = true
	o.DisableIdentity = true
	rdb := goredis.NewClient(o)
	pctx, cancel := context.WithTimeout(ctx, cfg.callTimeout)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("kv/redis: connect to %s: %w: %v", Redacted(url), ErrUnavailable, err)
	}
	e, err := newEngine(ctx, rdb, cfg)
	if err != nil {
		rdb.Close()
		return nil, err
	}
	e.owned = true
	return e, nil
}

// Redacted returns rawURL with its password replaced by "xxxxx", for
// logs; a URL that does not parse loses everything before its last '@'.
func Redacted(rawURL string) string {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		if i := strings.LastIndexByte(rawURL, '@'); i >= 0 {
			return "(redacted)" + rawURL[i:]
		}
		return rawURL
	}
	return u.Redacted()
}

func newEngine(ctx context.Context, rdb goredis.UniversalClient, cfg config) (*Engine, error) {
	if !validPrefix(cfg.prefix) {
		return nil, fmt.Errorf("kv/redis: key prefix %q: it may not contain '{' or '}'", cfg.prefix)
	}
	e := &Engine{
		rdb:     rdb,
		cfg:     cfg,
		opts:    engine.NewOptions(cfg.engine...),
		buckets: make(map[string]*bucket),
	}
	for _, name := range e.opts.Buckets {
		if err := e.Create(ctx, name); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Close closes the client if the engine made it (Connect).
func (e *Engine) Close() error {
	if e.owned {
		return e.rdb.Close()
	}
	return nil
}

// Client returns the go-redis client the engine uses.
func (e *Engine) Client() goredis.UniversalClient { return e.rdb }

// Health pings Redis, within the call timeout (engine.HealthChecker): an
// error says "redis unavailable" and why.
func (e *Engine) Health(ctx context.Context) error {
	cctx, _, cancel := e.deadline(ctx)
	defer cancel()
	if err := e.rdb.Ping(cctx).Err(); err != nil {
		return fmt.Errorf("redis unavailable: %w", err)
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

// BucketTag returns the hash tag of the bucket id, braces included: every
// Redis key of the bucket is the key prefix, this tag, and a suffix.
func (e *Engine) BucketTag(id string) string { return bucketTag(id) }

// bucketTag escapes '%', '{', '}' and '#' as %25, %7B, %7D and %23, so the
// tag cannot end early; the empty identifier is "%", and an identifier
// whose escaped form is longer than maxTagBytes is "#" and its hex SHA-256.
func bucketTag(id string) string {
	if id == "" {
		return "{%}"
	}
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		switch c := id[i]; c {
		case '%':
			b.WriteString("%25")
		case '{':
			b.WriteString("%7B")
		case '}':
			b.WriteString("%7D")
		case '#':
			b.WriteString("%23")
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() > maxTagBytes {
		sum := sha256.Sum256([]byte(id))
		return "{#" + hex.EncodeToString(sum[:]) + "}"
	}
	return "{" + b.String() + "}"
}

// Create creates the bucket name if it does not exist yet; creating an
// existing bucket changes nothing.
func (e *Engine) Create(ctx context.Context, name string) error {
	_, err := e.open(ctx, "create", name, true)
	return err
}

// Open returns a handle on the bucket name. An unknown name is an error
// wrapping engine.ErrNoSuchStore unless the engine was created with
// CreateOnOpen(true).
func (e *Engine) Open(ctx context.Context, name string) (engine.Bucket, error) {
	return e.open(ctx, "open", name, e.opts.CreateOnOpen)
}

// OpenExisting is Open that never creates a bucket: an unknown name is an
// error wrapping engine.ErrNoSuchStore whatever CreateOnOpen says
// (engine.ExistingOpener).
func (e *Engine) OpenExisting(ctx context.Context, name string) (engine.Bucket, error) {
	return e.open(ctx, "open", name, false)
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
	e.mu.Lock()
	b := e.buckets[name]
	e.mu.Unlock()
	if b != nil {
		return b, nil
	}
	pre := e.cfg.prefix + bucketTag(name)
	b = &bucket{e: e, kpre: pre + ":k:", idx: pre + ":i", xs: pre + ":x", meta: pre + ":m"}
	flag := "0"
	if create {
		flag = "1"
	}
	cctx, dl, cancel := e.deadline(ctx)
	defer cancel()
	res, err := createScript.Run(cctx, e.rdb, []string{b.meta}, name, flag).Slice()
	if err != nil {
		return nil, e.fail(ctx, op, err, dl, create)
	}
	if len(res) != 2 || asInt(res[0]) != 1 {
		return nil, fmt.Errorf("kv: %s %.64q: %w", op, name, engine.ErrNoSuchStore)
	}
	if id := asString(res[1]); id != name {
		return nil, fmt.Errorf("kv: %s %.64q: the Redis keys of bucket tag %s hold bucket %.64q", op, name, bucketTag(name), id)
	}
	e.mu.Lock()
	if old := e.buckets[name]; old != nil {
		b = old
	} else {
		e.buckets[name] = b
	}
	e.mu.Unlock()
	return b, nil
}

// deadline returns ctx bounded by the call timeout, and that deadline.
func (e *Engine) deadline(ctx context.Context) (context.Context, time.Time, context.CancelFunc) {
	dl := time.Now().Add(e.cfg.callTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	cctx, cancel := context.WithDeadline(ctx, dl)
	return cctx, dl, cancel
}

// fail turns an error of a call to Redis into the error returned: ctx.Err()
// if the caller's context is done, ErrUnavailable for a failure to reach
// Redis, else the Redis error. A write (one sent with a deadline the script
// checks) that failed in doubt, after it may have been sent, is held until
// its deadline has passed, so that it can no longer be applied once the
// error is returned. op "" is inside a batch: the *BatchError says the op.
func (e *Engine) fail(ctx context.Context, op string, err error, dl time.Time, write bool) error {
	var re goredis.Error
	isReply := errors.As(err, &re) && !errors.Is(err, goredis.Nil)
	msg := err.Error()
	switch {
	case isReply && strings.HasPrefix(msg, "WITGO_LATE"):
		// Refused by Redis: certainly not applied.
	case isReply:
		for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY "} {
			if strings.HasPrefix(msg, p) {
				return unavailable(op, err)
			}
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return prefixed(op, fmt.Errorf("redis: %w", err))
	case write && !notSent(err):
		if wait := time.Until(dl); wait > 0 {
			time.Sleep(wait + 5*time.Millisecond)
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return unavailable(op, err)
}

// notSent reports whether err says for certain that no command reached
// Redis: a failed dial, a pool with no free connection, a closed client.
func notSent(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	return errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, goredis.ErrClosed)
}

func unavailable(op string, err error) error {
	if strings.HasPrefix(err.Error(), "WITGO_LATE ") {
		err = errors.New(strings.TrimPrefix(err.Error(), "WITGO_LATE "))
	}
	return prefixed(op, fmt.Errorf("%w: %v", ErrUnavailable, err))
}

func prefixed(op string, err error) error {
	if op == "" {
		return err
	}
	return fmt.Errorf("kv: %s: %w", op, err)
}

func asInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return math.MinInt64
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// bucket is one keyvalue bucket: the Redis keys kpre+KEY (one hash per
// key), idx, xs and meta, all with the bucket's hash tag.
type bucket struct {
	e    *Engine
	kpre string
	idx  string
	xs   string
	meta string
}

var _ engine.Bucket = (*bucket)(nil)

func (b *bucket) check(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.e.opts.CheckKey(op, key)
}

func (b *bucket) keys(key string) []string { return []string{b.kpre + key, b.idx, b.xs, b.meta} }

// now returns the engine's clock in Unix nanoseconds, as decimal text (at
// least 1: a clock before 1970 is not supported).
func (b *bucket) now() (int64, string) {
	n := max(b.e.opts.Now().UnixNano(), 1)
	return n, strconv.FormatInt(n, 10)
}

func expired(e any, now int64) bool {
	s, ok := e.(string)
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && now >= n
}

// read returns a present key's value, with a plain HMGET.
func (b *bucket) read(ctx context.Context, op, key string) ([]byte, bool, error) {
	cctx, dl, cancel := b.e.deadline(ctx)
	defer cancel()
	res, err := b.e.rdb.HMGet(cctx, b.kpre+key, "v", "e").Result()
	if err != nil {
		return nil, false, b.e.fail(ctx, op, err, dl, false)
	}
	now, _ := b.now()
	v, ok := res[0].(string)
	if !ok || expired(res[1], now) {
		return nil, false, nil
	}
	return []byte(v), true, nil
}

func (b *bucket) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := b.check(ctx, "get", key); err != nil {
		return nil, false, err
	}
	return b.read(ctx, "get", key)
}

func (b *bucket) Exists(ctx context.Context, key string) (bool, error) {
	if err := b.check(ctx, "exists", key); err != nil {
		return false, err
	}
	_, ok, err := b.read(ctx, "exists", key)
	return ok, err
}

func (b *bucket) Set(ctx context.Context, key string, value []byte) error {
	return b.SetWith(ctx, key, value, engine.SetOptions{})
}

// set runs setScript; it returns false if IfAbsent found the key present.
func (b *bucket) set(ctx context.Context, op, key string, value []byte, exp int64, ifAbsent bool) (bool, error) {
	_, now := b.now()
	expText, absent := "", "0"
	if exp != 0 {
		expText = strconv.FormatInt(exp, 10)
	}
	if ifAbsent {
		absent = "1"
	}
	if value == nil {
		value = []byte{}
	}
	cctx, dl, cancel := b.e.deadline(ctx)
	defer cancel()
	n, err := setScript.Run(cctx, b.e.rdb, b.keys(key), key, dl.UnixMilli(), now, value, expText, absent).Int64()
	if err != nil {
		return false, b.e.fail(ctx, op, err, dl, true)
	}
	return n >= 0, nil
}

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
	ok, err := b.set(ctx, op, key, value, b.e.opts.ExpiresAt(opts.TTL), opts.IfAbsent)
	if err != nil {
		return err
	}
	if !ok {
		return &engine.Error{Op: op, Kind: engine.ErrPreconditionFailed, Msg: "key " + strconv.Quote(key[:min(len(key), 64)]) + " exists (if-not-exists)"}
	}
	return nil
}

func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := b.check(ctx, "delete", key); err != nil {
		return err
	}
	return b.delete(ctx, "delete", key)
}

func (b *bucket) delete(ctx context.Context, op, key string) error {
	_, now := b.now()
	cctx, dl, cancel := b.e.deadline(ctx)
	defer cancel()
	if err := deleteScript.Run(cctx, b.e.rdb, b.keys(key), key, dl.UnixMilli(), now).Err(); err != nil {
		return b.e.fail(ctx, op, err, dl, true)
	}
	return nil
}

func (b *bucket) GetVersioned(ctx context.Context, key string) ([]byte, bool, engine.Version, error) {
	if err := b.check(ctx, "get", key); err != nil {
		return nil, false, "", err
	}
	return b.getVersioned(ctx, "get", key)
}

func (b *bucket) getVersioned(ctx context.Context, op, key string) ([]byte, bool, engine.Version, error) {
	_, now := b.now()
	cctx, dl, cancel := b.e.deadline(ctx)
	defer cancel()
	res, err := getVersionedScript.Run(cctx, b.e.rdb, b.keys(key), key, now).Slice()
	if err != nil {
		return nil, false, "", b.e.fail(ctx, op, err, dl, false)
	}
	if len(res) != 3 {
		return nil, false, "", fmt.Errorf("kv: %s: unexpected reply from Redis: %v", op, res)
	}
	ver := engine.Version(asString(res[2]))
	if asInt(res[0]) != 1 {
		return nil, false, ver, nil
	}
	return []byte(asString(res[1])), true, ver, nil
}

// update runs updateScript: it writes value if the key's version is
// expect, keeping a present entry's expiry if keep.
func (b *bucket) update(ctx context.Context, op, key string, expect engine.Version, value []byte, keep bool) (bool, engine.Version, error) {
	_, now := b.now()
	k := "0"
	if keep {
		k = "1"
	}
	if value == nil {
		value = []byte{}
	}
	cctx, dl, cancel := b.e.deadline(ctx)
	defer cancel()
	res, err := updateScript.Run(cctx, b.e.rdb, b.keys(key), key, dl.UnixMilli(), now, string(expect), value, k).Slice()
	if err != nil {
		return false, "", b.e.fail(ctx, op, err, dl, true)
	}
	if len(res) != 2 {
		return false, "", fmt.Errorf("kv: %s: unexpected reply from Redis: %v", op, res)
	}
	ver := res[1]
	if n, ok := ver.(int64); ok {
		ver = strconv.FormatInt(n, 10)
	}
	return asInt(res[0]) == 1, engine.Version(asString(ver)), nil
}

func (b *bucket) CompareAndSwap(ctx context.Context, key string, expect engine.Version, value []byte) (bool, engine.Version, error) {
	const op = "swap"
	if err := b.check(ctx, op, key); err != nil {
		return false, "", err
	}
	if err := b.e.opts.CheckValue(op, key, len(value)); err != nil {
		return false, "", err
	}
	return b.update(ctx, op, key, expect, value, false)
}

func (b *bucket) IncrementU64(ctx context.Context, key string, delta uint64) (uint64, error) {
	text, found, old, err := b.increment(ctx, key, "u", "", strconv.FormatUint(delta, 10))
	if err != nil {
		return 0, err
	}
	if text == "" { // refused: the rules of every engine say why
		if _, err := engine.AddU64(key, old, found, delta); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("kv: increment: Redis refused to add %d to %q, which engine.AddU64 accepts", delta, old)
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("kv: increment: Redis stored %q: %v", text, err)
	}
	return n, nil
}

func (b *bucket) IncrementS64(ctx context.Context, key string, delta int64) (int64, error) {
	sign, mag := "", strconv.FormatUint(uint64(delta), 10)
	if delta < 0 {
		sign, mag = "-", strconv.FormatUint(-uint64(delta), 10)
	}
	text, found, old, err := b.increment(ctx, key, "s", sign, mag)
	if err != nil {
		return 0, err
	}
	if text == "" {
		if _, err := engine.AddS64(key, old, found, delta); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("kv: increment: Redis refused to add %d to %q, which engine.AddS64 accepts", delta, old)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("kv: increment: Redis stored %q: %v", text, err)
	}
	return n, nil
}

// increment runs incrementScript: one round trip, atomic in Redis, exact
// under any concurrency. It returns the stored result, or "" and the value
// found if the value is not a counter of the type or the sum overflows
// (nothing was written).
func (b *bucket) increment(ctx context.Context, key, typ, sign, mag string) (text string, found bool, old []byte, err error) {
	const op = "increment"
	if err := b.check(ctx, op, key); err != nil {
		return "", false, nil, err
	}
	_, now := b.now()
	cctx, dl, cancel := b.e.deadline(ctx)
	defer cancel()
	res, err := incrementScript.Run(cctx, b.e.rdb, b.keys(key), key, dl.UnixMilli(), now, typ, sign, mag, b.e.opts.MaxValueBytes).Slice()
	if err != nil {
		return "", false, nil, b.e.fail(ctx, op, err, dl, true)
	}
	switch {
	case len(res) == 2 && asInt(res[0]) == 1:
		return asString(res[1]), false, nil, nil
	case len(res) == 2 && asInt(res[0]) == 2:
		return "", false, nil, b.e.opts.CheckValue(op, key, len(asString(res[1])))
	case len(res) == 3 && asInt(res[0]) == 0:
		return "", asInt(res[1]) == 1, []byte(asString(res[2])), nil
	}
	return "", false, nil, fmt.Errorf("kv: %s: unexpected reply from Redis: %v", op, res)
}

// list returns the keys of ZRANGEBYLEX min max LIMIT offset PageSize+1
// after sweeping expired entries, and whether there were more than
// PageSize.
func (b *bucket) list(ctx context.Context, op, minKey, maxKey string, offset uint64) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if offset > math.MaxInt64-uint64(b.e.opts.PageSize)-1 {
		return []string{}, false, nil
	}
	nowNs, now := b.now()
	nowMs := strconv.FormatInt(nowNs/1e6, 10)
	for {
		cctx, dl, cancel := b.e.deadline(ctx)
		res, err := listScript.Run(cctx, b.e.rdb, []string{b.idx, b.xs, b.meta},
			now, nowMs, sweepBudget, b.kpre, minKey, maxKey, offset, b.e.opts.PageSize+1).Slice()
		cancel()
		if err != nil {
			return nil, false, b.e.fail(ctx, op, err, dl, true)
		}
		if len(res) == 0 || asInt(res[0]) != 1 {
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
			continue // more expired entries to sweep first
		}
		keys := make([]string, 0, len(res)-1)
		for _, k := range res[1:] {
			keys = append(keys, asString(k))
		}
		more := len(keys) > b.e.opts.PageSize
		if more {
			keys = keys[:b.e.opts.PageSize]
		}
		return keys, more, nil
	}
}

func (b *bucket) ListKeys(ctx context.Context, offset uint64) ([]string, bool, error) {
	return b.list(ctx, "list-keys", "-", "+", offset)
}

func (b *bucket) ListKeysAfter(ctx context.Context, after string) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if err := b.e.opts.CheckCursor("list-keys", after); err != nil {
		return nil, false, err
	}
	return b.list(ctx, "list-keys", "("+after, "+", 0)
}

func (b *bucket) ListPrefix(ctx context.Context, prefix string, after *string) ([]string, bool, error) {
	const op = "list-keys"
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	lo := "[" + prefix
	if after != nil {
		if err := b.e.opts.CheckPrefixCursor(op, prefix, *after); err != nil {
			return nil, false, err
		}
		lo = "(" + *after
	}
	return b.list(ctx, op, lo, prefixEnd(prefix), 0)
}

// prefixEnd returns the ZRANGEBYLEX upper bound of the keys that begin
// with prefix: exclusive of the first string after all of them.
func prefixEnd(prefix string) string {
	p := []byte(prefix)
	for len(p) > 0 && p[len(p)-1] == 0xff {
		p = p[:len(p)-1]
	}
	if len(p) == 0 {
		return "+"
	}
	p[len(p)-1]++
	return "(" + string(p)
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

// GetMany reads every key in one pipeline of HMGETs.
func (b *bucket) GetMany(ctx context.Context, keys []string) ([]*engine.Entry, error) {
	const op = "get-many"
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := b.checkKeys(op, keys); err != nil {
		return nil, err
	}
	out := make([]*engine.Entry, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	cctx, dl, cancel := b.e.deadline(ctx)
	defer cancel()
	pipe := b.e.rdb.Pipeline()
	cmds := make([]*goredis.SliceCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HMGet(cctx, b.kpre+k, "v", "e")
	}
	if _, err := pipe.Exec(cctx); err != nil {
		index := 0
		for i, c := range cmds {
			if c.Err() != nil {
				index, err = i, c.Err()
				break
			}
		}
		err = b.e.fail(ctx, "", err, dl, false)
		if ctx.Err() != nil {
			return nil, &engine.BatchError{Op: op, Index: -1, Total: len(keys), Err: err}
		}
		return nil, &engine.BatchError{Op: op, Index: index, Done: index, Total: len(keys), Err: err}
	}
	now, _ := b.now()
	for i, c := range cmds {
		res := c.Val()
		if v, ok := res[0].(string); ok && !expired(res[1], now) {
			out[i] = &engine.Entry{Key: keys[i], Value: []byte(v)}
		}
	}
	return out, nil
}

// SetMany writes the entries one after another, each acknowledged before
// the next is sent, so a failure at entry i means entries[:i] were applied
// (entry i itself is in doubt only until the error is returned).
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
		_, err := b.set(ctx, "", entries[i].Key, entries[i].Value, 0, false)
		return err
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
