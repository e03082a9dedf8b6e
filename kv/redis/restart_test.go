package redis_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/internal/redistest"
	"github.com/witgo-dev/witgo/kv/engine"
	kvredis "github.com/witgo-dev/witgo/kv/redis"
)

// TestRestart writes keys, stops redis-server (gracefully: the append-only
// file is flushed) while a writer is busy, starts a new server on the same
// port and directory, and checks that every acknowledged write survived,
// that operations during the outage failed with ErrUnavailable within their
// deadline, and that the engine reconnects by itself.
func TestRestart(t *testing.T) {
	s1 := redistest.Start(t, 0, "")
	e := connect(t, s1.URL, kvredis.EngineOptions(engine.CreateOnOpen(true)), kvredis.CallTimeout(300*time.Millisecond))
	b := open(t, e, "durable")

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
			err := b.Set(ctx, k, []byte(k))
			mu.Lock()
			if err == nil {
				acked[k] = true
				nacked.Add(1)
			} else {
				failed[k] = true
				if !errors.Is(err, kvredis.ErrUnavailable) {
					t.Errorf("Set during the outage: %v, want ErrUnavailable", err)
				}
			}
			mu.Unlock()
			if err != nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	s1.Stop()

	started := time.Now()
	_, _, err := b.Get(ctx, "before-002")
	if !errors.Is(err, kvredis.ErrUnavailable) {
		t.Fatalf("Get with the server down: %v, want ErrUnavailable", err)
	}
	if d := time.Since(started); d > 3*time.Second {
		t.Fatalf("Get with the server down took %v", d)
	}
	if _, err := b.IncrementU64(ctx, "counter", 1); err == nil {
		t.Fatal("IncrementU64 succeeded with the server down")
	}
	time.Sleep(200 * time.Millisecond)

	redistest.Start(t, s1.Port, s1.Dir)
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
	t.Logf("writer: %d writes acknowledged, %d failed around the restart", len(acked), len(failed))
	for k := range acked {
		want[k] = k
	}
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for k, v := range want {
		got, ok, err := b.Get(c, k)
		if err != nil || !ok || string(got) != v {
			t.Fatalf("after restart: Get(%q) = %q, %v, %v; want %q", k, got, ok, err, v)
		}
	}
	// The increment that failed reached no server: the counter is 50.
	if v, _, err := b.Get(c, "counter"); err != nil || string(v) != "50" {
		t.Fatalf("after restart: counter = %q, %v; want 50", v, err)
	}
	if ok, _ := b.Exists(c, "before-000"); ok {
		t.Fatal("deleted key came back")
	}
	for k := range failed {
		if got, ok, err := b.Get(c, k); err != nil || (ok && string(got) != k) {
			t.Fatalf("write in doubt %q reads %q, %v, %v", k, got, ok, err)
		}
	}
	keys, err := engine.AllKeys(c, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < len(want)+1 || len(keys) > len(want)+1+len(failed) {
		t.Fatalf("after restart %d keys listed, want %d to %d", len(keys), len(want)+1, len(want)+1+len(failed))
	}
	if n, err := b.IncrementU64(c, "counter", 1); err != nil || n != 51 {
		t.Fatalf("increment after restart = %d, %v", n, err)
	}
}
