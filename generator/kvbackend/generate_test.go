package kvbackend_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/generator/kvbackend"
	"github.com/witgo-dev/witgo/parser"
)

// A keyvalue-like world with one function the backend does not know
// (bucket.frobnicate), a resource-error interface and a string-bucket
// interface.
const extraWIT = `package test:kv@1.0.0;

interface store {
	variant error {
		no-such-store,
		access-denied,
		other(string),
	}

	resource bucket {
		get: func(key: string) -> result<option<list<u8>>, error>;
		set: func(key: string, value: list<u8>) -> result<_, error>;
		frobnicate: func(key: string, level: u32) -> result<u32, error>;
	}

	open: func(identifier: string) -> result<bucket, error>;
}

interface named {
	exists: func(bucket: string, key: string) -> result<bool, string>;
}

world kv {
	import store;
	import named;
}
`

// A check of the generated code, run in the generated module.
const extraTest = `package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"example.com/kvgen/test/kv/v1.0.0/kv/backend"
	"example.com/kvgen/test/kv/v1.0.0/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/cm"
)

func TestBackend(t *testing.T) {
	ctx := context.Background()
	w := backend.New(memory.New(engine.Buckets("b")))
	b, err := w.Store.Open(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	_, err = b.Frobnicate(ctx, "k", 1)
	var se store.Error
	if !errors.As(err, &se) {
		t.Fatalf("frobnicate: %v", err)
	}
	if msg, ok := se.Other(); !ok || !strings.Contains(msg, "test:kv/store@1.0.0#bucket.frobnicate is not supported by this backend") {
		t.Errorf("frobnicate: %v", err)
	}
	if ok, err := w.Named.Exists(ctx, "b", "k"); err != nil || !ok {
		t.Errorf("exists = %v %v", ok, err)
	}
	_, err = w.Named.Exists(ctx, "nope", "k")
	var ce cm.Err[string]
	if !errors.As(err, &ce) || !strings.Contains(ce.Value, "no such store") {
		t.Errorf("exists in an unknown bucket: %v", err)
	}
}
`

func generate(t *testing.T, wit, root string) ([]generator.File, []generator.File, []string) {
	t.Helper()
	m, err := parser.LoadModel(wit, "", parser.Options{PackageRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	opts := generator.Options{Source: filepath.Base(wit)}
	bindings, err := generator.Generate(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	files, warnings, err := kvbackend.Generate(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return bindings, files, warnings
}

func TestUnrecognizedFunction(t *testing.T) {
	dir := t.TempDir()
	wit := filepath.Join(dir, "kv.wit")
	if err := os.WriteFile(wit, []byte(extraWIT), 0o644); err != nil {
		t.Fatal(err)
	}
	const root = "example.com/kvgen"
	bindings, files, warnings := generate(t, wit, root)
	if len(files) != 1 || files[0].Path != "test/kv/v1.0.0/kv/backend/backend.witgo.go" {
		t.Fatalf("files = %v", files)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "test:kv/store@1.0.0#bucket.frobnicate") {
		t.Fatalf("warnings = %q, want exactly one naming test:kv/store@1.0.0#bucket.frobnicate", warnings)
	}
	src := string(files[0].Content)
	if !strings.HasPrefix(src, "// "+generator.Header+"\n") {
		t.Error("the backend does not start with the generated-code header")
	}
	if !strings.Contains(src, "# Unsupported functions") || !strings.Contains(src, "//\ttest:kv/store@1.0.0#bucket.frobnicate\n") {
		t.Error("the package doc does not list the unsupported function")
	}

	// Deterministic.
	_, again, _ := generate(t, wit, root)
	if diff := cmp.Diff(files, again); diff != "" {
		t.Errorf("two runs differ:\n%s", diff)
	}

	// It compiles, vets and behaves, as a module next to this repository.
	out := t.TempDir()
	for _, f := range append(bindings, files...) {
		write(t, filepath.Join(out, filepath.FromSlash(f.Path)), f.Content)
	}
	write(t, filepath.Join(out, "test/kv/v1.0.0/kv/backend/backend_test.go"), []byte(extraTest))
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The workspace needs at least the repository's Go version.
	goLine := ""
	mod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(mod), "\n") {
		if strings.HasPrefix(l, "go ") {
			goLine = strings.TrimSpace(l)
		}
	}
	write(t, filepath.Join(out, "go.mod"), []byte("module "+root+"\n\n"+goLine+"\n"))
	write(t, filepath.Join(out, "go.work"), []byte(goLine+"\n\nuse (\n\t.\n\t"+repo+"\n)\n"))
	for _, args := range [][]string{{"vet", "./..."}, {"test", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = out
		cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(out, "go.work"), "GOFLAGS=-mod=readonly")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the generated module: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
}

func TestNotKeyvalue(t *testing.T) {
	dir := t.TempDir()
	wit := filepath.Join(dir, "x.wit")
	src := "package test:other@1.0.0;\n\ninterface greet {\n\tget: func(key: string) -> string;\n}\n\nworld w {\n\timport greet;\n}\n"
	if err := os.WriteFile(wit, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, files, warnings := generate(t, wit, "example.com/other")
	if len(files) != 0 || len(warnings) != 0 {
		t.Errorf("a world without buckets got %d files and warnings %q", len(files), warnings)
	}
}

func write(t *testing.T, name string, content []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, content, 0o644); err != nil {
		t.Fatal(err)
	}
}
