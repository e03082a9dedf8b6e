package cm

import (
	"context"
	"errors"
	"io"
	"iter"
	"sync"
)

// All ranges over the items of s, chunk by chunk, until its end; a failure
// is yielded once, with the zero T, and ends the loop. Breaking out of the
// loop leaves s where it is (close it if it is an io.Closer and you are done).
//
//	for v, err := range cm.All(ctx, s) { ... }
func All[T any](ctx context.Context, s Stream[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if s == nil {
			return
		}
		for {
			chunk, err := s.Next(ctx)
			for _, v := range chunk {
				if !yield(v, nil) {
					return
				}
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
		}
	}
}

// Pipe returns a stream and the writer that feeds it: what Write sends, the
// stream's Next returns, in order. Write waits until the reader took the
// previous chunk (no buffering), so a slow reader slows the writer.
func Pipe[T any]() (*PipeWriter[T], Stream[T]) {
	p := &pipe[T]{ch: make(chan []T), done: make(chan struct{})}
	return &PipeWriter[T]{p: p}, p
}

type pipe[T any] struct {
	ch   chan []T
	done chan struct{} // closed by Close
	once sync.Once
	err  error // io.EOF or the writer's error, set before done is closed
}

func (p *pipe[T]) Next(ctx context.Context) ([]T, error) {
	select {
	case c := <-p.ch:
		return c, nil
	case <-p.done:
		select {
		case c := <-p.ch:
			return c, nil
		default:
		}
		return nil, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// PipeWriter writes into the stream returned by Pipe.
type PipeWriter[T any] struct{ p *pipe[T] }

// ErrClosedPipe: Write after Close.
var ErrClosedPipe = errors.New("cm: write to a closed pipe")

// Write sends items as one chunk (nothing for no items), waiting for the
// reader or ctx.
func (w *PipeWriter[T]) Write(ctx context.Context, items ...T) error {
	if len(items) == 0 {
		return nil
	}
	select {
	case <-w.p.done:
		return ErrClosedPipe
	default:
	}
	select {
	case w.p.ch <- items:
		return nil
	case <-w.p.done:
		return ErrClosedPipe
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the stream: the reader sees io.EOF after the chunks written.
func (w *PipeWriter[T]) Close() error { return w.CloseWithError(nil) }

// CloseWithError ends the stream with err (io.EOF for nil); a receiver over
// wRPC cannot be told the error: the sender aborts the call instead.
func (w *PipeWriter[T]) CloseWithError(err error) error {
	if err == nil {
		err = io.EOF
	}
	w.p.once.Do(func() {
		w.p.err = err
		close(w.p.done)
	})
	return nil
}

// Promise is a Future whose value is set later, once, with Resolve.
type Promise[T any] struct {
	once sync.Once
	done chan struct{}
	v    T
	err  error
}

// NewPromise returns an unresolved Promise.
func NewPromise[T any]() *Promise[T] { return &Promise[T]{done: make(chan struct{})} }

// Resolve sets the value; later calls do nothing.
func (p *Promise[T]) Resolve(v T) { p.settle(v, nil) }

// Reject makes Await fail with err; a sender over wRPC aborts the call.
func (p *Promise[T]) Reject(err error) { var zero T; p.settle(zero, err) }

func (p *Promise[T]) settle(v T, err error) {
	p.once.Do(func() {
		p.v, p.err = v, err
		close(p.done)
	})
}

// Await waits for the value or ctx.
func (p *Promise[T]) Await(ctx context.Context) (T, error) {
	select {
	case <-p.done:
		return p.v, p.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
