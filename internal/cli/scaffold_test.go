package cli

import (
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

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/gomodtest"
	"github.com/witgo-dev/witgo/internal/syncbuf"
	"github.com/witgo-dev/witgo/internal/testcerts"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// TestScaffoldProvider scaffolds a provider as a user would, checks that its
// conformance test fails while engine.go is all TODOs (and says why), swaps
// in the memory engine, and checks that go vet and go test pass there and
// that go generate reproduces the bindings.
func TestScaffoldProvider(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "kvprovider")
	var stdout, stderr bytes.Buffer
	code := Run([]string{"scaffold", "provider", "--world", "wasi:keyvalue/imports@0.2.0-draft2",
		"--module", "example.com/kvprovider", "--out", dir, "--witgo-dir", repo}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, f := range []string{"go.mod", "main.go", "engine.go", "conformance_test.go", "generate.go", "README.md",
		"wit/wasi-keyvalue-0.2.0-draft2/store.wit", "gen/wasi/keyvalue/v0.2.0-draft2/imports/backend/backend.witgo.go"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	// witgo is this checkout (a replace directive); every other module comes
	// as the user's go command gets it, through a fresh module cache.
	env := gomodtest.Env(t, "", "-mod=mod")
	run := func(wantOK bool, args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("go %s: err %v, want ok=%v\n%s", strings.Join(args, " "), err, wantOK, out)
		}
		return string(out)
	}
	run(true, "mod", "tidy")
	out := run(false, "test", "./...")
	if !strings.Contains(out, "not implemented yet: implement it in engine.go") {
		t.Fatalf("the failing conformance test does not say why:\n%s", out)
	}

	mem := `package main

import (
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
)

func NewEngine(opts ...engine.Option) (engine.Engine, error) { return memory.New(opts...), nil }
`
	if err := os.WriteFile(filepath.Join(dir, "engine.go"), []byte(mem), 0o644); err != nil {
		t.Fatal(err)
	}
	run(true, "vet", "./...")
	out = run(true, "test", "./...")
	if !strings.Contains(out, "ok  \texample.com/kvprovider") {
		t.Fatalf("unexpected go test output:\n%s", out)
	}

	checkProvider(t, dir, env)

	before := snapshot(t, filepath.Join(dir, "gen"))
	run(true, "generate", "./...")
	after := snapshot(t, filepath.Join(dir, "gen"))
	if len(before) == 0 || len(before) != len(after) {
		t.Fatalf("go generate changed the set of files: %d before, %d after", len(before), len(after))
	}
	for p, b := range before {
		if b != after[p] {
			t.Errorf("go generate changed %s", p)
		}
	}
}

func TestScaffoldErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"provider", "--world", "wasi:keyvalue/imports@0.2.0-draft", "--module", "m", "--out", "OUT", "--witgo-dir", "."}, "several bundled families"},
		{[]string{"provider", "--world", "nope", "--module", "m", "--out", "OUT", "--witgo-dir", "."}, "not in a bundled keyvalue family"},
		{[]string{"provider", "--world", "imports", "--module", "m", "--out", "OUT", "--wit", "other", "--witgo-dir", "."}, "not a bundled keyvalue family"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		for i, a := range tc.args {
			if a == "OUT" {
				tc.args[i] = out
			}
		}
		var stdout, stderr bytes.Buffer
		if code := Run(append([]string{"scaffold"}, tc.args...), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args, code, stderr.String(), tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", tc.args, out)
		}
	}
}

// checkProvider builds the scaffolded provider in dir and runs it as a user
// would: -h lists witgo serve's flags; it serves on tcp:// and unix://
// listeners; with --create-on-open=false an unknown bucket is no-such-store
// and the log names it; SIGINT stops it cleanly.
func checkProvider(t *testing.T, dir string, env []string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kvprovider")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Env = dir, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-h").CombinedOutput()
	for _, f := range []string{"-listen", "-tls-cert", "-tls-key", "-tls-client-ca", "-insecure", "-create-on-open", "-buckets", "-max-key-bytes", "-max-value-bytes", "-page-size", "-max-buckets", "-max-memory", "-max-message-bytes", "-max-concurrent", "-max-connections", "-max-connections-per-remote", "-header-timeout", "-call-timeout", "-max-bytes-in-flight", "-grace", "-log-level", "-log-format", "-metrics-listen", "-policy"} {
		if !regexp.MustCompile(`(?m)^  ` + f + `(\s|$)`).Match(out) {
			t.Errorf("-h lacks %s (err %v):\n%s", f, err, out)
		}
	}
	if out, err := exec.Command(bin, "--listen", "127.0.0.1:7761").CombinedOutput(); err == nil || !strings.Contains(string(out), "want tcp://HOST:PORT, tls://HOST:PORT") {
		t.Errorf("--listen without a scheme: %v\n%s", err, out)
	}
	// The same binary serves TLS with client certificates: a flag, not a
	// code change.
	certs := t.TempDir()
	ca := testcerts.NewCA(t, "test CA")
	certFile, keyFile := testcerts.WriteCert(t, ca.Server(t), certs, "server")
	caFile := ca.WriteCA(t, certs, "ca.crt")
	// Client certificates without a policy deny every call: grant the
	// client's principal (its CN) the bucket.
	policyFile := filepath.Join(certs, "policy")
	if err := os.WriteFile(policyFile, []byte("app * read,write\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsArgs := []string{"--tls-cert", certFile, "--tls-key", keyFile, "--tls-client-ca", caFile, "--policy", policyFile}
	clientTLS := ca.ClientConfig(ca.Client(t, testcerts.Identity{CN: "app"}))
	for _, listen := range []string{"tcp://127.0.0.1:0", "unix://" + filepath.Join(t.TempDir(), "kv.sock"), "tls://127.0.0.1:0", "quic://127.0.0.1:0"} {
		args := []string{"--listen", listen, "--create-on-open=false", "--buckets", "known"}
		if strings.HasPrefix(listen, "tls:") || strings.HasPrefix(listen, "quic:") {
			args = append(args, tlsArgs...)
		}
		cmd := exec.Command(bin, args...)
		var logs syncbuf.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := waitListening(t, &logs)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		inv, err := wrpc.Dial(addr, wrpc.WithTLSConfig(clientTLS))
		if err != nil {
			t.Fatal(err)
		}
		kv := store.NewClient(inv)
		b, err := kv.Open(ctx, "known")
		if err == nil {
			err = b.Set(ctx, "k", []byte("v"))
		}
		if err != nil {
			t.Errorf("%s: known bucket: %v", listen, err)
		}
		if _, err := kv.Open(ctx, "missing-bucket"); !errors.Is(err, store.ErrNoSuchStore) {
			t.Errorf("%s: open of an unknown bucket: %v, want no-such-store", listen, err)
		}
		cancel()
		cmd.Process.Signal(syscall.SIGINT)
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s: exit after SIGINT: %v\n%s", listen, err, logs.String())
		}
		for _, want := range []string{`bucket="\"missing-bucket\""`, "msg=stopped"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("%s: log lacks %s:\n%s", listen, want, logs.String())
			}
		}
	}
}

// waitListening waits for the provider's "listening" line and returns its
// address.
func waitListening(t *testing.T, logs *syncbuf.Buffer) string {
	t.Helper()
	re := regexp.MustCompile(`msg=listening addr=(\S+)`)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("the provider did not listen within a minute:\n%s", logs.String())
	return ""
}
