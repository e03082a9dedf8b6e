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
	"github.com/witgo-dev/witgo/runtime/wire"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// TestServeNATS runs "witgo serve --backend nats" against an embedded
// JetStream server: a value set through one witgo process is still there
// for the next one, since it lives in NATS, and bucket prefixes separate
// data. The server keeps the default max_payload (1 MiB), smaller than the
// default value limit (4 MiB): values up to the limit are stored in chunks.
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
		// The default 4 MiB limit holds on the stock 1 MiB max_payload: values
		// larger than a message are stored in chunks, under any key.
		if !strings.Contains(w.listening, " max_value_bytes=4194304 ") {
			t.Errorf("value limit is not the default 4 MiB: %s", w.listening)
		}
		// A 4 MiB value with its framing is over a default client's 4 MiB
		// message limit: this client takes up to 8 MiB.
		b, err = draft2.NewClient(bigClient(t, w)).Open(ctx, "sessions")
		if err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("k", 16<<10)
		for i, n := range []int{1 << 20, 4 << 20, 1<<20 - 600, 3} {
			for _, key := range []string{"big", long} {
				v := bytes.Repeat([]byte{byte(i), 0xa5}, n/2+1)[:n]
				if err := b.Set(ctx, key, v); err != nil {
					t.Fatalf("set %d bytes under a %d-byte key: %v", n, len(key), err)
				}
				if got, ok, err := b.Get(ctx, key); err != nil || !ok || !bytes.Equal(got, v) {
					t.Fatalf("get %d bytes under a %d-byte key = %d bytes, %v, %v", n, len(key), len(got), ok, err)
				}
			}
		}
		if err := b.Set(ctx, "big", bytes.Repeat([]byte("v"), 4<<20)); err != nil {
			t.Fatal(err)
		}
		// One byte over the limit: the WIT's error naming the limit, and the
		// connection stays usable.
		if err := b.Set(ctx, "over", bytes.Repeat([]byte("v"), 4<<20+1)); err == nil || !strings.Contains(err.Error(), "MaxValueBytes") {
			t.Errorf("set a value of 4 MiB + 1 = %v, want a value-too-large error naming MaxValueBytes", err)
		}
		if v, ok, err := b.Get(ctx, "user:42"); err != nil || !ok || string(v) != "alice" {
			t.Fatalf("get after the refused set = %q, %v, %v", v, ok, err)
		}
		log := w.stop(t)
		t.Logf("first run's log:\n%s", log)
		if strings.Contains(log, "value limit lowered") {
			t.Errorf("value limit lowered on a stock server:\n%s", log)
		}

		// A new process on the same NATS server and prefix: the value is there.
		w = startServe(t, bin, "--backend", "nats", "--nats-url", natsURL, "--listen", "tcp://127.0.0.1:0")
		b, err = draft2.NewClient(bigClient(t, w)).Open(ctx, "sessions")
		if err != nil {
			t.Fatal(err)
		}
		if v, ok, err := b.Get(ctx, "user:42"); err != nil || !ok || string(v) != "alice" {
			t.Fatalf("get after a restart of witgo = %q, %v, %v", v, ok, err)
		}
		if v, ok, err := b.Get(ctx, "big"); err != nil || !ok || !bytes.Equal(v, bytes.Repeat([]byte("v"), 4<<20)) {
			t.Fatalf("get the 4 MiB value after a restart of witgo = %d bytes, %v, %v", len(v), ok, err)
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

	t.Run("SmallMaxPayload", func(t *testing.T) {
		// On a server with an 8 KiB max_payload, 4 MiB values do not fit
		// even in chunks (the manifest of 546 chunks would not): the limit
		// is lowered, unless it was asked for, which is an error.
		tiny := natstest.Start(t, natstest.Options{MaxPayload: 8 << 10})
		out, code := runWitgo(t, bin, "serve", "--backend", "nats", "--nats-url", tiny.ClientURL(),
			"--listen", "tcp://127.0.0.1:0", "--max-key-bytes", "1024", "--max-value-bytes", "4194304")
		t.Logf("%s", out)
		if code != 1 || !strings.Contains(out, "max_payload") {
			t.Fatalf("exit %d, want 1 with an error naming max_payload:\n%s", code, out)
		}
		w := startServe(t, bin, "--backend", "nats", "--nats-url", tiny.ClientURL(), "--listen", "tcp://127.0.0.1:0", "--max-key-bytes", "1024")
		m := regexp.MustCompile(` max_value_bytes=(\d+) `).FindStringSubmatch(w.listening)
		if m == nil {
			t.Fatalf("no max_value_bytes in the listening line")
		}
		limit, _ := strconv.Atoi(m[1])
		if limit >= 4<<20 || limit < 1<<20 {
			t.Errorf("value limit %d, want lowered under 4 MiB and over 1 MiB", limit)
		}
		b, err := draft2.NewClient(w.inv).Open(ctx, "small")
		if err != nil {
			t.Fatal(err)
		}
		v := bytes.Repeat([]byte("w"), limit)
		if err := b.Set(ctx, "k", v); err != nil {
			t.Fatalf("set a value of the lowered limit: %v", err)
		}
		if got, ok, err := b.Get(ctx, "k"); err != nil || !ok || !bytes.Equal(got, v) {
			t.Fatalf("get it back = %d bytes, %v, %v", len(got), ok, err)
		}
		if log := w.stop(t); !strings.Contains(log, "value limit lowered") {
			t.Errorf("no log of the lowered limit:\n%s", log)
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

// bigClient returns a client of w whose limits take values and messages of
// up to 8 MiB.
func bigClient(t *testing.T, w *witgoServe) *wrpc.Client {
	t.Helper()
	m := regexp.MustCompile(`msg=listening addr=tcp://(\S+)`).FindStringSubmatch(w.listening)
	if m == nil {
		t.Fatalf("no TCP address in the listening line: %s", w.listening)
	}
	return wrpc.DialTCP(m[1], wrpc.WithClientLimits(wire.Limits{MaxValue: 8 << 20, MaxMessage: 8 << 20}))
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
