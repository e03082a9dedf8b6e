package wrpc

import (
	"context"
	"sync"
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

	mu     sync.Mutex
	armed  context.Context // WithDeadline(parent, deadline), once asked for
	cancel context.CancelFunc
	err    error // set when the CancelFunc is called before arming
}

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
	cancel := c.cancel
	if cancel == nil && c.err == nil {
		if c.err = c.errNow(); c.err == nil {
			c.err = context.Canceled
		}
	}
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// errNow is Err before arming and before the CancelFunc is called.
func (c *deadlineCtx) errNow() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// arm makes the standard deadline context, once, and returns it.
func (c *deadlineCtx) arm() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed == nil {
		c.armed, c.cancel = context.WithDeadline(c.Context, c.deadline)
		if c.err != nil {
			// Released before: it ends at once (with the parent's error
			// or DeadlineExceeded, if either came first).
			c.cancel()
		}
	}
	return c.armed
}

// state returns the armed context (nil if none) and the error set when
// the CancelFunc was called before arming.
func (c *deadlineCtx) state() (armed context.Context, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.armed, c.err
}

func (c *deadlineCtx) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

func (c *deadlineCtx) Done() <-chan struct{} { return c.arm().Done() }

func (c *deadlineCtx) Err() error {
	armed, err := c.state()
	if armed != nil {
		return armed.Err()
	}
	if err != nil {
		return err
	}
	return c.errNow()
}

// Value asks the armed context, if any (it answers for its own
// cancellation, which is how child contexts and context.Cause find it),
// else the parent.
func (c *deadlineCtx) Value(key any) any {
	if armed, _ := c.state(); armed != nil {
		return armed.Value(key)
	}
	return c.Context.Value(key)
}

func (c *deadlineCtx) String() string {
	return "wrpc.callContext(deadline " + c.deadline.String() + ")"
}
