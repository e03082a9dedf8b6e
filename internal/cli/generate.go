package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/generator/kvbackend"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
	"golang.org/x/mod/modfile"
)

const generateHelp = `Generate writes the Go bindings of a WIT world into --out: one package per
WIT interface with its types, its Go interface, a wRPC client and a wRPC
server; the world's wiring; and, for a keyvalue world, a backend on any
kv/engine.Engine.

WIT_PATH is a .wit file, a folder of .wit files (with its deps/), or WIT as
JSON (.json). Items marked @unstable(feature = F) are all kept unless
--features lists the features to keep; the others are left out, as
wasm-tools --features does.

Output is gofmt'd and deterministic; only files whose bytes change are
written. The list of files written is kept in --out/.witgo-manifest, by
world: a file that an earlier run wrote and this run no longer generates is
removed. Files witgo did not write are never touched.

--check writes nothing: it prints a unified diff (apply it with patch -p1)
of what generate would change, stale files included, and exits 1 if there
is any.
`

func runGenerate(args []string, stdout, stderr io.Writer) int {
	c := newCommand("witgo generate", "witgo generate [--world W] [--out DIR] [--package-root IMPORT/PATH] [--features F,...] [--backend=false] [--check] [-v] WIT_PATH", generateHelp, stdout, stderr)
	world := c.fl.String("world", "", "world to generate: short (imports) or qualified (wasi:keyvalue/imports@0.2.0-draft2) name; may be omitted when the package has one world")
	out := c.fl.String("out", ".", "output folder")
	root := c.fl.String("package-root", "", "Go import path of the output folder (default: worked out from the go.mod above --out)")
	check := c.fl.Bool("check", false, "write nothing; print a unified diff and exit 1 if the files on disk differ from what would be generated")
	backend := c.fl.Bool("backend", true, "for a keyvalue world, also generate the package backend, which implements the world on any kv/engine.Engine")
	verbose := c.fl.Bool("v", false, "list the files written and removed")
	features := c.fl.String("features", "", "keep only the @unstable items of these features (comma-separated), as wasm-tools --features does; by default every @unstable item is kept")
	if code, done := c.parse(args); done {
		return code
	}
	switch c.fl.NArg() {
	case 0:
		return c.usageError("missing WIT_PATH")
	case 1:
	default:
		return c.usageError("want one WIT_PATH, got %d: %q", c.fl.NArg(), c.fl.Args())
	}
	witPath := c.fl.Arg(0)

	// The WIT first: its errors matter more than where the output goes.
	var keep []string // nil: all features
	if *features != "" {
		keep = strings.FieldsFunc(*features, func(r rune) bool { return r == ',' || r == ' ' })
		if keep == nil {
			keep = []string{}
		}
	}
	res, err := parser.LoadFeatures(witPath, keep)
	if err != nil {
		return c.fail(err)
	}
	w, err := parser.SelectWorld(res, *world)
	if err != nil {
		return c.fail(err)
	}
	if *root == "" {
		r, err := importPathOf(*out)
		if err != nil {
			return c.fail(fmt.Errorf("cannot work out the Go import path of --out %s: %v; set --package-root", *out, err))
		}
		*root = r
	}
	files, warnings, err := generateWorld(res, w, witPath, *root, *backend)
	if err != nil {
		return c.fail(err)
	}
	for _, msg := range warnings {
		fmt.Fprintf(stderr, "witgo: warning: %s\n", msg)
	}
	key := w.QualifiedName()
	if *check {
		diff, err := generator.Check(*out, key, files)
		if err != nil {
			return c.fail(err)
		}
		if diff != "" {
			fmt.Fprint(stdout, diff)
			fmt.Fprintf(stderr, "witgo: %s is out of date; run witgo generate\n", *out)
			return 1
		}
		return 0
	}
	changes, err := generator.Sync(*out, key, files)
	if *verbose {
		for _, p := range changes.Written {
			fmt.Fprintln(stdout, "wrote", filepath.Join(*out, filepath.FromSlash(p)))
		}
		for _, p := range changes.Removed {
			fmt.Fprintln(stdout, "removed", filepath.Join(*out, filepath.FromSlash(p)))
		}
	}
	if err != nil {
		return c.fail(err)
	}
	return 0
}

// Generate loads the WIT at witPath, selects world and returns the files
// witgo would write for package root root, the keyvalue backend included
// (as "witgo generate" does by default).
func Generate(witPath, world, root string) ([]generator.File, error) {
	return generateAs(witPath, witPath, world, root)
}

// generateAs is Generate for WIT loaded from loadPath that the package
// docs name shownPath, where "witgo generate" will later find it.
func generateAs(loadPath, shownPath, world, root string) ([]generator.File, error) {
	res, err := parser.Load(loadPath)
	if err != nil {
		return nil, err
	}
	w, err := parser.SelectWorld(res, world)
	if err != nil {
		return nil, err
	}
	files, _, err := generateWorld(res, w, shownPath, root, true)
	return files, err
}

// generateWorld returns the files of world w of res for package root root,
// with the keyvalue backend if backend is set, and the generator's
// warnings. witPath is the WIT's path as the user gave it, for the package
// docs.
func generateWorld(res *resolve.Resolve, w *resolve.World, witPath, root string, backend bool) ([]generator.File, []string, error) {
	m, err := parser.Build(res, w, parser.Options{PackageRoot: root})
	if err != nil {
		return nil, nil, err
	}
	opts := generator.Options{Source: filepath.ToSlash(witPath)}
	if !backend {
		files, err := generator.Generate(m, opts)
		return files, nil, err
	}
	// The backend is one large file: it is built beside the others, which
	// both only read the model.
	var more []generator.File
	var warnings []string
	var berr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		more, warnings, berr = kvbackend.Generate(m, opts)
	}()
	files, err := generator.Generate(m, opts)
	<-done
	if err != nil {
		return nil, nil, err
	}
	if berr != nil {
		return nil, nil, berr
	}
	files = append(files, more...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, warnings, nil
}

// importPathOf works out the Go import path of dir from the nearest go.mod
// above it.
func importPathOf(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			mod := modfile.ModulePath(data)
			if mod == "" {
				return "", fmt.Errorf("%s: no module line", filepath.Join(d, "go.mod"))
			}
			rel, err := filepath.Rel(d, abs)
			if err != nil {
				return "", err
			}
			if rel == "." {
				return mod, nil
			}
			return mod + "/" + filepath.ToSlash(rel), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod found above %s", abs)
		}
	}
}
