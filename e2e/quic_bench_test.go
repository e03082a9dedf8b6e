package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// BenchmarkGet100 measures a 100-byte get of wasi:keyvalue@0.2.0-draft2
// through the generated client and server on the memory backend, on
// loopback, with 1, 8 and 64 callers, against two floors in the same run:
//
//   - witgo-QUIC: the generated client over QUIC (wrpc.DialQUIC: one
//     connection, one stream per call);
//   - raw-QUIC: quic-go alone, the same process layout: one connection, one
//     bidirectional stream per call; the client writes a request of the
//     size of witgo's and ends its side, the server reads to EOF and
//     writes 105 bytes (the size of witgo's response);
//   - witgo-TCP: the generated client over TCP, a connection per call;
//   - raw-TCP: the connection-per-call TCP floor: dial, write the request,
//     shut down the write side, read to EOF; the server reads to EOF,
//     writes 105 bytes and closes.
//
// calls/s is the throughput; p50-µs and p99-µs the latency of one call.
//
//	go test -run '^$' -bench Get100 -benchtime 2s ./e2e/
func BenchmarkGet100(b *testing.B) {
	for _, tr := range []string{"witgo-QUIC", "raw-QUIC", "witgo-TCP", "raw-TCP"} {
		for _, callers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/callers=%d", tr, callers), func(b *testing.B) {
				call := get100Caller(b, tr)
				runTimedCallers(b, callers, call)
			})
		}
	}
}

// BenchmarkGet100QUICVsRaw alternates, in every caller, a witgo get over
// QUIC and a raw quic-go call of the same sizes, timing each, so that both
// see the same machine state (the machine may be shared): witgo/raw-% is
// witgo's throughput as a percentage of the raw floor's. One op is one
// pair of calls.
func BenchmarkGet100QUICVsRaw(b *testing.B) {
	for _, callers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			witgo := get100Caller(b, "witgo-QUIC")
			raw := get100Caller(b, "raw-QUIC")
			var witgoNs, rawNs atomic.Int64
			runTimedCallers(b, callers, func() error {
				t0 := time.Now()
				if err := witgo(); err != nil {
					return err
				}
				t1 := time.Now()
				if err := raw(); err != nil {
					return err
				}
				t2 := time.Now()
				witgoNs.Add(int64(t1.Sub(t0)))
				rawNs.Add(int64(t2.Sub(t1)))
				return nil
			})
			n := float64(b.N)
			b.ReportMetric(float64(rawNs.Load())/n/1e3, "raw-µs/call")
			b.ReportMetric(float64(witgoNs.Load())/n/1e3, "witgo-µs/call")
			b.ReportMetric(100*float64(rawNs.Load())/float64(witgoNs.Load()), "witgo/raw-%")
		})
	}
}

// TestGet100Sizes: the raw floors exchange as many bytes as witgo's get.
func TestGet100Sizes(t *testing.T) {
	req, resp := get100Sizes(t)
	if resp != 105 {
		t.Errorf("witgo's response to a 100-byte get is %d bytes, want 105", resp)
	}
	if req < 40 || req > 200 {
		t.Errorf("witgo's get request is %d bytes", req)
	}
}

const get100Key = "key:bench"

// get100Sizes measures witgo's request and response for the benchmark's
// get, through an Invoker that looks at them.
func get100Sizes(tb testing.TB) (req, resp int) {
	srv := newServer()
	draft2.Register(srv, draft2backend.New(memory.New(engine.Buckets("bench"))))
	inv := serveTCP(tb, srv)
	spy := wrpc.InvokerFunc(func(ctx context.Context, instance, name string, params []byte) ([]byte, error) {
		res, err := inv.Invoke(ctx, instance, name, params)
		if name == store.BucketGetFunctionName {
			req = len(wrpc.AppendRequest(nil, instance, name, params))
			resp = 2 + len(res) // the root frame: empty path, one-byte length
		}
		return res, err
	})
	w := draft2.NewClient(spy)
	ctx := context.Background()
	bk, err := w.Store.Open(ctx, "bench")
	if err != nil {
		tb.Fatal(err)
	}
	if err := bk.Set(ctx, get100Key, make([]byte, 100)); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := bk.Get(ctx, get100Key); err != nil {
		tb.Fatal(err)
	}
	return req, resp
}

// get100Caller sets up tr and returns one call of it.
func get100Caller(b *testing.B, tr string) func() error {
	switch tr {
	case "witgo-QUIC", "witgo-TCP":
		srv := newServer()
		draft2.Register(srv, draft2backend.New(memory.New(engine.Buckets("bench"))))
		var inv wrpc.Invoker
		if tr == "witgo-QUIC" {
			inv = serveQUIC(b, srv)
		} else {
			inv = serveTCP(b, srv)
		}
		w := draft2.NewClient(inv)
		ctx := context.Background()
		bk, err := w.Store.Open(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := bk.Set(ctx, get100Key, make([]byte, 100)); err != nil {
			b.Fatal(err)
		}
		return func() error {
			v, ok, err := bk.Get(ctx, get100Key)
			if err == nil && (!ok || len(v) != 100) {
				err = fmt.Errorf("get: %d bytes, %v", len(v), ok)
			}
			return err
		}
	case "raw-QUIC":
		req, resp := get100Sizes(b)
		return rawQUICFloor(b, req, resp)
	case "raw-TCP":
		req, resp := get100Sizes(b)
		return rawTCPFloor(b, req, resp)
	}
	b.Fatalf("unknown transport %q", tr)
	return nil
}

// rawQUICFloor serves the raw exchange with quic-go alone and returns one
// call of it: a stream per call on one connection.
func rawQUICFloor(b *testing.B, reqSize, respSize int) func() error {
	cert, pool := quicCerts()
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"bench"}}
	ln, err := quic.ListenAddr("127.0.0.1:0", serverTLS, &quic.Config{MaxIncomingStreams: 256})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	resp := make([]byte, respSize)
	go func() {
		for {
			qc, err := ln.Accept(context.Background())
			if err != nil {
				return
			}
			go func() {
				for {
					s, err := qc.AcceptStream(context.Background())
					if err != nil {
						return
					}
					go func() {
						buf := make([]byte, 512)
						if _, err := readAll(s, buf); err == nil {
							_, _ = s.Write(resp)
						}
						_ = s.Close()
					}()
				}
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	qc, err := quic.DialAddr(ctx, ln.Addr().String(), &tls.Config{RootCAs: pool, NextProtos: []string{"bench"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { qc.CloseWithError(0, "") })
	req := make([]byte, reqSize)
	return func() error {
		s, err := qc.OpenStreamSync(context.Background())
		if err != nil {
			return err
		}
		if _, err := s.Write(req); err != nil {
			return err
		}
		if err := s.Close(); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := readAll(s, buf)
		if err == nil && n != respSize {
			err = fmt.Errorf("got %d bytes", n)
		}
		return err
	}
}

// rawTCPFloor serves the raw exchange over TCP, a connection per call, and
// returns one call of it.
func rawTCPFloor(b *testing.B, reqSize, respSize int) func() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	resp := make([]byte, respSize)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 512)
				if _, err := readAll(c, buf); err == nil {
					_, _ = c.Write(resp)
				}
			}()
		}
	}()
	req := make([]byte, reqSize)
	addr := l.Addr().String()
	var d net.Dialer
	return func() error {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write(req); err != nil {
			return err
		}
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := readAll(c, buf)
		if err == nil && n != respSize {
			err = fmt.Errorf("got %d bytes", n)
		}
		return err
	}
}

// readAll reads r to EOF into buf, which must be large enough.
func readAll(r io.Reader, buf []byte) (int, error) {
	n := 0
	for {
		m, err := r.Read(buf[n:])
		n += m
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if n == len(buf) {
			return n, errors.New("response larger than the buffer")
		}
	}
}

// processCPU is the CPU time (user and system) the process used so far:
// client and server alike. On a shared machine, CPU per call compares
// transports better than wall-clock throughput does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runTimedCallers runs call b.N times in total from callers goroutines,
// and reports calls/s and the median and 99th percentile latency of a
// call, and the CPU time per call of the whole process.
func runTimedCallers(b *testing.B, callers int, call func() error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for range callers {
		wg.Go(func() {
			mine := make([]time.Duration, 0, b.N/callers+1)
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := call(); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "calls/s")
	}
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N)/1e3, "cpu-µs/call")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	}
}
