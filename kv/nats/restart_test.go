package nats_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"

	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/kv/engine"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
)

// TestRestart writes keys, shuts the server down while a writer is busy,
// starts a new server on the same port and store directory, and checks that
// every acknowledged write survived, that operations during the outage
// failed or succeeded (never hung, never lost an acknowledged write), and
// that the client reconnects and writes again.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	s1 := natstest.Start(t, natstest.Options{Dir: dir, MaxPayload: testMaxPayload})
	port := s1.Addr().(*net.TCPAddr).Port
	var reconnected atomic.Int32
	nc, js := connect(t, s1.ClientURL(),
		natsio.MaxReconnects(-1),
		natsio.ReconnectWait(20*time.Millisecond),
		natsio.ReconnectJitter(0, 0),
		natsio.ReconnectHandler(func(*natsio.Conn) { reconnected.Add(1) }))
	prefix := uniquePrefix()
	e, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatal(err)
	}
	b := open(t, e, "durable")

	// Acknowledged writes before the restart.
	want := map[string]string{}
	for i := range 200 {
		k := fmt.Sprintf("before-%03d", i)
		if err := b.Set(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
		want[k] = k
	}
	for range 25 {
		if _, err := b.IncrementU64(ctx, "counter", 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete(ctx, "before-000"); err != nil {
		t.Fatal(err)
	}
	delete(want, "before-000")
	_, _, ver, _ := b.GetVersioned(ctx, "before-001")
	if ok, _, err := b.CompareAndSwap(ctx, "before-001", ver, []byte("swapped")); err != nil || !ok {
		t.Fatalf("swap: %v, %v", ok, err)
	}
	want["before-001"] = "swapped"

	// A writer that keeps going through the shutdown: it records the writes
	// that were acknowledged, each with a short deadline.
	var (
		mu     sync.Mutex
		nacked atomic.Int64
		acked  = map[string]bool{}
		failed = map[string]bool{}
		stop   = make(chan struct{})
		done   = make(chan struct{})
	)
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := fmt.Sprintf("during-%05d", i)
			c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			err := b.Set(c, k, []byte(k))
			cancel()
			mu.Lock()
			if err == nil {
				acked[k] = true
				nacked.Add(1)
			} else {
				failed[k] = true
			}
			mu.Unlock()
			if err != nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	s1.Shutdown()
	s1.WaitForShutdown()

	// While the server is down, operations fail within their deadline.
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	started := time.Now()
	_, _, err = b.Get(c, "before-002")
	cancel()
	if err == nil {
		t.Fatal("Get succeeded with the server down")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("Get with the server down: %v", err) // any error will do
	}
	if d := time.Since(started); d > 3*time.Second {
		t.Fatalf("Get with the server down took %v", d)
	}
	c, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = b.IncrementU64(c, "counter", 1)
	cancel()
	if err == nil {
		t.Fatal("IncrementU64 succeeded with the server down")
	}
	time.Sleep(200 * time.Millisecond)

	s2 := natstest.Start(t, natstest.Options{Port: port, Dir: dir, MaxPayload: testMaxPayload})
	deadline := time.Now().Add(15 * time.Second)
	for !nc.IsConnected() || reconnected.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("client did not reconnect to %s (status %v)", s2.ClientURL(), nc.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Let the writer succeed a few times on the new server, then stop it.
	base := nacked.Load()
	for deadline := time.Now().Add(15 * time.Second); nacked.Load() < base+10; {
		if time.Now().After(deadline) {
			t.Fatal("the writer got no write acknowledged after the restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(failed) == 0 {
		t.Fatal("no write failed during the outage: the test did not test it")
	}
	t.Logf("writer: %d writes acknowledged, %d failed (in doubt) around the restart", len(acked), len(failed))

	// Every acknowledged write is there; writes in doubt read as either.
	for k := range acked {
		want[k] = k
	}
	for k, v := range want {
		got, ok, err := b.Get(ctx, k)
		if err != nil || !ok || string(got) != v {
			t.Fatalf("after restart: Get(%q) = %q, %v, %v; want %q", k, got, ok, err, v)
		}
	}
	// The increment that failed during the outage is in doubt too: nats.go
	// buffers publishes while it reconnects and sends them afterwards.
	counter, _, err := b.Get(ctx, "counter")
	if err != nil || (string(counter) != "50" && string(counter) != "51") {
		t.Fatalf("after restart: counter = %q, %v; want 50 (51 if the increment in doubt landed)", counter, err)
	}
	if ok, _ := b.Exists(ctx, "before-000"); ok {
		t.Fatal("deleted key came back")
	}
	for k := range failed {
		got, ok, err := b.Get(ctx, k)
		if err != nil || (ok && string(got) != k) {
			t.Fatalf("write in doubt %q reads %q, %v, %v", k, got, ok, err)
		}
	}
	keys, err := engine.AllKeys(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < len(want)+1 || len(keys) > len(want)+1+len(failed) {
		t.Fatalf("after restart %d keys listed, want %d to %d", len(keys), len(want)+1, len(want)+1+len(failed))
	}

	// New writes work, through the old handle and a new engine.
	if n, err := b.IncrementU64(ctx, "counter", 1); err != nil || strconv.FormatUint(n-1, 10) != string(counter) {
		t.Fatalf("increment of %s after restart = %d, %v", counter, n, err)
	}
	if err := b.Set(ctx, "after", []byte("a")); err != nil {
		t.Fatal(err)
	}
	e2, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := open(t, e2, "durable").Get(ctx, "after"); err != nil || !ok || string(v) != "a" {
		t.Fatalf("new engine after restart: %q, %v, %v", v, ok, err)
	}
}

// TestOutageNotApplied: with the engine's own connection (Connect), a write
// that fails during an outage says whether it was not applied or its
// outcome is unknown, and one that says "not applied" is absent after the
// server comes back: no write reported failed is applied later.
func TestOutageNotApplied(t *testing.T) {
	dir := t.TempDir()
	s1 := natstest.Start(t, natstest.Options{Dir: dir, MaxPayload: testMaxPayload})
	port := s1.Addr().(*net.TCPAddr).Port
	e, err := kvnats.Connect(ctx, s1.ClientURL(), kvnats.BucketPrefix(uniquePrefix()),
		kvnats.EngineOptions(engine.CreateOnOpen(true)),
		kvnats.NATSOptions(natsio.ReconnectWait(20*time.Millisecond), natsio.ReconnectJitter(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := open(t, e, "outage")
	if err := b.Set(ctx, "before", []byte("x")); err != nil {
		t.Fatal(err)
	}
	s1.Shutdown()
	s1.WaitForShutdown()
	time.Sleep(50 * time.Millisecond) // the client notices the disconnect

	notApplied := map[string]bool{}
	for i := range 20 {
		k := fmt.Sprintf("during-%02d", i)
		c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		err := b.Set(c, k, []byte(k))
		cancel()
		switch {
		case err == nil:
			t.Fatalf("set %s succeeded with the server down", k)
		case errors.Is(err, engine.ErrNotApplied):
			notApplied[k] = true
			if !strings.Contains(err.Error(), "store unavailable; not applied") {
				t.Errorf("error text: %v", err)
			}
		case errors.Is(err, engine.ErrOutcomeUnknown), errors.Is(err, context.DeadlineExceeded):
		default:
			t.Errorf("set %s during the outage: %v (neither not applied nor unknown)", k, err)
		}
	}
	if len(notApplied) == 0 {
		t.Fatal("no write was reported not applied while disconnected")
	}
	s2 := natstest.Start(t, natstest.Options{Port: port, Dir: dir, MaxPayload: testMaxPayload})
	_ = s2
	deadline := time.Now().Add(15 * time.Second)
	for {
		if err := b.Set(ctx, "after", []byte("y")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no write succeeded after the server came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // anything buffered would have landed by now
	for k := range notApplied {
		if ok, err := b.Exists(ctx, k); err != nil || ok {
			t.Fatalf("%s was reported not applied, and exists after the outage (%v)", k, err)
		}
	}
	if v, ok, err := b.Get(ctx, "before"); err != nil || !ok || string(v) != "x" {
		t.Fatalf("acknowledged write before the outage: %q, %v, %v", v, ok, err)
	}
}
