package e2e

import (
	"bytes"
	"context"
	"errors"
	"log"
	"strings"
	"sync"
	"testing"

	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	earlybackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	earlytypes "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/types"
	draft "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"
	draftbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draftstore "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/store"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	draft2store "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	wrpckv "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"
	wrpcbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports/backend"
	wrpcstore "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/cm"
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
	return panicEngine{memory.New(memory.Buckets("b"))}
}

// checkPanics calls get on panicKey three times, wanting the WIT error
// other each time (isOther reports whether err is one, and its message)
// and a log line that shows the panic, then get on "k", wanting the value
// set before.
func checkPanics(t *testing.T, get func(key string) ([]byte, error), isOther func(err error) (string, bool)) {
	t.Helper()
	logs := captureLog(t)
	for range 3 {
		_, err := get(panicKey)
		if err == nil {
			t.Fatalf("get(%q) on a panicking engine = ok, want other", panicKey)
		}
		msg, ok := isOther(err)
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
	v, err := get("k")
	if err != nil || string(v) != "v" {
		t.Fatalf("get(k) after the panics = %q, %v; want \"v\", ok", v, err)
	}
}

// captureLog sends the standard logger's output (which is also where
// slog's default logger writes) to a buffer until the test ends.
func captureLog(t *testing.T) *syncBuffer {
	buf := &syncBuffer{}
	old := log.Writer()
	log.SetOutput(buf)
	t.Cleanup(func() { log.SetOutput(old) })
	return buf
}

// syncBuffer is a buffer that server goroutines may write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func variantOther[E interface {
	error
	Other() (string, bool)
}](err error) (string, bool) {
	var we E
	if !errors.As(err, &we) {
		return "", false
	}
	return we.Other()
}

func TestPanicIsOther(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Run("Early", func(t *testing.T) { testPanicEarly(t, tr) })
			t.Run("Draft", func(t *testing.T) { testPanicDraft(t, tr) })
			t.Run("Draft2", func(t *testing.T) { testPanicDraft2(t, tr) })
			t.Run("WRPC", func(t *testing.T) { testPanicWRPC(t, tr) })
		})
	}
}

func testPanicEarly(t *testing.T, tr transport) {
	ctx := t.Context()
	w := earlybackend.New(newPanicEngine())
	if tr.serve != nil {
		srv := newServer()
		early.Register(srv, w)
		w = early.NewClient(tr.serve(t, srv))
	}
	b, err := w.Types.BucketOpenBucket(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.Types.OutgoingValueNewOutgoingValue(ctx)
	if err == nil {
		err = out.OutgoingValueWriteBodySync(ctx, []byte("v"))
	}
	if err == nil {
		err = w.Eventual.Set(ctx, b, "k", out)
	}
	if err != nil {
		t.Fatal(err)
	}
	checkPanics(t, func(key string) ([]byte, error) {
		in, ok, err := w.Eventual.Get(ctx, b, key)
		if err != nil || !ok {
			return nil, err
		}
		return w.Types.IncomingValueIncomingValueConsumeSync(ctx, in)
	}, func(err error) (string, bool) {
		var we cm.Err[earlytypes.Error]
		if !errors.As(err, &we) || we.Value == nil {
			return "", false
		}
		trace, err := we.Value.Trace(ctx)
		return trace, err == nil
	})
}

func testPanicDraft(t *testing.T, tr transport) {
	ctx := t.Context()
	w := draftbackend.New(newPanicEngine())
	if tr.serve != nil {
		srv := newServer()
		draft.Register(srv, w)
		w = draft.NewClient(tr.serve(t, srv))
	}
	b, err := w.Store.Open(ctx, "b")
	if err == nil {
		err = b.Set(ctx, "k", []byte("v"))
	}
	if err != nil {
		t.Fatal(err)
	}
	checkPanics(t, func(key string) ([]byte, error) {
		v, _, err := b.Get(ctx, key)
		return v, err
	}, variantOther[draftstore.Error])
}

func testPanicDraft2(t *testing.T, tr transport) {
	ctx := t.Context()
	w := draft2backend.New(newPanicEngine())
	if tr.serve != nil {
		srv := newServer()
		draft2.Register(srv, w)
		w = draft2.NewClient(tr.serve(t, srv))
	}
	b, err := w.Store.Open(ctx, "b")
	if err == nil {
		err = b.Set(ctx, "k", []byte("v"))
	}
	if err != nil {
		t.Fatal(err)
	}
	checkPanics(t, func(key string) ([]byte, error) {
		v, _, err := b.Get(ctx, key)
		return v, err
	}, variantOther[draft2store.Error])
}

func testPanicWRPC(t *testing.T, tr transport) {
	ctx := t.Context()
	w := wrpcbackend.New(newPanicEngine())
	if tr.serve != nil {
		srv := newServer()
		wrpckv.Register(srv, w)
		w = wrpckv.NewClient(tr.serve(t, srv))
	}
	if err := w.Store.Set(ctx, "b", "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	checkPanics(t, func(key string) ([]byte, error) {
		v, _, err := w.Store.Get(ctx, "b", key)
		return v, err
	}, variantOther[wrpcstore.Error])
}
