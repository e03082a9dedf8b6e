package backend

import (
	"errors"
	"fmt"
	"sync"
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
// without a copy. A ValueBuffer is safe for concurrent use.
type ValueBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

var _ Sink = (*ValueBuffer)(nil)

// NewValueBuffer returns an empty buffer that holds at most max bytes (the
// engine's MaxValueBytes, see MaxValueBytes).
func NewValueBuffer(max int) *ValueBuffer { return &ValueBuffer{max: max} }

func (v *ValueBuffer) full(n uint64) error {
	return fmt.Errorf("outgoing value: writing %d more bytes after %d would exceed the limit of %d bytes (MaxValueBytes)", n, len(v.buf), v.max)
}

// Room returns how many bytes can still be written, or an error if none
// can.
func (v *ValueBuffer) Room() (uint64, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.buf) >= v.max {
		return 0, v.full(1)
	}
	return uint64(v.max - len(v.buf)), nil
}

// Write appends p, or nothing (and an error) if that would exceed the
// limit.
func (v *ValueBuffer) Write(p []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if uint64(len(p)) > uint64(v.max-len(v.buf)) {
		return v.full(uint64(len(p)))
	}
	v.buf = append(v.buf, p...)
	return nil
}

// WriteZeroes appends n zero bytes, or nothing (and an error) if that would
// exceed the limit.
func (v *ValueBuffer) WriteZeroes(n uint64) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if n > uint64(v.max-len(v.buf)) {
		return v.full(n)
	}
	v.buf = append(v.buf, make([]byte, n)...)
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
