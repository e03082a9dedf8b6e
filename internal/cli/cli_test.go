package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(args, &o, &e)
	return code, o.String(), e.String()
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m[p] = string(b)
		}
		return nil
	})
	return m
}

func TestGenerateCheckRoundTrip(t *testing.T) {
	out := t.TempDir()
	args := []string{"generate", "--world", "imports", "--out", out, "--package-root", "example.com/kv", "../../wit/wasi-keyvalue-0.2.0-draft2"}
	code, stdout, stderr := run(t, args...)
	if code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "store.witgo.go") {
		t.Errorf("generate did not report writing store.witgo.go:\n%s", stdout)
	}
	first := snapshot(t, out)

	// A second run writes nothing and leaves identical bytes.
	code, stdout, _ = run(t, args...)
	if code != 0 || stdout != "" {
		t.Errorf("second generate: exit %d, wrote %q; want exit 0 and no writes", code, stdout)
	}
	if second := snapshot(t, out); !equalMaps(first, second) {
		t.Error("second run changed the output")
	}

	check := append([]string{"generate", "--check"}, args[1:]...)
	if code, stdout, _ := run(t, check...); code != 0 {
		t.Fatalf("--check on fresh output: exit %d\n%s", code, stdout)
	}

	// A hand edit makes --check fail with a diff naming the file...
	store := filepath.Join(out, "wasi/keyvalue/v0.2.0-draft2/store/store.witgo.go")
	orig, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(orig), "type KeyResponse struct {", "type KeyResponse struct {\n\tHacked bool", 1)
	if err := os.WriteFile(store, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, check...)
	if code != 1 || !strings.Contains(stdout, "store.witgo.go") || !strings.Contains(stdout, "Hacked") {
		t.Errorf("--check after a hand edit: exit %d, stdout %q, stderr %q; want exit 1 and a diff", code, stdout, stderr)
	}
	// ...and regenerating fixes it, rewriting only that file.
	code, stdout, _ = run(t, args...)
	if code != 0 || strings.Count(stdout, "wrote") != 1 {
		t.Errorf("regenerate: exit %d, stdout %q; want one file rewritten", code, stdout)
	}
	if code, _, _ := run(t, check...); code != 0 {
		t.Errorf("--check after regenerating: exit %d", code)
	}
}

func TestSyntaxErrorWritesNothing(t *testing.T) {
	out := t.TempDir()
	keep := filepath.Join(out, "keep.txt")
	if err := os.WriteFile(keep, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)
	code, stdout, stderr := run(t, "generate", "--out", out, "--package-root", "example.com/x", "../../testdata/syntax-error/in")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr, "broken.wit:5:1: expected ';', found '}'") {
		t.Errorf("stderr lacks file:line:col message:\n%s", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if after := snapshot(t, out); !equalMaps(before, after) {
		t.Errorf("output directory changed: %v", after)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"generate", "--world", "nope", "--package-root", "x", "../../wit/wasi-keyvalue-0.2.0-draft2"}, 1, `world "nope" not found; worlds: wasi:keyvalue/imports@0.2.0-draft2, wasi:keyvalue/watch-service@0.2.0-draft2`},
		{[]string{"generate", "--package-root", "x", "../../wit/wasi-keyvalue-0.2.0-draft2"}, 1, "several worlds, choose one with --world"},
		{[]string{"generate", "--package-root", "x", "does-not-exist"}, 1, "does-not-exist"},
		{[]string{"generate"}, 2, "Usage: witgo generate"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
	}
	for _, tt := range tests {
		code, _, stderr := run(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("witgo %v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

func TestBackend(t *testing.T) {
	backend := "wasi/keyvalue/v0.2.0-draft2/imports/backend/backend.witgo.go"
	for _, tt := range []struct {
		flag string
		want bool
	}{{"", true}, {"--backend=true", true}, {"--backend=false", false}} {
		out := t.TempDir()
		args := []string{"generate", "--world", "imports", "--out", out, "--package-root", "example.com/kv"}
		if tt.flag != "" {
			args = append(args, tt.flag)
		}
		code, stdout, stderr := run(t, append(args, "../../wit/wasi-keyvalue-0.2.0-draft2")...)
		if code != 0 || stderr != "" {
			t.Fatalf("generate %s: exit %d\n%s", tt.flag, code, stderr)
		}
		_, err := os.Stat(filepath.Join(out, backend))
		if got := err == nil; got != tt.want || strings.Contains(stdout, "backend.witgo.go") != tt.want {
			t.Errorf("generate %s: backend written = %v, want %v", tt.flag, got, tt.want)
		}
	}
}

func TestBackendWarning(t *testing.T) {
	dir := t.TempDir()
	wit := filepath.Join(dir, "kv.wit")
	src := `package test:kv@1.0.0;

interface store {
	variant error { no-such-store, access-denied, other(string) }
	resource bucket {
		get: func(key: string) -> result<option<list<u8>>, error>;
		frobnicate: func(key: string) -> result<_, error>;
	}
	open: func(identifier: string) -> result<bucket, error>;
}

world kv {
	import store;
}
`
	if err := os.WriteFile(wit, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, _, stderr := run(t, "generate", "--out", out, "--package-root", "example.com/kv", wit)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "witgo: warning: test:kv/store@1.0.0#bucket.frobnicate: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one warning naming bucket.frobnicate", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "test/kv/v1.0.0/kv/backend/backend.witgo.go")); err != nil {
		t.Error(err)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "witgo ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

func TestImportPathOf(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := importPathOf(filepath.Join(dir, "gen", "kv"))
	if err != nil || got != "example.com/m/gen/kv" {
		t.Errorf("importPathOf = %q, %v; want example.com/m/gen/kv", got, err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
