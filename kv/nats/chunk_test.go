package nats_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/engine/enginetest"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
	"github.com/witgo-dev/witgo/kv/nats/internal/keymap"
)

// The tests of this file run against servers with the stock max_payload
// (1 MiB), where values of the default limit (4 MiB) are stored in chunks.

// stockServer starts a server with the default max_payload and returns a
// JetStream on it.
func stockServer(t *testing.T) jetstream.JetStream {
	t.Helper()
	s := natstest.Start(t, natstest.Options{})
	nc, js := connect(t, s.ClientURL())
	if mp := nc.MaxPayload(); mp != 1<<20 {
		t.Fatalf("max_payload = %d, want the stock 1 MiB", mp)
	}
	return js
}

// TestEngineStockPayload runs the conformance suite, whose values go up to
// 4 MiB, on a server with the stock max_payload.
func TestEngineStockPayload(t *testing.T) {
	js := stockServer(t)
	enginetest.Run(t, func(t *testing.T, opts ...engine.Option) engine.Engine {
		return newEngine(t, js, kvnats.EngineOptions(opts...))
	})
}

// pattern returns n bytes that differ with seed and position, so that a
// mix of two values, or a shifted chunk, is seen.
func pattern(seed, n int) []byte {
	v := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(seed), uint64(n)))
	for i := 0; i < n; i += 8 {
		x := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			v[i+j] = byte(x >> (8 * j))
		}
	}
	return v
}

// chunkSubjects returns the chunk subjects stored in bucket of e.
func chunkSubjects(t *testing.T, js jetstream.JetStream, e *kvnats.Engine, bucket string) []string {
	t.Helper()
	name := e.BucketName(bucket)
	st, err := js.Stream(ctx, "KV_"+name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("$KV."+name+".c.>"))
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for s := range info.State.Subjects {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects)
	return subjects
}

// groups returns the write identifiers of chunk subjects.
func groups(subjects []string) map[string]int {
	g := map[string]int{}
	for _, s := range subjects {
		parts := strings.Split(s, ".")
		g[parts[len(parts)-2]]++
	}
	return g
}

func TestLargeValues(t *testing.T) {
	js := stockServer(t)
	e := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true), engine.PageSize(2)))
	b := open(t, e, "b")
	longKey := strings.Repeat("L", 16<<10) // hashed, with a 21 KiB key header
	sizes := []int{0, 1, 1<<20 - 4096, 1<<20 - 512, 1 << 20, 1<<20 + 1, 3 << 20, 4<<20 - 1, 4 << 20}
	for i, n := range sizes {
		for _, key := range []string{"k" + strconv.Itoa(n), longKey} {
			v := pattern(i, n)
			if err := b.Set(ctx, key, v); err != nil {
				t.Fatalf("Set(%d bytes under a %d-byte key): %v", n, len(key), err)
			}
			got, ok, err := b.Get(ctx, key)
			if err != nil || !ok || !bytes.Equal(got, v) {
				t.Fatalf("Get(%d bytes under a %d-byte key) = %d bytes, %v, %v", n, len(key), len(got), ok, err)
			}
		}
	}
	// The chunk subjects exist, and are never listed: the keys are exactly
	// those set, and pages of 2 walk them.
	if len(chunkSubjects(t, js, e, "b")) == 0 {
		t.Fatal("no chunk subjects: the large values were not chunked")
	}
	var want []string
	for _, n := range sizes {
		want = append(want, "k"+strconv.Itoa(n))
	}
	want = append(want, longKey)
	slices.Sort(want)
	if got, err := engine.AllKeys(ctx, b); err != nil || !slices.Equal(got, want) {
		t.Fatalf("AllKeys = %.40q, %v; want %.40q", got, err, want)
	}
	var walk []string
	for off, more := uint64(0), true; more; {
		page, m, err := b.ListKeys(ctx, off)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d keys with page size 2", len(page))
		}
		walk, more, off = append(walk, page...), m, off+uint64(len(page))
	}
	if !slices.Equal(walk, want) {
		t.Fatalf("offset walk = %.40q", walk)
	}
	if page, _, err := b.ListPrefix(ctx, "k4", nil); err != nil || !slices.Equal(page, []string{"k4194303", "k4194304"}) {
		t.Fatalf("ListPrefix(k4) = %q, %v", page, err)
	}

	// Batches.
	big1, big2 := pattern(100, 4<<20), pattern(101, 2<<20)
	if err := b.SetMany(ctx, []engine.Entry{{Key: "m1", Value: big1}, {Key: "m2", Value: []byte("small")}, {Key: "m3", Value: big2}}); err != nil {
		t.Fatal(err)
	}
	es, err := b.GetMany(ctx, []string{"m3", "absent", "m1", "m2"})
	if err != nil || es[1] != nil || !bytes.Equal(es[0].Value, big2) || !bytes.Equal(es[2].Value, big1) || string(es[3].Value) != "small" {
		t.Fatalf("GetMany = %v", err)
	}
	if err := b.DeleteMany(ctx, []string{"m1", "m2", "m3"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"m1", "m3"} {
		if ok, err := b.Exists(ctx, k); err != nil || ok {
			t.Fatalf("Exists(%s) after DeleteMany = %v, %v", k, ok, err)
		}
	}

	// An increment of a chunked value is that of any value that is no
	// number: an error, and the value stays.
	big := pattern(7, 2<<20)
	if err := b.Set(ctx, "n", big); err != nil {
		t.Fatal(err)
	}
	if _, err := b.IncrementU64(ctx, "n", 1); !errors.Is(err, engine.ErrNotInteger) {
		t.Fatalf("IncrementU64 of a chunked value: %v, want ErrNotInteger", err)
	}
	if v, _, _ := b.Get(ctx, "n"); !bytes.Equal(v, big) {
		t.Fatal("the chunked value changed after a failed increment")
	}

	// A TTL and if-not-exists on chunked values.
	if err := b.SetWith(ctx, "n", pattern(8, 2<<20), engine.SetOptions{IfAbsent: true}); !errors.Is(err, engine.ErrPreconditionFailed) {
		t.Fatalf("SetWith IfAbsent over a chunked value: %v", err)
	}
	if err := b.SetWith(ctx, "ttl", big, engine.SetOptions{IfAbsent: true, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if v, ok, ver, err := b.GetVersioned(ctx, "ttl"); err != nil || !ok || !bytes.Equal(v, big) || !strings.Contains(string(ver), "@") {
		t.Fatalf("GetVersioned(ttl) = %d bytes, %v, %q, %v", len(v), ok, ver, err)
	}

	// The longest subjects: the longest prefix, bucket name and direct key.
	long, err := kvnats.New(ctx, js, kvnats.BucketPrefix(strings.Repeat("P", 64)), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	lb := open(t, long, strings.Repeat("\U0001f600", 20))
	lk := strings.Repeat("\u07ff", 768)
	for i := range 2 {
		if err := lb.Set(ctx, lk, pattern(20+i, 2<<20)); err != nil {
			t.Fatalf("Set under the longest names: %v", err)
		}
	}
	if v, ok, err := lb.Get(ctx, lk); err != nil || !ok || !bytes.Equal(v, pattern(21, 2<<20)) {
		t.Fatalf("Get under the longest names = %d bytes, %v, %v", len(v), ok, err)
	}
	if _, err := long.SweepChunks(ctx); err != nil {
		t.Fatalf("sweep of the longest names: %v", err)
	}
	if err := lb.Delete(ctx, lk); err != nil {
		t.Fatal(err)
	}

	// Over the limit: value-too-large, nothing stored.
	if err := b.Set(ctx, "over", make([]byte, 4<<20+1)); !errors.Is(err, engine.ErrValueTooLarge) {
		t.Fatalf("Set over MaxValueBytes: %v", err)
	}
}

// TestLargeValueVersions checks CAS on chunked values: the manifest's
// revision is the version, a stale one is a conflict that writes nothing.
func TestLargeValueVersions(t *testing.T) {
	js := stockServer(t)
	e := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b := open(t, e, "b")
	v1, v2, v3 := pattern(1, 3<<20), pattern(2, 4<<20), pattern(3, 1<<20)
	if ok, ver, err := b.CompareAndSwap(ctx, "k", "0", v1); err != nil || !ok {
		t.Fatalf("create by swap from 0: %v, %q, %v", ok, ver, err)
	}
	_, _, ver1, err := b.GetVersioned(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if ok, cur, err := b.CompareAndSwap(ctx, "k", "0", v2); err != nil || ok || cur != ver1 {
		t.Fatalf("swap from 0 over a chunked value = %v, %q, %v; want a conflict at %q", ok, cur, err, ver1)
	}
	before := len(chunkSubjects(t, js, e, "b"))
	ok, ver2, err := b.CompareAndSwap(ctx, "k", ver1, v2)
	if err != nil || !ok || ver2 == ver1 {
		t.Fatalf("swap from the current version = %v, %q, %v", ok, ver2, err)
	}
	if v, _, cur, _ := b.GetVersioned(ctx, "k"); !bytes.Equal(v, v2) || cur != ver2 {
		t.Fatalf("after the swap: %d bytes at %q, want v2 at %q", len(v), cur, ver2)
	}
	// A stale swap writes no chunks.
	n := len(chunkSubjects(t, js, e, "b"))
	if ok, cur, err := b.CompareAndSwap(ctx, "k", ver1, v3); err != nil || ok || cur != ver2 {
		t.Fatalf("stale swap = %v, %q, %v", ok, cur, err)
	}
	if got := len(chunkSubjects(t, js, e, "b")); got != n {
		t.Fatalf("a stale swap left %d chunk subjects, %d before", got, n)
	}
	if v, _, _ := b.Get(ctx, "k"); !bytes.Equal(v, v2) {
		t.Fatal("a stale swap changed the value")
	}
	// Chunked → small → chunked; every step a new version.
	ok, ver3, err := b.CompareAndSwap(ctx, "k", ver2, []byte("small"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	ok, ver4, err := b.CompareAndSwap(ctx, "k", ver3, v3)
	if err != nil || !ok || ver4 == ver3 {
		t.Fatal(ok, err)
	}
	if v, _, _ := b.Get(ctx, "k"); !bytes.Equal(v, v3) {
		t.Fatal("value after chunked, small, chunked swaps")
	}
	// Writes keep the chunks of the entry they replace (for readers in
	// flight) and purge older ones: at most two groups remain.
	if g := groups(chunkSubjects(t, js, e, "b")); len(g) > 2 {
		t.Fatalf("%d groups of chunks for one key after %d before: %v", len(g), before, g)
	}
	// Deleting purges its chunks; the version moves on.
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if s := chunkSubjects(t, js, e, "b"); len(s) != 0 {
		t.Fatalf("chunk subjects after Delete: %q", s)
	}
	if _, ok, ver, _ := b.GetVersioned(ctx, "k"); ok || ver == ver4 {
		t.Fatalf("after Delete: present %v at %q", ok, ver)
	}
	// Concurrent swaps of a chunked value: exactly one wins each round.
	if err := b.Set(ctx, "c", v1); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		_, _, ver, _ := b.GetVersioned(ctx, "c")
		var wins atomic.Int32
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := b.CompareAndSwap(ctx, "c", ver, pattern(10*round+w, 2<<20))
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d swaps from one version won", round, wins.Load())
		}
	}
}

// TestLargeValueNoTornReads replaces a large value over and over while
// readers read it: every read is one of the values written, whole.
func TestLargeValueNoTornReads(t *testing.T) {
	js := stockServer(t)
	e := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b := open(t, e, "b")
	const versions = 6
	values := make([][]byte, versions)
	for i := range values {
		values[i] = pattern(i, 1<<20+i*50_000) // 2 chunks, lengths differ
	}
	values[versions-1] = []byte("small") // a one-message value among them
	if err := b.Set(ctx, "k", values[0]); err != nil {
		t.Fatal(err)
	}
	// Until both sides did enough (at least 2 s), or 30 s (-race is slow).
	start := time.Now()
	var reads, writes atomic.Int64
	running := func() bool {
		d := time.Since(start)
		return d < 2*time.Second || d < 30*time.Second && (writes.Load() < 30 || reads.Load() < 100)
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; running(); i++ {
				if err := b.Set(ctx, "k", values[i%versions]); err != nil {
					t.Error(err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for running() {
				v, ok, err := b.Get(ctx, "k")
				if err != nil || !ok {
					t.Errorf("Get = %v, %v", ok, err)
					return
				}
				if !slices.ContainsFunc(values, func(w []byte) bool { return bytes.Equal(v, w) }) {
					t.Errorf("Get returned %d bytes that are none of the values written", len(v))
					return
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d writes, %d whole reads, %d reads again after chunks were purged", writes.Load(), reads.Load(), e.ChunkRereads())
	if reads.Load() < 10 || writes.Load() < 5 {
		t.Fatal("too few reads or writes to tell")
	}
}

// TestChunkSweep checks that the sweeper purges the chunks of a writer that
// died before its manifest, of a value replaced by a small one and of an
// expired entry, only after the grace period, and never those in use.
func TestChunkSweep(t *testing.T) {
	js := stockServer(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	const grace = 3 * time.Second
	e := newEngine(t, js, kvnats.ChunkGrace(grace),
		kvnats.EngineOptions(engine.CreateOnOpen(true), engine.Clock(func() time.Time { return time.Unix(0, clock.Load()) })))
	b := open(t, e, "b")
	start := time.Now()
	live, replaced, expiring := pattern(1, 2<<20), pattern(2, 2<<20), pattern(3, 2<<20)
	if err := b.Set(ctx, "live", live); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "replaced", replaced); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "replaced", []byte("small")); err != nil {
		t.Fatal(err)
	}
	if err := b.SetWith(ctx, "expiring", expiring, engine.SetOptions{TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	orphan, err := e.WriteOrphanChunks(ctx, "b", "orphan", pattern(4, 3<<20))
	if err != nil {
		t.Fatal(err)
	}
	deadWriter, err := e.WriteOrphanChunks(ctx, "b", "live", pattern(5, 2<<20))
	if err != nil {
		t.Fatal(err)
	}
	// Within the grace period (measured from before the first write, so
	// conservatively) nothing is purged, however often it sweeps; the
	// background sweeper runs too.
	within := func() bool { return time.Since(start) < grace }
	all := groups(chunkSubjects(t, js, e, "b"))
	if within() && (len(all) != 5 || all[orphan] != 4 || all[deadWriter] != 3) { // chunks of at most 1 MiB - 512 bytes
		t.Fatalf("groups before sweeping: %v", all)
	}
	for range 3 {
		n, err := e.SweepChunks(ctx)
		if err != nil || n != 0 && within() {
			t.Fatalf("sweep within the grace period purged %d, %v", n, err)
		}
	}
	if got := groups(chunkSubjects(t, js, e, "b")); within() && len(got) != 5 {
		t.Fatalf("groups purged within the grace period: %v left", got)
	}
	if !within() {
		t.Log("the writes took longer than the grace period: the within-grace checks were skipped")
	}
	// The entry with a TTL expires, more than a grace period ago.
	clock.Add(int64(time.Minute + 2*grace))
	// The background sweeper (every grace/2) and this one purge all but
	// the live value's chunks.
	var left map[string]int
	for deadline := time.Now().Add(6 * grace); time.Now().Before(deadline); time.Sleep(grace / 4) {
		if _, err := e.SweepChunks(ctx); err != nil {
			t.Fatal(err)
		}
		if left = groups(chunkSubjects(t, js, e, "b")); len(left) == 1 {
			break
		}
	}
	if len(left) != 1 || left[orphan] != 0 || left[deadWriter] != 0 {
		t.Fatalf("groups left after sweeping: %v, want the live value's only", left)
	}
	if v, ok, err := b.Get(ctx, "live"); err != nil || !ok || !bytes.Equal(v, live) {
		t.Fatalf("Get(live) after the sweeps = %d bytes, %v, %v", len(v), ok, err)
	}
	if v, _, _ := b.Get(ctx, "replaced"); string(v) != "small" {
		t.Fatalf("Get(replaced) = %q", v)
	}
	if ok, err := b.Exists(ctx, "expiring"); err != nil || ok {
		t.Fatalf("Exists(expiring) = %v, %v", ok, err)
	}
	if keys, err := engine.AllKeys(ctx, b); err != nil || !slices.Equal(keys, []string{"live", "replaced"}) {
		t.Fatalf("AllKeys = %q, %v", keys, err)
	}
}

// TestChunkWriteDeadline checks that a writer that would commit its chunks
// later than half the grace period fails instead, and leaves no chunks.
func TestChunkWriteDeadline(t *testing.T) {
	js := stockServer(t)
	const grace = time.Second
	e := newEngine(t, js, kvnats.ChunkGrace(grace), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b := open(t, e, "b")
	if err := b.Set(ctx, "k", []byte("before")); err != nil {
		t.Fatal(err)
	}
	restore := kvnats.SetBeforeCommit(func() { time.Sleep(grace/2 + 100*time.Millisecond) })
	err := b.Set(ctx, "k", pattern(1, 2<<20))
	restore()
	if err == nil || !strings.Contains(err.Error(), "grace") || strings.Count(err.Error(), "kv: ") != 1 {
		t.Fatalf("Set with a slow commit = %v, want an error naming the grace period", err)
	}
	if v, _, _ := b.Get(ctx, "k"); string(v) != "before" {
		t.Fatalf("value after the failed write = %.20q", v)
	}
	if s := chunkSubjects(t, js, e, "b"); len(s) != 0 {
		t.Fatalf("chunks left by the failed write: %q", s)
	}
	// A writer slow to commit, within half the grace period, while the
	// sweeper runs all the time: its chunks are not swept, the value reads
	// back whole. (A longer grace period: the chunks must be written within
	// what is left of its half, under -race too.)
	const grace2 = 6 * time.Second
	e = newEngine(t, js, kvnats.ChunkGrace(grace2), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b = open(t, e, "b")
	stop := make(chan struct{})
	var sweeps atomic.Int64
	swept := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				swept <- nil
				return
			default:
			}
			if _, err := e.SweepChunks(ctx); err != nil {
				swept <- err
				return
			}
			sweeps.Add(1)
		}
	}()
	v := pattern(2, 2<<20)
	restore = kvnats.SetBeforeCommit(func() { time.Sleep(time.Second) })
	err = b.Set(ctx, "k", v)
	restore()
	close(stop)
	if err := <-swept; err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("Set with a commit slow but within the grace period: %v", err)
	}
	if got, _, err := b.Get(ctx, "k"); err != nil || !bytes.Equal(got, v) {
		t.Fatalf("Get after %d sweeps during the write = %d bytes, %v", sweeps.Load(), len(got), err)
	}
	t.Logf("%d sweeps during the write", sweeps.Load())
}

// TestLargeValueRestart stores chunked values, restarts the server on the
// same store, and reads them back.
func TestLargeValueRestart(t *testing.T) {
	dir := t.TempDir()
	s1 := natstest.Start(t, natstest.Options{Dir: dir})
	port := s1.Addr().(*net.TCPAddr).Port
	prefix := uniquePrefix()
	want := map[string][]byte{"a": pattern(1, 4<<20), "b": pattern(2, 1<<20), "c": []byte("small")}
	func() {
		e, err := kvnats.Connect(ctx, s1.ClientURL(), kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.CreateOnOpen(true)))
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		b := open(t, e, "durable")
		for k, v := range want {
			if err := b.Set(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}()
	s1.Shutdown()
	s1.WaitForShutdown()
	s2 := natstest.Start(t, natstest.Options{Dir: dir, Port: port})
	e, err := kvnats.Connect(ctx, s2.ClientURL(), kvnats.BucketPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := open(t, e, "durable")
	for k, v := range want {
		got, ok, err := b.Get(ctx, k)
		if err != nil || !ok || !bytes.Equal(got, v) {
			t.Fatalf("Get(%s) after the restart = %d bytes, %v, %v", k, len(got), ok, err)
		}
	}
	if keys, err := engine.AllKeys(ctx, b); err != nil || !slices.Equal(keys, []string{"a", "b", "c"}) {
		t.Fatalf("AllKeys after the restart = %q, %v", keys, err)
	}
	v := pattern(3, 3<<20)
	if err := b.Set(ctx, "a", v); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := b.Get(ctx, "a"); !bytes.Equal(got, v) {
		t.Fatal("rewrite after the restart")
	}
}

// TestMaxBuckets checks that the engine counts the JetStream buckets of its
// prefix and refuses to create more than MaxBuckets.
func TestMaxBuckets(t *testing.T) {
	_, js := sharedServer(t)
	prefix := uniquePrefix()
	e, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix),
		kvnats.EngineOptions(engine.CreateOnOpen(true), engine.MaxBuckets(3), engine.Buckets("a")))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// Buckets of another prefix do not count.
	other := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true)))
	for i := range 4 {
		open(t, other, fmt.Sprint("x", i))
	}
	open(t, e, "b")
	open(t, e, strings.Repeat("long", 100)) // a hashed name
	for _, op := range []func() error{
		func() error { _, err := e.Open(ctx, "d"); return err },
		func() error { return e.Create(ctx, "d") },
	} {
		err := op()
		if !errors.Is(err, engine.ErrQuotaExceeded) || !strings.Contains(err.Error(), "limit of 3 buckets (MaxBuckets)") {
			t.Fatalf("fourth bucket: %v, want quota-exceeded naming MaxBuckets", err)
		}
	}
	// Existing buckets still open, from another engine too.
	open(t, e, "a")
	e2, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.MaxBuckets(3), engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	open(t, e2, "b")
	if _, err := e2.Open(ctx, "e"); !errors.Is(err, engine.ErrQuotaExceeded) {
		t.Fatalf("another engine's fourth bucket: %v", err)
	}
	// Without a bound, any number.
	e3, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatal(err)
	}
	defer e3.Close()
	open(t, e3, "d")
}

// TestForeignManifests checks what a manifest the engine did not write
// does: a malformed one makes the value unreadable but the key writable and
// deletable; one copied from another key (naming that key's chunks) or with
// a wrong SHA-256 is an error, never the other key's value.
func TestForeignManifests(t *testing.T) {
	js := stockServer(t)
	e := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b := open(t, e, "b")
	name := e.BucketName("b")
	subject := func(key string) string { return "$KV." + name + "." + keymap.Key(key) }
	publish := func(key, manifest string) {
		t.Helper()
		m := natsio.NewMsg(subject(key))
		m.Header.Set("Witgo-Chunks", manifest)
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	a := pattern(1, 2<<20)
	if err := b.Set(ctx, "a", a); err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, "KV_"+name)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := st.GetLastMsgForSubject(ctx, subject("a"))
	if err != nil {
		t.Fatal(err)
	}
	good := raw.Header.Get("Witgo-Chunks")
	if !strings.HasPrefix(good, "1 2097152 ") {
		t.Fatalf("manifest of a = %q", good)
	}
	parts := strings.Split(good, " ")
	wrongSum := strings.Join([]string{parts[0], parts[1], strings.Repeat("0", 64), parts[3], parts[4]}, " ")
	for _, tc := range []struct{ name, manifest, want string }{
		{"malformed", "1 2 3", "malformed"},
		{"copied", good, "is not chunk 0"},
	} {
		publish("x", tc.manifest)
		if v, _, err := b.Get(ctx, "x"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: Get = %d bytes, %v; want an error saying %q", tc.name, len(v), err, tc.want)
		}
		if ok, err := b.Exists(ctx, "x"); err != nil || !ok {
			t.Fatalf("%s: Exists = %v, %v", tc.name, ok, err)
		}
		if _, _, ver, err := b.GetVersioned(ctx, "x"); err == nil || ver != "" {
			t.Fatalf("%s: GetVersioned = %q, %v", tc.name, ver, err)
		}
	}
	// The copy with a wrong SHA-256 under a's own key (so its chunks do
	// match): refused on the checksum.
	publish("a", wrongSum)
	if v, _, err := b.Get(ctx, "a"); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("wrong SHA-256: Get = %d bytes, %v", len(v), err)
	}
	// The keys stay writable (small and large) and deletable.
	if err := b.Set(ctx, "x", pattern(2, 2<<20)); err != nil {
		t.Fatal(err)
	}
	if v, _, err := b.Get(ctx, "x"); err != nil || !bytes.Equal(v, pattern(2, 2<<20)) {
		t.Fatalf("Get after rewriting = %d bytes, %v", len(v), err)
	}
	if err := b.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	publish("x", "1 2 3")
	if err := b.Delete(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if keys, err := engine.AllKeys(ctx, b); err != nil || len(keys) != 0 {
		t.Fatalf("AllKeys = %q, %v", keys, err)
	}
}
