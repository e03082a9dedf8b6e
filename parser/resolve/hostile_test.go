package resolve

import (
	"fmt"
	"strings"
	"testing"
)

// TestHostileInputs resolves WIT built to exhaust the resolver; each must
// end in a result or an error, quickly (the test's own time bounds it).
func TestHostileInputs(t *testing.T) {
	// 100,000 nested packages, each used by the next: a dependency chain
	// as long as the file.
	var chain strings.Builder
	const n = 100_000
	for i := range n {
		fmt.Fprintf(&chain, "package a:p%d { interface i { ", i)
		if i > 0 {
			fmt.Fprintf(&chain, "use a:p%d/i.{t}; ", i-1)
		} else {
			chain.WriteString("type t = u32; ")
		}
		chain.WriteString("} }\n")
	}
	res, _, err := LoadSource("chain.wit", chain.String(), Options{})
	if err != nil {
		t.Fatalf("100,000 chained packages: %v", err)
	}
	if len(res.Packages) != n {
		t.Errorf("%d packages resolved, want %d", len(res.Packages), n)
	}

	// 20,000 interfaces of one package in a `use` chain, declared in
	// reverse order, and a world that imports the last: the world imports
	// all of them, deepest first.
	var deep strings.Builder
	deep.WriteString("package a:b;\nworld w { import i0; }\n")
	const m = 20_000
	for i := range m {
		fmt.Fprintf(&deep, "interface i%d { ", i)
		if i < m-1 {
			fmt.Fprintf(&deep, "use i%d.{t}; ", i+1)
		} else {
			deep.WriteString("type t = u32; ")
		}
		deep.WriteString("}\n")
	}
	res, _, err = LoadSource("deep.wit", deep.String(), Options{})
	if err != nil {
		t.Fatalf("20,000 chained interfaces: %v", err)
	}
	if got := len(res.Worlds[0].Imports); got != m {
		t.Errorf("world imports %d interfaces, want %d", got, m)
	}

	// A cycle through 20,000 interfaces is an error, not a hang.
	cycle := strings.Replace(deep.String(), "type t = u32; ", "use i0.{t}; ", 1)
	if _, _, err := LoadSource("cycle.wit", cycle, Options{}); err == nil || !strings.Contains(err.Error(), "depends on itself") {
		t.Errorf("a cycle of 20,000 interfaces: %v", err)
	}

	// 100,000 types in one interface, each an alias of the next.
	var types strings.Builder
	types.WriteString("package a:b;\ninterface i {\n")
	for i := range n {
		if i < n-1 {
			fmt.Fprintf(&types, "type t%d = t%d;\n", i, i+1)
		} else {
			fmt.Fprintf(&types, "type t%d = u32;\n", i)
		}
	}
	types.WriteString("}\n")
	if _, _, err := LoadSource("types.wit", types.String(), Options{}); err != nil {
		t.Errorf("100,000 chained aliases: %v", err)
	}
}
