package e2e

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// A recorder is an Invoker that remembers which functions answered.
type recorder struct {
	inner wrpc.Invoker
	mu    sync.Mutex
	seen  map[string]bool
}

func (r *recorder) Invoke(ctx context.Context, instance, name string, params []byte) ([]byte, error) {
	res, err := r.inner.Invoke(ctx, instance, name, params)
	if err == nil {
		r.mu.Lock()
		r.seen[instance+"#"+name] = true
		r.mu.Unlock()
	}
	return res, err
}

// coverage wraps the serve function of a transport so that the invokers it
// returns record what they called, and returns a check that every function
// a server registers for the world was called through the network at least
// once: the suite exercises every function of the world.
func coverage(t *testing.T, serve func(testing.TB, *wrpc.Server) wrpc.Invoker, register func(*wrpc.Server)) (func(testing.TB, *wrpc.Server) wrpc.Invoker, func()) {
	if serve == nil {
		return nil, func() {}
	}
	seen := map[string]bool{}
	var mu sync.Mutex
	wrapped := func(tb testing.TB, srv *wrpc.Server) wrpc.Invoker {
		r := &recorder{inner: serve(tb, srv), seen: map[string]bool{}}
		tb.Cleanup(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			mu.Lock()
			defer mu.Unlock()
			for k := range r.seen {
				seen[k] = true
			}
		})
		return r
	}
	check := func() {
		t.Helper()
		ref := newServer()
		register(ref)
		var missing []string
		mu.Lock()
		for _, fn := range ref.Functions() {
			if !seen[fn] {
				missing = append(missing, fn)
			}
		}
		mu.Unlock()
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%d of %d functions of the world were never called over the network: %v", len(missing), len(ref.Functions()), missing)
		} else {
			t.Logf("all %d functions of the world were called over the network", len(ref.Functions()))
		}
	}
	return wrapped, check
}
