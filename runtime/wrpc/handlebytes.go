package wrpc

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// DefaultMaxHandleBytes is the default budget of bytes held by the values
// in a server's handle table (WithHandleBytes): 256 MiB, of which one
// client may hold a quarter.
const DefaultMaxHandleBytes = 256 << 20

// ErrHandleBytes is wrapped by the error of a reservation that would take
// the bytes held by server-side resource values over the budget
// (WithHandleBytes).
var ErrHandleBytes = errors.New("budget of bytes held by server-side resources exhausted")

// WithHandleBytes bounds the bytes that the resource values in the server's
// handle table may hold (the bytes of an outgoing value being written, an
// incoming value being read): max in all (default DefaultMaxHandleBytes),
// perClient for one owner (default max/4); values ≤ 0 keep the defaults.
//
// A handle lives until its idle lifetime ends (WithHandleTable), so without
// this budget a client could make the server hold a value-sized buffer per
// handle for that long. Implementations account what they hold through
// HandleBytes.
func WithHandleBytes(max, perClient int64) ServerOption {
	return func(s *Server) {
		if max > 0 {
			s.handles.bytesMax = max
		}
		if perClient > 0 {
			s.handles.bytesQuota = perClient
		}
	}
}

// A ByteAccount counts the bytes held for one client's server-side resource
// values against the server's budget (WithHandleBytes). A nil *ByteAccount
// (outside a server call) has no bound. It is safe for concurrent use.
type ByteAccount struct {
	t     *handleTable
	owner string
}

// HandleBytes returns the byte account of the caller of the server-side
// call of ctx, nil outside one. A resource value that holds bytes for its
// handle's lifetime reserves them here and releases them when it is closed
// (the handle table closes a value that implements io.Closer when its
// handle expires).
func HandleBytes(ctx context.Context) *ByteAccount {
	p, ok := ctx.Value(peerKey{}).(*Peer)
	if !ok || p == nil || p.handles == nil {
		return nil
	}
	return &ByteAccount{t: p.handles, owner: ownerOf(ctx)}
}

// Reserve counts n more bytes, or returns an error wrapping ErrHandleBytes
// (naming the limit) and counts nothing if that would exceed the client's
// share or the server's budget.
func (a *ByteAccount) Reserve(n int64) error {
	if a == nil || n <= 0 {
		return nil
	}
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	held := t.bytesByOwner[a.owner]
	if q := t.bytesOwnerQuota(); n > q-held {
		t.refusedLocked(LimitMaxHandleBytes)
		return fmt.Errorf("%w: limit %d bytes per client (%d held, %d more asked)", ErrHandleBytes, q, held, n)
	}
	if n > t.bytesMax-t.bytesTotal {
		t.refusedLocked(LimitMaxHandleBytes)
		return fmt.Errorf("%w: limit %d bytes in all (%d more asked)", ErrHandleBytes, t.bytesMax, n)
	}
	t.bytesByOwner[a.owner] = held + n
	t.bytesTotal += n
	return nil
}

// Release gives back n bytes reserved before.
func (a *ByteAccount) Release(n int64) {
	if a == nil || n <= 0 {
		return
	}
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	held := t.bytesByOwner[a.owner] - n
	if held <= 0 {
		delete(t.bytesByOwner, a.owner)
	} else {
		t.bytesByOwner[a.owner] = held
	}
	t.bytesTotal = max(t.bytesTotal-n, 0)
}

// bytesOwnerQuota is how many bytes one owner may hold.
func (t *handleTable) bytesOwnerQuota() int64 {
	if t.bytesQuota > 0 {
		return min(t.bytesQuota, t.bytesMax)
	}
	return max(t.bytesMax/4, 1)
}

// HandleRoom reports whether the server-side call of ctx may add one more
// resource value to the handle table: nil if so (or outside a server call),
// else an error wrapping ErrTooManyHandles that names the limit. An
// implementation whose function can return an error checks it before
// making a value that will need a handle, so that the caller gets the
// WIT-level error instead of an invocation ended without a result.
func HandleRoom(ctx context.Context) error {
	p, ok := ctx.Value(peerKey{}).(*Peer)
	if !ok || p == nil || p.handles == nil {
		return nil
	}
	return p.handles.room(ownerOf(ctx))
}

// room is HandleRoom for owner.
func (t *handleTable) room(owner string) error {
	t.mu.Lock()
	defer t.unlock()
	t.expireLocked(t.now())
	if len(t.entries) >= t.max {
		t.refusedLocked(LimitMaxHandles)
		return fmt.Errorf("%w: too many open handles: limit %d", ErrTooManyHandles, t.max)
	}
	if q := t.ownerQuota(); t.perOwner[owner] >= q {
		t.refusedLocked(LimitHandleQuota)
		return fmt.Errorf("%w: too many open handles: limit %d per client", ErrTooManyHandles, q)
	}
	return nil
}

// peer returns the Peer of a freshly accepted connection, tied to s's
// handle table.
func (s *Server) peer(c net.Conn) Peer {
	p := peerOf(c)
	p.handles = s.handles
	return p
}

// refusedLocked reports a refusal by limit to the observer, if any.
func (t *handleTable) refusedLocked(limit string) {
	if t.obs != nil {
		t.obs.Refused(limit)
	}
}
