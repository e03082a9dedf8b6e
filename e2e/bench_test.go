package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

// BenchmarkDraft2Batch compares, through the generated client and server
// over TCP on loopback, one get-many of 100 keys with 100 gets of one key
// (wasi:keyvalue@0.2.0-draft2, 64-byte values). One op reads the 100 keys
// either way; calls/s counts wRPC invocations (one connection each).
//
//	go test -run '^$' -bench Draft2Batch -benchmem ./e2e/
func BenchmarkDraft2Batch(b *testing.B) {
	const n = 100
	srv := newServer()
	draft2.Register(srv, draft2backend.New(memory.New(engine.Buckets("bench"))))
	w := draft2.NewClient(serveTCP(b, srv))
	ctx := b.Context()
	bk, err := w.Store.Open(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, n)
	value := make([]byte, 64)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
		if err := bk.Set(ctx, keys[i], value); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("GetMany100", func(b *testing.B) {
		for b.Loop() {
			res, err := w.Batch.GetMany(ctx, bk, keys)
			if err != nil || len(res) != n || res[n-1] == nil {
				b.Fatalf("get-many: %d entries, %v", len(res), err)
			}
		}
		reportCalls(b, 1)
	})
	b.Run("Get100", func(b *testing.B) {
		for b.Loop() {
			get100(b, bk, keys)
		}
		reportCalls(b, n)
	})
}

func get100(b *testing.B, bk store.Bucket, keys []string) {
	for _, k := range keys {
		if _, ok, err := bk.Get(b.Context(), k); err != nil || !ok {
			b.Fatalf("get(%q): %v, %v", k, ok, err)
		}
	}
}

// reportCalls reports wRPC invocations per second, perOp per op.
func reportCalls(b *testing.B, perOp int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N*perOp)/s, "calls/s")
	}
}

// BenchmarkDraft2Get100B is one get of a 100-byte value through the
// generated draft2 client and server on the memory engine, with 1, 8 and 64
// callers at once, over plain TCP and over TLS 1.3 with client
// certificates (each call a new connection that resumes the client's TLS
// session), with Go's default key exchange (X25519MLKEM768) and with X25519
// alone. Compare with BenchmarkRawFloor and BenchmarkRoundTripTLS in
// runtime/wrpc, the connection-per-call floor.
//
//	go test -run '^$' -bench Draft2Get100B -benchmem ./e2e/
func BenchmarkDraft2Get100B(b *testing.B) {
	for _, tr := range []transport{{name: "TCP", serve: serveTCP}, {name: "TLS", serve: serveTLSDefault}, {name: "TLS-X25519", serve: serveTLS}} {
		for _, callers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/callers=%d", tr.name, callers), func(b *testing.B) {
				srv := newServer()
				draft2.Register(srv, draft2backend.New(memory.New(engine.Buckets("bench"))))
				w := draft2.NewClient(tr.serve(b, srv))
				ctx := b.Context()
				bk, err := w.Store.Open(ctx, "bench")
				if err != nil {
					b.Fatal(err)
				}
				if err := bk.Set(ctx, "key", make([]byte, 100)); err != nil {
					b.Fatal(err)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ReportAllocs()
				b.ResetTimer()
				for range callers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(b.N) {
							if v, ok, err := bk.Get(ctx, "key"); err != nil || !ok || len(v) != 100 {
								b.Errorf("get: %d bytes, %v, %v", len(v), ok, err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				reportCalls(b, 1)
			})
		}
	}
}
