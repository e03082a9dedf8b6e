package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/redistest"
)

// TestServeRedis runs "witgo serve --backend redis" against a redis-server
// of its own that needs a password (given in the URL): a value set through
// one witgo process is there for the next, key prefixes separate data, a
// call while Redis is down fails with "redis unavailable" and no write that
// failed shows up later, and witgo reconnects once Redis is back.
func TestServeRedis(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "witgo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rs := redistest.Start(t, 0, "", "--requirepass", "s3cret")
	url := strings.Replace(rs.URL, "redis://", "redis://:s3cret@", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	w := startServe(t, bin, "--backend", "redis", "--redis-url", url, "--redis-timeout", "500ms", "--listen", "tcp://127.0.0.1:0")
	if !strings.Contains(w.listening, " backend=redis ") || strings.Contains(w.listening, "s3cret") {
		t.Errorf("listening line does not name the redis backend, or shows the password: %s", w.listening)
	}
	b, err := draft2.NewClient(w.inv).Open(ctx, "sessions")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "user:42", []byte("alice")); err != nil {
		t.Fatal(err)
	}
	// Redis goes away: calls fail with the stable text, within the timeout.
	rs.Stop()
	started := time.Now()
	err = b.Set(ctx, "during", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "redis unavailable") {
		t.Fatalf("set with Redis down: %v, want an error saying redis unavailable", err)
	}
	if _, _, err := b.Get(ctx, "user:42"); err == nil || !strings.Contains(err.Error(), "redis unavailable") {
		t.Fatalf("get with Redis down: %v, want an error saying redis unavailable", err)
	}
	if d := time.Since(started); d > 5*time.Second {
		t.Fatalf("calls with Redis down took %v", d)
	}
	redistest.Start(t, rs.Port, rs.Dir, "--requirepass", "s3cret")
	var v []byte
	var ok bool
	for deadline := time.Now().Add(10 * time.Second); ; {
		if v, ok, err = b.Get(ctx, "user:42"); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || !ok || string(v) != "alice" {
		t.Fatalf("get after Redis restarted = %q, %v, %v", v, ok, err)
	}
	if _, ok, err := b.Get(ctx, "during"); err != nil || ok {
		t.Fatalf("the set that failed while Redis was down: present %v, %v", ok, err)
	}
	w.stop(t)

	// A new process on the same Redis and prefix: the value is there.
	w = startServe(t, bin, "--backend", "redis", "--redis-url", url, "--listen", "tcp://127.0.0.1:0")
	b, err = draft2.NewClient(w.inv).Open(ctx, "sessions")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Get(ctx, "user:42"); err != nil || !ok || string(v) != "alice" {
		t.Fatalf("get after a restart of witgo = %q, %v, %v", v, ok, err)
	}
	w.stop(t)

	// Another prefix: other buckets.
	w = startServe(t, bin, "--backend", "redis", "--redis-url", url, "--redis-key-prefix", "other:",
		"--listen", "tcp://127.0.0.1:0", "--create-on-open=false", "--buckets", "b1")
	c := draft2.NewClient(w.inv)
	if _, err := c.Open(ctx, "sessions"); err == nil || !strings.Contains(err.Error(), "no-such-store") {
		t.Errorf("open sessions under another prefix: %v, want no-such-store", err)
	}
	w.stop(t)

	// A wrong password, and no server: witgo exits with the reason.
	bad := strings.Replace(url, "s3cret", "wrong", 1)
	if out, code := runWitgo(t, bin, "serve", "--backend", "redis", "--redis-url", bad, "--listen", "tcp://127.0.0.1:0"); code != 1 || strings.Contains(out, "wrong") {
		t.Errorf("wrong password: exit %d (want 1, password not shown):\n%s", code, out)
	}
	if out, code := runWitgo(t, bin, "serve", "--backend", "redis", "--redis-url", "redis://127.0.0.1:1/0", "--listen", "tcp://127.0.0.1:0"); code != 1 || !strings.Contains(out, "redis unavailable") {
		t.Errorf("no server: exit %d, want 1 and redis unavailable:\n%s", code, out)
	}
	for _, args := range [][]string{{"--redis-url", "redis://x"}, {"--backend", "nats", "--redis-key-prefix", "p:"}} {
		if out, code := runWitgo(t, bin, append([]string{"serve"}, args...)...); code != 2 || !strings.Contains(out, "needs --backend redis") {
			t.Errorf("witgo serve %q: exit %d:\n%s", args, code, out)
		}
	}
}
