package parser

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/witgo-dev/witgo/parser/resolve"
)

// Load reads WIT from path: a .wit file, a directory of .wit files (with its
// deps/ folder), or the JSON form wasm-tools prints (a path ending in .json,
// read by resolve.ReadJSON).
// WIT text goes through witgo's own parser and resolver (packages
// parser/syntax and parser/resolve); errors are *syntax.Error, "file:line:col:
// message" followed by the source line and a caret. Every @unstable item is
// kept, as witgo always did; LoadFeatures keeps only some.
func Load(path string) (*resolve.Resolve, error) {
	return LoadFeatures(path, nil)
}

// LoadFeatures is Load keeping only the @unstable items of the named
// features, as wasm-tools' --features does; nil keeps them all.
func LoadFeatures(path string, features []string) (*resolve.Resolve, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	var res *resolve.Resolve
	if strings.HasSuffix(path, ".json") {
		// Already resolved by wasm-tools; its last package is the main one.
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if res, err = resolve.ReadJSON(f); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	} else {
		var main *resolve.Package
		var err error
		res, main, err = resolve.LoadPath(path, resolve.Options{Features: features, AllFeatures: features == nil})
		if err != nil {
			return nil, err
		}
		// The package at path goes last, where SelectWorld looks for it.
		if i := slices.Index(res.Packages, main); i >= 0 {
			res.Packages = append(slices.Delete(res.Packages, i, i+1), main)
		}
	}
	return res, nil
}

// SelectWorld finds the world named by pattern: a short name ("imports"), a
// qualified name ("wasi:keyvalue/imports") or a versioned one
// ("wasi:keyvalue/imports@0.2.0-draft2"). An empty pattern selects the only
// world of the main package. A short name that several packages define
// resolves to the main package's world (the package at the loaded path, which
// wasm-tools lists last, after its deps). Otherwise a missing or ambiguous
// world is an error that lists the candidates.
func SelectWorld(res *resolve.Resolve, pattern string) (*resolve.World, error) {
	var main *resolve.Package
	if n := len(res.Packages); n > 0 {
		main = res.Packages[n-1]
	}
	// A keyword used as a name is written with a %: "%type" selects the
	// world named type.
	pattern = unescapeName(pattern)
	// An exact name wins: "ns:pkg/w" is the world of the unversioned
	// package even when versioned packages of that name have one too.
	var exact []*resolve.World
	for _, w := range res.Worlds {
		if w.QualifiedName() == pattern {
			exact = append(exact, w)
		}
	}
	if len(exact) == 1 {
		return exact[0], nil
	}
	var matches []*resolve.World
	for _, w := range res.Worlds {
		if pattern == "" && w.Package == main || pattern != "" && matchWorld(w, pattern) {
			matches = append(matches, w)
		}
	}
	if len(matches) > 1 {
		var inMain []*resolve.World
		for _, w := range matches {
			if w.Package == main {
				inMain = append(inMain, w)
			}
		}
		if len(inMain) == 1 && pattern != "" {
			matches = inMain
		}
	}
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) == 0 && pattern == "":
		return nil, fmt.Errorf("no world in package %s; worlds: %s", packageName(main), candidates(res.Worlds))
	case len(matches) == 0:
		return nil, fmt.Errorf("world %q not found; worlds: %s", pattern, candidates(res.Worlds))
	case pattern == "":
		return nil, fmt.Errorf("several worlds, choose one with --world: %s", candidates(matches))
	default:
		return nil, fmt.Errorf("world %q is ambiguous: %s", pattern, candidates(matches))
	}
}

// unescapeName drops the % that escapes a keyword at the start of each
// part of a WIT name: "%import", "ns:pkg/%type@1.0.0".
func unescapeName(s string) string {
	var b strings.Builder
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && start {
			continue
		}
		start = c == ':' || c == '/'
		b.WriteByte(c)
	}
	return b.String()
}

func packageName(p *resolve.Package) string {
	if p == nil {
		return "(none)"
	}
	return p.Name.String()
}

// matchWorld reports whether pattern names world w: its short name, its
// qualified name, or its qualified name without the version.
func matchWorld(w *resolve.World, pattern string) bool {
	if pattern == w.Name || pattern == w.QualifiedName() {
		return true
	}
	n := w.Package.Name
	return pattern == n.Namespace+":"+n.Name+"/"+w.Name
}

func candidates(ws []*resolve.World) string {
	if len(ws) == 0 {
		return "(none)"
	}
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.QualifiedName()
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// LoadModel loads the WIT at path (as Load), selects world (as
// SelectWorld) and builds its model (as Build).
func LoadModel(path, world string, opts Options) (*Model, error) {
	res, err := Load(path)
	if err != nil {
		return nil, err
	}
	w, err := SelectWorld(res, world)
	if err != nil {
		return nil, err
	}
	return Build(res, w, opts)
}
