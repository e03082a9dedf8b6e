// Package cm holds the Go types that witgo-generated code uses for WIT types
// with no single natural Go counterpart: tuples, results that are not a
// function's return value, errors that carry a WIT value, and the async types
// stream, future and error-context.
//
// The name stands for "component model". Generated code imports it; user code
// meets it in signatures such as
//
//	GetMany(ctx context.Context, keys []string) ([]*cm.Tuple2[string, []byte], error)
package cm

//go:generate go run gentuples.go

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// MaxTuple is the largest WIT tuple arity package cm has a type for.
const MaxTuple = 16

// Result is a WIT result<T, E> that is not a function's return value (a
// function's result becomes Go's (T, error)). A WIT result with no ok or
// no error type uses struct{} in that place.
type Result[T, E any] struct {
	OK    T
	Err   E
	IsErr bool
}

// OK returns an ok result holding v.
func OK[T, E any](v T) Result[T, E] { return Result[T, E]{OK: v} }

// Fail returns an error result holding e.
func Fail[T, E any](e E) Result[T, E] { return Result[T, E]{Err: e, IsErr: true} }

// Err is the Go error for a WIT error value whose Go type is not itself an
// error (a string, an integer, a resource...). Use errors.As to get it back:
//
//	var e cm.Err[string]
//	if errors.As(err, &e) { ... e.Value ... }
type Err[E any] struct {
	Value E
}

func (e Err[E]) Error() string { return fmt.Sprintf("%v", e.Value) }

// ErrResult is the Go error for the error case of a WIT result with no error
// type, such as result<u32>.
var ErrResult = errors.New("wit: result is error")

// Stream is a WIT stream<T>: a sequence of values read in chunks. Next
// returns the next chunk, or io.EOF after the last one.
type Stream[T any] interface {
	Next(ctx context.Context) ([]T, error)
}

// StreamOf returns a Stream that yields items as one chunk.
func StreamOf[T any](items ...T) Stream[T] { return &sliceStream[T]{items: items} }

type sliceStream[T any] struct {
	items []T
	done  bool
}

func (s *sliceStream[T]) Next(context.Context) ([]T, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	return s.items, nil
}

// Collect reads s to its end.
func Collect[T any](ctx context.Context, s Stream[T]) ([]T, error) {
	var all []T
	for {
		chunk, err := s.Next(ctx)
		all = append(all, chunk...)
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
	}
}

// Future is a WIT future<T>: a value that becomes available later. A WIT
// future with no type is a Future[struct{}].
type Future[T any] interface {
	Await(ctx context.Context) (T, error)
}

// Ready returns a Future whose value is already known.
func Ready[T any](v T) Future[T] { return readyFuture[T]{v} }

type readyFuture[T any] struct{ v T }

func (f readyFuture[T]) Await(context.Context) (T, error) { return f.v, nil }

// ErrorContext is a WIT error-context: an error's debug message.
type ErrorContext struct {
	Message string
}

func (e ErrorContext) Error() string { return e.Message }

// Ready reports the items of a stream made by StreamOf that was not read
// yet, so that a sender can send them inline.
func (s *sliceStream[T]) Ready() ([]T, bool) { return s.items, !s.done }

// Ready returns the value of a future made by Ready.
func (f readyFuture[T]) Ready() (T, bool) { return f.v, true }
