package wrpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"time"
)

// asyncHandler serves a function whose parameters or results hold async
// values: d reads the root parameters as they arrive.
type asyncHandler func(ctx context.Context, d *Decoder) ([]byte, error)

// WithServerAsyncLimits sets the limits of calls that carry async values
// (zero fields mean the defaults; see AsyncLimits).
func WithServerAsyncLimits(lim AsyncLimits) ServerOption {
	return func(s *Server) { s.alim = lim.WithDefaults() }
}

// HandleAsync is Handle for a function whose parameters or results hold a
// stream or a future. Its handler starts as soon as the header is read: d
// reads the root parameters as their frames arrive, and Decoder.Finish (which
// the Reply helpers call) waits for the end of the root value, not for the
// end of the request. Pending async parameters are read from their own
// paths while the handler runs; the results are written in one root frame,
// then the pending values in them on their paths. The call ends when the
// handler has returned and every async result has been sent; async
// parameters not read to their end by then are abandoned. Interceptors see
// nil parameters for such a call. Generated servers call it.
func (s *Server) HandleAsync(instance, name string, h func(ctx context.Context, d *Decoder) ([]byte, error)) {
	if h == nil {
		panic("wrpc: HandleAsync with a nil handler for " + instance + "#" + name)
	}
	s.addRoute(&route{instance: instance, name: name, ah: h,
		h: func(context.Context, []byte) ([]byte, error) {
			return nil, fmt.Errorf("wrpc: %s#%s carries async values: it is served over a connection only", instance, name)
		}})
}

// halfCloser adds CloseWrite to a connection that lacks it.
type halfCloser struct{ net.Conn }

func (halfCloser) CloseWrite() error { return nil }

// serveAsync serves one invocation of an async function, from the end of
// the header to the end of the call.
func (s *Server) serveAsync(inv *invocation, rt *route, br *bufio.Reader) {
	conn, ok := inv.conn.(Conn)
	if !ok {
		conn = halfCloser{inv.conn}
	}
	_ = conn.SetReadDeadline(time.Time{})
	call := newAsyncCall(inv.ctx, conn, s.alim, s.lim, true)
	go call.readLoop(br)
	finished := make(chan struct{})
	go func() {
		call.finish()
		close(finished)
	}()
	defer func() { <-finished }()

	select {
	case s.sem <- struct{}{}:
	case <-call.ctx.Done():
		call.fail(context.Cause(call.ctx))
		return
	}
	callCtx := call.ctx
	if s.callTimeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = withCallDeadline(callCtx, time.Now().Add(s.callTimeout))
		defer cancel()
	}
	d := &Decoder{ctx: callCtx, srv: s, instance: rt.instance, name: rt.name, call: call, root: true}
	d.Reset(nil, s.lim)
	d.SetSource(call.rootSource(callCtx, s.readTimeout))
	results, panicked, err := s.callAsyncHandler(callCtx, rt, d)
	<-s.sem
	if err == nil && d.root {
		err = errors.New("handler returned without reading its parameters to the end (Decoder.Finish)")
	}
	if err != nil {
		if !panicked {
			if callErr := call.Err(); callErr != nil {
				s.warn(inv.conn, "wrpc: async call failed; closing the connection",
					"instance", rt.instance, "name", rt.name, "remote", remote(inv.conn), "err", callErr)
			} else {
				s.warn(inv.conn, "wrpc: handler failed; closing the connection without a result",
					"instance", rt.instance, "name", rt.name, "remote", remote(inv.conn), "err", err)
			}
		}
		call.fail(err)
		return
	}
	if err := call.writeFrame(nil, results); err != nil {
		s.log.Debug("wrpc: writing results failed; the caller went away?",
			"instance", rt.instance, "name", rt.name, "remote", remote(inv.conn), "err", err)
		return
	}
	var defs []deferred
	if call.results != nil {
		defs = *call.results
	}
	call.mu.Lock()
	call.handlerOK = true
	call.mu.Unlock()
	call.rootSent(defs)
	<-call.finished
	if err := call.Err(); err != nil {
		s.warn(inv.conn, "wrpc: async call failed after its results were sent",
			"instance", rt.instance, "name", rt.name, "remote", remote(inv.conn), "err", err)
	}
}

// callAsyncHandler runs the handler (through the interceptors), turning a
// panic into an error.
func (s *Server) callAsyncHandler(ctx context.Context, rt *route, d *Decoder) (results []byte, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("wrpc: handler panicked; closing the connection without a result",
				"instance", rt.instance, "name", rt.name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			results, panicked, err = nil, true, fmt.Errorf("handler panicked: %v", p)
		}
	}()
	if s.intercept != nil {
		results, err = s.intercept(ctx, rt.instance, rt.name, nil, func(ctx context.Context, _ []byte) ([]byte, error) {
			d.ctx = ctx
			return rt.ah(ctx, d)
		})
	} else {
		results, err = rt.ah(ctx, d)
	}
	return results, false, err
}
