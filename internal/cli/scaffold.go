package cli

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"text/template"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/templates/scaffold"
	bundled "github.com/witgo-dev/witgo/wit"
)

const scaffoldHelp = `Scaffold provider writes a new Go module M in DIR: a wRPC provider of the
keyvalue world W, with the WIT and its generated Go bindings, a main.go that
serves them with the flags of "witgo serve" (package kv/provider), an
engine.go to implement (every method a TODO), and a conformance test that
runs witgo's keyvalue suite against the engine through the generated server
(it fails until the engine is done, saying so). DIR must not exist or be
empty.

W is a world of a bundled keyvalue family ("witgo scaffold provider --list"
lists them), by qualified or short name; --wit picks the family when two
families define the same world name.
`

const scaffoldProviderUsage = "witgo scaffold provider --world W --module M --out DIR [--wit FAMILY] [--witgo-dir DIR] | --list"

func runScaffold(args []string, stdout, stderr io.Writer) int {
	c := newCommand("witgo scaffold", "witgo scaffold provider [flags]", "Scaffold writes the start of a new project. Its one subcommand:\n\n  provider    a keyvalue provider module (witgo scaffold provider -h)\n", stdout, stderr)
	if code, done := c.parse(args); done {
		return code
	}
	args = c.fl.Args()
	if len(args) == 0 {
		return c.usageError("missing subcommand (provider)")
	}
	if args[0] != "provider" {
		return c.usageError("unknown subcommand %q (want provider)", args[0])
	}
	c = newCommand("witgo scaffold provider", scaffoldProviderUsage, scaffoldHelp, stdout, stderr)
	var o ScaffoldOptions
	c.fl.StringVar(&o.World, "world", "", "keyvalue world, e.g. wasi:keyvalue/imports@0.2.0-draft2 (required)")
	c.fl.StringVar(&o.Module, "module", "", "Go module path of the new provider (required)")
	c.fl.StringVar(&o.Out, "out", "", "folder to create (required)")
	c.fl.StringVar(&o.Family, "wit", "", "bundled WIT family, when the world name is in several")
	c.fl.StringVar(&o.WitgoDir, "witgo-dir", "", "use this local witgo checkout (adds a replace directive)")
	list := c.fl.Bool("list", false, "list the bundled keyvalue worlds with their families")
	if code, done := c.parse(args[1:]); done {
		return code
	}
	if c.fl.NArg() > 0 {
		return c.usageError("unexpected arguments %q", c.fl.Args())
	}
	if *list {
		fams, err := loadFamilies()
		if err != nil {
			return c.fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WORLD\tFAMILY")
		for _, f := range fams {
			for _, w := range f.worlds {
				fmt.Fprintf(tw, "%s\t%s\n", w.QualifiedName(), f.name)
			}
		}
		tw.Flush()
		return 0
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"--world", o.World}, {"--module", o.Module}, {"--out", o.Out}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return c.usageError("missing %s", strings.Join(missing, ", "))
	}
	written, err := Scaffold(o)
	if err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(stdout, "wrote %d files to %s\n\nNext:\n  cd %s\n  go mod tidy\n  go test ./...   # fails until engine.go is implemented\n  go run .\n", len(written), o.Out, o.Out)
	return 0
}

// ScaffoldOptions configure Scaffold.
type ScaffoldOptions struct {
	World    string // qualified or short world name
	Family   string // bundled family folder; empty: the one that defines World
	Module   string // module path of the new provider
	Out      string // folder to create
	WitgoDir string // a local witgo checkout to use through a replace directive
}

// Scaffold writes a provider module and returns the paths it wrote,
// relative to o.Out. It writes nothing if anything fails before the write.
func Scaffold(o ScaffoldOptions) ([]string, error) {
	if entries, err := os.ReadDir(o.Out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty", o.Out)
	}
	family, world, err := findFamily(o.World, o.Family)
	if err != nil {
		return nil, err
	}
	// The family's conformance suite in kvtest, and the generated world
	// it takes (witgo's own, whatever world of the family is scaffolded).
	suite, ok := families.Lookup(family)
	if !ok {
		return nil, fmt.Errorf("BUG: bundled family %s is not in the registry of families", family)
	}
	files := map[string][]byte{}
	// The WIT, copied from the bundle.
	witRoot := path.Join("wit", family)
	err = fs.WalkDir(bundled.FS(), family, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(bundled.FS(), p)
		files[path.Join("wit", p)] = data
		return err
	})
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "witgo-scaffold-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for p, data := range files {
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return nil, err
		}
	}
	// The bindings.
	genRoot := o.Module + "/gen"
	// The docs name the WIT as generate.go's //go:generate line does.
	gen, err := generateAs(filepath.Join(tmp, filepath.FromSlash(witRoot)), "./"+witRoot, world, genRoot)
	if err != nil {
		return nil, err
	}
	for _, f := range append(gen, generator.NewManifest(world, gen)) {
		files[path.Join("gen", f.Path)] = f.Content
	}
	// The world's package is the folder above its generated backend.
	var worldDir string
	for _, f := range gen {
		if d, ok := strings.CutSuffix(f.Path, "/backend/backend.witgo.go"); ok {
			worldDir = d
		}
	}
	if worldDir == "" {
		return nil, fmt.Errorf("world %s: no keyvalue backend was generated for it", world)
	}
	// The module's own files.
	version := Version()
	if version == "(devel)" || version == "" {
		version = "v0.0.0-00010101000000-000000000000"
	}
	replace := ""
	if o.WitgoDir != "" {
		abs, err := filepath.Abs(o.WitgoDir)
		if err != nil {
			return nil, err
		}
		replace = abs
	} else if version == "v0.0.0-00010101000000-000000000000" {
		return nil, errors.New("this witgo is a development build, so the provider cannot require a released version: pass --witgo-dir with the path of the witgo checkout")
	}
	d := map[string]string{
		"Name":             path.Base(o.Module),
		"Module":           o.Module,
		"World":            world,
		"Family":           family,
		"WorldImport":      genRoot + "/" + worldDir,
		"BackendImport":    genRoot + "/" + worldDir + "/backend",
		"SuiteFunc":        suite.Suite,
		"SuiteWorldImport": suite.WorldPackage,
		"WitgoVersion":     version,
		"Replace":          replace,
	}
	tmpls, err := fs.Glob(scaffold.FS, "*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, name := range tmpls {
		t, err := template.ParseFS(scaffold.FS, name)
		if err != nil {
			return nil, fmt.Errorf("BUG: template %s: %w", name, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, d); err != nil {
			return nil, fmt.Errorf("BUG: template %s: %w", name, err)
		}
		out := strings.TrimSuffix(name, ".tmpl")
		data := buf.Bytes()
		if strings.HasSuffix(out, ".go") {
			if data, err = format.Source(data); err != nil {
				return nil, fmt.Errorf("BUG: template %s: %w", name, err)
			}
		}
		files[out] = data
	}
	var written []string
	for p := range files {
		written = append(written, p)
	}
	for _, p := range written {
		dst := filepath.Join(o.Out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, files[p], 0o644); err != nil {
			return nil, err
		}
	}
	return written, nil
}

// findFamily returns the bundled family folder that defines world, and the
// world's qualified name.
func findFamily(world, name string) (string, string, error) {
	if _, ok := families.Lookup(name); name != "" && !ok {
		return "", "", fmt.Errorf("--wit %q: not a bundled keyvalue family (%s)", name, strings.Join(bundled.Families(), ", "))
	}
	fams, err := loadFamilies()
	if err != nil {
		return "", "", err
	}
	var found, searched []string
	var qualified string
	for _, f := range fams {
		if name != "" && f.name != name {
			continue
		}
		searched = append(searched, f.name)
		w, err := parser.SelectWorld(f.res, world)
		// A short name may also match a world of the deps (wasi:io has an
		// imports world): keep only the family's own worlds.
		if err == nil && slices.Contains(f.worlds, w) {
			found = append(found, f.name)
			qualified = w.QualifiedName()
		}
	}
	switch len(found) {
	case 0:
		return "", "", fmt.Errorf("world %q is not in a bundled keyvalue family (%s); witgo scaffold provider --list lists them", world, strings.Join(searched, ", "))
	case 1:
		return found[0], qualified, nil
	default:
		return "", "", fmt.Errorf("world %q is in several bundled families (%s): choose one with --wit", world, strings.Join(found, ", "))
	}
}
