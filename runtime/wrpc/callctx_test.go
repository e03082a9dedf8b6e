package wrpc

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type ctxKey string

// The lazy call deadline behaves as context.WithDeadline, whether or not
// anything ever asks for its Done channel.
func TestCallDeadline(t *testing.T) {
	short := 20 * time.Millisecond
	t.Run("Err without Done", func(t *testing.T) {
		ctx, cancel := withCallDeadline(context.Background(), time.Now().Add(short))
		defer cancel()
		if err := ctx.Err(); err != nil {
			t.Fatalf("Err before the deadline: %v", err)
		}
		time.Sleep(2 * short)
		if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Err after the deadline: %v", err)
		}
		if err := context.Cause(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Cause after the deadline: %v", err)
		}
		select {
		case <-ctx.Done():
		default:
			t.Fatal("Done asked for after the deadline is not closed")
		}
	})
	t.Run("Done at the deadline", func(t *testing.T) {
		d := time.Now().Add(short)
		ctx, cancel := withCallDeadline(context.Background(), d)
		defer cancel()
		if got, ok := ctx.Deadline(); !ok || !got.Equal(d) {
			t.Fatalf("Deadline = %v, %v; want %v", got, ok, d)
		}
		select {
		case <-ctx.Done():
			if time.Now().Before(d) {
				t.Fatal("Done closed before the deadline")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed at the deadline")
		}
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err = %v", ctx.Err())
		}
	})
	t.Run("parent's earlier deadline", func(t *testing.T) {
		pd := time.Now().Add(time.Minute)
		parent, pcancel := context.WithDeadline(context.Background(), pd)
		defer pcancel()
		ctx, cancel := withCallDeadline(parent, time.Now().Add(time.Hour))
		defer cancel()
		if got, _ := ctx.Deadline(); !got.Equal(pd) {
			t.Fatalf("Deadline = %v, want the parent's %v", got, pd)
		}
	})
	t.Run("parent cancelled", func(t *testing.T) {
		parent, pcancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey("k"), "v"))
		ctx, cancel := withCallDeadline(parent, time.Now().Add(time.Hour))
		defer cancel()
		if ctx.Value(ctxKey("k")) != "v" {
			t.Fatal("a value of the parent is lost")
		}
		child, ccancel := context.WithCancel(ctx)
		defer ccancel()
		ran := make(chan struct{})
		context.AfterFunc(ctx, func() { close(ran) })
		why := errors.New("the caller went away")
		pcancel(why)
		for _, c := range []context.Context{ctx, child} {
			select {
			case <-c.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("not cancelled with its parent")
			}
			if !errors.Is(c.Err(), context.Canceled) || !errors.Is(context.Cause(c), why) {
				t.Fatalf("Err = %v, Cause = %v", c.Err(), context.Cause(c))
			}
		}
		<-ran
	})
	t.Run("children at the deadline", func(t *testing.T) {
		ctx, cancel := withCallDeadline(context.Background(), time.Now().Add(short))
		defer cancel()
		child, ccancel := context.WithCancel(ctx)
		defer ccancel()
		select {
		case <-child.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("child not cancelled at the deadline")
		}
		if !errors.Is(child.Err(), context.DeadlineExceeded) {
			t.Fatalf("child Err = %v", child.Err())
		}
	})
	t.Run("released", func(t *testing.T) {
		ctx, cancel := withCallDeadline(context.Background(), time.Now().Add(time.Hour))
		cancel()
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("Err after the CancelFunc: %v", ctx.Err())
		}
		select {
		case <-ctx.Done():
		default:
			t.Fatal("Done of a released context is not closed")
		}
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("Err after Done: %v", ctx.Err())
		}
		// Released after the deadline passed: the deadline came first.
		late, lcancel := withCallDeadline(context.Background(), time.Now().Add(-time.Second))
		lcancel()
		if !errors.Is(late.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err released after the deadline: %v", late.Err())
		}
		<-late.Done()
		if !errors.Is(late.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err after Done: %v", late.Err())
		}
		// Released while armed.
		armed, acancel := withCallDeadline(context.Background(), time.Now().Add(time.Hour))
		done := armed.Done()
		acancel()
		<-done
		if !errors.Is(armed.Err(), context.Canceled) {
			t.Fatalf("Err: %v", armed.Err())
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		for range 50 {
			ctx, cancel := withCallDeadline(context.Background(), time.Now().Add(time.Millisecond))
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Go(func() {
					switch i {
					case 0:
						<-ctx.Done()
					case 1:
						for ctx.Err() == nil {
							time.Sleep(100 * time.Microsecond)
						}
					case 2:
						c, cc := context.WithCancel(ctx)
						<-c.Done()
						cc()
					case 3:
						time.Sleep(2 * time.Millisecond)
						cancel()
					}
				})
			}
			wg.Wait()
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(ctx.Err(), context.Canceled) {
				t.Fatalf("Err = %v", ctx.Err())
			}
		}
	})
}
