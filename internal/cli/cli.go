// Package cli implements the witgo command line; cmd/witgo only calls Run.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/generator/kvbackend"
	"github.com/witgo-dev/witgo/parser"
	"golang.org/x/mod/modfile"
)

const usage = `witgo generates Go bindings, wRPC clients and servers from WIT.

Usage:
  witgo generate [--world W] [--out DIR] [--package-root IMPORT/PATH] [--backend=false] [--check] WIT_PATH
  witgo serve [--listen tcp://HOST:PORT | unix:///PATH] [--backend memory|nats] [flags]
  witgo scaffold provider --world W --module M --out DIR
  witgo version

Run "witgo COMMAND -h" for the flags of a command.
`

// Run runs the witgo command with args (without the program name) and
// returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "generate":
		return runGenerate(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "scaffold":
		return runScaffold(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "witgo", Version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "witgo: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// Version is the module version witgo was built from, or "(devel)".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func runGenerate(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("witgo generate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	world := fl.String("world", "", "world to generate: short (imports) or qualified (wasi:keyvalue/imports@0.2.0-draft2) name; may be omitted when the package has one world")
	out := fl.String("out", ".", "output directory")
	root := fl.String("package-root", "", "Go import path of the output directory (default: worked out from the go.mod above --out)")
	check := fl.Bool("check", false, "write nothing; print a diff and exit 1 if the files on disk differ from what would be generated")
	backend := fl.Bool("backend", true, "for a keyvalue world, also generate the package backend, which implements the world on any kv/engine.Engine")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "Usage: witgo generate [flags] WIT_PATH\n\nWIT_PATH is a .wit file, a directory of .wit files (with deps/), or WIT as JSON (.json).\n\nFlags:")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return 2
	}
	witPath := fl.Arg(0)
	fail := func(err error) int {
		fmt.Fprintf(stderr, "witgo: %v\n", err)
		return 1
	}
	if *root == "" {
		r, err := importPathOf(*out)
		if err != nil {
			return fail(fmt.Errorf("%v; set --package-root", err))
		}
		*root = r
	}
	files, warnings, err := generate(witPath, *world, *root, *backend)
	if err != nil {
		// Parse errors already start with file:line:col.
		var se *parser.SourceError
		if errors.As(err, &se) {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return fail(err)
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "witgo: warning: %s\n", w)
	}
	if *check {
		diff, err := generator.Check(*out, files)
		if err != nil {
			return fail(err)
		}
		if diff != "" {
			fmt.Fprint(stdout, diff)
			fmt.Fprintln(stderr, "witgo: generated files are out of date; run witgo generate")
			return 1
		}
		return 0
	}
	written, err := generator.Write(*out, files)
	for _, w := range written {
		fmt.Fprintln(stdout, "wrote", filepath.Join(*out, filepath.FromSlash(w)))
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

// Generate loads the WIT at witPath, selects world and returns the files
// witgo would write for package root root, the keyvalue backend included
// (as "witgo generate" does by default).
func Generate(witPath, world, root string) ([]generator.File, error) {
	files, _, err := generate(witPath, world, root, true)
	return files, err
}

// generate is Generate, with the keyvalue backend optional, and the
// generator's warnings.
func generate(witPath, world, root string, backend bool) ([]generator.File, []string, error) {
	res, err := parser.Load(witPath)
	if err != nil {
		return nil, nil, err
	}
	w, err := parser.SelectWorld(res, world)
	if err != nil {
		return nil, nil, err
	}
	m, err := parser.Build(res, w, parser.Options{PackageRoot: root})
	if err != nil {
		return nil, nil, err
	}
	opts := generator.Options{Source: filepath.Base(filepath.Clean(witPath))}
	files, err := generator.Generate(m, opts)
	if err != nil || !backend {
		return files, nil, err
	}
	more, warnings, err := kvbackend.Generate(m, opts)
	if err != nil {
		return nil, nil, err
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
