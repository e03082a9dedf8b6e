package policy

import (
	"context"
	"errors"
	"strconv"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// DeniedError is a call the policy refused. It wraps engine.ErrAccessDenied,
// which every generated backend reports as its family's access-denied error
// (other, with this error's message, where the WIT has no such case).
type DeniedError struct {
	Principal string
	Bucket    string
	// Missing is the right the principal lacks on the bucket, or 0 for an
	// open by a principal that has no right at all on it.
	Missing Right
}

// Error says who may not do what to which bucket:
//
//	access denied: principal "uid:1000" may not write bucket "orders"
func (e *DeniedError) Error() string {
	who := "access denied: principal " + quote(e.Principal) + " may not "
	if e.Missing == 0 {
		return who + "open bucket " + quote(e.Bucket) + " (no read, write or create right on it)"
	}
	return who + e.Missing.String() + " bucket " + quote(e.Bucket)
}

// Unwrap returns engine.ErrAccessDenied.
func (e *DeniedError) Unwrap() error { return engine.ErrAccessDenied }

// quote renders a name for an error message: Go-quoted, and cut after 128
// bytes so that a huge client-chosen name does not make a huge message.
func quote(s string) string {
	const max = 128
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:max]) + "..."
}

// Principal returns the principal of the server-side call of ctx
// (wrpc.PeerFromContext): the identity the transport established, or
// wrpc.Anonymous for a caller it did not identify, or a context that is not
// a server call's.
func Principal(ctx context.Context) string {
	if p, ok := wrpc.PeerFromContext(ctx); ok && p.Principal != "" {
		return p.Principal
	}
	return wrpc.Anonymous
}

// Wrap returns e with every call checked against p, for the principal of
// the call (Principal of its context). A nil p is DenyAll().
//
// Open needs a right on the bucket: read, write or create. A principal
// without create opens only buckets that exist: if e would create an
// unknown bucket on open (its Options().CreateOnOpen, or always if it does
// not report its options), opening one is a *DeniedError for the create
// right; otherwise it is e's no-such-store error. For this, e must
// implement engine.ExistingOpener if it creates buckets on open; if it
// does not, such a principal cannot open any bucket.
//
// Every method of the buckets it opens checks the right it needs (read for
// the reads, write for the mutations; see Needs) for the principal of that
// method's own context, before it calls e: a denied call changes nothing
// and returns a *DeniedError. Engines have no method that lists buckets,
// so neither has the result.
//
// If e reports its options (an Options() method, like every bundled
// engine), so does the result.
func Wrap(e engine.Engine, p *Policy) engine.Engine {
	if p == nil {
		p = DenyAll()
	}
	w := &policyEngine{e: e, p: p, createsOnOpen: true}
	if o, ok := e.(optionsEngine); ok {
		w.createsOnOpen = o.Options().CreateOnOpen
		return optsEngine{w, o}
	}
	return w
}

// optionsEngine is an engine that reports its options.
type optionsEngine interface {
	engine.Engine
	Options() engine.Options
}

type optsEngine struct {
	*policyEngine
	o optionsEngine
}

func (e optsEngine) Options() engine.Options { return e.o.Options() }

type policyEngine struct {
	e engine.Engine
	p *Policy
	// createsOnOpen: e may create a bucket on open (engine options do not
	// change once an engine is made).
	createsOnOpen bool
}

func (w *policyEngine) Open(ctx context.Context, name string) (engine.Bucket, error) {
	who := Principal(ctx)
	have := w.p.Rights(who, name)
	var b engine.Bucket
	var err error
	switch {
	case have == 0:
		return nil, &DeniedError{Principal: who, Bucket: name}
	case have&Create != 0 || !w.createsOnOpen:
		b, err = w.e.Open(ctx, name)
	default:
		eo, ok := w.e.(engine.ExistingOpener)
		if !ok {
			return nil, &DeniedError{Principal: who, Bucket: name, Missing: Create}
		}
		b, err = eo.OpenExisting(ctx, name)
		if errors.Is(err, engine.ErrNoSuchStore) {
			return nil, &DeniedError{Principal: who, Bucket: name, Missing: Create}
		}
	}
	if err != nil || b == nil {
		return nil, err
	}
	return &bucket{b: b, p: w.p, name: name}, nil
}

// needs is the right each method of engine.Bucket needs, by name. Every
// method of bucket looks its right up here (a method missing from the
// table is always denied), and the tests check that the table names every
// method of engine.Bucket.
var needs = map[string]Right{
	"Get":            Read,
	"Exists":         Read,
	"ListKeys":       Read,
	"ListKeysAfter":  Read,
	"ListPrefix":     Read,
	"GetVersioned":   Read,
	"GetMany":        Read,
	"Set":            Write,
	"SetWith":        Write,
	"Delete":         Write,
	"IncrementU64":   Write,
	"IncrementS64":   Write,
	"CompareAndSwap": Write,
	"SetMany":        Write,
	"DeleteMany":     Write,
}

// Needs returns the right that the method of engine.Bucket named method
// needs (0 and false for a name that is not one).
func Needs(method string) (Right, bool) {
	r, ok := needs[method]
	return r, ok
}

// bucket checks each method against the policy.
type bucket struct {
	b    engine.Bucket
	p    *Policy
	name string
}

// check returns a *DeniedError if the principal of ctx lacks the right
// method needs.
func (b *bucket) check(ctx context.Context, method string) error {
	want, ok := needs[method]
	if !ok {
		want = Read | Write | Create
	}
	who := Principal(ctx)
	if missing := want &^ b.p.Rights(who, b.name); missing != 0 {
		return &DeniedError{Principal: who, Bucket: b.name, Missing: missing}
	}
	return nil
}

func (b *bucket) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := b.check(ctx, "Get"); err != nil {
		return nil, false, err
	}
	return b.b.Get(ctx, key)
}

func (b *bucket) Set(ctx context.Context, key string, value []byte) error {
	if err := b.check(ctx, "Set"); err != nil {
		return err
	}
	return b.b.Set(ctx, key, value)
}

func (b *bucket) SetWith(ctx context.Context, key string, value []byte, opts engine.SetOptions) error {
	if err := b.check(ctx, "SetWith"); err != nil {
		return err
	}
	return b.b.SetWith(ctx, key, value, opts)
}

func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := b.check(ctx, "Delete"); err != nil {
		return err
	}
	return b.b.Delete(ctx, key)
}

func (b *bucket) Exists(ctx context.Context, key string) (bool, error) {
	if err := b.check(ctx, "Exists"); err != nil {
		return false, err
	}
	return b.b.Exists(ctx, key)
}

func (b *bucket) ListKeys(ctx context.Context, offset uint64) ([]string, bool, error) {
	if err := b.check(ctx, "ListKeys"); err != nil {
		return nil, false, err
	}
	return b.b.ListKeys(ctx, offset)
}

func (b *bucket) ListKeysAfter(ctx context.Context, after string) ([]string, bool, error) {
	if err := b.check(ctx, "ListKeysAfter"); err != nil {
		return nil, false, err
	}
	return b.b.ListKeysAfter(ctx, after)
}

func (b *bucket) ListPrefix(ctx context.Context, prefix string, after *string) ([]string, bool, error) {
	if err := b.check(ctx, "ListPrefix"); err != nil {
		return nil, false, err
	}
	return b.b.ListPrefix(ctx, prefix, after)
}

func (b *bucket) IncrementU64(ctx context.Context, key string, delta uint64) (uint64, error) {
	if err := b.check(ctx, "IncrementU64"); err != nil {
		return 0, err
	}
	return b.b.IncrementU64(ctx, key, delta)
}

func (b *bucket) IncrementS64(ctx context.Context, key string, delta int64) (int64, error) {
	if err := b.check(ctx, "IncrementS64"); err != nil {
		return 0, err
	}
	return b.b.IncrementS64(ctx, key, delta)
}

func (b *bucket) GetVersioned(ctx context.Context, key string) ([]byte, bool, engine.Version, error) {
	if err := b.check(ctx, "GetVersioned"); err != nil {
		return nil, false, "", err
	}
	return b.b.GetVersioned(ctx, key)
}

func (b *bucket) CompareAndSwap(ctx context.Context, key string, expect engine.Version, value []byte) (bool, engine.Version, error) {
	if err := b.check(ctx, "CompareAndSwap"); err != nil {
		return false, "", err
	}
	return b.b.CompareAndSwap(ctx, key, expect, value)
}

func (b *bucket) GetMany(ctx context.Context, keys []string) ([]*engine.Entry, error) {
	if err := b.check(ctx, "GetMany"); err != nil {
		return nil, err
	}
	return b.b.GetMany(ctx, keys)
}

func (b *bucket) SetMany(ctx context.Context, entries []engine.Entry) error {
	if err := b.check(ctx, "SetMany"); err != nil {
		return err
	}
	return b.b.SetMany(ctx, entries)
}

func (b *bucket) DeleteMany(ctx context.Context, keys []string) error {
	if err := b.check(ctx, "DeleteMany"); err != nil {
		return err
	}
	return b.b.DeleteMany(ctx, keys)
}
