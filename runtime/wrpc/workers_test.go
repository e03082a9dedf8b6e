package wrpc

import (
	"context"
	"sync"
	"testing"
	"time"
)

// state returns how many workers wait for an invocation, and whether the
// janitor runs.
func (p *workerPool) state() (idle int, janitor bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ready), p.janitor
}

// Workers that served a burst wait for more, are reused, and are retired
// after a period or two without work; the janitor then ends too. Close
// retires the idle ones at once.
func TestWorkersRetire(t *testing.T) {
	ts := startServer(t, "tcp")
	ts.workers.period = 30 * time.Millisecond
	var mu sync.Mutex
	running := 0
	release := make(chan struct{})
	ts.Register(testInstance, "hold", func(ctx context.Context, p []byte) ([]byte, error) {
		mu.Lock()
		running++
		mu.Unlock()
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return p, nil
	})
	burst := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := ts.client.Invoke(context.Background(), testInstance, "hold", []byte("x")); err != nil {
					t.Error(err)
				}
			})
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			mu.Lock()
			r := running
			mu.Unlock()
			if r == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d calls running", r, n)
			}
		}
		release <- struct{}{} // one at a time, then the rest
		for range n - 1 {
			release <- struct{}{}
		}
		wg.Wait()
	}
	burst(8)
	waitFor(t, func() bool { idle, _ := ts.workers.state(); return idle == 8 }, "8 idle workers after a burst of 8")
	// A second burst runs on them: no new worker.
	burst(8)
	if idle, janitor := ts.workers.state(); idle != 8 || !janitor {
		t.Fatalf("after a second burst: %d idle workers (janitor %v), want 8", idle, janitor)
	}
	waitFor(t, func() bool { idle, janitor := ts.workers.state(); return idle == 0 && !janitor }, "idle workers retired and the janitor gone")

	burst(3)
	waitFor(t, func() bool { idle, _ := ts.workers.state(); return idle == 3 }, "3 idle workers")
	ts.Close()
	if idle, _ := ts.workers.state(); idle != 0 {
		t.Fatalf("%d idle workers after Close", idle)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
