package nats_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/kv/engine"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
)

// stallProxy forwards TCP connections to upstream; while stalled, nothing
// comes back from upstream (requests still go out), as when a server dies
// without the connection noticing yet.
type stallProxy struct {
	l       net.Listener
	mu      sync.Mutex
	stalled bool
	resume  chan struct{}
}

func newStallProxy(t *testing.T, upstream string) *stallProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{l: l, resume: make(chan struct{})}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); u.Close() })
			go func() { _, _ = io.Copy(u, c) }()
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := u.Read(buf)
					p.wait()
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return p
}

func (p *stallProxy) wait() {
	p.mu.Lock()
	stalled, resume := p.stalled, p.resume
	p.mu.Unlock()
	if stalled {
		<-resume
	}
}

func (p *stallProxy) stall(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on == p.stalled {
		return
	}
	p.stalled = on
	if !on {
		close(p.resume)
		p.resume = make(chan struct{})
	}
}

// A request that gets no answer fails after the request timeout, as an
// outcome unknown, however long the caller's context allows; the engine
// works again once answers come back.
func TestRequestTimeout(t *testing.T) {
	s := natstest.Start(t, natstest.Options{})
	p := newStallProxy(t, s.Addr().String())
	const timeout = 300 * time.Millisecond
	e, err := kvnats.Connect(ctx, "nats://"+p.l.Addr().String(), kvnats.BucketPrefix(uniquePrefix()),
		kvnats.RequestTimeout(timeout), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := open(t, e, "stall")
	if err := b.Set(ctx, "k", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	p.stall(true)
	long, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for name, op := range map[string]func() error{
		"set": func() error { return b.Set(long, "k", []byte("v2")) },
		"get": func() error { _, _, err := b.Get(long, "k"); return err },
	} {
		start := time.Now()
		err := op()
		took := time.Since(start)
		if !errors.Is(err, engine.ErrOutcomeUnknown) {
			t.Errorf("%s without an answer: %v, want an outcome unknown", name, err)
		}
		// A set reads the key's head and then writes: two requests at most.
		if took < timeout || took > 2*timeout+2*time.Second {
			t.Errorf("%s without an answer failed after %v, want about %v", name, took, timeout)
		}
	}
	p.stall(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := b.Set(ctx, "k", []byte("v3"))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("set after the answers came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, ok, err := b.Get(ctx, "k"); err != nil || !ok || string(v) != "v3" {
		t.Fatalf("get = %q, %v, %v", v, ok, err)
	}
}
