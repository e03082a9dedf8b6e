package wrpc

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineCtx is the context of a handler under the call timeout: its
// parent's, with a deadline. It is context.WithDeadline made lazy: most
// handlers of small calls never wait on their context, and a timer armed
// and stopped for each call cost more than the rest of the server's work
// for it. Until something asks for Done (as a child context or
// context.AfterFunc does when it is made), Err compares the clock with the
// deadline; from then on everything goes to a context.WithDeadline made at
// that moment, so that Done, Err, context.Cause and children behave as the
// standard library's.
type deadlineCtx struct {
	context.Context // the parent
	deadline        time.Time

	mu     sync.Mutex // serializes arm and release
	armed  atomic.Pointer[armedCtx]
	ended  atomic.Uint32 // why, if the CancelFunc was called before arming
	cancel context.CancelFunc
}

type armedCtx struct{ context.Context }

// Values of deadlineCtx.ended.
const (
	endedNot = iota
	endedCanceled
	endedDeadline
	endedParent // the parent had ended: its error
)

// withCallDeadline returns parent with deadline d, and its CancelFunc.
func withCallDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	c := new(deadlineCtx)
	c.init(parent, d)
	return c, c.release
}

// init makes c, unused so far, parent with deadline d; release is its
// CancelFunc.
func (c *deadlineCtx) init(parent context.Context, d time.Time) {
	c.Context, c.deadline = parent, d
}

func (c *deadlineCtx) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
		return
	}
	if c.ended.Load() != endedNot {
		return
	}
	switch {
	case c.Context.Err() != nil:
		c.ended.Store(endedParent)
	case !time.Now().Before(c.deadline):
		c.ended.Store(endedDeadline)
	default:
		c.ended.Store(endedCanceled)
	}
}

// arm makes the standard deadline context, once, and returns it.
func (c *deadlineCtx) arm() context.Context {
	if a := c.armed.Load(); a != nil {
		return a.Context
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.armed.Load(); a != nil {
		return a.Context
	}
	ctx, cancel := context.WithDeadline(c.Context, c.deadline)
	if c.ended.Load() != endedNot {
		// Released before: it ends at once (with the parent's error or
		// DeadlineExceeded, if either came first).
		cancel()
	}
	c.cancel = cancel
	c.armed.Store(&armedCtx{ctx})
	return ctx
}

func (c *deadlineCtx) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

func (c *deadlineCtx) Done() <-chan struct{} { return c.arm().Done() }

func (c *deadlineCtx) Err() error {
	if a := c.armed.Load(); a != nil {
		return a.Err()
	}
	switch c.ended.Load() {
	case endedCanceled:
		return context.Canceled
	case endedDeadline:
		return context.DeadlineExceeded
	case endedParent:
		return c.Context.Err()
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value asks the armed context, if any (it answers for its own
// cancellation, which is how child contexts and context.Cause find it),
// else the parent.
func (c *deadlineCtx) Value(key any) any {
	if a := c.armed.Load(); a != nil {
		return a.Value(key)
	}
	return c.Context.Value(key)
}

func (c *deadlineCtx) String() string {
	return "wrpc.callContext(deadline " + c.deadline.String() + ")"
}
