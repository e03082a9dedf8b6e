package nats_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/engine/enginetest"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
)

// TestEngine runs the conformance suite against one embedded server; every
// engine the suite asks for gets its own bucket prefix, so it starts empty.
func TestEngine(t *testing.T) {
	s := natstest.Start(t, natstest.Options{MaxPayload: testMaxPayload})
	_, js := connect(t, s.ClientURL())
	enginetest.Run(t, func(t *testing.T, opts ...engine.Option) engine.Engine {
		return newEngine(t, js, kvnats.EngineOptions(opts...))
	})
}

var ctx = context.Background()

// sharedServer starts one server for a test and returns a JetStream on it.
func sharedServer(t *testing.T) (*server.Server, jetstream.JetStream) {
	t.Helper()
	s := natstest.Start(t, natstest.Options{MaxPayload: testMaxPayload})
	_, js := connect(t, s.ClientURL())
	return s, js
}

// TestStrangeKeys stores keys that NATS does not allow as they are, lists
// them back as they were, in bytewise order, and reads, increments, swaps and
// deletes them.
func TestStrangeKeys(t *testing.T) {
	_, js := sharedServer(t)
	e := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true), engine.PageSize(3)))
	b := open(t, e, "b")
	keys := []string{"", " ", "a b", "é", "/", "..", ".", "*", ">", "a.b", "a.*.>", "$KV", "\x00", "\t\n",
		"\U0001f600", "\uffff", strings.Repeat("x", 1536), strings.Repeat("x", 1537), strings.Repeat("é", 8192)}
	for _, k := range keys {
		if err := b.Set(ctx, k, []byte(k)); err != nil {
			t.Fatalf("Set(%.40q): %v", k, err)
		}
	}
	for _, k := range keys {
		v, ok, err := b.Get(ctx, k)
		if err != nil || !ok || string(v) != k {
			t.Fatalf("Get(%.40q) = %.40q, %v, %v", k, v, ok, err)
		}
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	got, err := engine.AllKeys(ctx, b)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("AllKeys = %.60q, %v; want %.60q", got, err, want)
	}
	var offsetWalk []string
	for off, more := uint64(0), true; more; {
		var page []string
		if page, more, err = b.ListKeys(ctx, off); err != nil {
			t.Fatal(err)
		}
		offsetWalk = append(offsetWalk, page...)
		off += uint64(len(page))
	}
	if !slices.Equal(offsetWalk, want) {
		t.Fatalf("offset walk = %.60q", offsetWalk)
	}
	entries, err := b.GetMany(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, en := range entries {
		if en == nil || en.Key != keys[i] || string(en.Value) != keys[i] {
			t.Fatalf("GetMany entry %d wrong", i)
		}
	}
	long := strings.Repeat("é", 8192)
	_, _, ver, err := b.GetVersioned(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := b.CompareAndSwap(ctx, long, ver, []byte("41")); err != nil || !ok {
		t.Fatalf("CompareAndSwap on a long key = %v, %v", ok, err)
	}
	if n, err := b.IncrementU64(ctx, long, 1); err != nil || n != 42 {
		t.Fatalf("IncrementU64 on a long key = %d, %v", n, err)
	}
	if err := b.DeleteMany(ctx, []string{long, "..", "*"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{long, "..", "*"} {
		if ok, err := b.Exists(ctx, k); err != nil || ok {
			t.Fatalf("Exists(%.40q) after delete = %v, %v", k, ok, err)
		}
	}
	got, _ = engine.AllKeys(ctx, b)
	if len(got) != len(keys)-3 || slices.Contains(got, long) || slices.Contains(got, "*") {
		t.Fatalf("keys after deletes = %.60q", got)
	}
}

// TestBucketIdentifiers opens buckets whose identifiers are no valid
// JetStream names, and checks that a second engine with the same prefix
// and CreateOnOpen off finds them with their data.
func TestBucketIdentifiers(t *testing.T) {
	_, js := sharedServer(t)
	prefix := uniquePrefix()
	ids := []string{"", "a/b", "A/b", "..", "*", ">", "é", "sp ace", strings.Repeat("n", 16<<10)}
	e, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := open(t, e, id).Set(ctx, "id", []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	e2, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		name := e2.BucketName(id)
		if !strings.HasPrefix(name, prefix) {
			t.Fatalf("BucketName(%.40q) = %q lacks the prefix", id, name)
		}
		kv, err := js.KeyValue(ctx, name)
		if err != nil {
			t.Fatalf("JetStream bucket %s of %.40q: %v", name, id, err)
		}
		st, err := kv.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if si := st.(*jetstream.KeyValueBucketStatus).StreamInfo(); si.Config.Metadata["witgo.bucket"] != id {
			t.Fatalf("bucket %s does not record its identifier", name)
		}
		v, ok, err := open(t, e2, id).Get(ctx, "id")
		if err != nil || !ok || string(v) != id {
			t.Fatalf("bucket %.40q through a second engine: %.40q, %v, %v", id, v, ok, err)
		}
	}
	if _, err := e2.Open(ctx, "never"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("Open(never) = %v, want ErrNoSuchStore", err)
	}
	if err := e2.Create(ctx, "never"); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.Open(ctx, "never"); err != nil {
		t.Fatalf("Open after Create: %v", err)
	}
}

// TestDeleteMarkers checks how deletions look in the stream: deleting a
// missing key writes nothing, deleting a present key writes one marker, and
// CAS treats a deleted key as absent.
func TestDeleteMarkers(t *testing.T) {
	_, js := sharedServer(t)
	e := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b := open(t, e, "b")
	lastSeq := func() uint64 {
		t.Helper()
		st, err := js.Stream(ctx, "KV_"+e.BucketName("b"))
		if err != nil {
			t.Fatal(err)
		}
		return st.CachedInfo().State.LastSeq
	}
	start := lastSeq()
	_, _, absent, _ := b.GetVersioned(ctx, "k")
	for range 2 {
		if err := b.Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.DeleteMany(ctx, []string{"k", "k2"}); err != nil {
		t.Fatal(err)
	}
	if seq := lastSeq(); seq != start {
		t.Fatalf("deleting missing keys wrote %d messages", seq-start)
	}
	if _, _, v, _ := b.GetVersioned(ctx, "k"); v != absent {
		t.Fatalf("version of a missing key changed from %q to %q by deletes", absent, v)
	}
	if err := b.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if seq := lastSeq(); seq != start+2 {
		t.Fatalf("set and delete wrote %d messages, want 2", seq-start)
	}
	v, ok, deleted, err := b.GetVersioned(ctx, "k")
	if err != nil || ok || v != nil || deleted == absent {
		t.Fatalf("GetVersioned after delete = %q, %v, %q, %v", v, ok, deleted, err)
	}
	if keys, _ := engine.AllKeys(ctx, b); len(keys) != 0 {
		t.Fatalf("deleted key listed: %q", keys)
	}
	// A swap from the version before the set and delete fails; from the
	// deleted version it creates the key.
	if ok, cur, err := b.CompareAndSwap(ctx, "k", absent, []byte("x")); err != nil || ok || cur != deleted {
		t.Fatalf("swap from the old absent version = %v, %q, %v", ok, cur, err)
	}
	if ok, _, err := b.CompareAndSwap(ctx, "k", deleted, []byte("x")); err != nil || !ok {
		t.Fatalf("swap from the deleted version = %v, %v", ok, err)
	}
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n, err := b.IncrementU64(ctx, "k", 3); err != nil || n != 3 {
		t.Fatalf("increment of a deleted key = %d, %v; want 3", n, err)
	}
	if err := b.Set(ctx, "k", []byte("again")); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := b.Get(ctx, "k"); !ok || string(v) != "again" {
		t.Fatalf("set after delete: %q, %v", v, ok)
	}
}

// TestForeignWrites checks that keys written to the bucket by other NATS
// clients in no form of the mapping are ignored, and that increments stay
// exact when another engine writes the same counter.
func TestForeignWrites(t *testing.T) {
	_, js := sharedServer(t)
	prefix := uniquePrefix()
	e1, _ := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	e2, _ := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b1, b2 := open(t, e1, "b"), open(t, e2, "b")
	kv, err := js.KeyValue(ctx, e1.BucketName("b"))
	if err != nil {
		t.Fatal(err)
	}
	for _, nk := range []string{"plain", "h.00", "kYQ=x", "x.y"} {
		if _, err := kv.Put(ctx, nk, []byte("foreign")); err != nil {
			t.Fatal(err)
		}
	}
	if err := b1.Set(ctx, "mine", nil); err != nil {
		t.Fatal(err)
	}
	if keys, err := engine.AllKeys(ctx, b2); err != nil || !slices.Equal(keys, []string{"mine"}) {
		t.Fatalf("keys = %q, %v; foreign keys must be ignored", keys, err)
	}
	// Two engines (as two processes would) increment one counter.
	var wg sync.WaitGroup
	for _, b := range []engine.Bucket{b1, b2, b1, b2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := b.IncrementS64(ctx, "n", 1); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if v, _, _ := b1.Get(ctx, "n"); string(v) != "400" {
		t.Fatalf("counter = %q, want 400", v)
	}
	// A foreign write between two increments of one engine.
	if _, err := kv.Put(ctx, "kbg", []byte("1000")); err != nil { // "kbg" is key "n"
		t.Fatal(err)
	}
	if n, err := b1.IncrementS64(ctx, "n", 1); err != nil || n != 1001 {
		t.Fatalf("increment after a foreign write = %d, %v; want 1001", n, err)
	}
}

func TestNewChecks(t *testing.T) {
	s := natstest.Start(t, natstest.Options{}) // the default max_payload, 1 MiB
	_, js := connect(t, s.ClientURL())
	if _, err := kvnats.New(ctx, js, kvnats.BucketPrefix("bad.prefix")); err == nil {
		t.Fatal("New accepted a prefix with a dot")
	}
	if _, err := kvnats.New(ctx, nil); err == nil {
		t.Fatal("New accepted a nil JetStream")
	}
	// 4 MiB values on a 1 MiB server are stored in chunks.
	e, err := kvnats.New(ctx, js, kvnats.BucketPrefix(uniquePrefix()), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatalf("New with 4 MiB values on a 1 MiB server: %v", err)
	}
	if err := open(t, e, "b").Set(ctx, "k", make([]byte, 4<<20)); err != nil {
		t.Fatal(err)
	}
	e.Close()
	// A server whose max_payload cannot even carry a manifest under the
	// longest key is refused, unless the check is skipped; then a value
	// too large for it is value-too-large, naming the server's limit.
	tiny := natstest.Start(t, natstest.Options{MaxPayload: 8 << 10})
	_, tjs := connect(t, tiny.ClientURL())
	_, err = kvnats.New(ctx, tjs, kvnats.BucketPrefix(uniquePrefix()))
	if err == nil || !strings.Contains(err.Error(), "max_payload") || !strings.Contains(err.Error(), "MaxValueBytes") {
		t.Fatalf("New with 16 KiB keys on an 8 KiB server: %v", err)
	}
	e, err = kvnats.New(ctx, tjs, kvnats.BucketPrefix(uniquePrefix()), kvnats.EngineOptions(engine.CreateOnOpen(true)), kvnats.IgnoreMaxPayload())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tb := open(t, e, "b")
	mib := bytes.Repeat([]byte("x"), 1<<20)
	if err := tb.Set(ctx, "k", mib); err != nil {
		t.Fatalf("Set of 1 MiB in 8 KiB chunks: %v", err)
	}
	if v, _, err := tb.Get(ctx, "k"); err != nil || !bytes.Equal(v, mib) {
		t.Fatalf("Get of 1 MiB in 8 KiB chunks = %d bytes, %v", len(v), err)
	}
	err = tb.Set(ctx, "k", make([]byte, 4<<20))
	if !errors.Is(err, engine.ErrValueTooLarge) || !strings.Contains(err.Error(), "on this NATS server (max_payload 8192)") {
		t.Fatalf("Set of 4 MiB on an 8 KiB server: %v", err)
	}
	if err := tb.Set(ctx, strings.Repeat("k", 16<<10), []byte("v")); !errors.Is(err, engine.ErrValueTooLarge) {
		t.Fatalf("Set under a 16 KiB key on an 8 KiB server: %v", err)
	}
	o := e.Options()
	if o.MaxValueBytes != engine.DefaultMaxValueBytes || o.PageSize != engine.DefaultPageSize || !o.CreateOnOpen {
		t.Fatalf("Options = %+v", o)
	}
	// Buckets are created by New.
	e, err = kvnats.New(ctx, js, kvnats.BucketPrefix(uniquePrefix()), kvnats.EngineOptions(engine.Buckets("x", "y"), engine.MaxValueBytes(1000)))
	if err != nil {
		t.Fatal(err)
	}
	open(t, e, "x")
	open(t, e, "y")
}

func TestConnect(t *testing.T) {
	s := natstest.Start(t, natstest.Options{MaxPayload: testMaxPayload})
	e, err := kvnats.Connect(ctx, s.ClientURL(), kvnats.BucketPrefix(uniquePrefix()), kvnats.EngineOptions(engine.CreateOnOpen(true)),
		kvnats.NATSOptions(natsio.Name("connect test")))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := open(t, e, "b")
	if err := b.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Fatalf("Get = %q, %v, %v", v, ok, err)
	}
	if _, err := kvnats.Connect(ctx, "nats://127.0.0.1:1", kvnats.NATSOptions(natsio.Timeout(200*time.Millisecond))); err == nil {
		t.Fatal("Connect to a closed port succeeded")
	}
}

// TestLongestNames uses the longest prefix, the longest identifier and key
// that map directly, and a hashed key, all at once: the subjects stay within
// the server's control line limit.
func TestLongestNames(t *testing.T) {
	_, js := sharedServer(t)
	prefix := strings.Repeat("P", 64)
	e, err := kvnats.New(ctx, js, kvnats.BucketPrefix(prefix), kvnats.EngineOptions(engine.CreateOnOpen(true)))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{strings.Repeat("\U0001f600", 20), strings.Repeat("\U0001f600", 4096)} {
		b := open(t, e, id)
		for _, k := range []string{strings.Repeat("\u07ff", 768), strings.Repeat("\U0001f600", 4096)} {
			if err := b.Set(ctx, k, []byte("v")); err != nil {
				t.Fatalf("Set(%d-byte key) in a %d-byte bucket: %v", len(k), len(id), err)
			}
			if v, ok, err := b.Get(ctx, k); err != nil || !ok || string(v) != "v" {
				t.Fatalf("Get(%d-byte key) = %q, %v, %v", len(k), v, ok, err)
			}
			if n, err := b.IncrementU64(ctx, "n"+k[4:], 7); err != nil || n != 7 {
				t.Fatalf("IncrementU64 = %d, %v", n, err)
			}
		}
		if keys, err := engine.AllKeys(ctx, b); err != nil || len(keys) != 4 {
			t.Fatalf("AllKeys = %d keys, %v", len(keys), err)
		}
	}
}

// TestListingCache checks that paging through an unchanged bucket scans it
// once (counted in JetStream API requests), and that any change, even one
// that publishes nothing, is seen by the next page.
func TestListingCache(t *testing.T) {
	_, js := sharedServer(t)
	e := newEngine(t, js, kvnats.EngineOptions(engine.CreateOnOpen(true)))
	b := open(t, e, "b")
	for i := range 250 {
		if err := b.Set(ctx, fmt.Sprintf("k%03d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	apiCalls := func() uint64 {
		t.Helper()
		ai, err := js.AccountInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ai.API.Total
	}
	walk := func() []string {
		t.Helper()
		keys, err := engine.AllKeys(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	if n := len(walk()); n != 250 {
		t.Fatalf("walk = %d keys", n)
	}
	before := apiCalls()
	if n := len(walk()); n != 250 {
		t.Fatalf("walk = %d keys", n)
	}
	// 3 pages: 3 stream infos, and no scan; the AccountInfo itself is 1.
	if calls := apiCalls() - before; calls > 4 {
		t.Fatalf("walking an unchanged bucket made %d API requests, want at most 4", calls)
	}
	// A purge of one subject publishes nothing but must be seen.
	st, err := js.Stream(ctx, "KV_"+e.BucketName("b"))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, e.BucketName("b"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for nk := range keys.Keys() {
		first = nk
		break
	}
	_ = keys.Stop()
	if err := st.Purge(ctx, jetstream.WithPurgeSubject("$KV."+e.BucketName("b")+"."+first)); err != nil {
		t.Fatal(err)
	}
	if n := len(walk()); n != 249 {
		t.Fatalf("after a subject purge the walk lists %d keys, want 249", n)
	}
	if err := b.Delete(ctx, "k100"); err != nil {
		t.Fatal(err)
	}
	if got := walk(); len(got) != 248 || slices.Contains(got, "k100") {
		t.Fatalf("after a delete the walk lists %d keys", len(got))
	}
}
