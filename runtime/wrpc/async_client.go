package wrpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// WithClientAsyncLimits sets the limits of calls that carry async values
// (zero fields mean the defaults; see AsyncLimits).
func WithClientAsyncLimits(lim AsyncLimits) ClientOption {
	return func(c *Client) { c.alim = lim.WithDefaults() }
}

// callAsync invokes a function whose parameters or results hold async
// values and returns a Decoder over the root results, which it reads as
// they arrive. The call goes on after the results are decoded, until every
// async value ended (see the package doc).
func callAsync(ctx context.Context, inv Invoker, instance, name string, params []byte, defs []deferred) (*Decoder, error) {
	call, lim, err := invokeAsync(ctx, inv, instance, name, params, defs)
	if err != nil {
		var we *Error
		if !errors.As(err, &we) {
			err = &Error{Instance: instance, Name: name, Op: "invoke", Err: err}
		}
		return nil, err
	}
	// The results are result 0 of the function (WIT functions have at
	// most one): async values in them sit below path [0].
	d := &Decoder{ctx: ctx, inv: inv, instance: instance, name: name, call: call, root: true, path: []uint32{0}}
	d.Reset(nil, lim)
	d.SetSource(call.rootSource(ctx, 0))
	return d, nil
}

// invokeAsync finds the Client under inv, running the interceptors on the
// way: they see the root parameters and no result bytes (the results are
// read as they arrive).
func invokeAsync(ctx context.Context, inv Invoker, instance, name string, params []byte, defs []deferred) (*asyncCall, wire.Limits, error) {
	switch i := inv.(type) {
	case *Client:
		c, err := i.invokeAsync(ctx, instance, name, params, defs)
		return c, i.lim, err
	case interceptedInvoker:
		var call *asyncCall
		var lim wire.Limits
		_, err := i.ic(ctx, instance, name, params, InvokerFunc(func(ctx context.Context, instance, name string, params []byte) ([]byte, error) {
			c, l, err := invokeAsync(ctx, i.next, instance, name, params, defs)
			call, lim = c, l
			return nil, err
		}))
		if err == nil && call == nil {
			err = errors.New("an interceptor returned without calling next: an async call cannot be answered without the server")
		}
		if err != nil && call != nil {
			call.fail(err)
		}
		return call, lim, err
	default:
		return nil, wire.Limits{}, fmt.Errorf("%w (got %T)", ErrAsyncUnsupported, inv)
	}
}

// invokeAsync dials and writes the request exactly as Invoke does (version,
// header and root parameters in one write), then sends the pending
// parameters on their paths while a demultiplexer reads the results.
func (c *Client) invokeAsync(ctx context.Context, instance, name string, params []byte, defs []deferred) (*asyncCall, error) {
	if len(instance) > math.MaxUint32 || len(name) > math.MaxUint32 || len(params) > math.MaxUint32 {
		return nil, &Error{Instance: instance, Name: name, Op: "invoke", Err: errors.New("request too large for wRPC framing (over 4 GiB)")}
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Instance: instance, Name: name, Op: "invoke", Err: err}
	}
	conn, err := c.dialer.Dial(ctx)
	if err != nil {
		return nil, &Error{Instance: instance, Name: name, Op: "dial", Err: contextError(ctx, err)}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	call := newAsyncCall(ctx, conn, c.alim, c.lim, false)
	bp := getBuf()
	err = writeFramed(conn, AppendHeader((*bp)[:0], instance, name), bp, params)
	putBuf(bp)
	if err != nil {
		call.fail(err)
		_ = conn.Close()
		if isReset(err) {
			err = fmt.Errorf("%w (%v)", ErrNoResult, err)
		}
		return nil, &Error{Instance: instance, Name: name, Op: "write", Err: contextError(ctx, err)}
	}
	go call.readLoop(bufio.NewReaderSize(conn, readerSize))
	go call.finish()
	call.rootSent(defs)
	return call, nil
}
