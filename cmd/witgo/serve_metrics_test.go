package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/natstest"
)

// httpGet returns the status and body of GET url.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// TestServeMetricsNATS runs "witgo serve --backend nats --metrics-listen":
// /healthz answers 200 while NATS is up, 503 naming the NATS connection
// once the NATS server stops, and 200 again after it restarts and witgo
// reconnects; /metrics counts the calls.
func TestServeMetricsNATS(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "witgo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ns := natstest.Start(t, natstest.Options{Dir: dir})
	port := ns.Addr().(*net.TCPAddr).Port
	w := startServe(t, bin, "--backend", "nats", "--nats-url", ns.ClientURL(), "--listen", "tcp://127.0.0.1:0",
		"--metrics-listen", "127.0.0.1:0")
	m := regexp.MustCompile(` metrics_url=(http://\S+)`).FindStringSubmatch(w.listening)
	if m == nil {
		t.Fatalf("no metrics_url in the listening line: %s", w.listening)
	}
	murl := m[1]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := draft2.NewClient(w.inv).Open(ctx, "health")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if code, body := httpGet(t, murl+"/healthz"); code != 200 || body != `{"status":"ok"}` {
		t.Fatalf("healthz with NATS up: %d %s", code, body)
	}
	if _, body := httpGet(t, murl+"/metrics"); !strings.Contains(body, "\n"+`witgo_wrpc_calls_total{instance="wasi:keyvalue/store@0.2.0-draft2",function="bucket.set",outcome="ok"} 1`+"\n") {
		t.Errorf("metrics lack the set:\n%s", body)
	}

	waitFor := func(code int) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, body := httpGet(t, murl+"/healthz")
			if got == code {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("healthz: %d %s, want %d", got, body, code)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ns.Shutdown()
	ns.WaitForShutdown()
	if body := waitFor(503); !strings.Contains(body, `"status":"unavailable","error":"kv/nats: NATS connection`) {
		t.Errorf("healthz with NATS down: %s", body)
	}
	natstest.Start(t, natstest.Options{Port: port, Dir: dir})
	waitFor(200)
	if err := b.Set(ctx, "k", []byte("w")); err != nil {
		t.Fatalf("set after the restart: %v", err)
	}
	w.stop(t)
	if _, err := http.Get(murl + "/livez"); err == nil {
		t.Error("the metrics server still answers after witgo serve stopped")
	}
}
