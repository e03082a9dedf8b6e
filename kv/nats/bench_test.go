package nats_test

import (
	"context"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
)

// The benchmarks run every operation on the in-memory engine and on this
// engine (an embedded server on loopback, file storage in a temporary
// directory), so one run compares them:
//
//	go test -run '^$' -bench . -benchtime 2s ./kv/nats/
//
// Besides ns/op they report the median and 99th percentile latency of one
// operation (p50-ns, p99-ns), from a histogram of every operation's
// duration. Parallel benchmarks run 8 goroutines per GOMAXPROCS.

const (
	benchKeys        = 1024
	benchParallelism = 8
)

type benchEngine struct {
	name string
	e    engine.Engine
}

// benchEngines returns a memory engine and a NATS engine on a new embedded
// server, both able to create buckets.
func benchEngines(b *testing.B) []benchEngine {
	b.Helper()
	s := natstest.Start(b, natstest.Options{MaxPayload: testMaxPayload})
	_, js := connect(b, s.ClientURL())
	ne, err := kvnats.New(context.Background(), js, kvnats.BucketPrefix(uniquePrefix()), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		b.Fatal(err)
	}
	return []benchEngine{
		{"memory", memory.New(engine.CreateOnOpen(true))},
		{"nats", ne},
	}
}

// filled returns a bucket of e holding benchKeys keys with 64-byte values,
// and the keys.
func filled(b *testing.B, e engine.Engine) (engine.Bucket, []string) {
	b.Helper()
	bk := open(b, e, "bench")
	keys := make([]string, benchKeys)
	value := make([]byte, 64)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
		if err := bk.Set(context.Background(), keys[i], value); err != nil {
			b.Fatal(err)
		}
	}
	return bk, keys
}

// histogram counts durations in log-linear buckets: 32 sub-buckets per power
// of two, so a percentile is exact to within about 3%. Not safe for
// concurrent use; merge per-goroutine histograms.
type histogram struct {
	counts [60 * 32]uint64 // bucketOf(math.MaxUint64) is 59*32+31
	n      uint64
}

func bucketOf(ns uint64) int {
	if ns < 32 {
		return int(ns)
	}
	exp := bits.Len64(ns) - 6 // ns >> exp is in [32, 64)
	return exp*32 + int(ns>>exp)
}

// lowerBound is the smallest duration counted in bucket i.
func lowerBound(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	exp, sub := i/32-1, uint64(i%32+32)
	return sub << exp
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.n++
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// percentile returns the lower bound of the bucket holding the p-th
// percentile, in nanoseconds.
func (h *histogram) percentile(p float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(p / 100 * float64(h.n))
	if rank >= h.n {
		rank = h.n - 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return float64(lowerBound(i))
		}
	}
	return 0
}

func report(b *testing.B, h *histogram) {
	b.ReportMetric(h.percentile(50), "p50-ns")
	b.ReportMetric(h.percentile(99), "p99-ns")
}

// serial runs op over keys, round robin, timing every call.
func serial(b *testing.B, keys []string, op func(key string) error) {
	var h histogram
	i := 0
	for b.Loop() {
		start := time.Now()
		err := op(keys[i%len(keys)])
		h.add(time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	report(b, &h)
}

// parallel runs op over keys from benchParallelism goroutines per
// GOMAXPROCS, each starting at a random key, timing every call.
func parallel(b *testing.B, keys []string, op func(key string) error) {
	var (
		mu  sync.Mutex
		all histogram
	)
	b.SetParallelism(benchParallelism)
	b.RunParallel(func(pb *testing.PB) {
		h := new(histogram)
		i := rand.IntN(len(keys))
		for pb.Next() {
			start := time.Now()
			err := op(keys[i%len(keys)])
			h.add(time.Since(start))
			if err != nil {
				b.Error(err)
				break
			}
			i++
		}
		mu.Lock()
		all.merge(h)
		mu.Unlock()
	})
	report(b, &all)
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	for _, be := range benchEngines(b) {
		b.Run(be.name, func(b *testing.B) {
			bk, keys := filled(b, be.e)
			get := func(k string) error { _, _, err := bk.Get(ctx, k); return err }
			b.Run("serial", func(b *testing.B) { serial(b, keys, get) })
			b.Run("parallel", func(b *testing.B) { parallel(b, keys, get) })
		})
	}
}

func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	for _, be := range benchEngines(b) {
		b.Run(be.name, func(b *testing.B) {
			bk, keys := filled(b, be.e)
			value := make([]byte, 64)
			set := func(k string) error { return bk.Set(ctx, k, value) }
			b.Run("serial", func(b *testing.B) { serial(b, keys, set) })
			b.Run("parallel", func(b *testing.B) { parallel(b, keys, set) })
		})
	}
}

func BenchmarkIncrement(b *testing.B) {
	ctx := context.Background()
	for _, be := range benchEngines(b) {
		b.Run(be.name, func(b *testing.B) {
			bk := open(b, be.e, "counters")
			keys := make([]string, benchKeys)
			for i := range keys {
				keys[i] = "counter:" + strconv.Itoa(i)
			}
			inc := func(k string) error { _, err := bk.IncrementU64(ctx, k, 1); return err }
			b.Run("serial", func(b *testing.B) { serial(b, keys, inc) })
			b.Run("parallel", func(b *testing.B) { parallel(b, keys, inc) })
			// Every goroutine increments the same key.
			b.Run("contended", func(b *testing.B) { parallel(b, []string{"hot"}, inc) })
		})
	}
}

// TestHistogram checks the percentile arithmetic the benchmarks report.
func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct{ p, want float64 }{{50, 500e3}, {99, 990e3}, {0, 1e3}} {
		got := h.percentile(tc.p)
		if got > tc.want*1.001 || got < tc.want*0.96 {
			t.Errorf("p%v = %v ns, want about %v", tc.p, got, tc.want)
		}
	}
	for i := range len(h.counts) - 1 {
		if lowerBound(i) >= lowerBound(i+1) || bucketOf(lowerBound(i)) != i {
			t.Fatalf("bucket %d: bounds %d, %d", i, lowerBound(i), lowerBound(i+1))
		}
	}
}

// BenchmarkLargeValue sets and gets a 4 MiB value, on a server with the
// stock max_payload (1 MiB, so the value is stored in 5 chunks) and on
// one whose max_payload carries it in one message (8 MiB).
func BenchmarkLargeValue(b *testing.B) {
	ctx := context.Background()
	value := make([]byte, 4<<20)
	for i := range value {
		value[i] = byte(i * 31)
	}
	for _, mp := range []struct {
		name string
		max  int32
	}{{"stock-1MiB", 0}, {"8MiB", testMaxPayload}} {
		b.Run(mp.name, func(b *testing.B) {
			s := natstest.Start(b, natstest.Options{MaxPayload: mp.max})
			_, js := connect(b, s.ClientURL())
			e := newEngine(b, js, kvnats.EngineOptions(engine.CreateOnOpen(true)))
			bk := open(b, e, "large")
			b.Run("set", func(b *testing.B) {
				b.SetBytes(int64(len(value)))
				var h histogram
				for i := 0; b.Loop(); i++ {
					t0 := time.Now()
					if err := bk.Set(ctx, "k"+strconv.Itoa(i%8), value); err != nil {
						b.Fatal(err)
					}
					h.add(time.Since(t0))
				}
				report(b, &h)
			})
			b.Run("get", func(b *testing.B) {
				if err := bk.Set(ctx, "g", value); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(value)))
				var h histogram
				for b.Loop() {
					t0 := time.Now()
					if v, ok, err := bk.Get(ctx, "g"); err != nil || !ok || len(v) != len(value) {
						b.Fatal(len(v), ok, err)
					}
					h.add(time.Since(t0))
				}
				report(b, &h)
			})
		})
	}
}
