package cli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
	bundled "github.com/witgo-dev/witgo/wit"
)

const witHelp = `Wit lists and exports the WIT that witgo bundles: the keyvalue families
that "witgo serve" serves and "witgo scaffold provider" starts from.

  witgo wit list                 every family, with its package and worlds
  witgo wit export FAMILY DIR    write FAMILY's .wit files, deps/ included,
                                 into DIR (created; it must not exist or be
                                 empty), as ordinary writable files
`

func runWit(args []string, stdout, stderr io.Writer) int {
	c := newCommand("witgo wit", "witgo wit list | witgo wit export FAMILY DIR", witHelp, stdout, stderr)
	if code, done := c.parse(args); done {
		return code
	}
	args = c.fl.Args()
	if len(args) == 0 {
		return c.usageError("missing subcommand (list or export)")
	}
	switch args[0] {
	case "list":
		if len(args) > 1 {
			return c.usageError("list takes no arguments, got %q", args[1:])
		}
		fams, err := loadFamilies()
		if err != nil {
			return c.fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FAMILY\tPACKAGE\tWORLDS")
		for _, f := range fams {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.name, f.pkg, strings.Join(f.worldNames(), ", "))
		}
		tw.Flush()
		return 0
	case "export":
		if len(args) != 3 {
			return c.usageError("export takes FAMILY and DIR, got %q", args[1:])
		}
		if err := exportFamily(args[1], args[2]); err != nil {
			return c.fail(err)
		}
		return 0
	default:
		return c.usageError("unknown subcommand %q (want list or export)", args[0])
	}
}

// exportFamily writes the bundled family's WIT into dir.
func exportFamily(family, dir string) error {
	if !isFamily(family) {
		return fmt.Errorf("%q is not a bundled WIT family; families: %s", family, strings.Join(bundled.Families(), ", "))
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	sub, err := fs.Sub(bundled.FS(), family)
	if err != nil {
		return err
	}
	return writeFS(dir, sub)
}

// writeFS copies fsys into dir as ordinary files (0644) and folders (0755),
// whatever the modes in fsys.
func writeFS(dir string, fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
}

func isFamily(name string) bool {
	for _, f := range bundled.Families() {
		if f == name {
			return true
		}
	}
	return false
}

// family is one bundled WIT family, loaded.
type family struct {
	name   string // folder name
	pkg    string // the family's own WIT package
	res    *resolve.Resolve
	worlds []*resolve.World // the worlds of the family's own package
}

func (f family) worldNames() []string {
	var names []string
	for _, w := range f.worlds {
		names = append(names, w.Name)
	}
	return names
}

// loadFamilies loads every bundled family.
func loadFamilies() ([]family, error) {
	tmp, err := os.MkdirTemp("", "witgo-families-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := writeFS(tmp, bundled.FS()); err != nil {
		return nil, err
	}
	var fams []family
	for _, name := range bundled.Families() {
		res, err := parser.Load(filepath.Join(tmp, name))
		if err != nil {
			return nil, fmt.Errorf("BUG: bundled WIT %s: %w", name, err)
		}
		// Load puts the package at the path last, after its deps.
		main := res.Packages[len(res.Packages)-1]
		f := family{name: name, pkg: main.Name.String(), res: res}
		for _, w := range res.Worlds {
			if w.Package == main {
				f.worlds = append(f.worlds, w)
			}
		}
		fams = append(fams, f)
	}
	return fams, nil
}
