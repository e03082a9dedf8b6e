package cm

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

func TestPipeAndAll(t *testing.T) {
	ctx := context.Background()
	w, s := Pipe[int]()
	go func() {
		for i := range 5 {
			if err := w.Write(ctx, i, i*10); err != nil {
				t.Error(err)
			}
		}
		w.Write(ctx) // nothing
		w.Close()
	}()
	var got []int
	for v, err := range All(ctx, s) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if want := []int{0, 0, 1, 10, 2, 20, 3, 30, 4, 40}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if err := w.Write(ctx, 1); !errors.Is(err, ErrClosedPipe) {
		t.Errorf("Write after Close: %v", err)
	}
	if _, err := s.Next(ctx); err != io.EOF {
		t.Errorf("Next after the end: %v", err)
	}
}

func TestPipeError(t *testing.T) {
	w, s := Pipe[string]()
	boom := errors.New("boom")
	w.CloseWithError(boom)
	var errs []error
	for _, err := range All(context.Background(), s) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || errs[0] != boom {
		t.Errorf("errs %v", errs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	w2, _ := Pipe[string]()
	if err := w2.Write(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write with nobody reading: %v", err)
	}
}

func TestPromise(t *testing.T) {
	p := NewPromise[int]()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Await(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Await before Resolve: %v", err)
	}
	p.Resolve(7)
	p.Resolve(8)
	if v, err := p.Await(context.Background()); v != 7 || err != nil {
		t.Errorf("Await = %d, %v", v, err)
	}
	q := NewPromise[int]()
	q.Reject(io.ErrUnexpectedEOF)
	if _, err := q.Await(context.Background()); err != io.ErrUnexpectedEOF {
		t.Errorf("rejected: %v", err)
	}
	if v, ok := Ready(3).(interface{ Ready() (int, bool) }).Ready(); !ok || v != 3 {
		t.Error("Ready future does not report its value")
	}
}
