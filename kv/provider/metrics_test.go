package provider_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/atomics"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/syncbuf"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/kv/provider"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// scrape returns the value of every sample of the metrics page at url,
// by its line's name and labels as written.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %s %q\n%s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	return m
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// TestMetrics serves the draft2 family with --metrics-listen and checks
// that real calls through the generated client move the counters, the
// histogram and the gauges, that a connection over the per-remote cap is
// counted as refused, and that the health endpoints answer.
func TestMetrics(t *testing.T) {
	cfg := provider.DefaultConfig()
	cfg.Listen = "tcp://127.0.0.1:0"
	cfg.MetricsListen = "127.0.0.1:0"
	cfg.CreateOnOpen = false
	cfg.Buckets = []string{"known"}
	cfg.MaxConnectionsPerRemote = 2
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	var logs syncbuf.Buffer
	log, err := cfg.Logger(&logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	metricsURL := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- provider.Run(ctx, cfg, provider.Service{
			Engine:       memory.New(cfg.EngineOptions()...),
			Register:     func(s *wrpc.Server, e engine.Engine) { draft2.Register(s, backend.New(e)) },
			Logger:       log,
			Ready:        func(addr string) { ready <- addr },
			MetricsReady: func(url string) { metricsURL <- url },
		})
	}()
	var addr, murl string
	select {
	case murl = <-metricsURL:
		addr = <-ready
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(murl) {
		t.Fatalf("metrics URL %q", murl)
	}
	if !strings.Contains(logs.String(), " page_size=100 metrics_url="+murl+"\n") {
		t.Errorf("log lacks the metrics URL:\n%s", logs.String())
	}
	hostport := strings.TrimPrefix(addr, "tcp://")
	inv := wrpc.DialTCP(hostport)
	kv := store.NewClient(inv)
	at := atomics.NewClient(inv)
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()

	const (
		storeI   = "wasi:keyvalue/store@0.2.0-draft2"
		atomicsI = "wasi:keyvalue/atomics@0.2.0-draft2"
	)
	before := scrape(t, murl)
	if got := before[`witgo_wrpc_refusals_total{limit="max-connections-per-remote"}`]; got != 0 {
		t.Errorf("refusals before any call: %v", got)
	}
	if got := before[`witgo_engine_up`]; got != 1 {
		t.Errorf("witgo_engine_up %v, want 1", got)
	}

	b, err := kv.Open(cctx, "known")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := b.Set(cctx, "k", []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kv.Open(cctx, "unknown"); !errors.Is(err, store.ErrNoSuchStore) {
		t.Fatalf("open unknown: %v", err)
	}
	// A CAS handle lives in the server's handle table.
	cas, err := at.CasNew(cctx, b, "k")
	if err != nil {
		t.Fatal(err)
	}
	// A handle the server never issued fails the call without a result.
	if _, _, err := atomics.NewCasClient(inv, []byte("no such handle!!")).Current(cctx); !errors.Is(err, wrpc.ErrNoResult) {
		t.Fatalf("a bogus handle: %v, want no result", err)
	}
	// Two connections held from 127.0.0.1, then a third is refused.
	// (The server releases a connection just after the client has its
	// results: wait for the earlier calls' to be gone.)
	waitOpen := func(n float64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for scrape(t, murl)[`witgo_wrpc_open_connections`] != n {
			if time.Now().After(deadline) {
				t.Fatalf("open connections never reached %v", n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitOpen(0)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", hostport)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	waitOpen(2)
	if err := b.Set(cctx, "k", []byte("v")); err == nil {
		t.Fatal("a call over the per-remote cap was served")
	}

	m := scrape(t, murl)
	for name, want := range map[string]float64{
		`witgo_wrpc_calls_total{instance="` + storeI + `",function="open",outcome="ok"}`:                     2,
		`witgo_wrpc_calls_total{instance="` + storeI + `",function="bucket.set",outcome="ok"}`:               3,
		`witgo_wrpc_calls_total{instance="` + storeI + `",function="bucket.set",outcome="error"}`:            0,
		`witgo_wrpc_calls_total{instance="` + atomicsI + `",function="cas.current",outcome="error"}`:         1,
		`witgo_wrpc_calls_total{instance="` + atomicsI + `",function="cas.new",outcome="ok"}`:                1,
		`witgo_wrpc_call_duration_seconds_count{instance="` + storeI + `",function="bucket.set"}`:            3,
		`witgo_wrpc_call_duration_seconds_bucket{instance="` + storeI + `",function="bucket.set",le="+Inf"}`: 3,
		`witgo_wrpc_connections_accepted_total`:                                                              9,
		`witgo_wrpc_refusals_total{limit="max-connections-per-remote"}`:                                      1,
		`witgo_wrpc_refusals_total{limit="max-connections"}`:                                                 0,
		`witgo_wrpc_open_connections`:                               2,
		`witgo_wrpc_max_connections_per_remote`:                     -1, // absent
		`witgo_wrpc_handles{resource="` + atomicsI + `#cas"}`:       1,
		`witgo_wrpc_handle_owners`:                                  1,
		`witgo_engine_errors_total{op="open",kind="no-such-store"}`: 1,
		`witgo_engine_up`:                                           1,
	} {
		got, ok := m[name]
		if want == -1 {
			if ok {
				t.Errorf("%s present", name)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	// The handler time of the sets is within the histogram's range, and
	// the buckets are cumulative.
	if sum := m[`witgo_wrpc_call_duration_seconds_sum{instance="`+storeI+`",function="bucket.set"}`]; sum <= 0 || sum > 10 {
		t.Errorf("duration sum %v", sum)
	}
	if lo, hi := m[`witgo_wrpc_call_duration_seconds_bucket{instance="`+storeI+`",function="bucket.set",le="0.001"}`],
		m[`witgo_wrpc_call_duration_seconds_bucket{instance="`+storeI+`",function="bucket.set",le="30"}`]; lo > hi || hi != 3 {
		t.Errorf("buckets le=0.001 %v, le=30 %v", lo, hi)
	}

	// Once the held connections are closed, the gauge falls back to zero.
	for _, c := range held {
		c.Close()
	}
	waitOpen(0)
	// Swapping moves the CAS out of the table.
	if err := at.Swap(cctx, cas, []byte("w")); err != nil {
		t.Fatal(err)
	}
	if m := scrape(t, murl); m[`witgo_wrpc_handles{resource="`+atomicsI+`#cas"}`] != 0 || m[`witgo_wrpc_handle_owners`] != 0 {
		t.Errorf("handles after the swap: %v, owners %v", m[`witgo_wrpc_handles{resource="`+atomicsI+`#cas"}`], m[`witgo_wrpc_handle_owners`])
	}

	for _, path := range []string{"/healthz", "/readyz", "/livez"} {
		if code, body := getStatus(t, murl+path); code != 200 || body != `{"status":"ok"}` {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
	if code, _ := getStatus(t, murl+"/nope"); code != 404 {
		t.Errorf("GET /nope: %d", code)
	}
	resp, err := http.Post(murl+"/metrics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %s", resp.Status)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	// The metrics server stopped with the provider.
	if _, err := http.Get(murl + "/livez"); err == nil {
		t.Error("the metrics server still answers after Run returned")
	}
}

// A --metrics-listen that is not HOST:PORT is a usage error; one that
// cannot listen makes Run fail.
func TestMetricsListenFlag(t *testing.T) {
	for _, bad := range []string{"9464", "tcp://127.0.0.1:9464", "127.0.0.1:"} {
		cfg := provider.DefaultConfig()
		cfg.MetricsListen = bad
		if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), "--metrics-listen") {
			t.Errorf("Check with --metrics-listen %q: %v", bad, err)
		}
	}
	if d := provider.DefaultConfig(); d.MetricsListen != "" {
		t.Errorf("metrics served by default on %q", d.MetricsListen)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := provider.DefaultConfig()
	cfg.Listen = "tcp://127.0.0.1:0"
	cfg.MetricsListen = busy.Addr().String()
	err = provider.Run(context.Background(), cfg, provider.Service{
		Engine:   memory.New(),
		Register: func(s *wrpc.Server, e engine.Engine) { draft2.Register(s, backend.New(e)) },
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err == nil || !strings.Contains(err.Error(), "--metrics-listen") {
		t.Errorf("Run with a busy metrics port: %v", err)
	}
}
