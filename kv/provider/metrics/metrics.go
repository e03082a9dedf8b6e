// Package metrics gives a keyvalue provider Prometheus metrics and health
// endpoints: a wrpc.Observer that counts calls, refusals and connections,
// the server's gauges (wrpc.Server.Stats), the engine's errors by kind,
// and an HTTP handler for /metrics, /healthz, /readyz and /livez. Package
// provider serves it with --metrics-listen.
//
// The metrics are written in the Prometheus text exposition format
// (version 0.0.4) by this package itself, without
// github.com/prometheus/client_golang: linking client_golang into the witgo
// binary would add its package initialization (a default registry with its
// process and Go collectors, protobuf descriptors) to every run of every
// witgo command, "witgo generate" included, whose startup time matters.
// The format is checked against the Prometheus parser in this package's
// tests.
//
// Metrics (every name begins with witgo_):
//
//	witgo_wrpc_calls_total{instance,function,outcome}   counter    handler calls ended, by outcome (ok, error, panic, canceled)
//	witgo_wrpc_call_duration_seconds{instance,function} histogram  handler time of those calls
//	witgo_wrpc_connections_accepted_total               counter    connections admitted within the caps
//	witgo_wrpc_refusals_total{limit}                    counter    connections and requests refused, by limit
//	witgo_wrpc_open_connections, _max_connections        gauges
//	witgo_wrpc_running_calls, _max_concurrent_calls      gauges
//	witgo_wrpc_bytes_in_flight, _max_bytes_in_flight     gauges
//	witgo_wrpc_handles{resource}                        gauge      live handles of the handle table, by resource type
//	witgo_wrpc_handle_owners                            gauge      clients holding handles
//	witgo_wrpc_max_handles_per_owner                    gauge      handles held by the largest holder
//	witgo_wrpc_handle_table_size, _handle_quota         gauges
//	witgo_engine_errors_total{op,kind}                  counter    errors returned by the engine
//	witgo_engine_up                                     gauge      1 if the engine's health check passes, else 0
//
// and the usual go_goroutines, go_memstats_heap_alloc_bytes,
// go_memstats_sys_bytes, process_start_time_seconds and (on Linux)
// process_open_fds. Function names come from the registered functions only,
// and limits and engine error kinds from fixed lists, so the number of
// series is bounded whatever callers send.
package metrics

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// limits lists the limits and reasons that wrpc.Observer.Refused reports;
// witgo_wrpc_refusals_total has a series for each, from zero.
var limits = []string{
	wrpc.LimitMaxConnections,
	wrpc.LimitMaxConnectionsPerRemote,
	wrpc.LimitHeaderTimeout,
	wrpc.LimitReadTimeout,
	wrpc.LimitMaxBytesInFlight,
	wrpc.LimitMaxMessageBytes,
	wrpc.LimitMaxValueBytes,
	wrpc.LimitMaxHandles,
	wrpc.LimitHandleQuota,
	wrpc.LimitMaxHandleBytes,
	wrpc.LimitUnknownFunction,
	wrpc.LimitBadRequest,
}

// outcomes are the wrpc.Outcome values, in the order of fnStats.outcomes.
var outcomes = []wrpc.Outcome{wrpc.OutcomeOK, wrpc.OutcomeError, wrpc.OutcomePanic, wrpc.OutcomeCanceled}

// buckets are the upper bounds, in seconds, of the call duration
// histogram's buckets: from 100 µs (a call to the in-memory engine) to
// 30 s (the default call timeout).
var buckets = [...]float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// bucketNanos are Buckets in nanoseconds.
var bucketNanos = func() [len(buckets)]int64 {
	var ns [len(buckets)]int64
	for i, b := range buckets {
		ns[i] = int64(b * 1e9)
	}
	return ns
}()

// Metrics collects a provider's metrics. It is a wrpc.Observer: give it to
// the server with wrpc.WithObserver, then to Observe for the server's
// gauges. Its methods are safe for concurrent use.
type Metrics struct {
	start    time.Time
	fns      sync.Map // fnKey → *fnStats
	accepted atomic.Uint64
	refused  sync.Map // limit → *atomic.Uint64 (limits are there from the start)
	errs     [len(ops)][len(kinds)]atomic.Uint64
	srv      atomic.Pointer[wrpc.Server]
	health   atomic.Pointer[healthRef]
	draining atomic.Bool
}

type healthRef struct{ h engine.HealthChecker }

type fnKey struct{ instance, name string }

type fnStats struct {
	outcomes [4]atomic.Uint64 // by outcomes
	buckets  [len(buckets)]atomic.Uint64
	count    atomic.Uint64
	sumNanos atomic.Int64
}

// New returns a Metrics with every counter at zero.
func New() *Metrics {
	m := &Metrics{start: time.Now()}
	for _, l := range limits {
		m.refused.Store(l, new(atomic.Uint64))
	}
	return m
}

var _ wrpc.Observer = (*Metrics)(nil)

// ConnAccepted counts a connection (wrpc.Observer).
func (m *Metrics) ConnAccepted() { m.accepted.Add(1) }

// CallDone counts a call and its duration (wrpc.Observer).
func (m *Metrics) CallDone(instance, name string, outcome wrpc.Outcome, d time.Duration) {
	k := fnKey{instance, name}
	v, ok := m.fns.Load(k)
	if !ok {
		v, _ = m.fns.LoadOrStore(k, new(fnStats))
	}
	st := v.(*fnStats)
	for i, o := range outcomes {
		if o == outcome {
			st.outcomes[i].Add(1)
			break
		}
	}
	ns := int64(d)
	for i, b := range bucketNanos {
		if ns <= b {
			st.buckets[i].Add(1)
			break
		}
	}
	st.sumNanos.Add(ns)
	st.count.Add(1)
}

// Refused counts a refusal by its limit (wrpc.Observer).
func (m *Metrics) Refused(limit string) {
	v, ok := m.refused.Load(limit)
	if !ok {
		// A limit a newer server reports: counted too.
		v, _ = m.refused.LoadOrStore(limit, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(1)
}

// Observe makes the metrics report the gauges of s (wrpc.Server.Stats) at
// each scrape.
func (m *Metrics) Observe(s *wrpc.Server) { m.srv.Store(s) }

// SetHealth sets what /healthz, /readyz and witgo_engine_up ask about the
// engine; nil (the default) reports the engine healthy.
func (m *Metrics) SetHealth(h engine.HealthChecker) { m.health.Store(&healthRef{h}) }

// SetDraining marks the provider as stopping: /readyz then answers 503.
func (m *Metrics) SetDraining(d bool) { m.draining.Store(d) }

// healthTimeout bounds a health check.
const healthTimeout = 2 * time.Second

// checkHealth asks the engine's health checker, if any.
func (m *Metrics) checkHealth(ctx context.Context) error {
	ref := m.health.Load()
	if ref == nil || ref.h == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	return ref.h.Health(ctx)
}

// The engine operations, as witgo_engine_errors_total's op label.
const (
	opOpen = iota
	opGet
	opSet
	opSetWith
	opDelete
	opExists
	opListKeys
	opListKeysAfter
	opListPrefix
	opIncrementU64
	opIncrementS64
	opGetVersioned
	opCompareAndSwap
	opGetMany
	opSetMany
	opDeleteMany
)

var ops = [...]string{
	opOpen: "open", opGet: "get", opSet: "set", opSetWith: "set-with", opDelete: "delete", opExists: "exists",
	opListKeys: "list-keys", opListKeysAfter: "list-keys-after", opListPrefix: "list-prefix",
	opIncrementU64: "increment-u64", opIncrementS64: "increment-s64", opGetVersioned: "get-versioned",
	opCompareAndSwap: "compare-and-swap", opGetMany: "get-many", opSetMany: "set-many", opDeleteMany: "delete-many",
}

// kinds are the values of witgo_engine_errors_total's kind label, each with
// the error it matches (errors.Is), most specific first; an error that
// matches none is "other".
var kinds = [...]struct {
	name string
	err  error
}{
	{"canceled", context.Canceled},
	{"deadline-exceeded", context.DeadlineExceeded},
	{"not-applied", engine.ErrNotApplied},
	{"outcome-unknown", engine.ErrOutcomeUnknown},
	{"unavailable", engine.ErrUnavailable},
	{"no-such-store", engine.ErrNoSuchStore},
	{"access-denied", engine.ErrAccessDenied},
	{"precondition-failed", engine.ErrPreconditionFailed},
	{"invalid-cursor", engine.ErrInvalidCursor},
	{"invalid-argument", engine.ErrInvalidArgument},
	{"key-too-large", engine.ErrKeyTooLarge},
	{"value-too-large", engine.ErrValueTooLarge},
	{"invalid-key", engine.ErrInvalidKey},
	{"not-integer", engine.ErrNotInteger},
	{"overflow", engine.ErrOverflow},
	{"quota-exceeded", engine.ErrQuotaExceeded},
	{"other", nil},
}

// KindOf returns the kind label of an engine error (witgo_engine_errors_total).
func KindOf(err error) string { return kinds[kindIndex(err)].name }

func kindIndex(err error) int {
	for i, k := range kinds {
		if k.err == nil || errors.Is(err, k.err) {
			return i
		}
	}
	return len(kinds) - 1
}

// count counts err, if not nil, as an error of op, and returns it.
func (m *Metrics) count(op int, err error) error {
	if err != nil {
		m.errs[op][kindIndex(err)].Add(1)
	}
	return err
}

// CountErrors returns e with every error it returns counted in
// witgo_engine_errors_total by operation and kind: the engine is wrapped,
// and so is every bucket it opens; nothing else changes. The result reports
// e's Options and Health if e has them (else the default options and no
// health check).
func (m *Metrics) CountErrors(e engine.Engine) engine.Engine {
	return &countingEngine{e: e, m: m}
}

type countingEngine struct {
	e engine.Engine
	m *Metrics
}

func (c *countingEngine) Open(ctx context.Context, name string) (engine.Bucket, error) {
	b, err := c.e.Open(ctx, name)
	if err != nil || b == nil {
		return b, c.m.count(opOpen, err)
	}
	return &countingBucket{b: b, m: c.m}, nil
}

func (c *countingEngine) Options() engine.Options {
	if o, ok := c.e.(interface{ Options() engine.Options }); ok {
		return o.Options()
	}
	return engine.NewOptions()
}

func (c *countingEngine) Health(ctx context.Context) error {
	if h, ok := c.e.(engine.HealthChecker); ok {
		return h.Health(ctx)
	}
	return nil
}

type countingBucket struct {
	b engine.Bucket
	m *Metrics
}

func (c *countingBucket) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := c.b.Get(ctx, key)
	return v, ok, c.m.count(opGet, err)
}

func (c *countingBucket) Set(ctx context.Context, key string, value []byte) error {
	return c.m.count(opSet, c.b.Set(ctx, key, value))
}

func (c *countingBucket) SetWith(ctx context.Context, key string, value []byte, opts engine.SetOptions) error {
	return c.m.count(opSetWith, c.b.SetWith(ctx, key, value, opts))
}

func (c *countingBucket) Delete(ctx context.Context, key string) error {
	return c.m.count(opDelete, c.b.Delete(ctx, key))
}

func (c *countingBucket) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := c.b.Exists(ctx, key)
	return ok, c.m.count(opExists, err)
}

func (c *countingBucket) ListKeys(ctx context.Context, offset uint64) ([]string, bool, error) {
	keys, more, err := c.b.ListKeys(ctx, offset)
	return keys, more, c.m.count(opListKeys, err)
}

func (c *countingBucket) ListKeysAfter(ctx context.Context, after string) ([]string, bool, error) {
	keys, more, err := c.b.ListKeysAfter(ctx, after)
	return keys, more, c.m.count(opListKeysAfter, err)
}

func (c *countingBucket) ListPrefix(ctx context.Context, prefix string, after *string) ([]string, bool, error) {
	keys, more, err := c.b.ListPrefix(ctx, prefix, after)
	return keys, more, c.m.count(opListPrefix, err)
}

func (c *countingBucket) IncrementU64(ctx context.Context, key string, delta uint64) (uint64, error) {
	n, err := c.b.IncrementU64(ctx, key, delta)
	return n, c.m.count(opIncrementU64, err)
}

func (c *countingBucket) IncrementS64(ctx context.Context, key string, delta int64) (int64, error) {
	n, err := c.b.IncrementS64(ctx, key, delta)
	return n, c.m.count(opIncrementS64, err)
}

func (c *countingBucket) GetVersioned(ctx context.Context, key string) ([]byte, bool, engine.Version, error) {
	v, ok, ver, err := c.b.GetVersioned(ctx, key)
	return v, ok, ver, c.m.count(opGetVersioned, err)
}

func (c *countingBucket) CompareAndSwap(ctx context.Context, key string, expect engine.Version, value []byte) (bool, engine.Version, error) {
	ok, ver, err := c.b.CompareAndSwap(ctx, key, expect, value)
	return ok, ver, c.m.count(opCompareAndSwap, err)
}

func (c *countingBucket) GetMany(ctx context.Context, keys []string) ([]*engine.Entry, error) {
	es, err := c.b.GetMany(ctx, keys)
	return es, c.m.count(opGetMany, err)
}

func (c *countingBucket) SetMany(ctx context.Context, entries []engine.Entry) error {
	return c.m.count(opSetMany, c.b.SetMany(ctx, entries))
}

func (c *countingBucket) DeleteMany(ctx context.Context, keys []string) error {
	return c.m.count(opDeleteMany, c.b.DeleteMany(ctx, keys))
}
