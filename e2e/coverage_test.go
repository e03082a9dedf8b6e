package e2e

import (
	"context"
	"flag"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/witgo-dev/witgo/internal/families"
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

// coverage wraps the transport via so that the invokers it returns record
// what they called, and returns a check that every function a server
// registers for the world was called through the network at least once:
// the suite exercises every function of the world.
func coverage(t *testing.T, via families.Transport, register func(*wrpc.Server)) (families.Transport, func()) {
	if via == nil {
		return nil, func() {}
	}
	seen := map[string]bool{}
	var mu sync.Mutex
	wrapped := func(tb testing.TB, reg func(*wrpc.Server)) wrpc.Invoker {
		r := &recorder{inner: via(tb, reg), seen: map[string]bool{}}
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
		if !wholeSuiteRuns() {
			t.Log("the run filters subtests (-run with a '/', or -skip): the coverage of the world's functions is not checked")
			return
		}
		if t.Failed() {
			return // a failed case may have stopped before its calls; its failure says enough
		}
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

// wholeSuiteRuns reports whether the test run filters no subtests, so that
// each test that runs runs the whole suite on each transport: only then must
// every function of the world have been called (a run of one rule, say
// -run 'TestNATS/WRPC/TCP/Increment', calls only a few). The testing package
// splits -run into one regular expression per level of the test's name at
// each '/', and a level without its own expression matches every name: so
// a pattern without '/' only selects top-level tests, and runs all of their
// subtests. Any other pattern (even one whose elements happen to match every
// rule), and any -skip, may leave cases out, and the check is left out too:
// that errs on the side of not checking, never of a false failure. The
// whole-package runs (go test ./e2e, or -run with top-level names only)
// still check.
func wholeSuiteRuns() bool {
	value := func(name string) string {
		if f := flag.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	return value("test.skip") == "" && !strings.Contains(value("test.run"), "/")
}
