package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	wcas "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/cas"
	wasmcloud "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports"
	wtypes "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/types"
	wrpcstore "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/store"
	"github.com/witgo-dev/witgo/internal/testcerts"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// TestServe runs the witgo binary as a user would: "witgo serve" must listen
// (within a minute, a bound for hangs, not a speed claim), answer another process's open, bucket.set and bucket.get,
// and exit cleanly on SIGINT.
func TestServe(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "witgo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	certs := t.TempDir()
	ca := testcerts.NewCA(t, "test CA")
	certFile, keyFile := testcerts.WriteCert(t, ca.Server(t), certs, "server")
	// With client certificates required, a policy must grant the client's
	// principal its rights (without one, every call is denied).
	policyFile := filepath.Join(certs, "policy")
	if err := os.WriteFile(policyFile, []byte("spiffe://example.org/app * read,write,create\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsArgs := []string{"--tls-cert", certFile, "--tls-key", keyFile, "--tls-client-ca", ca.WriteCA(t, certs, "ca.crt"), "--policy", policyFile}
	clientTLS := ca.ClientConfig(ca.Client(t, testcerts.Identity{URI: "spiffe://example.org/app"}))
	for _, listen := range []string{"tcp://127.0.0.1:0", "unix://" + filepath.Join(t.TempDir(), "kv.sock"), "tls://127.0.0.1:0", "quic://127.0.0.1:0"} {
		t.Run(strings.SplitN(listen, ":", 2)[0], func(t *testing.T) {
			args := []string{"serve", "--listen", listen}
			if strings.HasPrefix(listen, "tls:") || strings.HasPrefix(listen, "quic:") {
				args = append(args, tlsArgs...)
			}
			cmd := exec.Command(bin, args...)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			// A provider that never listens is killed, which ends the scan.
			hung := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
			lines := bufio.NewScanner(stderr)
			addrRE := regexp.MustCompile(`msg=listening addr=(\S+)`)
			var addr string
			for lines.Scan() {
				if m := addrRE.FindStringSubmatch(lines.Text()); m != nil {
					addr = m[1]
					break
				}
			}
			startup := time.Since(start)
			hung.Stop()
			if addr == "" {
				t.Fatal("no listening line in the log")
			}
			t.Logf("listening on %s after %v", addr, startup)
			rest := make(chan string)
			go func() {
				var b bytes.Buffer
				for lines.Scan() {
					b.WriteString(lines.Text() + "\n")
				}
				rest <- b.String()
			}()

			inv, err := wrpc.Dial(addr, wrpc.WithTLSConfig(clientTLS))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			b, err := draft2.NewClient(inv).Open(ctx, "sessions")
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Set(ctx, "user:42", []byte("alice")); err != nil {
				t.Fatal(err)
			}
			v, ok, err := b.Get(ctx, "user:42")
			if err != nil || !ok || string(v) != "alice" {
				t.Fatalf("get = %q, %v, %v", v, ok, err)
			}
			// Another family on the same listener, same engine: the
			// wrpc:keyvalue store names buckets by string.
			v, ok, err = wrpcstore.NewClient(inv).Get(ctx, "sessions", "user:42")
			if err != nil || !ok || string(v) != "alice" {
				t.Fatalf("wrpc:keyvalue get = %q, %v, %v", v, ok, err)
			}

			// The newest family, async functions and all, on the same
			// engine: its bucket handle is the identifier, prefix listing,
			// if-not-exists and a versioned swap work over the wire.
			wc := wasmcloud.NewClient(inv)
			wb, err := wc.Store.Open(ctx, "sessions")
			if err != nil {
				t.Fatal(err)
			}
			if h := wb.(wrpc.Resource).WRPCHandle(); string(h) != "sessions" {
				t.Errorf("wasmcloud bucket handle = %q, want the identifier", h)
			}
			if v, ok, err := wb.Get(ctx, "user:42"); err != nil || !ok || string(v) != "alice" {
				t.Fatalf("wasmcloud get = %q, %v, %v", v, ok, err)
			}
			if err := wb.Set(ctx, "user:43", []byte("bob"), &wtypes.SetOptions{IfNotExists: true}); err != nil {
				t.Fatal(err)
			}
			prefix := "user:"
			keys, err := wb.ListKeys(ctx, &prefix, nil)
			if err != nil || strings.Join(keys.Keys, ",") != "user:42,user:43" {
				t.Fatalf("wasmcloud list-keys user: = %v, %v", keys.Keys, err)
			}
			cur, ok, err := wc.Cas.Current(ctx, wb, "user:43")
			if err != nil || !ok {
				t.Fatalf("wasmcloud current = %v, %v", ok, err)
			}
			res, err := wc.Cas.Swap(ctx, wb, "user:43", []byte("carol"), wcas.CasOptions{RequireVersion: &cur.Version})
			if err != nil || res.Case() != wcas.CasResultCaseSwapped {
				t.Fatalf("wasmcloud swap = %v, %v", res, err)
			}
			if v, _, err := b.Get(ctx, "user:43"); err != nil || string(v) != "carol" {
				t.Fatalf("draft2 get after the wasmcloud swap = %q, %v", v, err)
			}

			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			log := <-rest // read to EOF before Wait closes the pipe
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit after SIGINT: %v", err)
			}
			if !strings.Contains(log, "msg=stopped") {
				t.Fatalf("no clean stop in the log:\n%s", log)
			}
			if strings.HasPrefix(addr, "unix://") {
				if _, err := os.Stat(strings.TrimPrefix(addr, "unix://")); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("socket file left behind: %v", err)
				}
			}
		})
	}
}

// TestServeProtectedMode: plain TCP on an address other than loopback does
// not start: a usage error that names the ways out.
func TestServeProtectedMode(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "witgo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, listen := range []string{"tcp://0.0.0.0:0", "tcp://:0"} {
		cmd := exec.Command(bin, "serve", "--listen", listen)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("serve --listen %s: %v, want exit status 2\n%s", listen, err, out)
		}
		for _, want := range []string{"protected mode", "tls://HOST:PORT", "--tls-client-ca", "--policy", "--insecure"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("serve --listen %s: the message lacks %q:\n%s", listen, want, out)
			}
		}
		if strings.Contains(string(out), "msg=listening") {
			t.Errorf("serve --listen %s listened:\n%s", listen, out)
		}
	}
}
