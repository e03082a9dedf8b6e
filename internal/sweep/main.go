// Command sweep measures witgo on a corpus of public WIT: for every world
// of every corpus entry, whether its WIT parses and resolves, whether Go is
// generated, and whether that Go builds and passes go vet.
//
//	go run ./internal/sweep -corpus DIR [-manifest DIR/manifest.tsv] [-v]
//
// The corpus is a folder with a manifest.tsv of "owner/repo, commit, path,
// kind" lines (testdata/sweep/manifest.tsv lists the one the closing notes
// report on) and, for each line, the WIT at DIR/owner+repo/path: a folder
// of .wit files with its deps/ (kind dir) or one .wit file (kind file).
// The generated Go goes into one temporary module that requires this
// checkout of witgo; nothing of the corpus is built but that Go.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/witgo-dev/witgo/parser/resolve"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/generator/kvbackend"
	"github.com/witgo-dev/witgo/internal/witoracle"
	"github.com/witgo-dev/witgo/parser"
)

type world struct {
	entry, name, dir string
	err              string // the first failure, with its stage
	stage            int    // 0 parse failed ... 4 vetted
}

const (
	stageParsed = iota + 1
	stageGenerated
	stageBuilt
	stageVetted
)

func main() {
	corpus := flag.String("corpus", "", "corpus folder (required)")
	manifest := flag.String("manifest", "", "manifest (default: CORPUS/manifest.tsv)")
	verbose := flag.Bool("v", false, "list every world that fails, with why")
	noBuild := flag.Bool("nobuild", false, "stop after generating: do not build or vet")
	diff := flag.Bool("diff", false, "also load every entry with the embedded wasm-tools 1.227 (internal/witoracle) and compare the Go of every world it can read")
	flag.Parse()
	if *corpus == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *manifest == "" {
		*manifest = filepath.Join(*corpus, "manifest.tsv")
	}
	entries, repos, err := readManifest(*manifest)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
	witgoDir, err := filepath.Abs(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
	mod, err := os.MkdirTemp("", "witgo-sweep-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(mod)
	gomod := "module sweep.example\n\ngo 1.26\n\nrequire github.com/witgo-dev/witgo v0.0.0\n\nreplace github.com/witgo-dev/witgo => " + witgoDir + "\n"
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
	sum, _ := os.ReadFile(filepath.Join(witgoDir, "go.sum"))
	os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644)

	var worlds []*world
	parseFailed := 0
	diffSame, diffDiffer, diffOldCannot := 0, 0, 0
	for i, e := range entries {
		path := filepath.Join(*corpus, strings.ReplaceAll(e.repo, "/", "+"), e.path)
		res, err := parser.Load(path)
		if err != nil {
			parseFailed++
			worlds = append(worlds, &world{entry: e.String(), name: "(all)", err: "parse: " + firstLine(err.Error())})
			continue
		}
		main := res.Packages[len(res.Packages)-1]
		for j, w := range res.Worlds {
			if w.Package != main {
				continue
			}
			wd := &world{entry: e.String(), name: w.QualifiedName(), stage: stageParsed}
			worlds = append(worlds, wd)
			wd.dir = fmt.Sprintf("e%03dw%02d", i, j)
			m, err := parser.Build(res, w, parser.Options{PackageRoot: "sweep.example/" + wd.dir})
			if err == nil {
				var files []generator.File
				files, err = generator.Generate(m, generator.Options{})
				if err == nil {
					var be []generator.File
					be, _, err = kvbackend.Generate(m, generator.Options{})
					files = append(files, be...)
				}
				for _, f := range files {
					if err != nil {
						break
					}
					p := filepath.Join(mod, wd.dir, f.Path)
					if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
						err = os.WriteFile(p, f.Content, 0o644)
					}
				}
			}
			if err != nil {
				wd.err = "generate: " + firstLine(err.Error())
				continue
			}
			wd.stage = stageGenerated
			if *diff {
				switch compareWithOracle(path, wd.name, res, w) {
				case "same":
					diffSame++
				case "old-cannot":
					diffOldCannot++
				default:
					diffDiffer++
					if *verbose {
						fmt.Printf("DIFF %s %s\n", e, wd.name)
					}
				}
			}
		}
	}
	if *diff {
		fmt.Printf("differential: %d worlds generate the same Go through both loaders, %d differ, %d the embedded loader cannot read\n", diffSame, diffDiffer, diffOldCannot)
	}
	// Build and vet every generated world at once; a failing package is
	// charged to the world whose folder holds it.
	failed := map[string]string{}
	steps := []string{"build", "vet"}
	if *noBuild {
		steps = nil
	}
	for _, step := range steps {
		cmd := exec.Command("go", step, "./...")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, _ := cmd.CombinedOutput()
		for dir, msg := range failures(out) {
			if _, ok := failed[dir]; !ok {
				failed[dir] = step + ": " + msg
			}
		}
		for _, w := range worlds {
			if w.stage < stageGenerated || w.err != "" {
				continue
			}
			if msg, ok := failed[w.dir]; ok {
				w.err = msg
				continue
			}
			if step == "build" {
				w.stage = stageBuilt
			} else {
				w.stage = stageVetted
			}
		}
	}
	count := func(stage int) int {
		n := 0
		for _, w := range worlds {
			if w.stage >= stage {
				n++
			}
		}
		return n
	}
	fmt.Printf("repositories %d, entries %d (%d failed to parse)\n", len(repos), len(entries), parseFailed)
	fmt.Printf("worlds parsed %d, generated %d, built %d, vetted %d (of %d worlds in entries that parse)\n",
		count(stageParsed), count(stageGenerated), count(stageBuilt), count(stageVetted), count(stageParsed))
	reasons := map[string]int{}
	for _, w := range worlds {
		if w.err != "" {
			reasons[reasonOf(w.err)]++
			if *verbose {
				fmt.Printf("FAIL %s %s: %s\n", w.entry, w.name, w.err)
			}
		}
	}
	var keys []string
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return reasons[keys[i]] > reasons[keys[j]] })
	for _, k := range keys {
		fmt.Printf("%5d  %s\n", reasons[k], k)
	}
}

type entry struct{ repo, commit, path, kind string }

func (e entry) String() string { return e.repo + ":" + e.path }

func readManifest(path string) ([]entry, map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var entries []entry
	repos := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 4 {
			return nil, nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		entries = append(entries, entry{parts[0], parts[1], parts[2], parts[3]})
		repos[parts[0]] = true
	}
	return entries, repos, sc.Err()
}

// pkgHeader matches the "# sweep.example/DIR/..." line go prints before a
// package's errors.
var pkgHeader = regexp.MustCompile(`(?m)^# sweep\.example/([^/\s]+)`)

// failures maps each world folder with a failing package to its first
// error line.
func failures(out []byte) map[string]string {
	m := map[string]string{}
	lines := bytes.Split(out, []byte("\n"))
	for i, l := range lines {
		if sm := pkgHeader.FindSubmatch(l); sm != nil {
			msg := ""
			if i+1 < len(lines) {
				msg = strings.TrimSpace(string(lines[i+1]))
			}
			if _, ok := m[string(sm[1])]; !ok {
				m[string(sm[1])] = msg
			}
		}
	}
	return m
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// reasonOf shortens an error to its kind, for the summary: the stage and
// the message without file positions and quoted names.
var (
	positions = regexp.MustCompile(`\S+\.(wit|go):\d+:\d+: `)
	quoted    = regexp.MustCompile("\"[^\"]*\"|`[^`]*`|'[^']*'")
)

func reasonOf(err string) string {
	s := positions.ReplaceAllString(err, "")
	s = quoted.ReplaceAllString(s, "…")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// compareWithOracle loads path with the embedded wasm-tools and compares the
// Go generated for the world named name with the Go from res and w.
func compareWithOracle(path, name string, res *resolve.Resolve, w *resolve.World) string {
	old, err := witoracle.LoadResolve(path)
	if err != nil {
		return "old-cannot"
	}
	var ow *resolve.World
	for _, x := range old.Worlds {
		if x.QualifiedName() == name {
			ow = x
		}
	}
	if ow == nil {
		return "old-cannot"
	}
	gen := func(res *resolve.Resolve, w *resolve.World) ([]generator.File, error) {
		m, err := parser.Build(res, w, parser.Options{PackageRoot: "sweep.example/diff"})
		if err != nil {
			return nil, err
		}
		return generator.Generate(m, generator.Options{})
	}
	a, aerr := gen(old, ow)
	if aerr != nil {
		return "old-cannot"
	}
	b, berr := gen(res, w)
	if berr != nil || len(a) != len(b) {
		return "differ"
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Content, b[i].Content) {
			return "differ"
		}
	}
	return "same"
}
