package wrpc

import (
	"container/list"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"reflect"

	"sync"
	"time"
)

// A Resource is a resource value that carries its own wire handle. The
// resource values of generated clients implement it (the handle the server
// chose), and so do server-side values of stateless resources, whose handle
// encodes everything needed to rebuild them (a keyvalue bucket's identifier,
// say).
type Resource interface {
	WRPCHandle() []byte
}

// RemoteResource is a resource value on the client side: the Invoker that
// reaches the server holding the resource, and the handle that server chose.
// The generated client value of every resource embeds it, which makes that
// value a Resource.
type RemoteResource struct {
	Invoker Invoker
	Handle  []byte
}

// WRPCHandle returns r.Handle (Resource).
func (r RemoteResource) WRPCHandle() []byte { return r.Handle }

// A HandleResolver turns stateless handles back into resource values. When
// the implementation passed to a generated Register implements it, a
// resource value of that interface that implements Resource travels as its
// own handle (which survives a server restart and works across replicas),
// and a handle that arrives and is not in the server's handle table is
// passed to ResolveHandle (resource is the WIT resource name, such as
// "bucket"). Resource values that do not implement Resource still go to the
// handle table, so one interface may mix stateless and stateful resources.
type HandleResolver interface {
	ResolveHandle(ctx context.Context, instance, resource string, handle []byte) (any, error)
}

// Ownership says whether a handle on the wire moves the resource (own<R>) or
// lends it for the call (borrow<R>).
type Ownership uint8

const (
	Borrow Ownership = iota
	Own
)

// Handle table defaults.
const (
	DefaultMaxHandles = 1 << 16
	DefaultHandleTTL  = 10 * time.Minute
)

var (
	// ErrUnknownHandle: a handle that this server did not issue, that expired,
	// or whose ownership already moved.
	ErrUnknownHandle = errors.New("unknown or expired resource handle")
	// ErrTooManyHandles: the server's handle table is full.
	ErrTooManyHandles = errors.New("resource handle table is full")
)

// WithHandleTable bounds the server's handle table (defaults:
// DefaultMaxHandles handles, DefaultHandleTTL idle lifetime; values ≤ 0 keep
// the defaults).
//
// The table holds the resource values that a server returns for interfaces
// whose implementation is not a HandleResolver. Each gets a random 16-byte
// handle, which stays valid until it is passed back as an own<R> parameter
// (ownership moves to the implementation), or until it has not been used for
// ttl. When the table is full, expired handles are swept; if it is still
// full, the call that would add one fails (the caller sees the invocation
// end without a result) rather than evicting a live handle. A value that
// implements io.Closer is closed when its handle expires or the server
// closes.
//
// The table's handles belong to the client whose call created them (its
// principal: the identity of its verified TLS client certificate, or its
// user over a Unix socket; for an anonymous client, its remote IP address;
// see PeerFromContext): another client that presents the same bytes gets
// ErrUnknownHandle, and each client may hold at most a sixteenth of the
// table (WithHandleQuota), so one client cannot fill it for the others.
// HandleRoom lets an implementation refuse with its own error before it
// makes a value the table has no room for; WithHandleBytes bounds the bytes
// the values hold.
func WithHandleTable(max int, ttl time.Duration) ServerOption {
	return func(s *Server) {
		if max > 0 {
			s.handles.max = max
		}
		if ttl > 0 {
			s.handles.ttl = ttl
		}
	}
}

// WithHandleQuota sets how many handles one client may hold in the
// server's handle table (default: a sixteenth of its size; n ≤ 0 keeps the
// default). A call that would go over it fails with ErrTooManyHandles.
func WithHandleQuota(n int) ServerOption {
	return func(s *Server) {
		if n > 0 {
			s.handles.quota = n
		}
	}
}

// SetHandleResolver makes the server resolve handles of the resource of
// instance with r instead of its handle table. Generated Register functions
// call it when the implementation is a HandleResolver.
func (s *Server) SetHandleResolver(instance, resource string, r HandleResolver) {
	s.handles.mu.Lock()
	defer s.handles.mu.Unlock()
	s.handles.resolvers[resourceType{instance, resource}] = r
}

// handleTable holds the resource values a server handed out by handle.
// Entries are kept in order of last use, so expired ones are found at the
// back in O(1) each; each belongs to the owner (principal) whose call
// created it, who alone can use it, within a per-owner quota.
type handleTable struct {
	mu        sync.Mutex
	resolvers map[resourceType]HandleResolver
	entries   map[string]*list.Element // of *handleEntry
	lru       list.List                // most recently used at the front
	perOwner  map[string]int
	perType   map[resourceType]int // live entries by resource type, for Stats
	obs       Observer             // told of the calls refused by max or quota
	max       int
	quota     int // per owner; 0: max/16
	ttl       time.Duration
	now       func() time.Time
	expired   []any // values to close on unlock

	// The byte budget of the values (WithHandleBytes, HandleBytes).
	bytesMax     int64
	bytesQuota   int64 // per owner; 0: bytesMax/4
	bytesTotal   int64
	bytesByOwner map[string]int64
}

// resourceType names a resource type: the WIT resource of an instance
// (kept apart, so that naming one costs no allocation).
type resourceType struct{ instance, resource string }

// String is how the type is named in errors and Stats: instance#resource.
func (r resourceType) String() string { return r.instance + "#" + r.resource }

type handleEntry struct {
	h     string
	typ   resourceType
	owner string
	v     any
	last  time.Time
}

func newHandleTable() *handleTable {
	return &handleTable{
		resolvers:    make(map[resourceType]HandleResolver),
		entries:      make(map[string]*list.Element),
		perOwner:     make(map[string]int),
		perType:      make(map[resourceType]int),
		max:          DefaultMaxHandles,
		bytesMax:     DefaultMaxHandleBytes,
		bytesByOwner: make(map[string]int64),
		ttl:          DefaultHandleTTL,
		now:          time.Now,
	}
}

// ownerQuota is how many handles one owner may hold.
func (t *handleTable) ownerQuota() int {
	if t.quota > 0 {
		return min(t.quota, t.max)
	}
	return max(t.max/16, 1)
}

// export returns the handle of v for the call's owner: v's own handle if
// it is a Resource of a type with a resolver, else a new entry.
func (t *handleTable) export(ctx context.Context, typ resourceType, v any) ([]byte, error) {
	t.mu.Lock()
	defer t.unlock()
	if r, ok := v.(Resource); ok && t.resolvers[typ] != nil {
		return r.WRPCHandle(), nil // stateless
	}
	now := t.now()
	t.expireLocked(now)
	owner := ownerOf(ctx)
	if len(t.entries) >= t.max {
		if t.obs != nil {
			t.obs.Refused(LimitMaxHandles)
		}
		return nil, fmt.Errorf("%s: %w: too many open handles: limit %d", typ, ErrTooManyHandles, t.max)
	}
	if q := t.ownerQuota(); t.perOwner[owner] >= q {
		if t.obs != nil {
			t.obs.Refused(LimitHandleQuota)
		}
		return nil, fmt.Errorf("%s: %w: too many open handles: limit %d per client", typ, ErrTooManyHandles, q)
	}
	h := make([]byte, 16)
	_, _ = rand.Read(h)
	e := &handleEntry{h: string(h), typ: typ, owner: owner, v: v, last: now}
	t.entries[e.h] = t.lru.PushFront(e)
	t.perOwner[owner]++
	t.perType[typ]++
	return h, nil
}

// removeLocked takes el out of the table.
func (t *handleTable) removeLocked(el *list.Element) *handleEntry {
	e := t.lru.Remove(el).(*handleEntry)
	delete(t.entries, e.h)
	if t.perOwner[e.owner]--; t.perOwner[e.owner] <= 0 {
		delete(t.perOwner, e.owner)
	}
	if t.perType[e.typ]--; t.perType[e.typ] <= 0 {
		delete(t.perType, e.typ)
	}
	return e
}

// resolve looks h up in the table, then asks the resolver of typ, if any. A
// handle of another owner is unknown to this one.
func (t *handleTable) resolve(ctx context.Context, typ resourceType, h []byte, own Ownership) (any, error) {
	t.mu.Lock()
	now := t.now()
	t.expireLocked(now)
	if el := t.entries[string(h)]; el != nil {
		if e := el.Value.(*handleEntry); e.typ == typ && e.owner == ownerOf(ctx) {
			if own == Own {
				t.removeLocked(el)
			} else {
				e.last = now
				t.lru.MoveToFront(el)
			}
			t.unlock()
			return e.v, nil
		}
	}
	r := t.resolvers[typ]
	t.unlock()
	if r == nil {
		return nil, fmt.Errorf("%s: %w", typ, ErrUnknownHandle)
	}
	return r.ResolveHandle(ctx, typ.instance, typ.resource, h)
}

// expireLocked removes the entries unused for longer than the TTL, oldest
// first; unlock closes their values (a value's Close may use the table,
// through its ByteAccount).
func (t *handleTable) expireLocked(now time.Time) {
	for el := t.lru.Back(); el != nil; el = t.lru.Back() {
		if now.Sub(el.Value.(*handleEntry).last) <= t.ttl {
			return
		}
		t.expired = append(t.expired, t.removeLocked(el).v)
	}
}

// unlock unlocks t, then closes the values that expired while it was held.
func (t *handleTable) unlock() {
	vals := t.expired
	t.expired = nil
	t.mu.Unlock()
	for _, v := range vals {
		closeValue(v)
	}
}

// closeAll empties the table, closing the values.
func (t *handleTable) closeAll() {
	t.mu.Lock()
	var vals []any
	for el := t.lru.Front(); el != nil; el = el.Next() {
		vals = append(vals, el.Value.(*handleEntry).v)
	}
	t.entries = make(map[string]*list.Element)
	t.perOwner = make(map[string]int)
	t.perType = make(map[resourceType]int)
	t.lru.Init()
	t.mu.Unlock()
	for _, v := range vals {
		closeValue(v)
	}
}

func closeValue(v any) {
	if c, ok := v.(io.Closer); ok {
		_ = c.Close()
	}
}

// EncodeResource writes the handle of the resource value v. On the client
// side v must be a value this client received from the server (or any
// Resource); on the server side the handle comes from the resolver or the
// handle table.
func EncodeResource(e *Encoder, instance, resource string, v any) {
	if e.srv == nil {
		r, ok := v.(Resource)
		if !ok {
			e.Fail(fmt.Errorf("%s#%s: cannot send a %T: resources live on the server, so only values received from it (wrpc.Resource) can be sent", instance, resource, v))
			e.Bytes(nil)
			return
		}
		e.Bytes(r.WRPCHandle())
		return
	}
	if v == nil {
		e.Fail(fmt.Errorf("%s#%s: the implementation returned a nil resource", instance, resource))
		e.Bytes(nil)
		return
	}
	h, err := e.srv.handles.export(e.ctx, resourceType{instance, resource}, v)
	if err != nil {
		// The value never reached the caller: nothing else will close it.
		closeValue(v)
	}
	e.Fail(err)
	e.Bytes(h)
}

// DecodeResource reads a handle and returns the resource value: on the
// client side a new client value made by client; on the server side the value
// from the resolver or the handle table, checked to be a T.
func DecodeResource[T any](d *Decoder, instance, resource string, own Ownership, client func(Invoker, []byte) T) T {
	var zero T
	h := d.Handle()
	if d.Err() != nil {
		return zero
	}
	if d.srv == nil {
		return client(d.inv, h)
	}
	v, err := d.srv.handles.resolve(d.ctx, resourceType{instance, resource}, h, own)
	if err != nil {
		d.Fail(err)
		return zero
	}
	t, ok := v.(T)
	if !ok {
		d.Fail(fmt.Errorf("%s#%s: handle resolved to a %T, which is not a %v", instance, resource, v, reflect.TypeFor[T]()))
		return zero
	}
	return t
}

// ResourceEncoder returns EncodeResource for the resource type T, as a
// function that encodes one value: generated code passes it wherever a
// resource nests (a result, a list element).
func ResourceEncoder[T any](instance, resource string) func(*Encoder, T) {
	return func(e *Encoder, v T) { EncodeResource(e, instance, resource, v) }
}

// ResourceDecoder returns DecodeResource for the resource type T, as a
// function that decodes one value: generated code passes it wherever a
// resource nests (a result, a list element).
func ResourceDecoder[T any](instance, resource string, own Ownership, client func(Invoker, []byte) T) func(*Decoder) T {
	return func(d *Decoder) T { return DecodeResource(d, instance, resource, own, client) }
}

// FindHandleResolver returns the first of impls that is a HandleResolver,
// or nil. A generated world's Register passes it the world's
// implementations, to resolve the handles of resources declared by
// interfaces without functions of their own.
func FindHandleResolver(impls ...any) HandleResolver {
	for _, impl := range impls {
		if r, ok := impl.(HandleResolver); ok {
			return r
		}
	}
	return nil
}
