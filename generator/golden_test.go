package generator_test

import (
	"bufio"
	"bytes"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
//	case.txt     optional: KEY=VALUE lines, see readCase
//	in/          the WIT input, unless case.txt names another
//	want/        the expected files, each as PATH.golden
//	stderr.txt   the expected standard error, when there is any: the
//	             error of a failing run (which then has no want/), or
//	             the warnings of a successful one
//
// Each case runs the real command line, as a user would:
//
//	witgo generate --out OUT --package-root example.com/golden/CASE [--world W] ARGS... WIT
//
// with WIT given relative to this folder (../testdata/CASE/in), so the
// flags in args are parsed and applied by internal/cli itself. The files
// a successful run writes under OUT are compared with want/, except the manifest (.witgo-manifest), which is not a golden: it
// only has to list exactly the files written (checked here), and
// generator's own tests cover its format. Standard error, with the case
// folder's path removed and the --out folder written OUT, must equal
// stderr.txt (nothing when there is none); standard output must be empty.
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
			c := readCase(t, dir)
			out := filepath.Join(compiled, name)
			args := []string{"generate", "--out", out, "--package-root", goldenRoot + "/" + name}
			if c.world != "" {
				args = append(args, "--world", c.world)
			}
			args = append(args, c.args...)
			args = append(args, filepath.Join(dir, c.wit))
			var stdout, stderr bytes.Buffer
			code := cli.Run(args, &stdout, &stderr)
			if stdout.Len() > 0 {
				t.Errorf("witgo %s printed to standard output:\n%s", strings.Join(args, " "), stdout.String())
			}
			got := strings.ReplaceAll(stderr.String(), out, "OUT")
			checkStderr(t, dir, strings.ReplaceAll(got, dir+string(filepath.Separator), ""))
			wantDir := filepath.Join(dir, "want")
			if code != 0 {
				if _, err := os.Stat(wantDir); err == nil {
					if *update {
						if err := os.RemoveAll(wantDir); err != nil {
							t.Fatal(err)
						}
						return
					}
					t.Errorf("witgo %s failed (exit %d), but want/ expects files", strings.Join(args, " "), code)
				}
				return
			}
			files := readOut(t, out)
			checkFiles(t, wantDir, files)
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

// readOut returns the files witgo generate wrote into out, in path order,
// and checks that out's manifest lists exactly them.
func readOut(t *testing.T, out string) []generator.File {
	t.Helper()
	var files []generator.File
	var manifest []byte
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		if rel == generator.ManifestName {
			manifest = data
			return nil
		}
		files = append(files, generator.File{Path: filepath.ToSlash(rel), Content: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if manifest == nil {
		t.Fatalf("%s: no %s written", out, generator.ManifestName)
	}
	var listed, written []string
	for _, l := range strings.Split(string(manifest), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		_, p, _ := strings.Cut(l, " ")
		listed = append(listed, p)
	}
	for _, f := range files {
		written = append(written, f.Path)
	}
	slices.Sort(written)
	slices.Sort(listed)
	if diff := cmp.Diff(written, listed); diff != "" {
		t.Errorf("%s does not list the files written (-written +listed):\n%s", generator.ManifestName, diff)
	}
	return files
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

// goldenCase is a case's case.txt: KEY=VALUE lines, blank lines and lines
// starting with # ignored; the keys are
//
//	wit=PATH     the WIT to generate from, relative to the case (default in)
//	world=NAME   the world, given to witgo generate as --world NAME
//	args=ARGS    more witgo generate flags, split at spaces (no quoting):
//	             args=--backend=false
//
// --out and --package-root are the test's; args must not set them.
type goldenCase struct {
	wit   string
	world string
	args  []string
}

func readCase(t *testing.T, dir string) goldenCase {
	t.Helper()
	c := goldenCase{wit: "in"}
	f, err := os.Open(filepath.Join(dir, "case.txt"))
	if os.IsNotExist(err) {
		return c
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("case.txt: %q is not KEY=VALUE", line)
		}
		switch k {
		case "wit":
			c.wit = filepath.FromSlash(v)
		case "world":
			c.world = v
		case "args":
			c.args = append(c.args, strings.Fields(v)...)
		default:
			t.Fatalf("case.txt: unknown key %q", k)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, a := range c.args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "out" || name == "package-root" {
			t.Fatalf("case.txt: args sets --%s, which the test chooses", name)
		}
	}
	return c
}

// checkStderr compares what a run printed to standard error with the
// case's stderr.txt; a missing stderr.txt expects nothing.
func checkStderr(t *testing.T, dir, got string) {
	t.Helper()
	path := filepath.Join(dir, "stderr.txt")
	if *update {
		if got == "" {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("standard error mismatch (-want +got):\n%s", diff)
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
