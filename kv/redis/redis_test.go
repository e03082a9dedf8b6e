package redis_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/witgo-dev/witgo/internal/redistest"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/engine/enginetest"
	kvredis "github.com/witgo-dev/witgo/kv/redis"
)

var ctx = context.Background()

// connect returns an engine on url with a key prefix of its own, closed
// when the test ends.
func connect(tb testing.TB, url string, opts ...kvredis.Option) *kvredis.Engine {
	tb.Helper()
	opts = append([]kvredis.Option{kvredis.KeyPrefix(redistest.Prefix("kv"))}, opts...)
	e, err := kvredis.Connect(ctx, url, opts...)
	if err != nil {
		tb.Fatalf("Connect: %v", err)
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

func open(tb testing.TB, e engine.Engine, name string) engine.Bucket {
	tb.Helper()
	b, err := e.Open(ctx, name)
	if err != nil {
		tb.Fatalf("Open(%q): %v", name, err)
	}
	return b
}

// TestEngine runs the conformance suite; every engine the suite asks for
// gets a key prefix of its own, so it starts empty.
func TestEngine(t *testing.T) {
	s := redistest.Find(t)
	enginetest.Run(t, func(t *testing.T, opts ...engine.Option) engine.Engine {
		return connect(t, s.URL, kvredis.EngineOptions(opts...))
	})
}

// TestStrangeKeys stores keys and bucket identifiers with braces, percent
// signs, NUL bytes and more, and lists them back in bytewise order.
func TestStrangeKeys(t *testing.T) {
	s := redistest.Find(t)
	prefix := redistest.Prefix("strange")
	e := connect(t, s.URL, kvredis.KeyPrefix(prefix), kvredis.EngineOptions(engine.CreateOnOpen(true), engine.PageSize(3)))
	keys := []string{"", " ", "{", "}", "{a}", "%", "%7B", "#", ":k:", "\x00", "\t\n", "é", "\U0001f600",
		"\uffff", strings.Repeat("x", 1537), strings.Repeat("é", 8192)}
	ids := []string{"", "{", "}", "%", "%7B", "#", "a}b", strings.Repeat("{", 200), strings.Repeat("é", 8192)}
	tags := map[string]int{}
	for _, id := range ids {
		tag := e.BucketTag(id)
		tags[tag[1:len(tag)-1]] = 0
		b := open(t, e, id)
		for _, k := range keys {
			if err := b.Set(ctx, k, []byte(id+k)); err != nil {
				t.Fatalf("Set(%.20q, %.20q): %v", id, k, err)
			}
		}
		want := slices.Sorted(slices.Values(keys))
		got, err := engine.AllKeys(ctx, b)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("bucket %.20q: AllKeys = %.60q, %v", id, got, err)
		}
		for _, k := range keys {
			if v, ok, err := b.Get(ctx, k); err != nil || !ok || string(v) != id+k {
				t.Fatalf("bucket %.20q: Get(%.20q) = %.20q, %v, %v", id, k, v, ok, err)
			}
		}
	}
	if len(tags) != len(ids) {
		t.Fatalf("%d distinct tags for %d buckets", len(tags), len(ids))
	}
	// Every Redis key of a bucket has the bucket's hash tag, by the rule of
	// Redis Cluster (the text between the first '{' and the next '}'), so
	// a bucket lives in one slot.
	iter := e.Client().Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		open := strings.IndexByte(k, '{')
		end := strings.IndexByte(k[open+1:], '}')
		if open < 0 || end <= 0 {
			t.Fatalf("key %.60q has no hash tag", k)
		}
		tag := k[open+1 : open+1+end]
		n, ok := tags[tag]
		if !ok {
			t.Fatalf("key %.60q has the hash tag %.40q of no bucket", k, tag)
		}
		tags[tag] = n + 1
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	for tag, n := range tags {
		if n != len(keys)+2 { // the keys, the index and the meta hash
			t.Fatalf("tag %.40q has %d Redis keys, want %d", tag, n, len(keys)+2)
		}
	}
}

// TestNoSuchStore: Open without CreateOnOpen, and a bad prefix.
func TestNoSuchStore(t *testing.T) {
	s := redistest.Find(t)
	e := connect(t, s.URL)
	if _, err := e.Open(ctx, "x"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("Open(unknown) = %v", err)
	}
	if _, err := kvredis.Connect(ctx, s.URL, kvredis.KeyPrefix("a{b")); err == nil {
		t.Fatal("a prefix with a brace was accepted")
	}
}

// TestProcesses increments one counter and runs CAS loops on another from
// three processes (this test binary, run again as helpers) and from several
// engines in this one, each with its own client and connection pool, with
// several goroutines each; every increment returns a distinct value and
// neither counter loses an update.
func TestProcesses(t *testing.T) {
	s := redistest.Find(t)
	prefix := redistest.Prefix("procs")
	const engines, workers, each, helpers = 3, 4, 100, 2
	var wg sync.WaitGroup
	seen := make(chan int64, (engines+helpers)*workers*each)
	errs := make(chan error, engines*workers*2+helpers)
	for h := range helpers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "WITGO_REDIS_HELPER="+s.URL+" "+prefix+" "+strconv.Itoa(workers)+" "+strconv.Itoa(each))
			out, err := cmd.Output()
			if err != nil {
				errs <- fmt.Errorf("helper %d: %v\n%s", h, err, out)
				return
			}
			for _, line := range strings.Fields(string(out)) {
				if n, ok := strings.CutPrefix(line, "n="); ok {
					v, _ := strconv.ParseInt(n, 10, 64)
					seen <- v
				}
			}
		}()
	}
	for range engines {
		e := connect(t, s.URL, kvredis.KeyPrefix(prefix), kvredis.EngineOptions(engine.CreateOnOpen(true)))
		work(open(t, e, "shared"), workers, each, &wg, seen, errs)
	}
	wg.Wait()
	close(errs)
	close(seen)
	for err := range errs {
		t.Fatal(err)
	}
	distinct := map[int64]bool{}
	for n := range seen {
		if distinct[n] {
			t.Fatalf("increment result %d returned twice", n)
		}
		distinct[n] = true
	}
	const total = (engines + helpers) * workers * each
	if len(distinct) != total {
		t.Fatalf("%d increment results, want %d", len(distinct), total)
	}
	b := open(t, connect(t, s.URL, kvredis.KeyPrefix(prefix)), "shared")
	for _, k := range []string{"n", "cas"} {
		if v, _, err := b.Get(ctx, k); err != nil || string(v) != strconv.Itoa(total) {
			t.Fatalf("%s = %q, %v; want %d", k, v, err, total)
		}
	}
}

// TestHelperProcess is a worker of TestProcesses when run by it; it prints
// the result of every increment ("n=RESULT").
func TestHelperProcess(t *testing.T) {
	args := strings.Fields(os.Getenv("WITGO_REDIS_HELPER"))
	if len(args) != 4 {
		t.Skip("a helper of TestProcesses")
	}
	workers, _ := strconv.Atoi(args[2])
	each, _ := strconv.Atoi(args[3])
	e := connect(t, args[0], kvredis.KeyPrefix(args[1]), kvredis.EngineOptions(engine.CreateOnOpen(true)))
	var wg sync.WaitGroup
	seen := make(chan int64, workers*each)
	errs := make(chan error, workers*2)
	work(open(t, e, "shared"), workers, each, &wg, seen, errs)
	wg.Wait()
	close(errs)
	close(seen)
	for err := range errs {
		t.Fatal(err)
	}
	var out strings.Builder
	for n := range seen {
		fmt.Fprintf(&out, "n=%d\n", n)
	}
	fmt.Print(out.String())
}

// work starts workers goroutines that increment "n" each times and as
// many that add 1 to "cas" each times with CAS loops.
func work(b engine.Bucket, workers, each int, wg *sync.WaitGroup, seen chan<- int64, errs chan<- error) {
	for range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range each {
				n, err := b.IncrementS64(ctx, "n", 1)
				if err != nil {
					errs <- err
					return
				}
				seen <- n
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				for {
					v, ok, ver, err := b.GetVersioned(ctx, "cas")
					if err != nil {
						errs <- err
						return
					}
					n := 0
					if ok {
						n, _ = strconv.Atoi(string(v))
					}
					swapped, _, err := b.CompareAndSwap(ctx, "cas", ver, []byte(strconv.Itoa(n+1)))
					if err != nil {
						errs <- err
						return
					}
					if swapped {
						break
					}
				}
			}
		}()
	}
}

// TestLateWriteRefused keeps Redis busy with a script while a write waits
// behind it past its deadline: the write fails and is never applied, not
// even once Redis gets to it.
func TestLateWriteRefused(t *testing.T) {
	s := redistest.Find(t)
	e := connect(t, s.URL, kvredis.EngineOptions(engine.CreateOnOpen(true)))
	b := open(t, e, "late")
	busy := goredis.NewClient(mustParse(t, s.URL))
	defer busy.Close()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		// A script that spins for 700 ms: Redis runs nothing else meanwhile.
		done <- busy.Eval(ctx, `local t = redis.call('TIME') local s = t[1] * 1e6 + t[2]
			while true do local n = redis.call('TIME') if n[1] * 1e6 + n[2] - s > 700000 then break end end
			return 1`, nil).Err()
	}()
	<-started
	time.Sleep(100 * time.Millisecond)
	c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err := b.Set(c, "k", []byte("late"))
	cancel()
	if err == nil {
		t.Fatal("Set succeeded while Redis was busy past its deadline")
	}
	if err := <-done; err != nil {
		t.Fatalf("busy script: %v", err)
	}
	if _, ok, err := b.Get(ctx, "k"); err != nil || ok {
		t.Fatalf("the write that failed was applied later: %v, %v", ok, err)
	}
}

// TestUnavailable: a server that is not there fails fast with the stable
// text.
func TestUnavailable(t *testing.T) {
	_, err := kvredis.Connect(ctx, "redis://127.0.0.1:1/0")
	if !errors.Is(err, kvredis.ErrUnavailable) || !strings.Contains(err.Error(), "redis unavailable") {
		t.Fatalf("Connect to a closed port: %v", err)
	}
}

func mustParse(t *testing.T, url string) *goredis.Options {
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"redis://:s3cret@127.0.0.1:6379/0":        "redis://:xxxxx@127.0.0.1:6379/0",
		"rediss://user:p%40ss@example.com:6380/2": "rediss://user:xxxxx@example.com:6380/2",
		"redis://127.0.0.1:6379":                  "redis://127.0.0.1:6379",
	} {
		if got := kvredis.Redacted(in); got != want || strings.Contains(got, "s3cret") || strings.Contains(got, "p%40ss") {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
}
