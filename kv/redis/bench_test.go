package redis_test

import (
	"context"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/internal/redistest"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
	kvredis "github.com/witgo-dev/witgo/kv/redis"
)

// The benchmarks run get, set and increment on the memory engine, the NATS
// engine (an embedded server on loopback, file storage) and this engine (a
// redis-server on loopback, append-only file with fsync every second, or
// $WITGO_REDIS_URL), with 1 and with 64 goroutines, so one run compares
// them:
//
//	go test -run '^$' -bench . -benchmem -benchtime 2s ./kv/redis/
//
// Besides ns/op they report operations per second over all goroutines
// (ops/s) and the median and 99th percentile latency of one operation
// (p50-ns, p99-ns).

const benchKeys = 1024

type benchEngine struct {
	name string
	e    engine.Engine
}

func benchEngines(b *testing.B) []benchEngine {
	b.Helper()
	ns := natstest.Start(b, natstest.Options{MaxPayload: 8 << 20})
	nc, err := natsio.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ne, err := kvnats.New(context.Background(), js, kvnats.BucketPrefix("bench_"), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		b.Fatal(err)
	}
	rs := redistest.Find(b)
	return []benchEngine{
		{"memory", memory.New(engine.CreateOnOpen(true))},
		{"nats", ne},
		{"redis", connect(b, rs.URL, kvredis.EngineOptions(engine.CreateOnOpen(true)))},
	}
}

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

// latencies collects the duration of every operation of one goroutine.
type latencies []time.Duration

func report(b *testing.B, start time.Time, all []latencies) {
	elapsed := time.Since(start)
	var merged []time.Duration
	for _, l := range all {
		merged = append(merged, l...)
	}
	if len(merged) == 0 {
		return
	}
	sort.Slice(merged, func(i, j int) bool { return merged[i] < merged[j] })
	b.ReportMetric(float64(len(merged))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(merged[len(merged)/2]), "p50-ns")
	b.ReportMetric(float64(merged[min(len(merged)-1, len(merged)*99/100)]), "p99-ns")
}

// run runs op over keys from goroutines goroutines (1 or a multiple of
// GOMAXPROCS), timing every call.
func run(b *testing.B, goroutines int, keys []string, op func(key string) error) {
	var (
		mu  sync.Mutex
		all []latencies
	)
	b.ReportAllocs()
	if goroutines == 1 {
		l := make(latencies, 0, 1024)
		i := 0
		start := time.Now()
		for b.Loop() {
			t := time.Now()
			if err := op(keys[i%len(keys)]); err != nil {
				b.Fatal(err)
			}
			l = append(l, time.Since(t))
			i++
		}
		report(b, start, []latencies{l})
		return
	}
	b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	var seq sync.Mutex
	next := 0
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		seq.Lock()
		i := next * 61
		next++
		seq.Unlock()
		l := make(latencies, 0, 1024)
		for pb.Next() {
			t := time.Now()
			if err := op(keys[i%len(keys)]); err != nil {
				b.Error(err)
				break
			}
			l = append(l, time.Since(t))
			i++
		}
		mu.Lock()
		all = append(all, l)
		mu.Unlock()
	})
	report(b, start, all)
}

var goroutineCounts = []int{1, 64}

func forEach(b *testing.B, f func(b *testing.B, goroutines int, e engine.Engine)) {
	for _, be := range benchEngines(b) {
		b.Run(be.name, func(b *testing.B) {
			for _, g := range goroutineCounts {
				b.Run("g"+strconv.Itoa(g), func(b *testing.B) { f(b, g, be.e) })
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	forEach(b, func(b *testing.B, g int, e engine.Engine) {
		bk, keys := filled(b, e)
		run(b, g, keys, func(k string) error { _, _, err := bk.Get(ctx, k); return err })
	})
}

func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	value := make([]byte, 64)
	forEach(b, func(b *testing.B, g int, e engine.Engine) {
		bk, keys := filled(b, e)
		run(b, g, keys, func(k string) error { return bk.Set(ctx, k, value) })
	})
}

func BenchmarkIncrement(b *testing.B) {
	ctx := context.Background()
	forEach(b, func(b *testing.B, g int, e engine.Engine) {
		bk := open(b, e, "counters")
		keys := make([]string, benchKeys)
		for i := range keys {
			keys[i] = "counter:" + strconv.Itoa(i)
		}
		run(b, g, keys, func(k string) error { _, err := bk.IncrementU64(ctx, k, 1); return err })
	})
}
