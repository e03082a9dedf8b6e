package generator

import (
	"fmt"
	"path"
)

// Imports is the import mechanism of a file that templates write, the
// counterpart of jennifer's: the generator declares the name each package
// may be imported under (Add), the code qualifies identifiers through Qual,
// which records the import, and the file's header, rendered last, emits
// the recorded imports (Used). The file renders once; nothing is parsed or
// pruned afterwards.
type Imports struct {
	name  map[string]string // import path → the name the code uses
	paths []string          // in declaration order
	used  map[string]bool
}

// NewImports returns an empty Imports.
func NewImports() *Imports {
	return &Imports{name: make(map[string]string), used: make(map[string]bool)}
}

// Add declares that the package at path is imported as name.
func (im *Imports) Add(path, name string) {
	if _, ok := im.name[path]; !ok {
		im.paths = append(im.paths, path)
	}
	im.name[path] = name
}

// Qual returns name qualified with the name of the package at path, which
// must have been added, and records that the file imports it.
func (im *Imports) Qual(path, name string) string {
	n, ok := im.name[path]
	if !ok {
		panic(fmt.Sprintf("BUG: import %q not declared", path))
	}
	im.used[path] = true
	return n + "." + name
}

// ImportSpec is one import of a templated file.
type ImportSpec struct {
	Name  string // the name the code uses
	Alias string // Name, when it is not the last element of Path; else ""
	Path  string
}

// Used returns the imports Qual recorded, in declaration order.
func (im *Imports) Used() []ImportSpec {
	var specs []ImportSpec
	for _, p := range im.paths {
		if !im.used[p] {
			continue
		}
		s := ImportSpec{Name: im.name[p], Path: p}
		if path.Base(p) != s.Name {
			s.Alias = s.Name
		}
		specs = append(specs, s)
	}
	return specs
}
