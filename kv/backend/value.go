package backend

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// A Sink is where an output stream writes: the bytes of an outgoing value.
type Sink interface {
	// Room returns how many bytes can still be written, or an error if
	// none can.
	Room() (uint64, error)
	// Write appends p, or nothing if all of p does not fit.
	Write(p []byte) error
	// WriteZeroes appends n zero bytes, or nothing if they do not fit.
	WriteZeroes(n uint64) error
}

// A ValueBuffer collects the bytes of an outgoing value, at most a limit of
// them. Bytes once written never change, so Bytes can hand out the buffer
// without a copy. The memory it allocates is reserved from a byte account
// (wrpc.HandleBytes) when it has one, and given back by Close. A
// ValueBuffer is safe for concurrent use.
type ValueBuffer struct {
	mu     sync.Mutex
	buf    []byte
	max    int
	acct   *wrpc.ByteAccount
	closed bool
}

var _ Sink = (*ValueBuffer)(nil)

// NewValueBuffer returns an empty buffer that holds at most max bytes (the
// engine's MaxValueBytes, see MaxValueBytes), with no byte account.
func NewValueBuffer(max int) *ValueBuffer { return &ValueBuffer{max: max} }

// NewValueBufferFor is NewValueBuffer for a value made by the server-side
// call of ctx: the buffer's memory counts against the caller's share of the
// server's budget for resource values (wrpc.HandleBytes), until Close.
func NewValueBufferFor(ctx context.Context, max int) *ValueBuffer {
	return &ValueBuffer{max: max, acct: wrpc.HandleBytes(ctx)}
}

func (v *ValueBuffer) full(n uint64) error {
	return fmt.Errorf("outgoing value: writing %d more bytes after %d would exceed the limit of %d bytes (MaxValueBytes)", n, len(v.buf), v.max)
}

var errValueClosed = errors.New("outgoing value: closed (its handle expired)")

// Room returns how many bytes can still be written, or an error if none
// can.
func (v *ValueBuffer) Room() (uint64, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return 0, errValueClosed
	}
	if len(v.buf) >= v.max {
		return 0, v.full(1)
	}
	return uint64(v.max - len(v.buf)), nil
}

// grow makes room for n more bytes (n fits under the limit), reserving any
// new capacity from the account first.
func (v *ValueBuffer) grow(n int) error {
	if v.closed {
		return errValueClosed
	}
	need := len(v.buf) + n
	if need <= cap(v.buf) {
		return nil
	}
	newCap := min(max(need, 2*cap(v.buf), 512), v.max)
	if err := v.acct.Reserve(int64(newCap - cap(v.buf))); err != nil {
		if newCap == need {
			return fmt.Errorf("outgoing value: %w", err)
		}
		// Try the exact size before giving up.
		newCap = need
		if err := v.acct.Reserve(int64(newCap - cap(v.buf))); err != nil {
			return fmt.Errorf("outgoing value: %w", err)
		}
	}
	nb := make([]byte, len(v.buf), newCap)
	copy(nb, v.buf)
	// Bytes already handed out keep the old array alive until they are
	// dropped; the account counts what this buffer holds.
	v.acct.Release(int64(cap(v.buf)))
	v.buf = nb
	return nil
}

// Write appends p, or nothing (and an error) if that would exceed the
// limit or the account's budget.
func (v *ValueBuffer) Write(p []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if uint64(len(p)) > uint64(v.max-len(v.buf)) {
		return v.full(uint64(len(p)))
	}
	if err := v.grow(len(p)); err != nil {
		return err
	}
	v.buf = append(v.buf, p...)
	return nil
}

// WriteZeroes appends n zero bytes, or nothing (and an error) if that would
// exceed the limit or the account's budget.
func (v *ValueBuffer) WriteZeroes(n uint64) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if n > uint64(v.max-len(v.buf)) {
		return v.full(n)
	}
	if err := v.grow(int(n)); err != nil {
		return err
	}
	// The capacity is there: extend in place (a fresh array is zeroed, and
	// bytes past the length were never written).
	v.buf = v.buf[:len(v.buf)+int(n)]
	return nil
}

// Bytes returns the bytes written so far, never nil (an empty value is a
// value). The caller must not modify them; later writes do not change them.
func (v *ValueBuffer) Bytes() []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.buf == nil {
		return []byte{}
	}
	return v.buf[:len(v.buf):len(v.buf)]
}

// Close drops the buffer and gives its memory back to the account; later
// writes fail. The handle table closes an outgoing value when its handle
// expires.
func (v *ValueBuffer) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.closed {
		v.closed = true
		v.acct.Release(int64(cap(v.buf)))
		v.buf = nil
	}
	return nil
}

// Held is a reservation of bytes from a byte account, such as the bytes of
// an incoming value that its handle keeps alive.
type Held struct {
	mu   sync.Mutex
	acct *wrpc.ByteAccount
	n    int64
}

// Hold reserves n bytes from the account of the server-side call of ctx
// (wrpc.HandleBytes), or returns the error of the budget it would exceed.
func Hold(ctx context.Context, n int) (*Held, error) {
	acct := wrpc.HandleBytes(ctx)
	if err := acct.Reserve(int64(n)); err != nil {
		return nil, err
	}
	return &Held{acct: acct, n: int64(n)}, nil
}

// Release gives the bytes back; later calls do nothing. A nil *Held is
// valid and holds nothing.
func (h *Held) Release() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.acct.Release(h.n)
	h.n = 0
}

// A Reader reads a byte slice that never changes, such as the bytes of an
// incoming value. A Reader is safe for concurrent use.
type Reader struct {
	mu   sync.Mutex
	data []byte
	pos  int
}

// NewReader returns a reader of data, which the caller must not modify.
func NewReader(data []byte) *Reader { return &Reader{data: data} }

// Take returns a copy of the next at most n bytes, and false once every
// byte has been read.
func (r *Reader) Take(n uint64) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pos >= len(r.data) {
		return nil, false
	}
	rest := r.data[r.pos:]
	if n < uint64(len(rest)) {
		rest = rest[:n]
	}
	r.pos += len(rest)
	return append(make([]byte, 0, len(rest)), rest...), true
}

// Skip is Take without the bytes: it returns how many it skipped, and false
// once every byte has been read.
func (r *Reader) Skip(n uint64) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pos >= len(r.data) {
		return 0, false
	}
	if left := uint64(len(r.data) - r.pos); n > left {
		n = left
	}
	r.pos += int(n)
	return n, true
}

// NonNil returns p, or an empty slice for nil: a stored empty value is
// present, and is not sent or returned as none.
func NonNil(p []byte) []byte {
	if p == nil {
		return []byte{}
	}
	return p
}

// Clone returns a copy of p, never nil.
func Clone(p []byte) []byte { return append(make([]byte, 0, len(p)), p...) }

// ErrUnsupported is wrapped by the errors of the WIT functions a backend
// does not implement (see Unsupported).
var ErrUnsupported = errors.New("not supported by this backend")

// ErrEndOfStream is the error of a read from an input stream after its last
// byte, for WIT stream errors that have no closed case.
var ErrEndOfStream = errors.New("end of stream")

// Unsupported returns the error of the WIT function fn, which the backend
// does not implement: "<fn> is not supported by this backend", wrapping
// ErrUnsupported.
func Unsupported(fn string) error {
	return fmt.Errorf("%s is %w", fn, ErrUnsupported)
}

// Foreign returns the error of the WIT function fn for a resource value v
// that the backend did not create (what names the resource: "bucket",
// "outgoing value").
func Foreign(fn, what string, v any) error {
	return fmt.Errorf("%s: the %s (%T) was not created by this backend", fn, what, v)
}
