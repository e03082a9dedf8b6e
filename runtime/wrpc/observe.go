package wrpc

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// Observer is told what a Server does, for metrics: each connection
// accepted, each handler call that ended, each connection or request
// refused, and why. Gauges (open connections, bytes in flight, handles)
// are not events: read them with Server.Stats when they are needed.
//
// The server calls an Observer from its connection goroutines, concurrently
// and on the path of every call: its methods must be safe for concurrent
// use and quick, and must not block or call back into the Server (Stats
// included). Without WithObserver the server does
// no observing work at all (not even reading the clock).
type Observer interface {
	// ConnAccepted is called for each connection admitted within the
	// connection caps (a connection over a cap is Refused instead).
	ConnAccepted()
	// CallDone is called when the handler of a registered function has
	// returned: outcome says how the call ended, d is the time from the
	// handler's start to its return. The names are the registered ones, so
	// their set is bounded by the server's functions.
	CallDone(instance, name string, outcome Outcome, d time.Duration)
	// Refused is called for each connection or request that the server
	// refused before or instead of a result, with the name of the limit or
	// the reason (one of the Limit* constants).
	Refused(limit string)
}

// Outcome is how a handler call ended, as Observer.CallDone reports it. It
// is the transport's view: a call that returned a WIT error value (such as
// a keyvalue no-such-store) returned results, so it is OutcomeOK.
type Outcome string

const (
	// OutcomeOK: the handler returned results, which were sent (or the
	// caller went away as they were written).
	OutcomeOK Outcome = "ok"
	// OutcomeError: the handler (or an interceptor) returned an error, so
	// the invocation ended without a result. A handle quota or table limit
	// reached while encoding results is one (and is also Refused).
	OutcomeError Outcome = "error"
	// OutcomePanic: the handler panicked.
	OutcomePanic Outcome = "panic"
	// OutcomeCanceled: the caller went away, or Shutdown's grace period
	// ended or Close was called, while the handler ran: its results, if
	// any, were dropped.
	OutcomeCanceled Outcome = "canceled"
)

// The limits and reasons that Observer.Refused reports. The names of the
// limits are those of the keyvalue provider's flags that set them.
const (
	// LimitMaxConnections: a connection over the total connection cap
	// (WithMaxConnections), closed as it was accepted.
	LimitMaxConnections = "max-connections"
	// LimitMaxConnectionsPerRemote: a connection over the cap of one
	// remote IP address (WithMaxConnections), closed as it was accepted.
	LimitMaxConnectionsPerRemote = "max-connections-per-remote"
	// LimitHeaderTimeout: the request header did not arrive within the
	// header timeout (WithHeaderTimeout).
	LimitHeaderTimeout = "header-timeout"
	// LimitReadTimeout: the request body did not arrive within its
	// deadline (WithReadTimeout, WithMinReadRate).
	LimitReadTimeout = "read-timeout"
	// LimitMaxBytesInFlight: the bytes-in-flight budget had no room for
	// the request (ErrBusy), or the request alone was larger than it
	// (WithMaxBytesInFlight).
	LimitMaxBytesInFlight = "max-bytes-in-flight"
	// LimitMaxMessageBytes: the request was larger than MaxMessage
	// (WithServerLimits).
	LimitMaxMessageBytes = "max-message-bytes"
	// LimitMaxValueBytes: a name or value of the request was longer than
	// MaxValue (WithServerLimits).
	LimitMaxValueBytes = "max-value-bytes"
	// LimitMaxHandles: the server's handle table was full (WithHandleTable).
	LimitMaxHandles = "max-handles"
	// LimitHandleQuota: the caller already held its quota of handles
	// (WithHandleQuota).
	LimitHandleQuota = "handle-quota"
	// LimitMaxHandleBytes: the bytes behind the handles of one client, or
	// of all, would exceed their budget (WithHandleBytes).
	LimitMaxHandleBytes = "max-handle-bytes"
	// LimitUnknownFunction: the request named an instance or function that
	// is not registered.
	LimitUnknownFunction = "unknown-function"
	// LimitBadRequest: the request was malformed, or the connection ended
	// or failed in the middle of it.
	LimitBadRequest = "bad-request"
)

// WithObserver makes the server report its events to o (see Observer); nil
// means none, the default.
func WithObserver(o Observer) ServerOption {
	return func(s *Server) { s.obs = o }
}

// refused reports a refusal to the observer, if any.
func (s *Server) refused(limit string) {
	if s.obs != nil {
		s.obs.Refused(limit)
	}
}

// refusalOf names the limit or reason behind a request that failed to be
// read: body says whether its header had been read.
func (s *Server) refusalOf(err error, body bool) string {
	var le *wire.LimitError
	var ne net.Error
	switch {
	case errors.Is(err, ErrBusy):
		return LimitMaxBytesInFlight
	case errors.As(err, &le):
		switch le.Limit {
		case "MaxBytesInFlight":
			return LimitMaxBytesInFlight
		case "MaxMessage":
			return LimitMaxMessageBytes
		case "MaxValue":
			return LimitMaxValueBytes
		}
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		if !body && s.headerTimeout > 0 {
			return LimitHeaderTimeout
		}
		return LimitReadTimeout
	}
	return LimitBadRequest
}

// Stats is a snapshot of a Server's gauges (Server.Stats).
type Stats struct {
	// OpenConnections is the number of connections open (admitted and not
	// yet closed); MaxConnections is their cap.
	OpenConnections, MaxConnections int
	// RunningCalls is the number of handlers running;
	// MaxConcurrentInvocations is their bound.
	RunningCalls, MaxConcurrentInvocations int
	// BytesInFlight is the request bytes buffered now; MaxBytesInFlight is
	// the budget.
	BytesInFlight, MaxBytesInFlight int
	// Handles counts the live entries of the handle table by resource type,
	// "instance#resource" (only types with at least one entry).
	Handles map[string]int
	// HandleOwners is the number of clients (principals, or IP addresses of
	// anonymous callers) that hold handles; MaxHandlesPerOwner is the most
	// that one of them holds. MaxHandles and HandleQuota are the table's
	// size and its per-client quota.
	HandleOwners, MaxHandlesPerOwner int
	MaxHandles, HandleQuota          int
}

// Stats returns a snapshot of the server's gauges. Each part is exact, but
// the parts are read one after the other, not atomically together. It
// costs a few locks and is meant for a metrics scrape, not for every call.
// Expired handles are removed before they are counted.
func (s *Server) Stats() Stats {
	st := Stats{
		RunningCalls:             len(s.sem),
		MaxConcurrentInvocations: cap(s.sem),
	}
	s.conns.mu.Lock()
	st.OpenConnections, st.MaxConnections = s.conns.total, s.conns.max
	s.conns.mu.Unlock()
	s.budget.mu.Lock()
	st.BytesInFlight, st.MaxBytesInFlight = s.budget.used, s.budget.max
	s.budget.mu.Unlock()

	t := s.handles
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(t.now())
	st.Handles = make(map[string]int, len(t.perType))
	for typ, n := range t.perType {
		st.Handles[typ.String()] = n
	}
	st.HandleOwners = len(t.perOwner)
	for _, n := range t.perOwner {
		st.MaxHandlesPerOwner = max(st.MaxHandlesPerOwner, n)
	}
	st.MaxHandles, st.HandleQuota = t.max, t.ownerQuota()
	return st
}
