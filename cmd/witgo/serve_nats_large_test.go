package main

import (
	"bytes"
	"context"
	"path/filepath"
	"os/exec"
	"testing"
	"time"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/natstest"
)

func TestServeNATSLargeValues(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "witgo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ns := natstest.Start(t, natstest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := startServe(t, bin, "--backend", "nats", "--nats-url", ns.ClientURL(), "--listen", "tcp://127.0.0.1:0")
	b, err := draft2.NewClient(w.inv).Open(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1 << 20, 4 << 20} {
		v := bytes.Repeat([]byte{7}, n)
		if err := b.Set(ctx, "k", v); err != nil {
			t.Fatalf("set %d: %v", n, err)
		}
		got, ok, err := b.Get(ctx, "k")
		if err != nil || !ok || !bytes.Equal(got, v) {
			t.Fatalf("get %d: %d %v %v", n, len(got), ok, err)
		}
	}
	t.Log(w.stop(t))
}
