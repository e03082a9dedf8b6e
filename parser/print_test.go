package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.bytecodealliance.org/wit"

	"github.com/witgo-dev/witgo/internal/witoracle"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// TestSignature checks resolve.Signature, which prints a function's WIT
// declaration from witgo's own model (the generator's Go docs show it),
// against go.bytecodealliance.org/wit's printer on every function of the
// wit-parser UI suite and of the bundled WIT that the embedded wasm-tools
// 1.227 reads: the same text. Named interfaces and worlds are matched by
// name; inline interfaces are left out.
func TestSignature(t *testing.T) {
	var inputs []string
	for _, pattern := range []string{"../testdata/wit-parser-ui/*.wit", "../wit/*"} {
		m, _ := filepath.Glob(pattern)
		inputs = append(inputs, m...)
	}
	n := 0
	for _, in := range inputs {
		if fi, err := os.Stat(in); err != nil || !fi.IsDir() && !strings.HasSuffix(in, ".wit") {
			continue // wit/ also holds its Go embedding and SOURCES.md
		}
		res, _, err := resolve.LoadPath(in, resolve.Options{Features: []string{"active"}})
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if filepath.Base(in) == "with-resource-as.wit" {
			// wasm-tools 1.227 keeps the name r of a resource included
			// `with { r as s }`; current wasm-tools (the expected JSON of
			// this test) and witgo rename it s.
			continue
		}
		old, err := witoracle.Load(in)
		if err != nil {
			continue // newer WIT than wasm-tools 1.227 reads
		}
		check := func(fn *resolve.Function, wf *wit.Function, owner wit.Node, world *resolve.Package) {
			if wf == nil && fn.Async {
				return // the older model names async functions "[async]f", and cannot print them
			}
			if wf == nil {
				t.Errorf("%s: %s: missing from the embedded loader's model", in, fn.Name)
				return
			}
			got := resolve.Signature(fn, world)
			var lines []string
			for _, l := range strings.Split(wf.WIT(owner, wf.BaseName()), "\n") {
				if !strings.HasPrefix(strings.TrimSpace(l), "//") {
					lines = append(lines, l)
				}
			}
			want := strings.TrimSuffix(strings.Join(lines, " "), ";")
			if got != want {
				t.Errorf("%s: %s:\n got %s\nwant %s", in, fn.Name, got, want)
			}
			n++
		}
		oldIfaces := map[string]*wit.Interface{}
		for _, wi := range old.Interfaces {
			if wi.Name != nil {
				id := wi.Package.Name
				id.Extension = *wi.Name
				oldIfaces[id.String()] = wi
			}
		}
		oldWorlds := map[string]*wit.World{}
		for _, ww := range old.Worlds {
			id := ww.Package.Name
			id.Extension = ww.Name
			oldWorlds[id.String()] = ww
		}
		for _, it := range res.Interfaces {
			wi := oldIfaces[it.QualifiedName()]
			if it.Name == "" || wi == nil {
				continue
			}
			for _, fn := range it.Functions {
				check(fn, wi.Functions.Get(fn.Name), wi, nil)
			}
		}
		for _, w := range res.Worlds {
			ww := oldWorlds[w.QualifiedName()]
			if ww == nil {
				continue // a world of newer WIT (async.wit's y) that wasm-tools 1.227 leaves out
			}
			for _, items := range [][]*resolve.WorldItem{w.Imports, w.Exports} {
				for _, it := range items {
					if it.Function == nil {
						continue
					}
					check(it.Function, findFunc(ww, it.Function.Name), ww, w.Package)
				}
			}
		}
	}
	if n < 150 {
		t.Fatalf("checked only %d functions", n)
	}
	t.Logf("%d functions", n)
}

// findFunc finds a world's function, imported or exported, by name.
func findFunc(w *wit.World, name string) *wit.Function {
	for _, item := range w.Imports.All() {
		if f, ok := item.(*wit.Function); ok && f.Name == name {
			return f
		}
	}
	for _, item := range w.Exports.All() {
		if f, ok := item.(*wit.Function); ok && f.Name == name {
			return f
		}
	}
	return nil
}
