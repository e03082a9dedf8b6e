package wrpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wire"
)

// inlineMax: a stream or byte stream whose items are all at hand is sent
// ready, inline in its parent, when it takes at most this many bytes;
// otherwise it is sent pending, on its own path.
const inlineMax = 16 << 10

// sendChunk is the most encoded bytes a pending stream sends in one frame
// (at least one element): far below a receiver's MaxValueBuffer, and large
// enough that a peer that queues frames per path (the wRPC Go runtime keeps
// 64) is not flooded.
const sendChunk = 32 << 10

// NewAsyncEncoder returns an Encoder for the parameters of a client call
// whose parameters or results hold a stream or a future: Call then invokes
// it as an async call (see the package doc).
func NewAsyncEncoder() *Encoder { return &Encoder{async: true, defs: new([]deferred)} }

// NewAsyncMethodEncoder is NewAsyncEncoder for a resource method (see
// NewMethodEncoder).
func NewAsyncMethodEncoder(self []byte) *Encoder {
	e := NewAsyncEncoder()
	e.Bytes(self)
	return e
}

// Enter makes the values written next sit at index i below the current
// path (a parameter, field, tuple member or list element); Leave goes back.
// Generated code calls them around values that may hold async values.
func (e *Encoder) Enter(i uint32) { e.path = append(e.path, i) }

// Leave undoes the last Enter.
func (e *Encoder) Leave() {
	if len(e.path) > 0 {
		e.path = e.path[:len(e.path)-1]
	}
}

// Enter makes the values read next sit at index i below the current path;
// Leave goes back. See Encoder.Enter.
func (d *Decoder) Enter(i uint32) { d.path = append(d.path, i) }

// Leave undoes the last Enter.
func (d *Decoder) Leave() {
	if len(d.path) > 0 {
		d.path = d.path[:len(d.path)-1]
	}
}

func (e *Encoder) deferreds() []deferred {
	if e.defs == nil {
		return nil
	}
	return *e.defs
}

func (e *Encoder) context() context.Context {
	if e.ctx != nil {
		return e.ctx
	}
	return context.Background()
}

// pending writes the status byte of a pending value and records how to send
// it.
func (e *Encoder) pending(run func(c *asyncCall, path []uint32) error) {
	e.buf = append(e.buf, 0)
	path := slices.Clone(e.path)
	if e.defs == nil {
		e.defs = new([]deferred)
	}
	*e.defs = append(*e.defs, deferred{path: path, run: func(c *asyncCall) error { return run(c, path) }})
}

// mark and rewind let a writer take back what it wrote.
func (e *Encoder) mark() (int, int) { return len(e.buf), len(e.deferreds()) }

func (e *Encoder) rewind(n, nd int) {
	e.buf = e.buf[:n]
	if e.defs != nil {
		*e.defs = (*e.defs)[:nd]
	}
}

// sub returns an Encoder for a value sent on its own path.
func (c *asyncCall) sub(path []uint32) *Encoder {
	return &Encoder{ctx: c.ctx, async: true, path: slices.Clone(path), defs: new([]deferred)}
}

// EncodeListAt writes a list whose elements may hold async values: element
// i sits at index i of the path.
func EncodeListAt[T any](e *Encoder, s []T, f func(*Encoder, T)) {
	e.Len(len(s))
	for i, v := range s {
		e.Enter(uint32(i))
		f(e, v)
		e.Leave()
	}
}

// DecodeListAt reads a list whose elements may hold async values (see
// EncodeListAt).
func DecodeListAt[T any](d *Decoder, minSize int, f func(*Decoder) T) []T {
	n := d.LenMin(minSize)
	if d.Err() != nil {
		return nil
	}
	s := make([]T, n)
	for i := range s {
		d.Enter(uint32(i))
		s[i] = f(d)
		d.Leave()
		if d.Err() != nil {
			return nil
		}
	}
	return s
}

// asyncStatus reads the status byte of a stream or future: true for ready.
func (d *Decoder) asyncStatus(what string) (ready, ok bool) {
	off := d.Offset()
	b := d.U8()
	if d.Err() != nil {
		return false, false
	}
	switch b {
	case 0:
		if d.call == nil {
			d.Fail(&wire.DecodeError{Offset: off, What: what, Err: ErrAsync})
			return false, false
		}
		return false, true
	case 1:
		return true, true
	}
	d.Fail(&wire.DecodeError{Offset: off, What: what, Err: fmt.Errorf("%w: status byte %d (want 0 pending or 1 ready)", wire.ErrInvalid, b)})
	return false, false
}

// claim makes the pending value at d's path its own.
func (d *Decoder) claim(nested bool) *asyncValue {
	v, err := d.call.claim(d.path, nested)
	if err != nil {
		d.Fail(err)
		d.call.fail(err)
		return nil
	}
	return v
}

// ---- stream<T> ----

// EncodeStream writes a stream<T>. In an async call, a stream whose items
// are at hand (cm.StreamOf) and small is sent ready, inline; any other is
// sent pending: its chunks follow on the stream's path as the stream yields
// them, each element at index (its position in the stream) below it. Outside
// an async call the stream is read to its end and sent inline.
func EncodeStream[T any](e *Encoder, s cm.Stream[T], f func(*Encoder, T)) {
	if !e.async {
		var items []T
		if s != nil {
			var err error
			if items, err = cm.Collect(e.context(), s); err != nil {
				e.Fail(fmt.Errorf("reading a stream to send: %w", err))
			}
		}
		e.buf = append(e.buf, 1) // ready
		EncodeList(e, items, f)
		return
	}
	var items []T
	ready := s == nil
	if r, ok := s.(interface{ Ready() ([]T, bool) }); ok {
		items, ready = r.Ready()
	}
	if ready {
		n, nd := e.mark()
		e.buf = append(e.buf, 1)
		EncodeListAt(e, items, f)
		if len(e.buf)-n <= inlineMax {
			return
		}
		e.rewind(n, nd)
	}
	e.pending(func(c *asyncCall, path []uint32) error { return sendStream(c, path, s, f) })
}

// sendStream sends a pending stream's chunks, then the empty chunk that ends it.
func sendStream[T any](c *asyncCall, path []uint32, s cm.Stream[T], f func(*Encoder, T)) error {
	if cl, ok := s.(io.Closer); ok {
		defer cl.Close()
	}
	var total uint32
	var frame []byte
	for {
		chunk, err := s.Next(c.ctx)
		for len(chunk) > 0 {
			sub := c.sub(path)
			n := 0
			for n < len(chunk) && (n == 0 || len(sub.buf) < sendChunk) {
				if total == math.MaxUint32 {
					return errors.New("stream longer than 2^32-1 elements")
				}
				sub.path = append(sub.path[:len(path)], total)
				f(sub, chunk[n])
				n++
				total++
			}
			if sub.err != nil {
				return sub.err
			}
			frame = wire.AppendLen(frame[:0], n)
			frame = append(frame, sub.buf...)
			if err := c.writeFrame(path, frame); err != nil {
				return err
			}
			c.startWriters(sub.deferreds())
			chunk = chunk[n:]
		}
		if errors.Is(err, io.EOF) {
			return c.writeFrame(path, []byte{0})
		}
		if err != nil {
			return err
		}
	}
}

// DecodeStream reads a stream<T>: ready (inline, as a list) or, in an async
// call, pending; minSize is the least number of bytes an element takes. The
// result is a *StreamReader[T].
func DecodeStream[T any](d *Decoder, minSize int, f func(*Decoder) T) cm.Stream[T] {
	ready, ok := d.asyncStatus("stream")
	if !ok {
		return nil
	}
	if ready {
		items := DecodeListAt(d, minSize, f)
		if d.Err() != nil {
			return nil
		}
		return &StreamReader[T]{items: items, ready: true}
	}
	v := d.claim(true)
	if v == nil {
		return nil
	}
	s := &StreamReader[T]{v: v, f: f, minSize: max(minSize, 1)}
	dropWhenUnreachable(s, v)
	return s
}

// StreamReader is a received stream<T>. Read it with Next (it is a
// cm.Stream[T]) or range over All; Close it when you stop reading before its
// end, so that its data is dropped and the call can end.
type StreamReader[T any] struct {
	mu      sync.Mutex
	v       *asyncValue // nil: sent ready
	items   []T
	ready   bool // items not returned yet
	f       func(*Decoder) T
	minSize int
	total   uint32
	done    bool
	err     error
}

// Next returns the next chunk of elements, or io.EOF after the last one.
// A failure (malformed data, the call failing, idle for too long) ends the
// whole call; ctx bounds this wait only.
func (s *StreamReader[T]) Next(ctx context.Context) ([]T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v == nil {
		if !s.ready {
			return nil, io.EOF
		}
		s.ready = false
		items := s.items
		s.items = nil
		return items, nil
	}
	if s.err != nil {
		return nil, s.err
	}
	if s.done {
		return nil, io.EOF
	}
	var out []T
	var end bool
	err := s.v.decode(ctx, func(d *Decoder) {
		n := d.LenMin(s.minSize)
		if d.Err() != nil {
			return
		}
		if n == 0 {
			end = true
			return
		}
		if uint64(s.total)+uint64(n) > math.MaxUint32 {
			d.Fail(fmt.Errorf("%w: stream longer than 2^32-1 elements", wire.ErrInvalid))
			return
		}
		out = make([]T, n)
		base := len(d.path)
		for i := range out {
			d.path = append(d.path[:base], s.total+uint32(i))
			out[i] = s.f(d)
			if d.Err() != nil {
				return
			}
		}
		d.path = d.path[:base]
	})
	if err != nil {
		if sticky(err) {
			s.err = err
		}
		return nil, err
	}
	if end {
		s.done = true
		s.v.end()
		return nil, io.EOF
	}
	s.total += uint32(len(out))
	return out, nil
}

// Ready returns the elements of a stream that was sent ready and not read
// yet, so that sending it on sends it ready too.
func (s *StreamReader[T]) Ready() ([]T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items, s.v == nil && s.ready
}

// All ranges over the elements until the end of the stream; a failure is
// yielded once, with the zero T, and ends the loop.
func (s *StreamReader[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return cm.All[T](ctx, s)
}

// Close drops the rest of the stream. It is safe to call more than once and
// after the end.
func (s *StreamReader[T]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v != nil && !s.done {
		s.done = true
		s.v.close()
	}
	s.ready, s.items = false, nil
	return nil
}

// ---- stream<u8> ----

// ByteStreamOf returns a stream<u8> whose bytes are all at hand: a sender
// sends it ready, inline, when it is small.
func ByteStreamOf(b []byte) io.ReadCloser { return &readyBytes{r: bytes.NewReader(b), b: b} }

type readyBytes struct {
	r    *bytes.Reader
	b    []byte
	read bool
}

func (r *readyBytes) Read(p []byte) (int, error) { r.read = true; return r.r.Read(p) }
func (r *readyBytes) Close() error               { return nil }

// Ready returns the bytes when none was read yet.
func (r *readyBytes) Ready() ([]byte, bool) { return r.b, !r.read }

// EncodeByteStream writes a stream<u8>. In an async call, bytes at hand
// (ByteStreamOf) that are small are sent ready, as a list<u8>; any other
// reader is sent pending, in chunks of what each Read returns (at most 32
// KiB), and closed at its end if it is an io.Closer. Outside an async call
// the reader is read to its end (at most MaxValue bytes) and sent inline.
func EncodeByteStream(e *Encoder, r io.Reader) {
	if !e.async {
		var b []byte
		if r != nil {
			var err error
			b, err = io.ReadAll(io.LimitReader(r, wire.DefaultMaxValue+1))
			if err == nil && len(b) > wire.DefaultMaxValue {
				err = fmt.Errorf("byte stream over %d bytes cannot be sent inline", wire.DefaultMaxValue)
			}
			if err != nil {
				e.Fail(fmt.Errorf("reading a byte stream to send: %w", err))
			}
			if c, ok := r.(io.Closer); ok {
				_ = c.Close()
			}
		}
		e.buf = append(e.buf, 1)
		e.Bytes(b)
		return
	}
	if r == nil {
		e.buf = append(e.buf, 1, 0)
		return
	}
	if rb, ok := r.(interface{ Ready() ([]byte, bool) }); ok {
		if b, ok := rb.Ready(); ok && len(b) <= inlineMax {
			e.buf = append(e.buf, 1)
			e.Bytes(b)
			return
		}
	}
	e.pending(func(c *asyncCall, path []uint32) error { return sendBytes(c, path, r) })
}

func sendBytes(c *asyncCall, path []uint32, r io.Reader) error {
	if cl, ok := r.(io.Closer); ok {
		defer cl.Close()
	}
	buf := make([]byte, 5+sendChunk)
	for {
		n, err := r.Read(buf[5:])
		if n > 0 {
			head := wire.AppendLen(nil, n)
			start := 5 - len(head)
			copy(buf[start:], head)
			if err := c.writeFrame(path, buf[start:5+n]); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return c.writeFrame(path, []byte{0})
		}
		if err != nil {
			return err
		}
		if c.ctx.Err() != nil {
			return context.Cause(c.ctx)
		}
	}
}

// DecodeByteStream reads a stream<u8>: ready (a list<u8>) or, in an async
// call, pending. Close the reader when you stop before its end.
func DecodeByteStream(d *Decoder) io.ReadCloser {
	ready, ok := d.asyncStatus("stream<u8>")
	if !ok {
		return nil
	}
	if ready {
		b := d.Bytes()
		if d.Err() != nil {
			return nil
		}
		return &readyBytes{r: bytes.NewReader(b), b: b}
	}
	v := d.claim(false)
	if v == nil {
		return nil
	}
	s := &ByteStreamReader{v: v}
	dropWhenUnreachable(s, v)
	return s
}

// ByteStreamReader is a received pending stream<u8>.
type ByteStreamReader struct {
	mu   sync.Mutex
	v    *asyncValue
	left uint32 // bytes left in the current chunk
	done bool
	err  error
}

// Read reads the stream's bytes; io.EOF after its end. A failure ends the
// whole call.
func (s *ByteStreamReader) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	if s.done {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	ctx := s.v.c.ctx
	for s.left == 0 {
		var n uint32
		if err := s.v.decode(ctx, func(d *Decoder) { n = d.U32() }); err != nil {
			s.err = err
			return 0, err
		}
		if n == 0 {
			s.done = true
			s.v.end()
			return 0, io.EOF
		}
		s.left = n
	}
	if len(s.v.cur) == 0 {
		data, err := s.v.fetch(ctx)
		if err != nil {
			s.err = err
			return 0, err
		}
		s.v.cur = data
	}
	k := copy(p[:min(len(p), int(s.left))], s.v.cur)
	s.v.cur = s.v.cur[k:]
	s.left -= uint32(k)
	return k, nil
}

// Close drops the rest of the stream.
func (s *ByteStreamReader) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.done = true
		s.v.close()
	}
	return nil
}

// ---- future<T> ----

// EncodeFuture writes a future<T>. A future whose value is known (cm.Ready)
// is sent ready, inline; in an async call any other is sent pending: once
// it resolves, its value goes on the future's own path (as the wRPC Go and
// Rust bindings do), and async values inside it below that path. A future
// without a value type (f nil) is awaited and sent ready: wRPC cannot send
// an empty pending value. Outside an async call the future is awaited first.
func EncodeFuture[T any](e *Encoder, fu cm.Future[T], f func(*Encoder, T)) {
	if fu != nil {
		if r, ok := fu.(interface{ Ready() (T, bool) }); ok {
			if v, ok := r.Ready(); ok {
				e.buf = append(e.buf, 1)
				if f != nil {
					f(e, v)
				}
				return
			}
		}
	}
	if !e.async || fu == nil || f == nil {
		var v T
		if fu != nil {
			var err error
			if v, err = fu.Await(e.context()); err != nil {
				e.Fail(fmt.Errorf("awaiting a future to send: %w", err))
			}
		}
		e.buf = append(e.buf, 1) // ready
		if f != nil {
			f(e, v)
		}
		return
	}
	e.pending(func(c *asyncCall, path []uint32) error {
		v, err := fu.Await(c.ctx)
		if err != nil {
			return fmt.Errorf("awaiting a future to send: %w", err)
		}
		sub := c.sub(path)
		f(sub, v)
		if sub.err != nil {
			return sub.err
		}
		if err := c.writeFrame(path, sub.buf); err != nil {
			return err
		}
		c.startWriters(sub.deferreds())
		return nil
	})
}

// DecodeFuture reads a future<T>: ready (its value inline) or, in an async
// call, pending; f is nil for a future without a value type.
func DecodeFuture[T any](d *Decoder, f func(*Decoder) T) cm.Future[T] {
	ready, ok := d.asyncStatus("future")
	if !ok {
		return nil
	}
	if ready {
		var v T
		if f != nil {
			v = f(d)
		}
		if d.Err() != nil {
			return nil
		}
		return cm.Ready(v)
	}
	v := d.claim(true)
	if v == nil {
		return nil
	}
	fu := &FutureReader[T]{v: v, f: f}
	dropWhenUnreachable(fu, v)
	return fu
}

// FutureReader is a received pending future<T>.
type FutureReader[T any] struct {
	mu   sync.Mutex
	v    *asyncValue
	f    func(*Decoder) T
	done bool
	val  T
	err  error
}

// Await waits for the value, within ctx. A failure (malformed data, the
// call failing, idle for too long) ends the whole call; ctx ending does not.
func (fu *FutureReader[T]) Await(ctx context.Context) (T, error) {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	if fu.done || fu.err != nil {
		return fu.val, fu.err
	}
	var val T
	q := fu.v.q
	fu.v.c.mu.Lock()
	q.decoding = true
	fu.v.c.mu.Unlock()
	err := fu.v.decode(ctx, func(d *Decoder) {
		if fu.f != nil {
			val = fu.f(d)
		}
	})
	fu.v.c.mu.Lock()
	q.decoding = false
	handoff := q.handoff
	q.handoff = nil
	fu.v.c.mu.Unlock()
	if err != nil {
		if sticky(err) {
			fu.err = err
		}
		return val, err
	}
	fu.done, fu.val = true, val
	if handoff != nil {
		// The value is itself async and goes on on this path.
		handoff.cur = fu.v.cur
		fu.v.cur = nil
		fu.v.released.Store(true)
		return val, nil
	}
	fu.v.end()
	return val, nil
}

// Close gives up the future's value.
func (fu *FutureReader[T]) Close() error {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	if !fu.done {
		fu.done = true
		fu.err = ErrCallEnded
		fu.v.close()
	}
	return nil
}

// ---- one pending value being received ----

// asyncValue reads the frames of one pending value.
type asyncValue struct {
	c        *asyncCall
	q        *pathQueue
	cur      []byte      // data fetched and not consumed yet
	released atomic.Bool // its path went on to another value (a future's)
}

// dropWhenUnreachable closes v when the reader that holds it is garbage
// collected without being closed, so that a forgotten stream does not hold
// its call open.
func dropWhenUnreachable[R any](r *R, v *asyncValue) {
	runtime.AddCleanup(r, func(v *asyncValue) {
		if !v.released.Load() {
			v.c.closeValue(v.q)
		}
	}, v)
}

func (v *asyncValue) fetch(ctx context.Context) ([]byte, error) {
	return v.c.fetch(ctx, v.q, v.c.idle())
}

// decode runs f over the value's bytes, asking for frames as f needs them;
// a decoding failure fails the call.
func (v *asyncValue) decode(ctx context.Context, f func(d *Decoder)) error {
	d := &Decoder{ctx: ctx, call: v.c, path: slices.Clone(v.q.path)}
	d.Reset(v.cur, v.c.vlim)
	v.cur = nil
	max := v.c.lim.MaxValueBuffer
	d.SetSource(func(buf []byte) ([]byte, error) {
		data, err := v.fetch(ctx)
		if err != nil {
			return buf, err
		}
		if len(buf)+len(data) > max {
			return buf, &wire.LimitError{What: "async value chunk", Size: uint64(len(buf) + len(data)), Limit: "MaxValueBuffer", Max: max}
		}
		return append(buf, data...), nil
	})
	f(d)
	if err := d.Err(); err != nil {
		if ctx.Err() != nil {
			if d.Offset() == 0 {
				// Nothing was consumed: the reader may try again.
				v.cur = d.Rest()
				return &retryable{err}
			}
			// Part of a chunk is gone: the value cannot go on.
			v.close()
			return err
		}
		err = fmt.Errorf("async value at path %s: %w", pathString(v.q.path), err)
		v.c.fail(err)
		return err
	}
	v.cur = d.Rest()
	return nil
}

// retryable is a wait that ended with its context before any byte of the
// value was consumed: the value is intact.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// sticky reports whether err ends the value for good.
func sticky(err error) bool {
	var r *retryable
	return !errors.As(err, &r)
}

func (v *asyncValue) end() {
	rest := v.cur
	v.cur = nil
	v.c.endValue(v.q, rest)
}

func (v *asyncValue) close() {
	v.cur = nil
	v.c.closeValue(v.q)
}

// DecodeFixedListAt is DecodeFixedList for elements that may hold async
// values: element i sits at index i of the path.
func DecodeFixedListAt[T any](d *Decoder, s []T, f func(*Decoder) T) {
	for i := range s {
		d.Enter(uint32(i))
		s[i] = f(d)
		d.Leave()
		if d.Err() != nil {
			return
		}
	}
}
