package attack

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/atomics"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/batch"
	"github.com/witgo-dev/witgo/internal/natstest"
)

// write is one set or increment of the NATS outage load, and its outcome.
type write struct {
	key, value string // value "" for an increment
	at         time.Time
	took       time.Duration
	err        error
}

// testNATSOutage writes without a pause through "witgo serve --backend
// nats" while the NATS server goes down (5 s, and 15 s in the long form)
// and comes back on the same port and store: no acknowledged write may be
// lost, no write reported failed may show up later, counters count exactly
// the acknowledged increments, and witgo recovers without a restart.
func testNATSOutage(t *testing.T) {
	writers := scale(2, 8)
	outages := scale([]time.Duration{5 * time.Second}, []time.Duration{5 * time.Second, 15 * time.Second})
	dir := t.TempDir()
	ns := natstest.Start(t, natstest.Options{Dir: dir})
	port := ns.Addr().(*net.TCPAddr).Port
	s := startServer(t, "--backend", "nats", "--nats-url", ns.ClientURL())
	inv := clientFrom(s.addr, bystanderIP)
	b := openBucket(t, inv, "outage")
	at := atomics.NewClient(inv)

	var (
		mu     sync.Mutex
		log    = make([][]write, writers)
		lastOK time.Time
		wg     sync.WaitGroup
		stop   = make(chan struct{})
	)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// The client waits long enough for the server to answer
				// (JetStream's own publish timeout is 5 s): a failure is
				// the server's answer, not the client giving up.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				w := write{at: time.Now()}
				if i%5 == 4 {
					w.key = fmt.Sprintf("ctr-%d", g)
					_, w.err = at.Increment(ctx, b, w.key, 1)
				} else {
					w.key = fmt.Sprintf("w%d-%06d", g, i)
					w.value = fmt.Sprintf("%s@%d", w.key, w.at.UnixNano())
					w.err = b.Set(ctx, w.key, []byte(w.value))
				}
				w.took = time.Since(w.at)
				cancel()
				mu.Lock()
				log[g] = append(log[g], w)
				if w.err == nil && w.at.After(lastOK) {
					lastOK = w.at
				}
				mu.Unlock()
				if w.err != nil {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	lastAck := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return lastOK
	}

	time.Sleep(time.Second)
	var recoveries []time.Duration
	for _, down := range outages {
		ns.Shutdown()
		ns.WaitForShutdown()
		time.Sleep(down)
		ns = natstest.Start(t, natstest.Options{Dir: dir, Port: port})
		restarted := time.Now()
		for lastAck().Before(restarted) && time.Since(restarted) < 60*time.Second {
			time.Sleep(20 * time.Millisecond)
		}
		rec := time.Since(restarted)
		recoveries = append(recoveries, rec)
		t.Logf("NATS down %v: first acknowledged write %v after it came back", down, rec.Round(time.Millisecond))
		time.Sleep(2 * time.Second)
	}
	close(stop)
	wg.Wait()

	// Read everything back.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		acked, failed, notApplied, unknown int
		lost, appliedLater, readErrs       []string
		counterBad                         []string
		failLat                            latencies
	)
	bc := batch.NewClient(inv)
	for g, ws := range log {
		var sets []write
		ackedInc := 0
		for _, w := range ws {
			if w.err == nil {
				acked++
			} else {
				failed++
				failLat.add(w.took)
				switch msg := w.err.Error(); {
				case strings.Contains(msg, "not applied"):
					notApplied++
				case strings.Contains(msg, "outcome unknown"):
					unknown++
				}
			}
			if w.value == "" {
				if w.err == nil {
					ackedInc++
				}
				continue
			}
			sets = append(sets, w)
		}
		for len(sets) > 0 {
			chunk := sets[:min(len(sets), 200)]
			sets = sets[len(chunk):]
			keys := make([]string, len(chunk))
			for i, w := range chunk {
				keys[i] = w.key
			}
			got, err := bc.GetMany(ctx, b, keys)
			if err != nil || len(got) != len(keys) {
				readErrs = append(readErrs, fmt.Sprintf("get-many of %d keys: %d entries, %v", len(keys), len(got), err))
				continue
			}
			for i, w := range chunk {
				present := got[i] != nil
				switch {
				case w.err == nil && (!present || string(got[i].F1) != w.value):
					lost = append(lost, w.key)
				case w.err != nil && present:
					appliedLater = append(appliedLater, fmt.Sprintf("%s (failed with: %v)", w.key, w.err))
				}
			}
		}
		v, found, err := b.Get(ctx, fmt.Sprintf("ctr-%d", g))
		n, _ := strconv.Atoi(string(v))
		if err != nil || (ackedInc > 0 && !found) || n != ackedInc {
			counterBad = append(counterBad, fmt.Sprintf("ctr-%d = %q (%v, %v), %d increments acknowledged", g, v, found, err, ackedInc))
		}
	}
	// Recovered without a restart: the same process writes again.
	finalErr := b.Set(ctx, "after", []byte("ok"))
	select {
	case <-s.exited:
		t.Errorf("witgo serve exited during the outage: %v", s.waitErr)
	default:
	}

	record(t, "%d writers, NATS down %v: %d writes acknowledged, %d failed (%d 'not applied', %d 'outcome unknown'; each failure took %v); %d acknowledged writes lost, %d failed writes applied later, %d counters off; recovery %v; write after recovery: %v",
		writers, outages, acked, failed, notApplied, unknown, &failLat, len(lost), len(appliedLater), len(counterBad), recoveries, finalErr)
	if len(readErrs) > 0 {
		t.Errorf("reading back: %s", strings.Join(readErrs, "; "))
	}
	if len(lost) > 0 {
		t.Errorf("%d acknowledged writes lost, e.g. %s", len(lost), strings.Join(lost[:min(len(lost), 5)], ", "))
	}
	if len(appliedLater) > 0 {
		t.Errorf("%d writes reported failed were applied, e.g.:\n%s", len(appliedLater), strings.Join(appliedLater[:min(len(appliedLater), 5)], "\n"))
	}
	if len(counterBad) > 0 {
		t.Errorf("counters:\n%s", strings.Join(counterBad, "\n"))
	}
	for i, r := range recoveries {
		if r > 15*time.Second {
			t.Errorf("outage %d: no write acknowledged until %v after NATS came back", i+1, r.Round(time.Millisecond))
		}
	}
	if failed == 0 {
		t.Errorf("no write failed while NATS was down: was the outage real?")
	}
	if finalErr != nil {
		t.Errorf("write after recovery: %v", finalErr)
	}
}

// testNATSLargeValues stores a 1 MiB and a 4 MiB value through "witgo
// serve --backend nats" on a NATS server with the stock max_payload (1 MiB):
// both must round-trip.
func testNATSLargeValues(t *testing.T) {
	ns := natstest.Start(t, natstest.Options{}) // max_payload 1 MiB, as shipped
	s := startServer(t, "--backend", "nats", "--nats-url", ns.ClientURL())
	limit := "?"
	if m := regexp.MustCompile(` max_value_bytes=(\d+) `).FindStringSubmatch(s.log.String()); m != nil {
		limit = m[1]
	}
	b := openBucket(t, clientFrom(s.addr, bystanderIP), "large")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var results []string
	for _, size := range []int{1 << 20, 4 << 20} {
		value := make([]byte, size)
		for i := range value {
			value[i] = byte(i*7 + i>>13)
		}
		key := fmt.Sprintf("v%d", size)
		t0 := time.Now()
		err := b.Set(ctx, key, value)
		var got []byte
		var found bool
		if err == nil {
			got, found, err = b.Get(ctx, key)
		}
		d := time.Since(t0)
		switch {
		case err != nil:
			t.Errorf("%s value: %v", mibs(int64(size)), err)
			results = append(results, fmt.Sprintf("%s: %v", mibs(int64(size)), err))
		case !found || !bytes.Equal(got, value):
			t.Errorf("%s value: read back %d bytes (found %v), not the value written", mibs(int64(size)), len(got), found)
			results = append(results, fmt.Sprintf("%s: wrong value back", mibs(int64(size))))
		default:
			results = append(results, fmt.Sprintf("%s: round trip ok in %v", mibs(int64(size)), d.Round(time.Millisecond)))
		}
	}
	record(t, "NATS max_payload 1 MiB (stock), witgo max_value_bytes %s: %s", limit, strings.Join(results, "; "))
}
