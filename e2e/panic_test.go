package e2e

import (
	"context"
	"github.com/witgo-dev/witgo/internal/syncbuf"
	"log"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

// Rule 9: a panic in the engine becomes the WIT error other, in-process and
// on the wire, and a log line; the server keeps serving.

// panicKey is the key whose Get panics.
const panicKey = "panic"

// panicEngine is the memory engine with a Get that panics on panicKey.
type panicEngine struct{ engine.Engine }

func (e panicEngine) Open(ctx context.Context, name string) (engine.Bucket, error) {
	b, err := e.Engine.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	return panicBucket{b}, nil
}

type panicBucket struct{ engine.Bucket }

func (b panicBucket) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if key == panicKey {
		panic("deliberate panic in the engine")
	}
	return b.Bucket.Get(ctx, key)
}

func newPanicEngine() engine.Engine {
	return panicEngine{memory.New(engine.Buckets("b"))}
}

// checkPanics sets "k" to "v", then gets panicKey three times, wanting the
// WIT error other each time, with a message that says it panicked, and a
// log line that shows the panic; then gets "k", wanting "v".
func checkPanics(t *testing.T, p families.Probe) {
	t.Helper()
	ctx := t.Context()
	if err := p.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatalf("set(k): %v", err)
	}
	logs := captureLog(t)
	for range 3 {
		_, err := p.Get(ctx, panicKey)
		if err == nil {
			t.Fatalf("get(%q) on a panicking engine = ok, want other", panicKey)
		}
		msg, ok := p.Other(ctx, err)
		if !ok {
			t.Fatalf("get(%q) on a panicking engine = %v (%T), want the WIT error other", panicKey, err, err)
		}
		if !strings.Contains(msg, "panic") {
			t.Fatalf("get(%q) on a panicking engine = other(%q), want a message that says it panicked", panicKey, msg)
		}
	}
	if n := strings.Count(logs.String(), "deliberate panic in the engine"); n < 3 {
		t.Fatalf("3 panics left %d log lines that show them; the log:\n%s", n, logs.String())
	}
	v, err := p.Get(ctx, "k")
	if err != nil || string(v) != "v" {
		t.Fatalf("get(k) after the panics = %q, %v; want \"v\", ok", v, err)
	}
}

// captureLog sends the standard logger's output (which is also where
// slog's default logger writes) to a buffer until the test ends.
func captureLog(t *testing.T) *syncbuf.Buffer {
	buf := &syncbuf.Buffer{}
	old := log.Writer()
	log.SetOutput(buf)
	t.Cleanup(func() { log.SetOutput(old) })
	return buf
}

func TestPanicIsOther(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			for _, f := range families.All {
				t.Run(f.Name, func(t *testing.T) {
					checkPanics(t, f.Probe(t, newPanicEngine(), tr.via(), "b"))
				})
			}
		})
	}
}
