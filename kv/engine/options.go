package engine

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults of Options.
const (
	// DefaultMaxKeyBytes is the default limit on a key or bucket identifier:
	// 16 KiB, so a full page of keys (100 × 16 KiB) stays well under the
	// 4 MiB default wire limit of the wRPC runtime.
	DefaultMaxKeyBytes = 16 << 10
	// DefaultMaxValueBytes is the default limit on a value: 4 MiB, the
	// default wire limit on one value in the wRPC runtime, so any value the
	// wire accepts can be stored.
	DefaultMaxValueBytes = 4 << 20
	// DefaultPageSize is the default number of keys in a list-keys page.
	DefaultPageSize = 100
)

// Options configure an engine. Build them with NewOptions from Option
// functions; engines accept ...Option in their constructors so the same
// options work with every engine.
type Options struct {
	// CreateOnOpen makes Open create an unknown bucket instead of returning
	// ErrNoSuchStore. Off by default, as the WIT says.
	CreateOnOpen bool
	// Buckets are created when the engine is.
	Buckets []string
	// MaxKeyBytes limits keys and bucket identifiers, in bytes.
	MaxKeyBytes int
	// MaxValueBytes limits values, in bytes.
	MaxValueBytes int
	// PageSize is the maximum number of keys in one list-keys page.
	PageSize int
	// MaxBuckets bounds the number of buckets (0: no bound), and MaxBytes
	// the bytes of the keys and values stored in all of them (0: no bound).
	// A create or a write over a bound fails with an *Error of kind
	// ErrQuotaExceeded that names the bound. The memory engine honours
	// both, the NATS engine MaxBuckets; a store that runs elsewhere has
	// quotas of its own.
	MaxBuckets int
	MaxBytes   int64
	// Now is the engine's clock, which decides when entries written with
	// a TTL (SetWith) expire. NewOptions sets it to time.Now if it is nil;
	// tests pass a clock of their own (Clock) so that expiry needs no
	// sleeping.
	Now func() time.Time
}

// Option sets one field of Options.
type Option func(*Options)

// CreateOnOpen sets whether Open creates unknown buckets (default false).
func CreateOnOpen(on bool) Option { return func(o *Options) { o.CreateOnOpen = on } }

// Buckets adds bucket identifiers to create when the engine is created.
func Buckets(names ...string) Option {
	return func(o *Options) { o.Buckets = append(o.Buckets, names...) }
}

// MaxKeyBytes sets the key and bucket identifier limit; n <= 0 means
// DefaultMaxKeyBytes.
func MaxKeyBytes(n int) Option { return func(o *Options) { o.MaxKeyBytes = n } }

// MaxValueBytes sets the value limit; n <= 0 means DefaultMaxValueBytes.
// Counters need at most 20 bytes, so a limit below that makes large
// increments fail with ErrValueTooLarge.
func MaxValueBytes(n int) Option { return func(o *Options) { o.MaxValueBytes = n } }

// PageSize sets the list-keys page size; n <= 0 means DefaultPageSize.
func PageSize(n int) Option { return func(o *Options) { o.PageSize = n } }

// MaxBuckets bounds the number of buckets (n <= 0: no bound).
func MaxBuckets(n int) Option { return func(o *Options) { o.MaxBuckets = max(n, 0) } }

// MaxBytes bounds the bytes of all keys and values (n <= 0: no bound).
func MaxBytes(n int64) Option { return func(o *Options) { o.MaxBytes = max(n, 0) } }

// Clock sets the engine's clock (default time.Now; nil means the default),
// which decides when entries written with a TTL expire. An engine reads it
// at every operation that can see an entry with a TTL, so a test can move
// time forward instead of sleeping.
func Clock(now func() time.Time) Option { return func(o *Options) { o.Now = now } }

// NewOptions applies opts, in order, to the defaults and returns the result
// with every unset or non-positive limit replaced by its default.
func NewOptions(opts ...Option) Options {
	var o Options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.MaxKeyBytes <= 0 {
		o.MaxKeyBytes = DefaultMaxKeyBytes
	}
	if o.MaxValueBytes <= 0 {
		o.MaxValueBytes = DefaultMaxValueBytes
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Buckets = append([]string(nil), o.Buckets...)
	return o
}

// CheckKey returns nil if key is an acceptable key, else an *Error for op
// of kind ErrKeyTooLarge (naming MaxKeyBytes) or ErrInvalidKey.
func (o Options) CheckKey(op, key string) error {
	return o.checkName(op, "key", ErrKeyTooLarge, key)
}

// CheckBucket is CheckKey for a bucket identifier.
func (o Options) CheckBucket(op, name string) error {
	return o.checkName(op, "bucket identifier", ErrKeyTooLarge, name)
}

// CheckCursor returns nil if after could be a key returned by a list-keys
// walk, else an *Error for op of kind ErrInvalidCursor.
func (o Options) CheckCursor(op, after string) error {
	return o.checkName(op, "cursor", ErrInvalidCursor, after)
}

// CheckPrefixCursor is CheckCursor for a cursor of a walk restricted to
// the keys that begin with prefix: it must also begin with prefix.
func (o Options) CheckPrefixCursor(op, prefix, after string) error {
	if err := o.CheckCursor(op, after); err != nil {
		return err
	}
	if !strings.HasPrefix(after, prefix) {
		return &Error{Op: op, Kind: ErrInvalidCursor, Msg: "cursor " + quote(after) + " does not begin with the prefix " +
			quote(prefix) + ": continue a walk with the prefix it started with"}
	}
	return nil
}

// CheckTTL returns nil if ttl is an acceptable TTL for SetWith (zero for
// none, or positive), else an *Error for op of kind ErrInvalidArgument.
func (o Options) CheckTTL(op, key string, ttl time.Duration) error {
	if ttl < 0 {
		return &Error{Op: op, Kind: ErrInvalidArgument, Msg: "negative TTL " + ttl.String() + " for key " + quote(key)}
	}
	return nil
}

// ExpiresAt returns when an entry written now with ttl expires, in Unix
// nanoseconds of the engine's clock, or 0 if ttl is not positive (no
// expiry). A time past the range of int64 is math.MaxInt64: practically
// never.
func (o Options) ExpiresAt(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	now := o.Now().UnixNano()
	if now > math.MaxInt64-int64(ttl) {
		return math.MaxInt64
	}
	return now + int64(ttl)
}

// Expired reports whether an entry that expires at exp (Unix nanoseconds,
// 0 for never, as ExpiresAt returns) has expired by the engine's clock.
func (o Options) Expired(exp int64) bool {
	return exp != 0 && o.Now().UnixNano() >= exp
}

func (o Options) checkName(op, what string, tooLarge error, s string) error {
	if len(s) > o.MaxKeyBytes {
		return &Error{Op: op, Kind: tooLarge, Msg: what + " is " + strconv.Itoa(len(s)) +
			" bytes, over the limit of " + strconv.Itoa(o.MaxKeyBytes) + " bytes (MaxKeyBytes)"}
	}
	if !utf8.ValidString(s) {
		kind := ErrInvalidKey
		if tooLarge == ErrInvalidCursor {
			kind = ErrInvalidCursor
		}
		return &Error{Op: op, Kind: kind, Msg: what + " " + quote(s) + " is not valid UTF-8"}
	}
	return nil
}

// CheckValue returns nil if a value of n bytes is acceptable, else an
// *Error for op of kind ErrValueTooLarge naming MaxValueBytes.
func (o Options) CheckValue(op, key string, n int) error {
	if n > o.MaxValueBytes {
		return &Error{Op: op, Kind: ErrValueTooLarge, Msg: "value for key " + quote(key) + " is " +
			strconv.Itoa(n) + " bytes, over the limit of " + strconv.Itoa(o.MaxValueBytes) + " bytes (MaxValueBytes)"}
	}
	return nil
}
