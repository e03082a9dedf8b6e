package wrpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// recorder is an Observer that remembers every event.
type recorder struct {
	mu       sync.Mutex
	accepted int
	calls    []string // "instance#name outcome"
	refused  []string
	durs     []time.Duration
}

func (r *recorder) ConnAccepted() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accepted++
}

func (r *recorder) CallDone(instance, name string, outcome Outcome, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, instance+"#"+name+" "+string(outcome))
	r.durs = append(r.durs, d)
}

func (r *recorder) Refused(limit string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, limit)
}

// waitRefused waits until limit was refused n times.
func (r *recorder) waitRefused(t *testing.T, limit string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		got := 0
		for _, l := range r.refused {
			if l == limit {
				got++
			}
		}
		all := slices.Clone(r.refused)
		r.mu.Unlock()
		if got == n {
			return
		}
		if got > n || time.Now().After(deadline) {
			t.Fatalf("refused %q %d times, want %d (all refusals: %q)", limit, got, n, all)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitCall waits until a call ended as want ("instance#name outcome").
func (r *recorder) waitCall(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		ok := slices.Contains(r.calls, want)
		all := slices.Clone(r.calls)
		r.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no call %q; calls: %q", want, all)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Every outcome of a handler call reaches the observer, with the
// registered names and the handler's duration.
func TestObserverCalls(t *testing.T) {
	rec := &recorder{}
	ts := startServer(t, "tcp", WithObserver(rec))
	ts.Register(testInstance, "echo", echo)
	ts.Register(testInstance, "slow", func(ctx context.Context, p []byte) ([]byte, error) {
		time.Sleep(20 * time.Millisecond)
		return p, nil
	})
	ts.Register(testInstance, "fail", func(ctx context.Context, p []byte) ([]byte, error) {
		return nil, errors.New("no")
	})
	ts.Register(testInstance, "panic", func(ctx context.Context, p []byte) ([]byte, error) { panic("boom") })
	started := make(chan struct{})
	ts.Register(testInstance, "block", func(ctx context.Context, p []byte) ([]byte, error) {
		close(started)
		<-ctx.Done()
		return p, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ts.client.Invoke(ctx, testInstance, "echo", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.client.Invoke(ctx, testInstance, "slow", []byte("x")); err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"fail", "panic"} {
		if _, err := ts.client.Invoke(ctx, testInstance, fn, nil); !errors.Is(err, ErrNoResult) {
			t.Fatalf("%s: %v, want no result", fn, err)
		}
	}
	// The caller goes away while the handler runs.
	c, err := net.Dial("tcp", ts.l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(AppendRequest(nil, testInstance, "block", nil)); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	<-started
	if canWatchPeer {
		_ = c.(*net.TCPConn).SetLinger(0) // a reset, as a cancelled client sends
		c.Close()
	} else {
		defer c.Close()
		go func() { time.Sleep(50 * time.Millisecond); ts.Close() }()
	}
	for _, want := range []string{"echo ok", "slow ok", "fail error", "panic panic", "block canceled"} {
		rec.waitCall(t, testInstance+"#"+want)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.accepted != 5 {
		t.Errorf("%d connections accepted, want 5", rec.accepted)
	}
	if len(rec.refused) != 0 {
		t.Errorf("refusals %q, want none", rec.refused)
	}
	i := slices.Index(rec.calls, testInstance+"#slow ok")
	if d := rec.durs[i]; d < 20*time.Millisecond || d > 5*time.Second {
		t.Errorf("slow call took %v, want about 20ms", d)
	}
}

// Every way of refusing a connection or a request names its limit.
func TestObserverRefusals(t *testing.T) {
	t.Run("connection caps", func(t *testing.T) {
		rec := &recorder{}
		ts := startServer(t, "tcp", WithObserver(rec), WithMaxConnections(3, 2))
		ts.Register(testInstance, "echo", echo)
		for range 2 {
			c := dialRaw(t, ts.l)
			if closedSoon(c, 50*time.Millisecond) {
				t.Fatal("a connection within the caps was closed")
			}
		}
		if !closedSoon(dialRaw(t, ts.l), 5*time.Second) {
			t.Fatal("a third connection from one address was not closed")
		}
		rec.waitRefused(t, LimitMaxConnectionsPerRemote, 1)
		// The bystander's first connection is the third in all; its
		// second is over the total.
		b := NewClient(&TCPDialer{Addr: ts.l.Addr().String(), Dialer: net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}})
		held, err := b.dialer.Dial(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		if closedSoon(held, 50*time.Millisecond) {
			t.Fatal("the third connection in all was closed")
		}
		if _, err := b.Invoke(context.Background(), testInstance, "echo", nil); err == nil {
			t.Fatal("a fourth connection in all was served")
		}
		rec.waitRefused(t, LimitMaxConnections, 1)
		if st := ts.Stats(); st.OpenConnections != 3 || st.MaxConnections != 3 {
			t.Errorf("Stats: %d of %d connections open, want 3 of 3", st.OpenConnections, st.MaxConnections)
		}
	})
	t.Run("timeouts", func(t *testing.T) {
		rec := &recorder{}
		ts := startServer(t, "tcp", WithObserver(rec), WithHeaderTimeout(50*time.Millisecond), WithReadTimeout(50*time.Millisecond))
		ts.Register(testInstance, "echo", echo)
		if !closedSoon(dialRaw(t, ts.l), 5*time.Second) {
			t.Fatal("an idle connection was not cut")
		}
		rec.waitRefused(t, LimitHeaderTimeout, 1)
		c := dialRaw(t, ts.l)
		if _, err := c.Write(AppendHeader(nil, testInstance, "echo")); err != nil {
			t.Fatal(err)
		}
		if !closedSoon(c, 5*time.Second) {
			t.Fatal("a stalled body was not cut")
		}
		rec.waitRefused(t, LimitReadTimeout, 1)
	})
	t.Run("sizes and names", func(t *testing.T) {
		rec := &recorder{}
		ts := startServer(t, "tcp", WithObserver(rec),
			WithServerLimits(wire.Limits{MaxValue: 64, MaxMessage: 4 << 10}), WithMaxBytesInFlight(2<<10))
		ts.Register(testInstance, "echo", echo)
		ctx := context.Background()
		calls := []struct {
			instance, name string
			params         []byte
			limit          string
		}{
			{testInstance, "nope", nil, LimitUnknownFunction},
			{testInstance, string(make([]byte, 100)), nil, LimitMaxValueBytes},
			{testInstance, "echo", make([]byte, 3<<10), LimitMaxBytesInFlight},
			{testInstance, "echo", make([]byte, 8<<10), LimitMaxMessageBytes},
		}
		for _, c := range calls {
			if _, err := ts.client.Invoke(ctx, c.instance, c.name, c.params); !errors.Is(err, ErrNoResult) {
				t.Fatalf("%s: %v, want no result", c.limit, err)
			}
			rec.waitRefused(t, c.limit, 1)
		}
		if _, err := rawCall(t, ts.l, []byte{0xff, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		rec.waitRefused(t, LimitBadRequest, 1)
		// A connection that sends nothing and goes away (a port probe) is
		// not a refusal.
		c := dialRaw(t, ts.l)
		c.Close()
		if _, err := ts.client.Invoke(ctx, testInstance, "echo", []byte("x")); err != nil {
			t.Fatal(err)
		}
		rec.waitCall(t, testInstance+"#echo ok")
		rec.mu.Lock()
		n := len(rec.refused)
		rec.mu.Unlock()
		if n != len(calls)+1 {
			t.Errorf("%d refusals, want %d", n, len(calls)+1)
		}
	})
}

// A request that waits in vain for room in the budget is ErrBusy, named
// max-bytes-in-flight; the body's deadline and a stalled header are named
// after their timeouts, and a timeout of the header's read with no header
// timeout after the read timeout.
func TestRefusalOf(t *testing.T) {
	timeout := &net.OpError{Op: "read", Err: fakeTimeout{}}
	s := NewServer(WithHeaderTimeout(time.Second))
	noHeader := NewServer(WithHeaderTimeout(0))
	for _, tc := range []struct {
		s    *Server
		err  error
		body bool
		want string
	}{
		{s, fmt.Errorf("data: %w", ErrBusy), true, LimitMaxBytesInFlight},
		{s, timeout, false, LimitHeaderTimeout},
		{s, timeout, true, LimitReadTimeout},
		{noHeader, timeout, false, LimitReadTimeout},
		{s, fmt.Errorf("x: %w", wire.ErrInvalid), true, LimitBadRequest},
	} {
		if got := tc.s.refusalOf(tc.err, tc.body); got != tc.want {
			t.Errorf("refusalOf(%v, body=%v) = %q, want %q", tc.err, tc.body, got, tc.want)
		}
	}
}

type fakeTimeout struct{}

func (fakeTimeout) Error() string   { return "i/o timeout" }
func (fakeTimeout) Timeout() bool   { return true }
func (fakeTimeout) Temporary() bool { return true }

// Stats counts the handle table's entries by type and owner, and the
// handle limits are refusals.
func TestStatsHandles(t *testing.T) {
	rec := &recorder{}
	s := NewServer(WithObserver(rec), WithHandleTable(4, time.Minute), WithHandleQuota(2))
	alice := WithPeer(context.Background(), Peer{Principal: "alice"})
	bob := WithPeer(context.Background(), Peer{Principal: "bob"})
	carol := WithPeer(context.Background(), Peer{Principal: "carol"})
	var bobs []byte
	for _, e := range []struct {
		ctx context.Context
		typ resourceType
	}{{alice, resourceType{"i", "bucket"}}, {alice, resourceType{"i", "cursor"}}, {bob, resourceType{"i", "bucket"}}} {
		h, err := s.handles.export(e.ctx, e.typ, new(int))
		if err != nil {
			t.Fatal(err)
		}
		bobs = h
	}
	st := s.Stats()
	if want := map[string]int{"i#bucket": 2, "i#cursor": 1}; fmt.Sprint(st.Handles) != fmt.Sprint(want) {
		t.Errorf("handles %v, want %v", st.Handles, want)
	}
	if st.HandleOwners != 2 || st.MaxHandlesPerOwner != 2 || st.MaxHandles != 4 || st.HandleQuota != 2 {
		t.Errorf("Stats %+v", st)
	}
	if _, err := s.handles.export(alice, resourceType{"i", "bucket"}, new(int)); !errors.Is(err, ErrTooManyHandles) {
		t.Fatalf("over the quota: %v", err)
	}
	if _, err := s.handles.export(bob, resourceType{"i", "bucket"}, new(int)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.handles.export(carol, resourceType{"i", "bucket"}, new(int)); !errors.Is(err, ErrTooManyHandles) {
		t.Fatalf("over the table: %v", err)
	}
	if want := []string{LimitHandleQuota, LimitMaxHandles}; !slices.Equal(rec.refused, want) {
		t.Errorf("refused %q, want %q", rec.refused, want)
	}
	// Moving ownership out (own<R>) takes the entry out of the counts.
	if _, err := s.handles.resolve(bob, resourceType{"i", "bucket"}, bobs, Own); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Handles["i#bucket"] != 2 || st.HandleOwners != 2 || st.MaxHandlesPerOwner != 2 {
		t.Errorf("after a move: %+v", st)
	}
	s.Close()
	if st := s.Stats(); len(st.Handles) != 0 || st.HandleOwners != 0 {
		t.Errorf("after Close: %+v", st)
	}
}

// Stats reports the bytes a stalled body holds in the budget, and the
// running handlers.
func TestStatsInFlight(t *testing.T) {
	ts := startServer(t, "tcp")
	release := make(chan struct{})
	ts.Register(testInstance, "wait", func(ctx context.Context, p []byte) ([]byte, error) {
		<-release
		return p, nil
	})
	c := dialRaw(t, ts.l)
	head := AppendHeader(nil, testInstance, "wait")
	head = wire.AppendLen(head, 0)      // path []
	head = wire.AppendLen(head, 64<<10) // data length
	if _, err := c.Write(append(head, make([]byte, 10<<10)...)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ts.Stats().BytesInFlight == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no bytes in flight")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := ts.Stats(); st.OpenConnections != 1 || st.MaxBytesInFlight != DefaultMaxBytesInFlight || st.RunningCalls != 0 {
		t.Errorf("Stats %+v", st)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ts.client.Invoke(context.Background(), testInstance, "wait", []byte("x"))
		done <- err
	}()
	for ts.Stats().RunningCalls != 1 {
		if time.Now().After(deadline) {
			t.Fatal("no running call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.Close()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for st := ts.Stats(); st.BytesInFlight != 0 || st.OpenConnections != 0 || st.RunningCalls != 0; st = ts.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("after the calls: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
