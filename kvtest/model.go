package kvtest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
)

// The rules are written once, against the small model below; each family
// adapts its generated interfaces to it (draft.go, draft2.go, wrpc.go,
// early.go) and adds the cases that only it has (CAS, value resources).

// cursorKind is how a family pages list-keys.
type cursorKind int

const (
	noCursor     cursorKind = iota // (a): keys returns every key at once
	offsetCursor                   // (b), (d): u64 offset
	keyCursor                      // (c): the last key returned
)

// family describes one keyvalue family and builds stores of it.
type family struct {
	name   string
	cursor cursorKind
	// signed is true when increment takes and returns an s64 (c).
	signed bool
	// bucketIsString is true when the bucket is a plain string (d), so an
	// unknown bucket shows on the first operation, not on open.
	bucketIsString bool
	// badCursor is the error case of a malformed list-keys cursor: other,
	// or invalid-argument where the error variant has it (e).
	badCursor errKind
	newStore  func(t *testing.T, opts []engine.Option) kvstore
}

// kvstore is one store of a family, as its World reaches it.
type kvstore interface {
	open(ctx context.Context, id string) (bucket, error)
	// describe turns an error returned by any operation into a witErr.
	describe(ctx context.Context, err error) witErr
}

// bucket is the family's operations on one bucket. Values of present keys
// are returned as the family returns them (after consuming the incoming
// value in (a)).
type bucket interface {
	get(ctx context.Context, key string) ([]byte, bool, error)
	set(ctx context.Context, key string, value []byte) error
	del(ctx context.Context, key string) error
	exists(ctx context.Context, key string) (bool, error)
	// listPage returns one page of keys starting at cursor (nil for the
	// first page) and the next cursor (nil for none). Cursors are text: the
	// decimal offset in (b) and (d), the key in (c). In (a) the page is
	// every key and cursor must be nil.
	listPage(ctx context.Context, cursor *string) (keys []string, next *string, err error)
	// increment takes and returns decimal text, of a u64 or of an s64
	// (family.signed).
	increment(ctx context.Context, key, delta string) (string, error)
	getMany(ctx context.Context, keys []string) ([]getResult, error)
	setMany(ctx context.Context, entries []entry) error
	deleteMany(ctx context.Context, keys []string) error
}

type entry struct {
	key   string
	value []byte
}

// getResult is one element of get-many: found is false for none. hasKey is
// true when the family returns the key with the value.
type getResult struct {
	found  bool
	hasKey bool
	key    string
	value  []byte
}

// errKind is the WIT error case of an error.
type errKind int

const (
	notWIT             errKind = iota // not a WIT error value: a transport failure or a plain Go error
	noSuchStore                       // error::no-such-store
	accessDenied                      // error::access-denied
	otherError                        // error::other, or (a)'s error resource
	noError                           // nil
	invalidArgument                   // error::invalid-argument (e)
	preconditionFailed                // error::precondition-failed (e)
	otherCase                         // another case of (e)'s error variant, named by the message
)

func (k errKind) String() string {
	switch k {
	case notWIT:
		return "not a WIT error value"
	case noSuchStore:
		return "no-such-store"
	case accessDenied:
		return "access-denied"
	case otherError:
		return "other"
	case noError:
		return "ok"
	case invalidArgument:
		return "invalid-argument"
	case preconditionFailed:
		return "precondition-failed"
	case otherCase:
		return "another error case"
	}
	return fmt.Sprintf("errKind(%d)", int(k))
}

// witErr is the WIT reading of an error: its case and its message (the
// payload of other, or the trace of (a)'s error resource).
type witErr struct {
	kind errKind
	msg  string
}

// callTimeout bounds every case, so that a hung call fails the case rather
// than the whole test binary. A case of thousands of calls (the concurrent
// increments), whose length is throughput and grows with the machine's load,
// bounds each call by it instead (callCtx), then its remaining calls (renew).
const callTimeout = 60 * time.Second

// env is one case: a fresh store of family f.
type env struct {
	t   *testing.T
	ctx context.Context
	f   *family
	s   kvstore
}

// options returns the engine options of a case: the suite's limits, and
// buckets. Every one is set explicitly, so a factory that passes them to an
// engine with other defaults still gets the suite's store.
func options(createOnOpen bool, buckets ...string) []engine.Option {
	return []engine.Option{
		engine.CreateOnOpen(createOnOpen),
		engine.Buckets(buckets...),
		engine.MaxKeyBytes(KeyLimit),
		engine.MaxValueBytes(ValueLimit),
		engine.PageSize(PageSize),
	}
}

// newEnv builds a store of f with o.
func (f *family) newEnv(t *testing.T, o []engine.Option) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	return &env{t: t, ctx: ctx, f: f, s: f.newStore(t, o)}
}

// bucketEnv builds a store of f holding the bucket "b" (create-on-open
// off) and opens it.
func (f *family) bucketEnv(t *testing.T) (*env, bucket) {
	t.Helper()
	e := f.newEnv(t, options(false, "b"))
	return e, e.open("b")
}

// callCtx returns a context for one call, bounded by callTimeout on its
// own, for a case whose calls together may take longer than callTimeout.
func (e *env) callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(e.t.Context(), callTimeout)
}

// renew gives the case's remaining calls a new deadline, callTimeout from
// now, after a phase that bounded each of its calls with callCtx.
func (e *env) renew() {
	ctx, cancel := context.WithTimeout(e.t.Context(), callTimeout)
	e.t.Cleanup(cancel)
	e.ctx = ctx
}

func (e *env) open(id string) bucket {
	e.t.Helper()
	b, err := e.s.open(e.ctx, id)
	if err != nil {
		e.t.Fatalf("%s: open(%s): %s", e.f.name, q(id), e.errText(err))
	}
	return b
}

// describe returns the WIT reading of err.
func (e *env) describe(err error) witErr {
	if err == nil {
		return witErr{kind: noError}
	}
	return e.s.describe(e.ctx, err)
}

// errText renders err for a failure message.
func (e *env) errText(err error) string {
	if err == nil {
		return "ok"
	}
	w := e.describe(err)
	if w.kind == notWIT {
		return fmt.Sprintf("%v (%s)", err, w.kind)
	}
	if w.msg != "" {
		return fmt.Sprintf("%s(%q)", w.kind, w.msg)
	}
	return w.kind.String()
}

// wantErr fails unless err is the WIT error case want and its message
// contains every string of names. It returns the message.
func (e *env) wantErr(op string, err error, want errKind, names ...string) string {
	e.t.Helper()
	if err == nil {
		e.t.Fatalf("%s: %s = ok, want %s", e.f.name, op, want)
	}
	w := e.describe(err)
	if w.kind != want {
		e.t.Fatalf("%s: %s = %s, want %s", e.f.name, op, e.errText(err), want)
	}
	for _, n := range names {
		if !strings.Contains(w.msg, n) {
			e.t.Fatalf("%s: %s = %s: the message does not name %q", e.f.name, op, e.errText(err), n)
		}
	}
	return w.msg
}

func (e *env) ok(op string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %s: %s", e.f.name, op, e.errText(err))
	}
}

func (e *env) set(b bucket, key string, value []byte) {
	e.t.Helper()
	e.ok(fmt.Sprintf("set(%s, %s)", q(key), short(value)), b.set(e.ctx, key, value))
}

func (e *env) get(b bucket, key string) ([]byte, bool) {
	e.t.Helper()
	v, ok, err := b.get(e.ctx, key)
	e.ok(fmt.Sprintf("get(%s)", q(key)), err)
	if !ok && v != nil {
		e.t.Fatalf("%s: get(%s) = none with %s: an absent key has no value", e.f.name, q(key), short(v))
	}
	return v, ok
}

func (e *env) exists(b bucket, key string) bool {
	e.t.Helper()
	ok, err := b.exists(e.ctx, key)
	e.ok(fmt.Sprintf("exists(%s)", q(key)), err)
	return ok
}

func (e *env) del(b bucket, key string) {
	e.t.Helper()
	e.ok(fmt.Sprintf("delete(%s)", q(key)), b.del(e.ctx, key))
}

// wantValue fails unless key holds exactly want: get returns some(want),
// as a non-nil slice even when empty, and exists is true.
func (e *env) wantValue(b bucket, key string, want []byte) {
	e.t.Helper()
	v, ok := e.get(b, key)
	switch {
	case !ok:
		e.t.Fatalf("%s: get(%s) = none, want some(%s)", e.f.name, q(key), short(want))
	case v == nil:
		e.t.Fatalf("%s: get(%s) = some(nil): a present value must be a non-nil slice (an empty value is []byte{})", e.f.name, q(key))
	case !bytes.Equal(v, want):
		e.t.Fatalf("%s: get(%s) = some(%s), want some(%s)", e.f.name, q(key), short(v), short(want))
	}
	if !e.exists(b, key) {
		e.t.Fatalf("%s: exists(%s) = false after get returned some(%s)", e.f.name, q(key), short(v))
	}
}

// wantAbsent fails unless key is absent: get returns none, exists false.
func (e *env) wantAbsent(b bucket, key string) {
	e.t.Helper()
	if v, ok := e.get(b, key); ok {
		e.t.Fatalf("%s: get(%s) = some(%s), want none", e.f.name, q(key), short(v))
	}
	if e.exists(b, key) {
		e.t.Fatalf("%s: exists(%s) = true, want false", e.f.name, q(key))
	}
}

// incr increments key by delta (decimal text) and returns the result text.
func (e *env) incr(b bucket, key, delta string) string {
	e.t.Helper()
	n, err := b.increment(e.ctx, key, delta)
	e.ok(fmt.Sprintf("increment(%s, %s)", q(key), delta), err)
	return n
}

// walk follows list-keys cursors from none until none and returns every
// key in the order listed, checking each page: at most PageSize keys, a
// cursor with every page but the last, and progress. between, if not nil,
// runs after each page but the last.
func (e *env) walk(b bucket, between func(page int, keys []string)) []string {
	e.t.Helper()
	var all []string
	var cursor *string
	const maxPages = 10000 // far more than any case stores
	for page := 0; ; page++ {
		if page > maxPages {
			e.t.Fatalf("%s: list-keys walk did not end after %d pages", e.f.name, page)
		}
		keys, next, err := b.listPage(e.ctx, cursor)
		e.ok(fmt.Sprintf("list-keys(%s) (page %d)", qp(cursor), page), err)
		if e.f.cursor != noCursor {
			if len(keys) > PageSize {
				e.t.Fatalf("%s: list-keys(%s) returned %d keys, over the page size of %d", e.f.name, qp(cursor), len(keys), PageSize)
			}
			if next != nil && len(keys) == 0 {
				e.t.Fatalf("%s: list-keys(%s) returned no keys and cursor %s: the walk makes no progress", e.f.name, qp(cursor), qp(next))
			}
		} else if next != nil {
			e.t.Fatalf("%s: keys returned a cursor", e.f.name)
		}
		all = append(all, keys...)
		if next == nil {
			return all
		}
		if between != nil {
			between(page, keys)
		}
		cursor = next
	}
}

// q quotes a key for a message, shortened if long.
func q(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", s[:40], len(s))
	}
	return fmt.Sprintf("%q", s)
}

func qp(s *string) string {
	if s == nil {
		return "none"
	}
	return "some(" + q(*s) + ")"
}

// short renders a value for a message.
func short(p []byte) string {
	if p == nil {
		return "nil"
	}
	if len(p) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", p[:40], len(p))
	}
	return fmt.Sprintf("%q", p)
}
