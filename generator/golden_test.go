package generator_test

import (
	"bufio"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata")

// goldenRoot is the Go import path golden outputs are generated for.
const goldenRoot = "example.com/golden"

// A golden case is a folder of ../testdata holding:
//
//	case.txt     optional: "wit=PATH" (default in) and "world=NAME" lines
//	in/          the WIT input, unless case.txt names another
//	want/        the expected files, each as PATH.golden
//	stderr.txt   instead of want/: the expected error
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/*/case.txt")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../testdata/*/in")
	for _, m := range more {
		if _, err := os.Stat(filepath.Join(filepath.Dir(m), "case.txt")); err != nil {
			dirs = append(dirs, m)
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no golden cases found")
	}
	compiled := t.TempDir()
	var okCases []string
	for _, d := range dirs {
		dir := filepath.Dir(d)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			wit, world := readCase(t, dir)
			files, err := cli.Generate(filepath.Join(dir, wit), world, goldenRoot+"/"+name)
			if err != nil {
				checkStderr(t, dir, strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
				return
			}
			if _, err := os.Stat(filepath.Join(dir, "stderr.txt")); err == nil {
				t.Fatalf("generation succeeded, but stderr.txt expects an error")
			}
			checkFiles(t, filepath.Join(dir, "want"), files)
			for _, f := range files {
				p := filepath.Join(compiled, name, filepath.FromSlash(f.Path))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			okCases = append(okCases, name)
		})
	}
	t.Run("compile", func(t *testing.T) {
		if len(okCases) == 0 {
			t.Fatal("no golden output to compile")
		}
		vetModule(t, compiled, goldenRoot)
	})
}

// vetModule builds and vets every package under dir as module mod, in a
// workspace with this repository so that generated code finds the runtime.
func vetModule(t *testing.T, dir, mod string) {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goLine := repoGoLine(t, repo)
	write("go.mod", "module "+mod+"\n\n"+goLine+"\n")
	write("go.work", goLine+"\n\nuse (\n\t.\n\t"+repo+"\n)\n")
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(dir, "go.work"), "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of generated code failed: %v\n%s", err, out)
	}
}

// repoGoLine returns the go directive of the repository's go.mod
// ("go 1.26.0"): a workspace that uses the repository needs at least its Go
// version.
func repoGoLine(t *testing.T, repo string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "go ") {
			return strings.TrimSpace(l)
		}
	}
	t.Fatalf("%s: no go directive", filepath.Join(repo, "go.mod"))
	return ""
}

func readCase(t *testing.T, dir string) (wit, world string) {
	wit = "in"
	f, err := os.Open(filepath.Join(dir, "case.txt"))
	if os.IsNotExist(err) {
		return wit, ""
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		switch k {
		case "wit":
			wit = filepath.FromSlash(v)
		case "world":
			world = v
		case "":
		default:
			t.Fatalf("case.txt: unknown key %q", k)
		}
	}
	return wit, world
}

func checkStderr(t *testing.T, dir, got string) {
	t.Helper()
	path := filepath.Join(dir, "stderr.txt")
	got = strings.TrimSpace(got) + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("generation failed and there is no stderr.txt: %v\n%s", err, got)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

func checkFiles(t *testing.T, wantDir string, files []generator.File) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(wantDir); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[string]bool)
	for _, f := range files {
		path := filepath.Join(wantDir, filepath.FromSlash(f.Path)+".golden")
		seen[path] = true
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: unexpected file (run go test ./generator -update): %v", f.Path, err)
			continue
		}
		if diff := cmp.Diff(string(want), string(f.Content)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", f.Path, diff)
		}
	}
	filepath.WalkDir(wantDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !seen[path] {
			t.Errorf("%s: golden file no longer generated", path)
		}
		return nil
	})
}

func TestDeterministic(t *testing.T) {
	gen := func() []generator.File {
		files, err := cli.Generate("../testdata/kinds/in", "", goldenRoot+"/kinds")
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	a, b := gen(), gen()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs differ (-first +second):\n%s", diff)
	}
	for _, f := range a {
		if !strings.HasPrefix(string(f.Content), "// "+generator.Header+"\n") {
			t.Errorf("%s: first line is not the generated-code header", f.Path)
		}
	}
}
