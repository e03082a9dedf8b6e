package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	// Offline: every module the provider needs is in the cache already.
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
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
		{[]string{"provider", "--world", "imports", "--module", "m", "--out", "OUT", "--wit", "other", "--witgo-dir", "."}, "not a bundled family"},
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
