package resolve

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/witgo-dev/witgo/parser/syntax"
)

// Options say how WIT is resolved.
type Options struct {
	// Features are the features whose @unstable items are kept; the others
	// are dropped, as wasm-tools does.
	Features []string
	// AllFeatures keeps every @unstable item.
	AllFeatures bool
}

// LoadPath reads and resolves the WIT at path: a .wit file (with its nested
// packages), or a directory whose .wit files form one package, with its
// dependencies in deps/ (each a directory of .wit files or one .wit file).
// It returns the resolved set and the package at path. Errors are
// *syntax.Error where they have a place in a file.
func LoadPath(path string, opts Options) (*Resolve, *Package, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	var groups []*group
	if !fi.IsDir() {
		g, err := parseGroup([]string{path})
		if err != nil {
			return nil, nil, err
		}
		groups = append(groups, g)
	} else {
		g, err := parseDir(path)
		if err != nil {
			return nil, nil, err
		}
		groups = append(groups, g)
		entries, err := os.ReadDir(filepath.Join(path, "deps"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		// Each dependency is read and parsed on its own; the folder's
		// order is kept, and so is the first error in that order.
		var parse []func() (*group, error)
		for _, e := range entries {
			dep := filepath.Join(path, "deps", e.Name())
			name := e.Name()
			switch {
			case e.IsDir() || e.Type()&fs.ModeSymlink != 0:
				parse = append(parse, func() (*group, error) {
					info, err := os.Stat(dep) // a link to a directory counts as one
					switch {
					case err != nil:
						return nil, err
					case info.IsDir():
						return parseDir(dep)
					}
					return parseDepFile(dep, name)
				})
			default:
				parse = append(parse, func() (*group, error) { return parseDepFile(dep, name) })
			}
		}
		deps, err := parallel(parse)
		if err != nil {
			return nil, nil, err
		}
		for _, g := range deps {
			if g != nil { // nil: a file that is not WIT, ignored
				groups = append(groups, g)
			}
		}
	}
	return resolveGroups(groups, opts)
}

// parseDepFile parses a file of deps/: a .wit file is a package; a
// component (.wasm, .wat) is refused; other files are ignored (nil), as
// wasm-tools ignores them.
func parseDepFile(dep, name string) (*group, error) {
	switch {
	case strings.HasSuffix(name, ".wit"):
		return parseGroup([]string{dep})
	case strings.HasSuffix(name, ".wasm") || strings.HasSuffix(name, ".wat"):
		return nil, fmt.Errorf("%s: dependencies in component form (.wasm, .wat) are not supported: witgo reads WIT text", dep)
	}
	return nil, nil
}

// parallel runs fns on up to GOMAXPROCS goroutines and returns their
// results in order, or the error of the first that failed.
func parallel(fns []func() (*group, error)) ([]*group, error) {
	out := make([]*group, len(fns))
	errs := make([]error, len(fns))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(fns)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = fns[i]()
			}
		}()
	}
	for i := range fns {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LoadSource resolves WIT given as text, as if it were the file name.
func LoadSource(name, src string, opts Options) (*Resolve, *Package, error) {
	sf, err := syntax.Parse(name, src)
	if err != nil {
		return nil, nil, err
	}
	g, err := groupOf([]*syntax.SourceFile{sf}, name)
	if err != nil {
		return nil, nil, err
	}
	return resolveGroups([]*group{g}, opts)
}

// A group is what one path holds: the package of its files (main, unless
// the files hold only nested packages) and its nested packages.
type group struct {
	main   *unit
	nested []*unit
	where  string
}

// A unit is the source of one package, before resolution.
type unit struct {
	name  PackageName
	file  *syntax.File // where the name is declared
	pos   int
	docs  string
	files []*fileItems
	where string
}

// fileItems are the items one file contributes to a package; top-level
// `use` names are scoped to the file.
type fileItems struct {
	file  *syntax.File
	items []syntax.Item
}

func parseDir(dir string) (*group, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".wit") && !e.IsDir() {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(paths)
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no .wit files", dir)
	}
	g, err := parseGroup(paths)
	if err != nil {
		return nil, err
	}
	g.where = dir
	return g, nil
}

func parseGroup(paths []string) (*group, error) {
	var files []*syntax.SourceFile
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		sf, err := syntax.Parse(p, string(src))
		if err != nil {
			return nil, err
		}
		files = append(files, sf)
	}
	return groupOf(files, paths[0])
}

func groupOf(files []*syntax.SourceFile, where string) (*group, error) {
	g := &group{where: where}
	var main *unit
	docsFrom := ""
	for _, sf := range files {
		var rest []syntax.Item
		for _, it := range sf.Items {
			np, ok := it.(*syntax.NestedPackage)
			if !ok {
				rest = append(rest, it)
				continue
			}
			if len(np.Attrs) > 0 {
				return nil, sf.File.Errorf(np.Attrs[0].Pos, "cannot place attributes on nested packages")
			}
			g.nested = append(g.nested, &unit{
				name:  pkgName(np.Name),
				file:  sf.File,
				pos:   np.Name.Pos,
				docs:  np.Docs,
				files: []*fileItems{{file: sf.File, items: np.Items}},
				where: sf.File.Name,
			})
		}
		if sf.Package != nil {
			name := pkgName(*sf.Package)
			if main == nil {
				main = &unit{where: where}
			}
			if main.file == nil {
				main.name, main.file, main.pos = name, sf.File, sf.Package.Pos
			} else if main.name != name {
				return nil, sf.File.Errorf(sf.Package.Pos, "package identifier `%s` does not match previous package name of `%s`", name, main.name)
			}
			if sf.PackageDocs != "" {
				if docsFrom != "" {
					return nil, sf.File.Errorf(sf.Package.Pos, "found doc comments on multiple 'package' items")
				}
				main.docs, docsFrom = sf.PackageDocs, sf.File.Name
			}
		}
		if len(rest) > 0 || sf.Package != nil {
			if main == nil && sf.Package == nil {
				// Items before any package header in this group: the
				// header may be in a later file.
				main = &unit{where: where}
			}
			main.files = append(main.files, &fileItems{file: sf.File, items: rest})
		}
	}
	if main != nil && main.file == nil {
		f := main.files[0].file
		pos := 0
		if len(main.files[0].items) > 0 {
			pos = itemPos(main.files[0].items[0])
		}
		return nil, f.Errorf(pos, "no `package` header was found in any WIT file for this package")
	}
	if main == nil && len(g.nested) == 0 {
		f := files[0].File
		return nil, f.Errorf(0, "no `package` header was found in any WIT file for this package")
	}
	g.main = main
	return g, nil
}

func itemPos(it syntax.Item) int {
	switch it := it.(type) {
	case *syntax.Use:
		return it.Path.Pos
	case *syntax.Interface:
		return it.Name.Pos
	case *syntax.World:
		return it.Name.Pos
	case *syntax.NestedPackage:
		return it.Name.Pos
	}
	return 0
}

func pkgName(n syntax.PackageName) PackageName {
	return PackageName{Namespace: n.Namespace.Name, Name: n.Name.Name, Version: n.Version}
}
