package wrpc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/internal/testcerts"
)

// benchPayload is the small payload echoed by the round-trip benchmarks.
var benchPayload = bytes.Repeat([]byte("wrpc"), 16) // 64 B

// runCallers runs call b.N times in total from callers goroutines.
func runCallers(b *testing.B, callers int, call func() error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkRoundTrip measures wRPC calls (Client → Server → echo handler →
// Client) over TCP and Unix sockets, one connection per call. Compare with
// BenchmarkRawFloor, the same exchange without wRPC.
func BenchmarkRoundTrip(b *testing.B) {
	for _, network := range networks {
		for _, callers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/callers=%d", network, callers), func(b *testing.B) {
				ts := startServer(b, network, WithLogger(slog.New(slog.DiscardHandler)))
				ts.Register(testInstance, "echo", echo)
				ctx := context.Background()
				runCallers(b, callers, func() error {
					got, err := ts.client.Invoke(ctx, testInstance, "echo", benchPayload)
					if err == nil && len(got) != len(benchPayload) {
						err = fmt.Errorf("got %d bytes", len(got))
					}
					return err
				})
			})
		}
	}
}

// BenchmarkRawFloor is the floor for BenchmarkRoundTrip: the same
// connection-per-call exchange with no wRPC at all. The client dials, writes
// the payload, shuts down its write side and reads to EOF; the server reads to
// EOF, writes the bytes back and closes.
func BenchmarkRawFloor(b *testing.B) {
	for _, network := range networks {
		for _, callers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/callers=%d", network, callers), func(b *testing.B) {
				l := listen(b, network)
				defer l.Close()
				go rawEchoServer(l)
				var d net.Dialer
				runCallers(b, callers, func() error { return rawCallOnce(&d, l.Addr()) })
			})
		}
	}
}

// rawCallOnce is one call of the raw floor exchange.
func rawCallOnce(d *net.Dialer, addr net.Addr) error {
	c, err := d.DialContext(context.Background(), addr.Network(), addr.String())
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(benchPayload); err != nil {
		return err
	}
	if err := c.(Conn).CloseWrite(); err != nil {
		return err
	}
	bp := getBuf()
	defer putBuf(bp)
	buf, err := readToEOF(c, (*bp)[:0])
	*bp = buf
	if err == nil && len(buf) != len(benchPayload) {
		err = fmt.Errorf("got %d bytes", len(buf))
	}
	return err
}

// BenchmarkRoundTripVsRaw alternates a raw floor call and a wRPC call in
// every iteration and times each, so that both see the same machine state;
// wrpc/raw-% is the wRPC throughput as a percentage of the raw floor's
// (100 × raw time / wRPC time). One op is one pair of calls.
func BenchmarkRoundTripVsRaw(b *testing.B) {
	for _, network := range networks {
		for _, callers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/callers=%d", network, callers), func(b *testing.B) {
				ts := startServer(b, network, WithLogger(slog.New(slog.DiscardHandler)))
				ts.Register(testInstance, "echo", echo)
				rl := listen(b, network)
				defer rl.Close()
				go rawEchoServer(rl)
				var d net.Dialer
				var rawNs, wrpcNs atomic.Int64
				ctx := context.Background()
				runCallers(b, callers, func() error {
					t0 := time.Now()
					got, err := ts.client.Invoke(ctx, testInstance, "echo", benchPayload)
					if err == nil && len(got) != len(benchPayload) {
						err = fmt.Errorf("got %d bytes", len(got))
					}
					if err != nil {
						return err
					}
					t1 := time.Now()
					if err := rawCallOnce(&d, rl.Addr()); err != nil {
						return err
					}
					t2 := time.Now()
					wrpcNs.Add(int64(t1.Sub(t0)))
					rawNs.Add(int64(t2.Sub(t1)))
					return nil
				})
				n := float64(b.N)
				b.ReportMetric(float64(rawNs.Load())/n/1e3, "raw-µs/call")
				b.ReportMetric(float64(wrpcNs.Load())/n/1e3, "wrpc-µs/call")
				b.ReportMetric(100*float64(rawNs.Load())/float64(wrpcNs.Load()), "wrpc/raw-%")
			})
		}
	}
}

func rawEchoServer(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			bp := getBuf()
			defer putBuf(bp)
			buf, err := readToEOF(c, (*bp)[:0])
			*bp = buf
			if err == nil {
				_, _ = c.Write(buf)
			}
		}()
	}
}

// readToEOF appends everything r sends to buf.
func readToEOF(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// BenchmarkRoundTripTLS is BenchmarkRoundTrip over TLS 1.3 with client
// certificates: "resumed", as DialTLS does it (each connection resumes the
// client's session), and "full", with the server's session tickets off, so
// that every connection makes a full handshake (certificates both ways).
//
//	go test -run '^$' -bench RoundTripTLS -benchmem ./runtime/wrpc/
func BenchmarkRoundTripTLS(b *testing.B) {
	ca := testcerts.NewCA(b, "bench CA")
	clientCfg := ca.ClientConfig(ca.Client(b, testcerts.Identity{URI: "spiffe://bench/client"}))
	for _, mode := range []string{"resumed", "full"} {
		for _, callers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/callers=%d", mode, callers), func(b *testing.B) {
				cfg := ca.ServerConfig(b, ca.Pool)
				cfg.SessionTicketsDisabled = mode == "full"
				l, err := Listen("tls://127.0.0.1:0", WithListenTLSConfig(cfg))
				if err != nil {
					b.Fatal(err)
				}
				srv := NewServer(WithLogger(slog.New(slog.DiscardHandler)))
				srv.Register(testInstance, "echo", echo)
				go srv.Serve(l)
				defer srv.Close()
				c, err := Dial(ListenerURL(l), WithTLSConfig(clientCfg))
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				runCallers(b, callers, func() error {
					got, err := c.Invoke(ctx, testInstance, "echo", benchPayload)
					if err == nil && len(got) != len(benchPayload) {
						err = fmt.Errorf("got %d bytes", len(got))
					}
					return err
				})
			})
		}
	}
}
