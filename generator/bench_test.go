package generator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/internal/witoracle"
	"github.com/witgo-dev/witgo/parser"
)

// BenchmarkGenerate measures model building and Go emission for the early
// keyvalue family (8 packages), after the WIT is loaded.
func BenchmarkGenerate(b *testing.B) {
	res, err := parser.Load("../wit/wasi-keyvalue-0.2.0-draft-early")
	if err != nil {
		b.Fatal(err)
	}
	w, err := parser.SelectWorld(res, "imports")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := parser.Build(res, w, parser.Options{PackageRoot: "example.com/bench"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := generator.Generate(m, generator.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad compares loading the draft2 keyvalue WIT (4 files, one
// package) through witgo's own parser and resolver (Native) and through the
// embedded wasm-tools 1.227 that witgo used before (Embedded, warm: wazero
// has compiled wasm-tools already).
func BenchmarkLoad(b *testing.B) {
	const path = "../wit/wasi-keyvalue-0.2.0-draft2"
	b.Run("Native", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parser.Load(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Embedded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := witoracle.Load(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLoadManyPackages compares the loaders on a world of 90 packages,
// the size of Spin's platform world: 89 dependency packages in deps/, each
// using types of the one before, and a root world that imports all of
// them.
func BenchmarkLoadManyPackages(b *testing.B) {
	dir := b.TempDir()
	const n = 89
	var root strings.Builder
	root.WriteString("package bench:root;\n\nworld w {\n")
	for i := range n {
		pkg := filepath.Join(dir, "deps", fmt.Sprintf("p%d", i))
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			b.Fatal(err)
		}
		var src strings.Builder
		fmt.Fprintf(&src, "package bench:p%d@1.0.0;\n\ninterface i {\n", i)
		if i > 0 {
			fmt.Fprintf(&src, "  use bench:p%d/i@1.0.0.{t as prev};\n  record t { a: prev, b: list<string>, c: option<u64> }\n", i-1)
		} else {
			src.WriteString("  record t { a: u32, b: list<string>, c: option<u64> }\n")
		}
		src.WriteString("  variant e { none, other(string) }\n  resource r {\n    constructor(x: t);\n    get: func() -> result<t, e>;\n  }\n  f: func(x: t, y: borrow<r>) -> result<list<t>, e>;\n}\n")
		if err := os.WriteFile(filepath.Join(pkg, "p.wit"), []byte(src.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&root, "  import bench:p%d/i@1.0.0;\n", i)
	}
	root.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(dir, "root.wit"), []byte(root.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, load := range []struct {
		name string
		load func(string) (int, error) // the number of packages read
	}{{"Native", func(path string) (int, error) {
		res, err := parser.Load(path)
		if err != nil {
			return 0, err
		}
		return len(res.Packages), nil
	}}, {"Embedded", func(path string) (int, error) {
		res, err := witoracle.Load(path)
		if err != nil {
			return 0, err
		}
		return len(res.Packages), nil
	}}} {
		b.Run(load.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pkgs, err := load.load(dir)
				if err != nil {
					b.Fatal(err)
				}
				if pkgs != n+1 {
					b.Fatalf("%d packages", pkgs)
				}
			}
		})
	}
}
