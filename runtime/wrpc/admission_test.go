package wrpc

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// bystander returns a client that dials the server from 127.0.0.2, another
// remote address than the test's other connections (127.0.0.1).
func bystander(l net.Listener) *Client {
	return NewClient(&TCPDialer{Addr: l.Addr().String(), Dialer: net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}})
}

// dialRaw opens a connection that the test drives byte by byte.
func dialRaw(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedSoon reports whether the server closes c within d (a read ends).
func closedSoon(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// Idle and trickling connections hold no handler slot: with far more of
// them open than the server runs handlers at once, a bystander is served
// at once.
func TestIdleAndSlowConnectionsDoNotStarve(t *testing.T) {
	ts := startServer(t, "tcp", WithMaxConcurrentInvocations(4))
	ts.Register(testInstance, "echo", echo)
	var idle []net.Conn
	for range 200 {
		idle = append(idle, dialRaw(t, ts.l))
	}
	// Slowloris: a header one byte at a time.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	req := AppendRequest(nil, testInstance, "echo", []byte("x"))
	for range 50 {
		c := dialRaw(t, ts.l)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range req[:len(req)-2] {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	by := bystander(ts.l)
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		got, err := by.Invoke(ctx, testInstance, "echo", []byte{byte(i)})
		cancel()
		if err != nil || len(got) != 1 || got[0] != byte(i) {
			t.Fatalf("bystander call %d: %q, %v", i, got, err)
		}
	}
	_ = idle
}

// A connection that sends no header in time is closed.
func TestHeaderTimeout(t *testing.T) {
	ts := startServer(t, "tcp", WithHeaderTimeout(100*time.Millisecond))
	ts.Register(testInstance, "echo", echo)
	c := dialRaw(t, ts.l)
	start := time.Now()
	if !closedSoon(c, 5*time.Second) {
		t.Fatal("an idle connection was not closed by the header timeout")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("closed after %v, before the header timeout", d)
	}
	// A body that arrives slowly but within its deadline is served.
	if got, err := ts.client.Invoke(context.Background(), testInstance, "echo", []byte("ok")); err != nil || string(got) != "ok" {
		t.Fatalf("call after the timeout: %q, %v", got, err)
	}
}

// The body's deadline grows with its declared size at the minimum read
// rate: a large body that arrives at a good rate is never cut by the read
// timeout alone, a stalled one is.
func TestBodyDeadline(t *testing.T) {
	ts := startServer(t, "tcp", WithReadTimeout(200*time.Millisecond), WithMinReadRate(1<<20))
	ts.Register(testInstance, "echo", echo)
	// 1 MiB at the minimum rate buys one more second: sent in four parts
	// 100 ms apart, 300 ms in all, past the 200 ms read timeout.
	body := make([]byte, 1<<20)
	req := AppendRequest(nil, testInstance, "echo", body)
	c := dialRaw(t, ts.l)
	part := len(req) / 4
	for i := range 4 {
		end := (i + 1) * part
		if i == 3 {
			end = len(req)
		}
		if _, err := c.Write(req[i*part : end]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := io.ReadAll(c)
	if err != nil || len(resp) < len(body) {
		t.Fatalf("slow but steady 1 MiB body: %d bytes back, %v", len(resp), err)
	}
	// A header, then nothing: cut after the read timeout.
	s := dialRaw(t, ts.l)
	if _, err := s.Write(AppendHeader(nil, testInstance, "echo")); err != nil {
		t.Fatal(err)
	}
	if !closedSoon(s, 5*time.Second) {
		t.Fatal("a stalled body was not cut")
	}
}

// Connections over the caps are closed at once; another address is still
// served.
func TestConnectionCaps(t *testing.T) {
	ts := startServer(t, "tcp", WithMaxConnections(10, 3))
	ts.Register(testInstance, "echo", echo)
	for range 3 {
		c := dialRaw(t, ts.l)
		if closedSoon(c, 50*time.Millisecond) {
			t.Fatal("a connection within the caps was closed")
		}
	}
	over := dialRaw(t, ts.l)
	if !closedSoon(over, 5*time.Second) {
		t.Fatal("a fourth connection from one address was not closed")
	}
	ts.logs.waitFor(t, "too many connections")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got, err := bystander(ts.l).Invoke(ctx, testInstance, "echo", []byte("b")); err != nil || string(got) != "b" {
		t.Fatalf("another address: %q, %v", got, err)
	}
}

// Requests wait for room in the bytes-in-flight budget, then are refused:
// stalled uploads cannot make the server buffer more than the budget.
func TestBytesInFlightBudget(t *testing.T) {
	ts := startServer(t, "tcp", WithMaxBytesInFlight(1<<20))
	ts.Register(testInstance, "echo", echo)
	// A claims a 900 KiB frame and sends 100 KiB of it, then stalls: the
	// whole claim is reserved before its bytes are read.
	a := dialRaw(t, ts.l)
	head := AppendHeader(nil, testInstance, "echo")
	head = wire.AppendLen(head, 0)       // path []
	head = wire.AppendLen(head, 900<<10) // data length
	if _, err := a.Write(append(head, make([]byte, 100<<10)...)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	// B needs 300 KiB: it waits for room, then is refused.
	start := time.Now()
	_, err := ts.client.Invoke(context.Background(), testInstance, "echo", make([]byte, 300<<10))
	if !errors.Is(err, ErrNoResult) {
		t.Fatalf("a request over the budget: %v, want the connection closed without a result", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refused after %v", d)
	}
	ts.logs.waitFor(t, "server busy")
	// A small request still finds room: large ones leave the budget's last
	// sixteenth to them.
	if got, err := ts.client.Invoke(context.Background(), testInstance, "echo", make([]byte, 10<<10)); err != nil || len(got) != 10<<10 {
		t.Fatalf("a small request while large ones wait: %d bytes, %v", len(got), err)
	}
	// A claim larger than the budget is refused at once.
	start = time.Now()
	if _, err := ts.client.Invoke(context.Background(), testInstance, "echo", make([]byte, 1<<20)); !errors.Is(err, ErrNoResult) || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("a request over the whole budget: %v after %v, want refused at once", err, time.Since(start))
	}
	// Once A goes away, its bytes are free again.
	a.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := ts.client.Invoke(context.Background(), testInstance, "echo", make([]byte, 300<<10))
		if err == nil && len(got) == 300<<10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the budget was not freed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Attacker-controlled names are cut in the log, and repeated warnings from
// one address are rate-limited.
func TestLogFlood(t *testing.T) {
	ts := startServer(t, "tcp")
	ts.Register(testInstance, "echo", echo)
	huge := strings.Repeat("ж", 1<<20) // 2 MiB of a two-byte rune
	for range 50 {
		_, _ = rawCall(t, ts.l, AppendRequest(nil, huge, "f", nil))
	}
	ts.logs.waitFor(t, "unknown function")
	time.Sleep(50 * time.Millisecond)
	if n := len(ts.logs.String()); n > 64<<10 {
		t.Fatalf("50 requests with a 4 MiB instance name wrote %d bytes of log", n)
	}
	if !strings.Contains(ts.logs.String(), "bytes)") {
		t.Errorf("the cut name does not say its length:\n%.400s", ts.logs.String())
	}
}

func TestWarnLimiter(t *testing.T) {
	w := newWarnLimiter()
	now := time.Unix(0, 0)
	w.now = func() time.Time { return now }
	allowed := 0
	for range warnBurst + 20 {
		if ok, _ := w.allow("k"); ok {
			allowed++
		}
	}
	if allowed != warnBurst {
		t.Fatalf("%d lines through a burst, want %d", allowed, warnBurst)
	}
	if ok, _ := w.allow("other"); !ok {
		t.Fatal("another key was held back")
	}
	now = now.Add(time.Second)
	ok, held := w.allow("k")
	if !ok || held != 20 {
		t.Fatalf("after a second: %v, %d held back, want true, 20", ok, held)
	}
	for range warnRate - 1 {
		if ok, _ := w.allow("k"); !ok {
			t.Fatal("the refill rate was not honoured")
		}
	}
	if ok, _ := w.allow("k"); ok {
		t.Fatal("more than the refill rate went through")
	}
}

func TestLogText(t *testing.T) {
	if got := logText([]byte("plain")); got != "plain" {
		t.Errorf("logText(plain) = %q", got)
	}
	long := logText([]byte(strings.Repeat("é", 200)))
	if !strings.HasSuffix(long, "…(400 bytes)") || len(long) > 160 {
		t.Errorf("logText(400 bytes) = %q", long)
	}
	if got := logText([]byte("a\xffb")); got != "a\uFFFDb" {
		t.Errorf("logText(invalid UTF-8) = %q", got)
	}
}

// Shutdown serves the connections the kernel had already accepted: every
// call dialed before it begins gets its result, none is reset; a call
// dialed after the listener closed is refused at once.
func TestShutdownServesQueuedConnections(t *testing.T) {
	for range 3 {
		ts := startServer(t, "tcp")
		ts.Register(testInstance, "echo", echo)
		const n = 200
		conns := make([]net.Conn, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.DialTimeout("tcp", ts.l.Addr().String(), 5*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				conns[i] = c
			}()
		}
		wg.Wait()
		// Every connection is established (in the server's queue or
		// accepted); now shut down, and only then send the requests.
		done := make(chan error, 1)
		go func() { done <- ts.Shutdown(context.Background()) }()
		for i, c := range conns {
			if c == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Write(AppendRequest(nil, testInstance, "echo", []byte{byte(i)})); err != nil {
					t.Errorf("call %d: write: %v", i, err)
					return
				}
				_ = c.(*net.TCPConn).CloseWrite()
				resp, err := io.ReadAll(c)
				if err != nil || len(resp) == 0 || resp[len(resp)-1] != byte(i) {
					t.Errorf("call %d: % x, %v", i, resp, err)
				}
			}()
		}
		wg.Wait()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if c, err := net.DialTimeout("tcp", ts.l.Addr().String(), time.Second); err == nil {
			c.Close()
			t.Fatal("a connection after Shutdown was accepted")
		}
	}
}

// A handler's context has the call timeout's deadline, and what the
// handler returns when it passes still reaches the caller.
func TestCallTimeout(t *testing.T) {
	ts := startServer(t, "tcp", WithCallTimeout(50*time.Millisecond))
	ts.Register(testInstance, "wait", func(ctx context.Context, _ []byte) ([]byte, error) {
		if _, ok := ctx.Deadline(); !ok {
			return []byte("no deadline"), nil
		}
		<-ctx.Done()
		return []byte("gave up: " + ctx.Err().Error()), nil
	})
	got, err := ts.client.Invoke(context.Background(), testInstance, "wait", nil)
	if err != nil || string(got) != "gave up: context deadline exceeded" {
		t.Fatalf("call past its timeout: %q, %v", got, err)
	}
}

// Shutdown under a steady stream of new connections: every connection the
// kernel established before Shutdown began is served; those that came
// later are served or refused (or, where the listener cannot ignore new
// attempts while its queue drains, reset when it closes).
func TestShutdownUnderLoad(t *testing.T) {
	ts := startServer(t, "tcp")
	ts.Register(testInstance, "echo", func(ctx context.Context, p []byte) ([]byte, error) {
		time.Sleep(time.Millisecond)
		return p, nil
	})
	addr := ts.l.Addr().String()
	var shutdownAt atomic.Int64 // unix nanoseconds; 0 before Shutdown
	var served, refused, resetLate, lost atomic.Int64
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					if at := shutdownAt.Load(); at == 0 {
						t.Errorf("dial before Shutdown: %v", err)
					}
					refused.Add(1)
					return
				}
				early := shutdownAt.Load() == 0
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				b := byte(g + i)
				_, err = c.Write(AppendRequest(nil, testInstance, "echo", []byte{b}))
				if err == nil {
					err = c.(*net.TCPConn).CloseWrite()
				}
				var resp []byte
				if err == nil {
					resp, err = io.ReadAll(c)
				}
				c.Close()
				switch {
				case err == nil && len(resp) > 0 && resp[len(resp)-1] == b:
					served.Add(1)
					continue
				case early:
					lost.Add(1)
					t.Errorf("a connection established before Shutdown got % x, %v", resp, err)
				default:
					resetLate.Add(1)
				}
				return
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	shutdownAt.Store(time.Now().UnixNano())
	if err := ts.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	t.Logf("served %d, refused %d, ended without a result after Shutdown began %d, lost %d", served.Load(), refused.Load(), resetLate.Load(), lost.Load())
	if served.Load() == 0 || refused.Load()+resetLate.Load()+lost.Load() != 32 {
		t.Fatalf("served %d; of 32 callers, %d refused, %d reset", served.Load(), refused.Load(), resetLate.Load())
	}
}
