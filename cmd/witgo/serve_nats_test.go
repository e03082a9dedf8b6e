package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/natstest"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// TestServeNATS runs "witgo serve --backend nats" against an embedded
// JetStream server: a value set through one witgo process is still there
// for the next one, since it lives in NATS, and bucket prefixes separate
// data. The server keeps the default max_payload (1 MiB), smaller than the
// default value limit (4 MiB): witgo lowers the limit to fit, unless
// --max-value-bytes asks for more, which is an error.
func TestServeNATS(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "witgo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ns := natstest.Start(t, natstest.Options{})
	natsURL := ns.ClientURL()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("Persists", func(t *testing.T) {
		w := startServe(t, bin, "--backend", "nats", "--nats-url", natsURL, "--listen", "tcp://127.0.0.1:0")
		if !strings.Contains(w.listening, " backend=nats ") {
			t.Errorf("listening line does not name the nats backend: %s", w.listening)
		}
		b, err := draft2.NewClient(w.inv).Open(ctx, "sessions")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Set(ctx, "user:42", []byte("alice")); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := b.Get(ctx, "user:42"); err != nil || !ok || string(v) != "alice" {
			t.Fatalf("get = %q, %v, %v", v, ok, err)
		}
		// The lowered limit fits: a value of that size under the longest
		// key is stored; one byte more is refused by the store.
		m := regexp.MustCompile(` max_value_bytes=(\d+) `).FindStringSubmatch(w.listening)
		if m == nil {
			t.Fatalf("no max_value_bytes in the listening line")
		}
		limit, _ := strconv.Atoi(m[1])
		if limit >= 1<<20 || limit < 900<<10 {
			t.Errorf("value limit %d, want under the 1 MiB max_payload and close to it", limit)
		}
		long := strings.Repeat("k", 16<<10)
		if err := b.Set(ctx, long, bytes.Repeat([]byte("v"), limit)); err != nil {
			t.Errorf("set a value of the lowered limit (%d bytes) under a 16 KiB key: %v", limit, err)
		} else if v, ok, err := b.Get(ctx, long); err != nil || !ok || len(v) != limit {
			t.Errorf("get it back = %d bytes, %v, %v", len(v), ok, err)
		}
		if err := b.Set(ctx, "big", bytes.Repeat([]byte("v"), limit+1)); err == nil || !strings.Contains(err.Error(), "value") {
			t.Errorf("set a value of %d bytes = %v, want a value-too-large error", limit+1, err)
		}
		log := w.stop(t)
		t.Logf("first run's log:\n%s", log)
		if !strings.Contains(log, "msg=\"value limit lowered") || !strings.Contains(log, "max_value_bytes=") {
			t.Errorf("no log of the value limit lowered to fit max_payload 1 MiB:\n%s", log)
		}

		// A new process on the same NATS server and prefix: the value is there.
		w = startServe(t, bin, "--backend", "nats", "--nats-url", natsURL, "--listen", "tcp://127.0.0.1:0")
		b, err = draft2.NewClient(w.inv).Open(ctx, "sessions")
		if err != nil {
			t.Fatal(err)
		}
		if v, ok, err := b.Get(ctx, "user:42"); err != nil || !ok || string(v) != "alice" {
			t.Fatalf("get after a restart of witgo = %q, %v, %v", v, ok, err)
		}
		w.stop(t)

		// Another prefix: other buckets, so the key is absent, and
		// with --create-on-open=false the bucket itself is unknown.
		w = startServe(t, bin, "--backend", "nats", "--nats-url", natsURL, "--nats-bucket-prefix", "other_",
			"--listen", "tcp://127.0.0.1:0", "--create-on-open=false", "--buckets", "b1")
		c := draft2.NewClient(w.inv)
		if _, err := c.Open(ctx, "sessions"); err == nil || !strings.Contains(err.Error(), "no-such-store") {
			t.Errorf("open sessions under another prefix: %v, want no-such-store", err)
		}
		b, err = c.Open(ctx, "b1")
		if err != nil {
			t.Fatal(err)
		}
		if v, ok, err := b.Get(ctx, "user:42"); err != nil || ok {
			t.Errorf("get under another prefix = %q, %v, %v; want absent", v, ok, err)
		}
		w.stop(t)
	})

	t.Run("ValueLimitTooLarge", func(t *testing.T) {
		out, code := runWitgo(t, bin, "serve", "--backend", "nats", "--nats-url", natsURL,
			"--listen", "tcp://127.0.0.1:0", "--max-value-bytes", "4194304")
		t.Logf("%s", out)
		if code != 1 || !strings.Contains(out, "max_payload") {
			t.Fatalf("exit %d, want 1 with an error naming max_payload:\n%s", code, out)
		}
	})

	t.Run("NoJetStream", func(t *testing.T) {
		plain, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
		if err != nil {
			t.Fatal(err)
		}
		go plain.Start()
		if !plain.ReadyForConnections(10 * time.Second) {
			plain.Shutdown()
			t.Fatal("nats server not ready after 10 s")
		}
		defer plain.Shutdown()
		out, code := runWitgo(t, bin, "serve", "--backend", "nats", "--nats-url", plain.ClientURL(),
			"--listen", "tcp://127.0.0.1:0")
		t.Logf("%s", out)
		if code != 1 || !strings.Contains(out, "jetstream not enabled") {
			t.Fatalf("exit %d, want 1 with an error saying JetStream is not enabled:\n%s", code, out)
		}
	})

	t.Run("Unreachable", func(t *testing.T) {
		out, code := runWitgo(t, bin, "serve", "--backend", "nats", "--nats-url", "nats://127.0.0.1:1",
			"--listen", "tcp://127.0.0.1:0")
		t.Logf("%s", out)
		if code != 1 || !strings.Contains(out, "connect to NATS") {
			t.Fatalf("exit %d, want 1 with a connection error:\n%s", code, out)
		}
	})
}

// TestServeBadBackend checks the flags that select a backend.
func TestServeBadBackend(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "witgo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--backend", "mongo"}, `witgo serve: --backend "mongo": want memory, nats or redis`},
		{[]string{"--backend", ""}, `witgo serve: --backend "": want memory, nats or redis`},
		{[]string{"--nats-url", "nats://127.0.0.1:4222"}, "witgo serve: --nats-url needs --backend nats"},
		{[]string{"--backend", "memory", "--nats-bucket-prefix", "p_"}, "witgo serve: --nats-bucket-prefix needs --backend nats"},
	} {
		out, code := runWitgo(t, bin, append([]string{"serve"}, tc.args...)...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("witgo serve %q: exit %d, output:\n%s\nwant exit 2 and %q", tc.args, code, out, tc.want)
		}
	}
}

// runWitgo runs bin with args to completion (within 30 s) and returns its
// combined output and exit code.
func runWitgo(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	default:
		t.Fatalf("run %q: %v", args, err)
		return "", -1
	}
}

// witgoServe is a running "witgo serve".
type witgoServe struct {
	cmd       *exec.Cmd
	listening string        // the "listening" log line
	inv       wrpc.Invoker  // reaches its TCP listener
	rest      chan string   // the log after the listening line, at exit
	stopped   chan struct{} // closed by stop
}

// startServe starts bin serve with args, which must listen on TCP, and
// waits until it listens (10 s at most).
func startServe(t *testing.T, bin string, args ...string) *witgoServe {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &witgoServe{cmd: cmd, rest: make(chan string, 1), stopped: make(chan struct{})}
	t.Cleanup(func() {
		select {
		case <-w.stopped:
		default:
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	type first struct {
		line, log string
	}
	found := make(chan first, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		var b bytes.Buffer
		for lines.Scan() {
			b.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), "msg=listening ") {
				found <- first{line: lines.Text()}
				break
			}
		}
		for lines.Scan() {
			b.WriteString(lines.Text() + "\n")
		}
		found <- first{log: b.String()} // unread if the line was found
		w.rest <- b.String()
	}()
	var f first
	select {
	case f = <-found:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("witgo serve %q: not listening after 10 s:\n%s", args, <-w.rest)
	}
	if f.line == "" {
		cmd.Wait()
		t.Fatalf("witgo serve %q exited without listening:\n%s", args, f.log)
	}
	m := regexp.MustCompile(`msg=listening addr=tcp://(\S+)`).FindStringSubmatch(f.line)
	if m == nil {
		t.Fatalf("no TCP address in the listening line: %s", f.line)
	}
	t.Logf("witgo serve %q: %s", args, f.line)
	w.listening = f.line
	w.inv = wrpc.DialTCP(m[1])
	return w
}

// stop sends SIGINT to the process, checks that it stops cleanly and
// returns its whole log.
func (w *witgoServe) stop(t *testing.T) string {
	t.Helper()
	close(w.stopped)
	if err := w.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var log string
	select {
	case log = <-w.rest: // read to EOF before Wait closes the pipe
	case <-time.After(20 * time.Second):
		w.cmd.Process.Kill()
		t.Fatalf("witgo serve still running 20 s after SIGINT")
	}
	if err := w.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, log)
	}
	if !strings.Contains(log, "msg=stopped") {
		t.Fatalf("no clean stop in the log:\n%s", log)
	}
	return log
}
