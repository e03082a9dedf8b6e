package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/internal/redistest"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	kvnats "github.com/witgo-dev/witgo/kv/nats"
	"github.com/witgo-dev/witgo/kv/provider/metrics"
	kvredis "github.com/witgo-dev/witgo/kv/redis"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// parse reads the metrics of m with the Prometheus text parser.
func parse(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	var buf bytes.Buffer
	if err := m.WriteText(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the Prometheus parser rejects the metrics: %v\n%s", err, buf.String())
	}
	return fams
}

// find returns the metric of fam whose labels include want.
func find(t *testing.T, fams map[string]*dto.MetricFamily, name string, want ...string) *dto.Metric {
	t.Helper()
	fam := fams[name]
	if fam == nil {
		t.Fatalf("no family %s", name)
	}
next:
	for _, m := range fam.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no %s with labels %q", name, want)
	return nil
}

// The output is valid Prometheus text with the documented types, and it
// counts what the observer and the engine wrapper saw.
func TestTextFormat(t *testing.T) {
	m := metrics.New()
	srv := wrpc.NewServer(wrpc.WithObserver(m), wrpc.WithMaxConnections(7, 3))
	m.Observe(srv)
	const inst = `odd:"inst"\name` + "\n@1"
	m.CallDone(inst, "get", wrpc.OutcomeOK, 50*time.Microsecond)
	m.CallDone(inst, "get", wrpc.OutcomeOK, 2*time.Millisecond)
	m.CallDone(inst, "get", wrpc.OutcomeError, 40*time.Second)
	m.CallDone(inst, "set", wrpc.OutcomePanic, time.Millisecond)
	m.Refused(wrpc.LimitHeaderTimeout)
	m.Refused(wrpc.LimitHeaderTimeout)
	m.Refused("some-future-limit")
	m.ConnAccepted()

	e := m.CountErrors(memory.New(engine.CreateOnOpen(false), engine.Buckets("b"), engine.MaxKeyBytes(8)))
	ctx := context.Background()
	if _, err := e.Open(ctx, "nope"); !errors.Is(err, engine.ErrNoSuchStore) {
		t.Fatalf("open: %v", err)
	}
	b, err := e.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "much too long", nil); !errors.Is(err, engine.ErrKeyTooLarge) {
		t.Fatalf("set: %v", err)
	}
	if _, _, err := b.ListKeysAfter(ctx, "\xff"); !errors.Is(err, engine.ErrInvalidCursor) {
		t.Fatalf("list: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := b.Get(cctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("get: %v", err)
	}
	if err := b.SetMany(ctx, []engine.Entry{{Key: "a"}, {Key: "much too long"}}); err == nil {
		t.Fatal("set-many of a long key")
	}
	if err := b.Set(ctx, "k", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if o := e.(interface{ Options() engine.Options }).Options(); o.MaxKeyBytes != 8 {
		t.Errorf("the wrapper reports MaxKeyBytes %d", o.MaxKeyBytes)
	}

	fams := parse(t, m)
	for name, typ := range map[string]dto.MetricType{
		"witgo_wrpc_calls_total":                dto.MetricType_COUNTER,
		"witgo_wrpc_call_duration_seconds":      dto.MetricType_HISTOGRAM,
		"witgo_wrpc_connections_accepted_total": dto.MetricType_COUNTER,
		"witgo_wrpc_refusals_total":             dto.MetricType_COUNTER,
		"witgo_wrpc_open_connections":           dto.MetricType_GAUGE,
		"witgo_wrpc_max_connections":            dto.MetricType_GAUGE,
		"witgo_wrpc_bytes_in_flight":            dto.MetricType_GAUGE,
		"witgo_wrpc_handle_quota":               dto.MetricType_GAUGE,
		"witgo_engine_errors_total":             dto.MetricType_COUNTER,
		"witgo_engine_up":                       dto.MetricType_GAUGE,
		"go_goroutines":                         dto.MetricType_GAUGE,
		"process_start_time_seconds":            dto.MetricType_GAUGE,
	} {
		if f := fams[name]; f == nil || f.GetType() != typ {
			t.Errorf("%s: %v, want type %v", name, f, typ)
		}
	}
	if got := find(t, fams, "witgo_wrpc_calls_total", "instance", inst, "function", "get", "outcome", "ok").GetCounter().GetValue(); got != 2 {
		t.Errorf("get ok = %v, want 2 (the instance's quotes, backslash and newline escaped)", got)
	}
	if got := find(t, fams, "witgo_wrpc_calls_total", "function", "set", "outcome", "panic").GetCounter().GetValue(); got != 1 {
		t.Errorf("set panic = %v", got)
	}
	h := find(t, fams, "witgo_wrpc_call_duration_seconds", "function", "get").GetHistogram()
	if h.GetSampleCount() != 3 || h.GetSampleSum() < 40 || h.GetSampleSum() > 40.01 {
		t.Errorf("histogram count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	for _, bk := range h.Bucket {
		want := map[float64]uint64{0.0001: 1, 0.001: 1, 0.0025: 2, 30: 2}[bk.GetUpperBound()]
		if want != 0 && bk.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v: %d, want %d", bk.GetUpperBound(), bk.GetCumulativeCount(), want)
		}
	}
	for limit, want := range map[string]float64{
		wrpc.LimitHeaderTimeout: 2, wrpc.LimitMaxConnections: 0, wrpc.LimitHandleQuota: 0, "some-future-limit": 1,
	} {
		if got := find(t, fams, "witgo_wrpc_refusals_total", "limit", limit).GetCounter().GetValue(); got != want {
			t.Errorf("refusals %s = %v, want %v", limit, got, want)
		}
	}
	if got := find(t, fams, "witgo_wrpc_max_connections").GetGauge().GetValue(); got != 7 {
		t.Errorf("max connections %v", got)
	}
	for _, c := range []struct{ op, kind string }{
		{"open", "no-such-store"}, {"set", "key-too-large"}, {"list-keys-after", "invalid-cursor"},
		{"get", "canceled"}, {"set-many", "key-too-large"},
	} {
		if got := find(t, fams, "witgo_engine_errors_total", "op", c.op, "kind", c.kind).GetCounter().GetValue(); got != 1 {
			t.Errorf("engine errors %s %s = %v, want 1", c.op, c.kind, got)
		}
	}
	if n := len(fams["witgo_engine_errors_total"].Metric); n != 5 {
		t.Errorf("%d engine error series, want 5", n)
	}
}

func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&engine.Error{Op: "set", Kind: engine.ErrNotApplied}, "not-applied"},
		{engine.ErrOutcomeUnknown, "outcome-unknown"},
		{engine.ErrUnavailable, "unavailable"},
		{&engine.BatchError{Err: &engine.Error{Kind: engine.ErrQuotaExceeded}}, "quota-exceeded"},
		{context.DeadlineExceeded, "deadline-exceeded"},
		{engine.ErrInvalidArgument, "invalid-argument"},
		{errors.New("boom"), "other"},
	} {
		if got := metrics.KindOf(c.err); got != c.want {
			t.Errorf("KindOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// get returns the status and body of GET url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// waitStatus polls url until it answers code, for up to 20 s.
func waitStatus(t *testing.T, url string, code int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, body := get(t, url)
		if got == code {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %s, want %d", url, got, body, code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// /healthz follows the NATS connection: 503 with the reason while the
// server is down, 200 again once the client has reconnected; /readyz
// also says when the provider drains.
func TestHealthNATS(t *testing.T) {
	dir := t.TempDir()
	s1 := natstest.Start(t, natstest.Options{Dir: dir})
	port := s1.Addr().(*net.TCPAddr).Port
	ctx := context.Background()
	e, err := kvnats.Connect(ctx, s1.ClientURL(), kvnats.IgnoreMaxPayload(), kvnats.NATSOptions(natsio.ReconnectWait(20*time.Millisecond), natsio.ReconnectJitter(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m := metrics.New()
	m.SetHealth(e)
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()

	if code, body := get(t, hs.URL+"/healthz"); code != 200 || body != `{"status":"ok"}` {
		t.Fatalf("healthz with NATS up: %d %s", code, body)
	}
	s1.Shutdown()
	s1.WaitForShutdown()
	body := waitStatus(t, hs.URL+"/healthz", 503)
	if !strings.HasPrefix(body, `{"status":"unavailable","error":"kv/nats: `) {
		t.Errorf("healthz with NATS down: %s", body)
	}
	if code, _ := get(t, hs.URL+"/readyz"); code != 503 {
		t.Errorf("readyz with NATS down: %d", code)
	}
	if code, _ := get(t, hs.URL+"/livez"); code != 200 {
		t.Errorf("livez with NATS down: %d", code)
	}
	if up := find(t, parse(t, m), "witgo_engine_up").GetGauge().GetValue(); up != 0 {
		t.Errorf("witgo_engine_up %v with NATS down", up)
	}

	natstest.Start(t, natstest.Options{Port: port, Dir: dir})
	waitStatus(t, hs.URL+"/healthz", 200)
	if code, _ := get(t, hs.URL+"/readyz"); code != 200 {
		t.Errorf("readyz after the restart: %d", code)
	}
	m.SetDraining(true)
	if code, body := get(t, hs.URL+"/readyz"); code != 503 || body != `{"status":"draining"}` {
		t.Errorf("readyz while draining: %d %s", code, body)
	}
	if code, _ := get(t, hs.URL+"/healthz"); code != 200 {
		t.Errorf("healthz while draining: %d", code)
	}
}

// /healthz pings Redis: 503 while it is down, 200 once it is back.
func TestHealthRedis(t *testing.T) {
	s := redistest.Find(t)
	if !s.Own() {
		t.Skip("an external Redis server cannot be stopped by the test")
	}
	ctx := context.Background()
	e, err := kvredis.Connect(ctx, s.URL, kvredis.KeyPrefix(redistest.Prefix("health")), kvredis.CallTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m := metrics.New()
	m.SetHealth(e)
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	if code, body := get(t, hs.URL+"/healthz"); code != 200 {
		t.Fatalf("healthz with Redis up: %d %s", code, body)
	}
	port, dir := s.Port, s.Dir
	s.Stop()
	if body := waitStatus(t, hs.URL+"/healthz", 503); !strings.Contains(body, "redis unavailable") {
		t.Errorf("healthz with Redis down: %s", body)
	}
	redistest.Start(t, port, dir)
	waitStatus(t, hs.URL+"/healthz", 200)
}

// Without a health checker, and for the in-memory engine, the engine is
// healthy.
func TestHealthMemory(t *testing.T) {
	m := metrics.New()
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	if code, body := get(t, hs.URL+"/healthz"); code != 200 || body != `{"status":"ok"}` {
		t.Errorf("healthz without a checker: %d %s", code, body)
	}
	m.SetHealth(memory.New())
	if code, body := get(t, hs.URL+"/healthz"); code != 200 || body != `{"status":"ok"}` {
		t.Errorf("healthz of the memory engine: %d %s", code, body)
	}
}

// The witgo binary does not link the Prometheus client libraries, whose
// package initialization would slow down every witgo command.
func TestWitgoLinksNoPrometheusClient(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/witgo-dev/witgo/cmd/witgo").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/prometheus/") || strings.HasPrefix(pkg, "google.golang.org/protobuf/") || pkg == "runtime/metrics" {
			t.Errorf("cmd/witgo depends on %s", pkg)
		}
	}
}
