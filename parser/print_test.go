package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.bytecodealliance.org/wit"

	"github.com/witgo-dev/witgo/parser/resolve"
)

// TestSignature checks resolve.Signature, which prints a function's WIT
// declaration from witgo's own model, against go.bytecodealliance.org/wit's
// printer (the generator's Go docs use that one today) on every function
// of the wit-parser UI suite and of the bundled WIT: the same text, but
// for the "async" that the older model cannot print.
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
		old, err := toWit(res)
		if err != nil {
			t.Fatal(err)
		}
		check := func(fn *resolve.Function, wf *wit.Function, owner wit.Node, world *resolve.Package) {
			got := strings.Replace(resolve.Signature(fn, world), "async func", "func", 1)
			old, ok := oldText(wf, owner)
			if !ok {
				// map<K, V> and list<T, N>, which the older model has no
				// kind for: its printer cannot print them.
				if !strings.Contains(got, "map<") && !strings.Contains(got, "list<") {
					t.Errorf("%s: %s: the older printer fails on %s", in, fn.Name, got)
				}
				return
			}
			var lines []string
			for _, l := range strings.Split(old, "\n") {
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
		for i, it := range res.Interfaces {
			wi := old.Interfaces[i]
			for _, fn := range it.Functions {
				check(fn, wi.Functions.Get(fn.Name), wi, nil)
			}
		}
		for i, w := range res.Worlds {
			ww := old.Worlds[i]
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
	if n < 200 {
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

// oldText is go.bytecodealliance.org/wit's text of wf, or false where that
// printer fails (a type of a kind it does not know).
func oldText(wf *wit.Function, owner wit.Node) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return wf.WIT(owner, wf.BaseName()), true
}
